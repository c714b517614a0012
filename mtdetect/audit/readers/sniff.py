"""What a file holds, by its content and its name together: compression by magic bytes, the
format by the name and a look at the first decompressed bytes; and a file's fingerprint."""

from __future__ import annotations

import codecs
import hashlib
import os
from typing import Any

from mtdetect.audit.readers.base import (
    _COMPRESSION_SUFFIXES,
    _JSONL_SUFFIXES,
    _SNIFF,
    _TEXT_SUFFIXES,
    _WARC_SUFFIXES,
)
from mtdetect.inputs import compression_of

_MAGIC_BINARY = (
    (b"\x7fELF", "an ELF executable"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
)


_TEXT_CONTROLS = frozenset(b"\t\n\r\f\b\x1b")


def sniff_bytes(head: bytes) -> tuple[str, str | None]:
    """What the (decompressed) start of a file looks like: (kind, detail).

    kind is parquet | warc | jsonl (a line that starts with ``{`` among the first lines) |
    json (one JSON document: starts with ``[``, or a lone ``{`` line) | text | empty |
    binary | utf16 (a UTF-16/32 byte order mark).
    """
    if head.startswith(b"PAR1"):
        return "parquet", None
    if head.startswith((b"WARC/", b"filedesc://")):
        return "warc", None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf16", None
    for magic, what in _MAGIC_BINARY:
        if head.startswith(magic):
            return "binary", what
    sample = head[:8192]
    if sample:
        controls = sum(1 for b in sample if b < 32 and b not in _TEXT_CONTROLS)
        if b"\x00" in sample and controls / len(sample) > 0.05:
            return "binary", None
        if controls / len(sample) > 0.3:
            return "binary", None
    body = head.removeprefix(codecs.BOM_UTF8)
    lines = [ln for ln in (x.strip() for x in body.split(b"\n")[:50]) if ln]
    if not lines:
        return "empty", None
    first = lines[0]
    if first.startswith(b"[") or first == b"{":
        return "json", None
    if any(ln.startswith(b"{") for ln in lines[:20]):
        return "jsonl", None
    return "text", None


def _name_kind(path: str) -> tuple[str | None, str | None]:
    """(kind by name, compression by name); kind is None for an unknown name."""
    low = os.path.basename(path).lower()
    compression = None
    for suf, comp in _COMPRESSION_SUFFIXES.items():
        if low.endswith(suf):
            compression, low = comp, low[: -len(suf)]
            break
    if low.endswith(_JSONL_SUFFIXES):
        return "jsonl", compression
    if low.endswith(".json"):
        return "json", compression
    if low.endswith(_WARC_SUFFIXES) or low.endswith(".warc.wet"):
        return "warc", compression
    if low.endswith(_TEXT_SUFFIXES):
        return "txt", compression
    if low.endswith(".csv"):
        return "csv", compression
    if low.endswith(".tsv"):
        return "tsv", compression
    if low.endswith(".parquet"):
        return "parquet", compression
    return None, compression


def _readable_name(path: str) -> bool:
    return _name_kind(path)[0] is not None


def _decompress_prefix(data: bytes, comp: str, limit: int = _SNIFF) -> bytes:
    """The first decompressed bytes of ``data`` (best effort: b"" when it cannot)."""
    try:
        if comp == "gz":
            import zlib

            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, limit)
        if comp == "bz2":
            import bz2

            return bz2.BZ2Decompressor().decompress(data, limit)
        if comp == "xz":
            import lzma

            return lzma.LZMADecompressor().decompress(data, limit)
        if comp == "zst":
            import zstandard

            return zstandard.ZstdDecompressor().decompressobj().decompress(data)[:limit]
    except Exception:
        return b""
    return b""


def _file_head(path: str) -> tuple[bytes, str | None, bytes]:
    """(raw head, compression by content, decompressed head)."""
    with open(path, "rb") as f:
        raw = f.read(_SNIFF)
    comp = compression_of(raw)
    if comp is None:
        return raw, None, raw
    with open(path, "rb") as f:  # decompress enough input for _SNIFF output bytes
        data = f.read(4 * _SNIFF)
    return raw, comp, _decompress_prefix(data, comp)


_KIND_WORD = {"jsonl": "JSON Lines", "json": "JSON", "csv": "CSV", "tsv": "TSV",
              "parquet": "Parquet", "warc": "WARC/WET", "txt": "text"}  # fmt: skip


def resolve_kind(
    name_kind: str | None, content: str, detail: str | None, forced: str = "auto"
) -> tuple[str, str | None]:
    """The kind to read a file as, from its name and content: (kind, reason if invalid)."""
    if content == "binary":
        what = f" ({detail})" if detail else ""
        return "invalid", f"binary file: not text{what}"
    if content == "utf16":
        return "invalid", (
            "bad encoding: UTF-16/UTF-32 text (byte order mark); JSON Lines and CSV must be UTF-8"
        )
    want = forced if forced != "auto" else name_kind
    if content in ("parquet", "warc"):
        if want in (None, content) or forced == "auto":
            return content, None  # the content says what it is
        return "invalid", f"not {_KIND_WORD[want]}: the file is a {_KIND_WORD[content]} file"
    if want == "parquet":
        return "invalid", "not a Parquet file: no PAR1 header"
    if want == "warc":
        return "invalid", "not a WARC/WET file: it does not start with a WARC/ record header"
    if content == "json" and want in ("json", "jsonl"):
        return "invalid", (
            "not JSON Lines: the file is one JSON document (an array or a multi-line object), "
            "not one record a line; convert it first, e.g. jq -c '.[]'"
        )
    if want == "json":
        if content in ("jsonl", "empty"):
            return "jsonl", None
        return "invalid", "not JSON: a .json file whose lines are not JSON objects"
    if want == "jsonl":
        if content in ("jsonl", "empty") or forced == "jsonl":
            return "jsonl", None
        return "invalid", "not JSON Lines: none of the first lines is a JSON object"
    if want in ("csv", "tsv", "txt"):
        return want, None
    if content == "json":
        return "invalid", (
            "not text: the file is one JSON document; name it .json/.jsonl if it holds "
            "records, one a line"
        )
    # An unknown name, named explicitly: the content decides; plain text is one document.
    return ("jsonl" if content == "jsonl" else "txt"), None


def fingerprint(path: str, block: int = 1 << 16) -> dict[str, Any]:
    """What identifies an input's content for ``--resume``: size, modification time and a
    hash of its first and last ``block`` bytes (cheap on any size, and it changes when the
    file is edited in place, even at the same size)."""
    st = os.stat(path)
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        h.update(f.read(block))
        if st.st_size > block:
            f.seek(max(block, st.st_size - block))
            h.update(f.read(block))
    return {"path": path, "size": st.st_size, "mtime_ns": st.st_mtime_ns, "hash": h.hexdigest()}
