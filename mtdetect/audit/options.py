"""The options of an audit (:class:`AuditOptions`), checked where they come in."""

from __future__ import annotations

from dataclasses import dataclass

from mtdetect.audit.readers import (
    DEFAULT_MAX_INFLATE,
    INPUT_FORMATS,
    ReadOptions,
)
from mtdetect.audit.schema import OPTIONAL_COLUMNS
from mtdetect.audit.writers import (
    DEFAULT_MAX_FILE_SIZE,
    SPLIT_FORMATS,
)
from mtdetect.tagger.spans import SENSITIVITIES

DETAILS = ("none", "sentences", "spans")


OUTPUT_FORMATS = ("jsonl", "csv", "parquet")


class AuditUsageError(ValueError):
    """Bad arguments or an output directory that cannot be used (nothing was processed)."""


@dataclass(frozen=True, slots=True)
class AuditOptions:
    """Everything that shapes the output rows. Picklable: sent to every worker."""

    text_field: str = "text"
    id_field: str = "id"
    detail: str = "none"  # none | sentences | spans
    keep_fields: bool = False
    with_text: bool = False
    with_spans: bool = False
    metadata_field: str | None = None
    split_dir: str | None = None
    split_format: str = "input"  # input | jsonl | parquet
    drop_unscored: bool = False
    threshold: float | None = None  # None: the detector's "rewritten" threshold
    output_format: str = "jsonl"
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    input_format: str = "auto"
    max_chars: int = 1_000_000
    max_inflate: float = DEFAULT_MAX_INFLATE  # 0: no cap on decompressed size
    lang_check: bool = True
    min_strength: float = 0.0
    sensitivity: str = "default"  # low | default | high: which spans are shown
    model: str | None = None
    trust_model: bool = False
    top_k: int = 10
    limit: int | None = None  # only the first N records (in input order)
    sample: int | None = None  # N records drawn at random (seeded), in input order
    seed: int = 0

    def validate(self) -> None:
        if self.detail not in DETAILS:
            raise AuditUsageError(f"--detail must be one of {', '.join(DETAILS)}")
        if self.output_format not in OUTPUT_FORMATS:
            raise AuditUsageError(f"--output-format must be one of {', '.join(OUTPUT_FORMATS)}")
        if self.split_format not in SPLIT_FORMATS:
            raise AuditUsageError(f"--split-format must be one of {', '.join(SPLIT_FORMATS)}")
        if self.input_format not in INPUT_FORMATS:
            raise AuditUsageError(f"--input-format must be one of {', '.join(INPUT_FORMATS)}")
        if self.metadata_field and self.output_format != "jsonl":
            raise AuditUsageError("--metadata-field needs --output-format jsonl")
        if self.sensitivity not in SENSITIVITIES:
            raise AuditUsageError(f"--sensitivity must be one of {', '.join(SENSITIVITIES)}")
        if self.max_chars < 1:
            raise AuditUsageError("--max-chars must be positive")
        if self.max_file_size < 1:
            raise AuditUsageError("--max-file-size must be positive")
        if not self.max_inflate >= 0:  # also refuses NaN
            raise AuditUsageError("--max-inflate must be 0 (no cap) or positive")
        for name in ("limit", "sample"):
            v = getattr(self, name)
            if v is not None and v < 1:
                raise AuditUsageError(f"--{name} must be positive")
        if self.limit is not None and self.sample is not None:
            raise AuditUsageError("--limit and --sample cannot be used together")
        if self.output_format == "parquet" or self.split_format == "parquet":
            try:
                import pyarrow  # noqa: F401
            except ImportError:
                raise AuditUsageError(
                    "Parquet output needs pyarrow: pip install 'mtdetect[parquet]'"
                ) from None

    @property
    def read_options(self) -> ReadOptions:
        return ReadOptions(self.text_field, self.id_field, self.max_chars, self.max_inflate,
                           self.input_format)  # fmt: skip

    @property
    def optional_columns(self) -> tuple[str, ...]:
        return tuple(
            c for c, on in zip(OPTIONAL_COLUMNS, (self.with_text, self.with_spans,
                                                  self.detail != "none"), strict=True) if on
        )  # fmt: skip
