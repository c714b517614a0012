"""Reading input documents for the CLI, with one clear message for every way it can fail."""

from __future__ import annotations

import codecs
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "InputDocument",
    "InputError",
    "InputText",
    "compression_of",
    "decode_bytes",
    "expand_paths",
    "open_input",
    "read_input",
]

#: Files larger than this are refused by ``mtdetect score`` (use ``mtdetect audit``).
MAX_BYTES = 50 * 1024 * 1024
TEXT_SUFFIXES = (".txt", ".text", ".md")
#: Bytes read at a time by :func:`open_input`.
CHUNK_BYTES = 1 << 20
#: Characters of the start of a document kept for the language check.
HEAD_CHARS = 8192
#: Standard input up to this size is held in memory while it is checked, then on disk.
STDIN_SPOOL_BYTES = 8 << 20


#: Names of corpus files, which ``score`` refuses (one record is not one document there).
CORPUS_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".parquet", ".warc", ".wet",
                   ".arc")  # fmt: skip
_MAGIC = ((b"\x1f\x8b", "gzip"), (b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zstd"))


def compression_of(head: bytes) -> str | None:
    """The compression of data that starts with ``head`` (by magic bytes): gz, bz2, xz, zst."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return {"gzip": "gz", "xz": "xz", "zstd": "zst"}[name]
    if len(head) >= 4 and head.startswith(b"BZh") and head[3:4].isdigit() and head[3:4] != b"0":
        return "bz2"
    return None


class InputError(Exception):
    """An input that cannot be scored; the message names the input and the cause."""


@dataclass(frozen=True, slots=True)
class InputText:
    source: str
    text: str


def decode_bytes(data: bytes, name: str) -> str:
    """Decode UTF-8 (with or without BOM) or BOM-marked UTF-16/32.

    Policy: invalid UTF-8 is an error naming the byte offset, never silently replaced;
    bytes that look binary (NUL bytes without a UTF-16 BOM) are refused.
    """
    if data.startswith(codecs.BOM_UTF32_LE) or data.startswith(codecs.BOM_UTF32_BE):
        encoding = "utf-32"
    elif data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        encoding = "utf-16"
    else:
        if b"\x00" in data[:8192]:
            raise InputError(f"{name}: binary file (contains NUL bytes), not text")
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        # Offsets count from the start of the data, a byte-order mark included (as
        # open_input reports them; utf-8-sig counts from after its mark).
        at = exc.start + (len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0)
        raise InputError(
            f"{name}: not valid {encoding.upper().replace('-SIG', '')} (bad byte at offset {at})"
        ) from None


#: The message for ``-`` named twice (standard input can be read once), in both commands.
STDIN_TWICE = "-: standard input named more than once"


def files_in(folder: Path, accept: Callable[[str], bool]) -> list[str]:
    """The files under ``folder``, recursively, whose name ``accept`` takes, sorted as strings:
    how both ``score`` and ``audit`` expand a folder (the order is part of an audit's plan)."""
    return sorted(str(f) for f in folder.rglob("*") if f.is_file() and accept(f.name))


def is_text_name(name: str) -> bool:
    """Whether a file name is one ``score`` reads in a folder (``.txt``, ``.text``, ``.md``)."""
    return Path(name).suffix.lower() in TEXT_SUFFIXES


def expand_paths(paths: list[str]) -> Iterator[str | InputError]:
    """Input names in order: files as given, text files inside directories (sorted), ``-``.

    Problems are yielded as :class:`InputError` in place, so good inputs are still read.
    """
    stdin_seen = False
    for p in paths:
        if p == "-":
            if stdin_seen:
                yield InputError(STDIN_TWICE)
            else:
                stdin_seen = True
                yield p
            continue
        path = Path(p)
        if path.is_dir():
            files = files_in(path, is_text_name)
            if not files:
                yield InputError(f"{p}: directory has no text files ({', '.join(TEXT_SUFFIXES)})")
            yield from files
        elif not path.exists():
            yield InputError(f"{p}: no such file or directory")
        else:
            yield p


def read_input(name: str, max_bytes: int = MAX_BYTES) -> InputText:
    """Read, check and decode one whole input (a path, or ``-`` for standard input); see
    :func:`open_input` for the checks."""
    with open_input(name, max_bytes) as doc:
        return InputText(doc.source, doc.text())


# (BOM, codec without BOM, name in messages), longest BOM first: UTF-32-LE's starts with UTF-16-LE's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
)


@dataclass(slots=True)
class InputDocument:
    """One checked input whose text is read again a block at a time (:meth:`chunks`), so that
    a large file is never whole in memory. ``head`` is the start of its text."""

    source: str
    head: str
    _path: Path | None = field(default=None, repr=False)
    _spool: BinaryIO | None = field(default=None, repr=False)
    _skip: int = field(default=0, repr=False)
    _codec: str = field(default="utf-8", repr=False)
    _label: str = field(default="UTF-8", repr=False)
    _max_bytes: int = field(default=MAX_BYTES, repr=False)

    def chunks(self) -> Iterator[str]:
        """The text, decoded a block at a time (the same text a whole read decodes to)."""
        fh = self._reopen()
        try:
            fh.seek(self._skip)
            # A file that changed since it was checked is an error, never read as it is.
            yield from _decode_blocks(
                fh, self._codec, self._label, self.source, self._skip, self._max_bytes
            )
        finally:
            if self._spool is None:
                fh.close()

    def text(self) -> str:
        """The whole text (for callers that need it at once)."""
        return "".join(self.chunks())

    def close(self) -> None:
        """Drop the copy of standard input (files need nothing)."""
        if self._spool is not None:
            self._spool.close()

    def __enter__(self) -> InputDocument:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _reopen(self) -> BinaryIO:
        if self._spool is not None:
            return self._spool
        assert self._path is not None
        try:
            return open(self._path, "rb")
        except OSError as exc:
            raise InputError(f"{self.source}: cannot read ({exc.strerror or exc})") from None


def _decode_blocks(
    fh: BinaryIO, codec: str, label: str, name: str, offset: int, limit: int | None = None
) -> Iterator[str]:
    """Decode ``fh`` from ``offset`` a block at a time; an invalid byte is an error that names
    its offset in the file, and so is reading past ``limit`` bytes (a file that grew)."""
    decoder = codecs.getincrementaldecoder(codec)()
    while True:
        block = fh.read(CHUNK_BYTES)
        if limit is not None and offset + len(block) > limit:
            raise InputError(f"{name}: input over the {limit:,}-byte limit")
        pending = len(decoder.getstate()[0])
        try:
            text = decoder.decode(block, final=not block)
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{name}: not valid {label} (bad byte at offset {offset - pending + exc.start})"
            ) from None
        offset += len(block)
        if text:
            yield text
        if not block:
            return


def open_input(name: str, max_bytes: int = MAX_BYTES) -> InputDocument:
    """Check one input (a path, or ``-`` for standard input) as :func:`read_input` does,
    reading it a block at a time; its text is then read again by
    :meth:`InputDocument.chunks`. Standard input and other inputs that cannot be read twice
    (a pipe, ``<(...)`` in a shell) are copied aside first (to disk past
    :data:`STDIN_SPOOL_BYTES`).

    Invalid bytes are reported by their offset in the file (a byte-order mark counts).
    """
    if name == "-":
        if sys.stdin is None or sys.stdin.isatty():
            raise InputError("-: standard input is a terminal; pipe text in or name a file")
        return _spooled("<stdin>", name, sys.stdin.buffer, max_bytes)
    path = Path(name)
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode):
            with open(path, "rb") as stream:  # a pipe or a device: read it once, aside
                return _spooled(name, name, stream, max_bytes)
        if st.st_size > max_bytes:
            raise InputError(
                f"{name}: file is {st.st_size:,} bytes, over the {max_bytes:,}-byte limit "
                "of 'score' (use 'mtdetect audit' for corpora)"
            )
        fh = open(path, "rb")  # noqa: SIM115 - closed below
    except InputError:
        raise
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory") from None
    except PermissionError:
        raise InputError(f"{name}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror or exc})") from None
    with fh:
        return _check(name, name, fh, path, None, max_bytes)


