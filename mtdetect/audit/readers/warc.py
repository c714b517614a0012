"""WARC and WET records: the documents of response, resource and conversion records."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mtdetect.audit.readers.base import ReadOptions, Record, _decode_error
from mtdetect.audit.readers.streams import _Input
from mtdetect.inputs import InputError, decode_bytes

_DOC_RECORDS = ("response", "resource", "conversion")


def _read_warc(inp: _Input, source: str, ro: ReadOptions) -> Iterator[Record]:
    """Each HTML response (WARC) or text conversion (WET) record is one document.

    HTML pages have their main text extracted by trafilatura; WET text is read as is
    (UTF-8, strictly). Other WARC records (warcinfo, request, metadata) are not documents.
    """
    offset = 0
    seen = docs = 0
    try:
        from warcio.archiveiterator import ArchiveIterator
    except ImportError:
        yield Record(source, None, kind="warc",
                     error="reading WARC needs warcio and trafilatura: pip install 'mtdetect[warc]'")  # fmt: skip
        return
    try:
        # gzip WARC: warcio reads the members itself, so offsets are those on disk.
        it = ArchiveIterator(inp.raw if inp.comp == "gz" else inp.stream)
        for wrec in it:
            seen += 1
            if wrec.rec_type not in _DOC_RECORDS:
                continue
            docs += 1
            rec = _warc_record(wrec, source, ro)
            offset = it.get_record_offset()  # only after the body: it consumes the record
            rec.position = offset
            rec.progress = inp.raw.count
            yield rec
    except Exception as exc:
        yield Record(source, offset, kind="warc", error=f"bad WARC file: {exc}")
        return
    if docs == 0:
        yield Record(source, None, kind="warc", error=(
            f"no documents: {seen:,} WARC records, none a response, resource or conversion "
            "(WET) record"))  # fmt: skip


def _warc_record(wrec: Any, source: str, ro: ReadOptions) -> Record:
    h = wrec.rec_headers
    url = h.get_header("WARC-Target-URI")
    rid = h.get_header("WARC-Record-ID")
    rec = Record(source, None, id=rid, kind="warc",
                 fields={"id": rid, "url": url, "date": h.get_header("WARC-Date")})  # fmt: skip
    if wrec.rec_type == "response" and wrec.http_headers:
        ctype = wrec.http_headers.get_header("Content-Type") or ""
    else:
        ctype = h.get_header("Content-Type") or ""
    body = wrec.content_stream().read(ro.max_record_bytes + 1)
    rec.nbytes = len(body)
    low = ctype.lower()
    if len(body) > ro.max_record_bytes:
        rec.error = f"record too large: over {ro.max_record_bytes:,} bytes"
    elif wrec.rec_type == "conversion" or low.startswith("text/plain"):
        try:
            rec.text = decode_bytes(body, "record")
        except InputError as exc:
            rec.error = _decode_error(exc)
    elif "html" in low:
        import trafilatura

        from mtdetect.audit.markers import mt_marker

        html = body.decode("utf-8", "replace")  # HTML declares its own charset; lenient
        rec.extra["mt_marker"] = mt_marker(html)
        rec.text = trafilatura.extract(html, url=url) or ""
        if not rec.text:
            rec.extra["skip"] = "no main text found in the page"
    else:
        rec.text = ""
        rec.extra["skip"] = f"not HTML: content type {ctype or 'unknown'}"
    assert rec.fields is not None
    rec.fields["text"] = rec.text
    return rec
