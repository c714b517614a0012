"""Planning an audit into shards and reading the records of one shard, streamed.

A *shard* is the unit of work: one input file, a byte range of a large plain JSON Lines file
(ranges start at line starts), a run of row groups of a large Parquet file, or a run of
consecutive ``.txt`` files. The plan is a pure function of the inputs and the shard size, so
a resumed or distributed run cuts the corpus exactly as the first run did.

What a file holds is decided by its content and its name together: compression by its magic
bytes (gzip, bzip2, xz, zstd), the format by the name and a look at the first decompressed
bytes. A file whose content contradicts its name (a ``.json`` holding one JSON array, a
``.warc.gz`` that is not a WARC file, a ``.jsonl`` that is binary) becomes one shard of kind
``invalid`` that reads as one error row saying so: never a silent one-document score.

Readers never raise for bad data: every problem becomes a :class:`Record` with ``error`` set
(reason plus the position where it happened), and reading goes on where it can. Blank lines
of JSON Lines and CSV are not records: they give no record and no row.

One module per responsibility: :mod:`.base` (shards, records, options), :mod:`.sniff` (what a
file holds), :mod:`.streams` (decompression and lines), :mod:`.plan` (the shards of an audit),
one module per format (:mod:`.jsonl`, :mod:`.delimited`, :mod:`.text`, :mod:`.parquet`,
:mod:`.warc`, :mod:`.stdin`) and :mod:`.read` (one shard's records).
"""

from mtdetect.audit.readers.base import (
    DEFAULT_MAX_INFLATE,
    DEFAULT_SHARD_BYTES,
    INPUT_FORMATS,
    MIN_DECOMPRESSED,
    STDIN,
    STDIN_SOURCE,
    AuditInputError,
    ReadOptions,
    Record,
    Shard,
    get_field,
)
from mtdetect.audit.readers.plan import classify, plan_shards
from mtdetect.audit.readers.read import read_shard
from mtdetect.audit.readers.sniff import fingerprint, resolve_kind, sniff_bytes
from mtdetect.audit.readers.streams import InflateLimitError

__all__ = [
    "DEFAULT_MAX_INFLATE",
    "DEFAULT_SHARD_BYTES",
    "INPUT_FORMATS",
    "MIN_DECOMPRESSED",
    "STDIN",
    "STDIN_SOURCE",
    "AuditInputError",
    "InflateLimitError",
    "ReadOptions",
    "Record",
    "Shard",
    "classify",
    "fingerprint",
    "get_field",
    "plan_shards",
    "read_shard",
    "resolve_kind",
    "sniff_bytes",
]