def _spooled(source: str, name: str, stream: BinaryIO, max_bytes: int) -> InputDocument:
    """Check an input that can be read only once, from a copy of it."""
    spool = tempfile.SpooledTemporaryFile(max_size=STDIN_SPOOL_BYTES)  # noqa: SIM115
    try:
        try:
            while block := stream.read(CHUNK_BYTES):
                spool.write(block)
                if spool.tell() > max_bytes:
                    raise InputError(f"{source}: input over the {max_bytes:,}-byte limit")
        except OSError as exc:
            raise InputError(f"{name}: cannot read ({exc.strerror or exc})") from None
        spool.seek(0)
        return _check(source, name, spool, None, spool, max_bytes)
    except BaseException:
        spool.close()
        raise


def _check(
    source: str,
    name: str,
    fh: BinaryIO,
    path: Path | None,
    spool: BinaryIO | None,
    max_bytes: int,
) -> InputDocument:
    """The checks of :func:`read_input`, on ``fh`` read a block at a time."""
    try:
        first = fh.read(CHUNK_BYTES)
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror or exc})") from None
    hint = "mtdetect audit -" if name == "-" else f"mtdetect audit {name}"
    comp = compression_of(first[:8])
    if comp is not None:
        raise InputError(
            f"{source}: {comp}-compressed data, not text; '{hint}' reads compressed corpora"
        )
    suffix = Path(name.lower().removesuffix(".gz")).suffix if name != "-" else ""
    if suffix in CORPUS_SUFFIXES:
        raise InputError(f"{source}: a {suffix} corpus file, not a document; use '{hint}'")
    skip, codec, label = 0, "utf-8", "UTF-8"
    for bom, bom_codec, bom_label in _BOMS:
        if first.startswith(bom):
            skip, codec, label = len(bom), bom_codec, bom_label
            break
    if label == "UTF-8" and b"\x00" in first[:8192]:
        raise InputError(f"{source}: binary file (contains NUL bytes), not text")
    fh.seek(skip)
    head: list[str] = []
    n_head = 0
    seen_text = False
    whole: list[str] | None = None  # kept only for text that starts like JSON
    try:
        for text in _decode_blocks(fh, codec, label, source, skip):
            if n_head < HEAD_CHARS:
                head.append(text[: HEAD_CHARS - n_head])
                n_head += len(head[-1])
            if whole is not None:
                whole.append(text)
            elif not seen_text and (body := text.lstrip()):
                seen_text = True
                if body[0] in "{[":
                    whole = [text]
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror or exc})") from None
    if fh.tell() > max_bytes:  # the file grew after its size was read
        raise InputError(f"{source}: input over the {max_bytes:,}-byte limit")
    if not seen_text:
        raise InputError(f"{source}: empty (no text to score)")
    if whole is not None and _looks_like_json("".join(whole)):
        raise InputError(f"{source}: JSON data, not prose; '{hint}' scores its records")
    return InputDocument(source, "".join(head), path, spool, skip, codec, label, max_bytes)


def _looks_like_json(text: str) -> bool:
    """True for JSON or JSON Lines: prose almost never parses as JSON."""
    import json

    body = text.lstrip()
    if body[:1] not in ("{", "["):
        return False
    first = body.split("\n", 1)[0]
    for candidate in (first, body):
        try:
            json.loads(candidate)
            return True
        except (ValueError, RecursionError):
            continue
    return False
