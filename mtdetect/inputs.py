"""Reading input documents for the CLI, with one clear message for every way it can fail."""

from __future__ import annotations

import codecs
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "InputError",
    "InputText",
    "compression_of",
    "decode_bytes",
    "expand_paths",
    "read_input",
]

#: Files larger than this are refused by ``mtdetect score`` (use ``mtdetect audit``).
MAX_BYTES = 50 * 1024 * 1024
TEXT_SUFFIXES = (".txt", ".text", ".md")


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
        raise InputError(
            f"{name}: not valid {encoding.upper().replace('-SIG', '')} "
            f"(bad byte at offset {exc.start})"
        ) from None


def expand_paths(paths: list[str]) -> Iterator[str | InputError]:
    """Input names in order: files as given, text files inside directories (sorted), ``-``.

    Problems are yielded as :class:`InputError` in place, so good inputs are still read.
    """
    stdin_seen = False
    for p in paths:
        if p == "-":
            if stdin_seen:
                yield InputError("-: standard input named more than once")
            else:
                stdin_seen = True
                yield p
            continue
        path = Path(p)
        if path.is_dir():
            files = sorted(
                f for f in path.rglob("*") if f.is_file() and f.suffix.lower() in TEXT_SUFFIXES
            )
            if not files:
                yield InputError(f"{p}: directory has no text files ({', '.join(TEXT_SUFFIXES)})")
            yield from (str(f) for f in files)
        elif not path.exists():
            yield InputError(f"{p}: no such file or directory")
        else:
            yield p


def read_input(name: str, max_bytes: int = MAX_BYTES) -> InputText:
    """Read and decode one input (a path, or ``-`` for standard input)."""
    if name == "-":
        if sys.stdin is None or sys.stdin.isatty():
            raise InputError("-: standard input is a terminal; pipe text in or name a file")
        data = sys.stdin.buffer.read(max_bytes + 1)
        source = "<stdin>"
    else:
        path = Path(name)
        try:
            size = path.stat().st_size
            if size > max_bytes:
                raise InputError(
                    f"{name}: file is {size:,} bytes, over the {max_bytes:,}-byte limit "
                    "of 'score' (use 'mtdetect audit' for corpora)"
                )
            data = path.read_bytes()
        except InputError:
            raise
        except IsADirectoryError:
            raise InputError(f"{name}: is a directory") from None
        except PermissionError:
            raise InputError(f"{name}: permission denied") from None
        except OSError as exc:
            raise InputError(f"{name}: cannot read ({exc.strerror or exc})") from None
        source = name
    if len(data) > max_bytes:
        raise InputError(f"{source}: input over the {max_bytes:,}-byte limit")
    hint = "mtdetect audit -" if name == "-" else f"mtdetect audit {name}"
    comp = compression_of(data[:8])
    if comp is not None:
        raise InputError(
            f"{source}: {comp}-compressed data, not text; '{hint}' reads compressed corpora"
        )
    suffix = Path(name.lower().removesuffix(".gz")).suffix if name != "-" else ""
    if suffix in CORPUS_SUFFIXES:
        raise InputError(f"{source}: a {suffix} corpus file, not a document; use '{hint}'")
    text = decode_bytes(data, source)
    if not text.strip():
        raise InputError(f"{source}: empty (no text to score)")
    if _looks_like_json(text):
        raise InputError(f"{source}: JSON data, not prose; '{hint}' scores its records")
    return InputText(source, text)


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
