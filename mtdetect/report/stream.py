"""Documents written piece by piece: the text, JSON, JSON Lines and CSV forms of a document
whose sentences arrive a piece at a time (:meth:`mtdetect.MTDetector.score_pieces`).

A huge document's sentences are never all held: the JSON forms spool each sentence's JSON
to a temporary file (in memory up to :data:`SPOOL_BYTES`, then on disk) until the document
score is known, and the text and CSV forms keep only the sentences with spans. The output is
the same, byte for byte, as :func:`mtdetect.report.render` of the whole results (which is
built on this module). HTML is not streamed: a page needs the whole report.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence

from mtdetect.report.layout import safe_text
from mtdetect.report.terminal import sentence_lines
from mtdetect.result import SCHEMA, DocumentResult, SentenceResult, dumps_json, scrub_surrogates

__all__ = ["STREAM_FORMATS", "DocumentWriter", "closing", "stream"]

#: Formats a :class:`DocumentWriter` writes.
STREAM_FORMATS = ("text", "json", "jsonl", "csv")
#: Spooled sentence JSON kept in memory before it moves to a temporary file.
SPOOL_BYTES = 8 << 20
_READ = 1 << 20

CSV_COLUMNS = [
    "source", "id", "doc_score", "verdict", "sentence", "sentence_score",
    "start", "end", "text", "family", "strength", "explanation", "suggestion",
]  # fmt: skip


def _indent(block: str, prefix: str) -> str:
    # JSON strings escape line breaks, so every line of the block is a line of JSON.
    return "\n".join(prefix + line for line in block.split("\n"))


class DocumentWriter:
    """One document in ``fmt``: :meth:`add` its sentences in text order, then
    :meth:`finish` yields the output.

    ``index`` is the document's position in the output (the first one carries the CSV
    header; later ones their separators) and ``many`` says whether the JSON form is an
    array of documents rather than one object.
    """

    def __init__(self, fmt: str, *, index: int = 0, many: bool = False, color: bool = False):
        if fmt not in STREAM_FORMATS:
            raise ValueError(f"cannot stream {fmt!r}; choose one of {', '.join(STREAM_FORMATS)}")
        self.fmt, self.index, self.many, self.color = fmt, index, many, color
        self.n_sentences = 0
        self.n_spans = 0
        # text: the lines of the sentences with spans; csv: one row per span
        self._kept: list = []
        self._spool: tempfile.SpooledTemporaryFile | None = None
        if fmt in ("json", "jsonl"):
            self._spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed in finish
                max_size=SPOOL_BYTES, mode="w+", encoding="utf-8", newline=""
            )

    def add(self, sentences: Iterable[SentenceResult]) -> None:
        """The document's next sentences."""
        for sent in sentences:
            i = self.n_sentences
            self.n_sentences += 1
            self.n_spans += len(sent.spans)
            if self.fmt == "text":
                if sent.spans:
                    self._kept.extend(sentence_lines(i, sent, self.color))
            elif self.fmt == "csv":
                self._kept.extend(
                    [i, f"{sent.score:.4f}", sp.start, sp.end, sp.text, sp.family,
                     f"{sp.strength:.4f}", sp.explanation, sp.suggestion or ""]
                    for sp in sent.spans
                )  # fmt: skip
            else:
                assert self._spool is not None
                if i:
                    self._spool.write(", " if self.fmt == "jsonl" else ",\n")
                if self.fmt == "jsonl":
                    self._spool.write(dumps_json(sent.to_dict()))
                else:
                    depth = "      " if self.many else "    "
                    self._spool.write(_indent(dumps_json(sent.to_dict(), indent=2), depth))

    def finish(
        self,
        score: float,
        verdict: str,
        model: str,
        id: str | None = None,
        source: str | None = None,
    ) -> Iterator[str]:
        """The document's output, in pieces (the spooled sentences are read back in blocks)."""
        try:
            yield from (
                scrub_surrogates(x) for x in self._finish(score, verdict, model, id, source)
            )
        finally:
            if self._spool is not None:
                self._spool.close()

    def _finish(self, score, verdict, model, id, source) -> Iterator[str]:
        if self.fmt == "text":
            name = safe_text(source or id or "<text>")
            s = "s" if self.n_spans != 1 else ""
            head = (
                f"{name}: score {score:.2f} ({verdict}), {self.n_sentences} sentences, "
                f"{self.n_spans} suspect span{s}"
            )
            yield ("\n" if self.index else "") + "\n".join([head, *self._kept, ""])
            return
        if self.fmt == "csv":
            buf = io.StringIO()
            writer = csv.writer(buf, lineterminator="\n")
            if self.index == 0:
                writer.writerow(CSV_COLUMNS)
            head = [source or "", id or "", f"{score:.4f}", verdict]
            for row in self._kept:
                writer.writerow([*head, *row])
            if not self._kept:
                writer.writerow([*head, "", "", "", "", "", "", "", "", ""])
            yield buf.getvalue()
            return
        doc = {
            "schema": SCHEMA,
            "id": id,
            "source": source,
            "score": round(score, 4),
            "verdict": verdict,
            "model": model,
            "sentences": [],
        }
        assert self._spool is not None
        if self.fmt == "jsonl":
            head = dumps_json(doc)
            assert head.endswith("[]}")
            yield head[:-3] + "["
            yield from self._spooled()
            yield "]}\n"
            return
        head = dumps_json(doc, indent=2)
        assert head.endswith("[]\n}")
        pad = "  " if self.many else ""
        head = _indent(head, pad)
        opening = ("[\n" if self.index == 0 else ",\n") if self.many else ""
        if not self.n_sentences:
            yield opening + head + ("" if self.many else "\n")
            return
        yield opening + head[: -len("[]\n" + pad + "}")] + "[\n"
        yield from self._spooled()
        yield "\n" + pad + "  ]\n" + pad + "}" + ("" if self.many else "\n")

    def close(self) -> None:
        """Drop a document that will not be finished (its spooled sentences go)."""
        if self._spool is not None:
            self._spool.close()

    def _spooled(self) -> Iterator[str]:
        assert self._spool is not None
        self._spool.seek(0)
        while block := self._spool.read(_READ):
            yield block


def closing(fmt: str, many: bool) -> str:
    """What follows the last document: the end of the JSON array of several documents."""
    return "\n]\n" if fmt == "json" and many else ""


def stream(results: Sequence[DocumentResult], fmt: str, *, color: bool = False) -> Iterator[str]:
    """The output of whole ``results`` in ``fmt``, in pieces."""
    many = len(results) > 1
    for i, r in enumerate(results):
        w = DocumentWriter(fmt, index=i, many=many, color=color)
        w.add(r.sentences)
        yield from w.finish(r.score, r.verdict, r.model, r.id, r.source)
    yield closing(fmt, many)
