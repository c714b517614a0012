"""Opening an input as a stream of bytes: decompression with an inflation cap, zstd frame by
frame, counting what was read, and lines read without ever holding a whole file."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO

from mtdetect.audit.readers.base import _CHUNK, _COMPRESSION_NAMES, ReadOptions, Shard


class InflateLimitError(OSError):
    """A compressed input inflates beyond the cap (a decompression bomb, or --max-inflate)."""


class _Counting(io.RawIOBase):
    """A raw stream over ``f`` that counts the bytes read from it (progress on disk), with
    ``prefix`` (bytes already read from ``f`` to sniff it) served first."""

    def __init__(self, f: BinaryIO, prefix: bytes = b"") -> None:
        self.f = f
        self.prefix = prefix
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self.prefix:
            n = min(len(b), len(self.prefix))
            b[:n] = self.prefix[:n]
            self.prefix = self.prefix[n:]
        else:
            data = self.f.read(len(b))
            n = len(data)
            b[:n] = data
        self.count += n
        return n

    def close(self) -> None:
        if self.f is not sys.stdin.buffer:
            self.f.close()
        super().close()


class _CappedStream(io.RawIOBase):
    """Counts the bytes read from a decompressed stream; raises past the cap."""

    def __init__(self, f: BinaryIO, cap: int | None, raw: _Counting, ratio: float) -> None:
        self.f = f
        self.cap = cap
        self.raw = raw
        self.ratio = ratio
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        # read1: what one step of the decompressor gives. A plain read(n) of a truncated
        # stream raises at the cut and drops everything it had decompressed in the call
        # (up to a whole buffer of records before the cut).
        data = self.f.read1(len(b))
        n = len(data)
        b[:n] = data
        self.count += n
        if self.cap is not None:
            cap = max(self.cap, int(self.ratio * self.raw.count))  # stdin: grows with input
            if self.count > cap:
                raise InflateLimitError(
                    f"decompressed beyond {cap:,} bytes from {self.raw.count:,} compressed "
                    f"(over --max-inflate {self.ratio:g}x): a decompression bomb? rest of the "
                    "input skipped"
                )
        return n

    def close(self) -> None:
        self.f.close()
        self.raw.close()
        super().close()


def _decompressor(raw: BinaryIO, comp: str) -> BinaryIO:
    if comp == "gz":
        import gzip

        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if comp == "bz2":
        import bz2

        return bz2.BZ2File(raw, "rb")  # type: ignore[return-value]
    if comp == "xz":
        import lzma

        return lzma.LZMAFile(raw, "rb")  # type: ignore[return-value]
    if comp == "zst":
        try:
            import zstandard
        except ImportError:  # pragma: no cover - depends on the environment
            raise OSError(
                "reading zstd needs the zstandard package: pip install zstandard"
            ) from None
        return _ZstdReader(raw, zstandard.ZstdDecompressor())  # type: ignore[return-value]
    raise ValueError(comp)


class _ZstdReader(io.RawIOBase):
    """Zstandard frames, one after another, read in small steps; a stream that ends inside
    a frame raises :class:`EOFError` (zstandard's stream reader ends quietly there, so a file
    cut at a block boundary read as complete)."""

    #: Compressed bytes fed per step: zstd expands a block at most about 32,000 times, so a
    #: step gives at most a few tens of MB, whatever the input.
    STEP = 1024

    def __init__(self, raw: BinaryIO, dctx: Any) -> None:
        self.raw = raw
        self.dctx = dctx
        self.obj: Any = None
        self.pending = b""
        self.out = b""

    def readable(self) -> bool:
        return True

    def read1(self, n: int = -1) -> bytes:
        while not self.out:
            if not self.pending:
                self.pending = self.raw.read(1 << 16)
                if not self.pending:
                    if self.obj is not None and not self.obj.eof:
                        raise EOFError("the stream ends inside a zstd frame (truncated)")
                    return b""
            if self.obj is None or self.obj.eof:
                self.obj = self.dctx.decompressobj()
            step, self.pending = self.pending[: self.STEP], self.pending[self.STEP :]
            self.out = self.obj.decompress(step)
            if self.obj.eof:  # the frame ended inside this step: the rest is the next frame
                self.pending = self.obj.unused_data + self.pending
        k = len(self.out) if n is None or n < 0 else n
        data, self.out = self.out[:k], self.out[k:]
        return data

    def readinto(self, b: Any) -> int:
        data = self.read1(len(b))
        b[: len(data)] = data
        return len(data)


class _Input:
    """An opened input: ``stream`` gives its (decompressed) bytes; ``raw.count`` is how many
    bytes of the file on disk (or of standard input) have been consumed."""

    def __init__(self, f: BinaryIO, comp: str | None, ro: ReadOptions, size: int | None,
                 prefix: bytes = b"") -> None:  # fmt: skip
        self.raw = _Counting(f, prefix)
        self.comp = comp
        self._shown = 0
        if comp is None:
            self.stream: BinaryIO = io.BufferedReader(self.raw, _CHUNK)  # type: ignore[assignment]
        else:
            # A small raw buffer: progress on disk moves in steps of 64 KB, not 1 MB.
            inner = _decompressor(io.BufferedReader(self.raw, 1 << 16), comp)  # type: ignore[arg-type]
            self._capped = _CappedStream(inner, ro.max_decompressed(size), self.raw, ro.max_inflate)
            self.stream = io.BufferedReader(self._capped, _CHUNK)  # type: ignore[assignment]

    def disk_progress(self, pos: int) -> int:
        """Bytes on disk consumed up to decompressed position ``pos``: the decompressed
        offset at the compression ratio seen so far, so progress moves with every record
        rather than in jumps of a read buffer."""
        if self.comp is None:
            return pos
        produced = self._capped.count
        if produced > 0:
            est = min(self.raw.count, int(pos * self.raw.count / produced))
            self._shown = max(self._shown, est)  # the ratio shifts a little: never go back
        return self._shown

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stream.close()
        with contextlib.suppress(Exception):
            self.raw.close()


def _open_file(shard: Shard, ro: ReadOptions, path: str | None = None) -> _Input:
    path = shard.file(path or shard.paths[0])
    f = open(path, "rb")  # noqa: SIM115 - closed through _Input.close
    if shard.compression is None and shard.start:
        f.seek(shard.start)
    return _Input(f, shard.compression, ro, os.path.getsize(path))


def _stream_error(exc: BaseException, comp: str | None) -> str:
    if isinstance(exc, InflateLimitError):
        return f"too large: {exc}"
    if comp and isinstance(exc, (EOFError, OSError, ValueError)):
        return f"corrupt or truncated {_COMPRESSION_NAMES[comp]} stream: {exc}"
    return f"read failed: {type(exc).__name__}: {exc}"


def _read_lines(
    f: BinaryIO, start: int, end: int | None, limit: int
) -> Iterator[tuple[int, bytes | None, int]]:
    """(offset, line or None when longer than ``limit``, length) for each line in range."""
    offset = start
    while end is None or offset < end:
        line = f.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            n = len(line)
            while True:  # skip the rest of the oversized line without holding it
                more = f.readline(_CHUNK)
                n += len(more)
                if not more or more.endswith(b"\n"):
                    break
            yield offset, None, n
            offset += n
            continue
        yield offset, line, len(line)
        offset += len(line)
