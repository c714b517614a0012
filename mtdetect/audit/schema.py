"""The flat, typed audit row: its columns, their Arrow types, and the keep/reject rule.

Every output row, and every adapter (datatrove, pandas/Dask, Hugging Face datasets, NeMo
Curator), uses these columns, so they read the same everywhere and write to Parquet without
free-form dicts (an empty dict is a struct with no fields, which Parquet cannot store):

========================  =========  =======================================================
column                    type       meaning
========================  =========  =======================================================
``id``                    string     the record's id field (as text), or null
``source``                string     input file (``<stdin>`` for standard input)
``position``              int64      where in the input (see docs/audit.md), or null
``status``                string     ok | skipped | error
``reason``                string     why skipped or error (or a note on an ok row), or null
``score``                 float64    probability of machine rewriting, null unless ok
``verdict``               string     clean | suspect | rewritten, null unless ok
``n_spans``               int64      suspect spans found, null unless ok
``n_<family>``            int64      spans of that family (one column per family of
                                     :data:`mtdetect.result.FAMILIES`, ``-`` as ``_``),
                                     null unless ok
``mt_marker``             string     a web page's own sign that it is machine-translated
                                     (:mod:`mtdetect.audit.markers`; WARC pages), or null
========================  =========  =======================================================
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from mtdetect.result import FAMILIES

__all__ = [
    "AUDIT_COLUMNS",
    "COUNT_COLUMNS",
    "FAMILY_COLUMNS",
    "arrow_schema",
    "audit_columns",
    "keep_decision",
    "span_arrow_type",
]

#: One integer column per artifact family, always present, in FAMILIES order.
FAMILY_COLUMNS: dict[str, str] = {f: "n_" + f.replace("-", "_") for f in FAMILIES}
#: The span count and the per-family counts.
COUNT_COLUMNS: tuple[str, ...] = ("n_spans", *FAMILY_COLUMNS.values())
#: The row's fixed columns, in order.
AUDIT_COLUMNS: tuple[str, ...] = (
    "id", "source", "position", "status", "reason", "score", "verdict", *COUNT_COLUMNS,
    "mt_marker",
)  # fmt: skip
#: Optional columns an audit may add after the fixed ones.
OPTIONAL_COLUMNS: tuple[str, ...] = ("text", "spans", "result")
_TYPES = {"id": "string", "source": "string", "position": "int64", "status": "string",
          "reason": "string", "score": "float64", "verdict": "string",
          "mt_marker": "string"}  # fmt: skip


def audit_columns(
    status: str,
    reason: str | None = None,
    score: float | None = None,
    verdict: str | None = None,
    families: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The status, reason, score, verdict and count columns of one audit (no id/source)."""
    out: dict[str, Any] = {"status": status, "reason": reason, "score": score, "verdict": verdict}
    if status == "ok":
        fams = families or {}
        out["n_spans"] = int(sum(fams.values()))
        for fam, col in FAMILY_COLUMNS.items():
            out[col] = int(fams.get(fam, 0))
    else:
        out.update(dict.fromkeys(COUNT_COLUMNS))
    return out


def keep_decision(
    status: str, score: float | None, threshold: float, drop_unscored: bool, readable: bool = True
) -> bool:
    """The one keep/reject rule of ``--split-dir`` and of every filter adapter.

    Scored records are kept below ``threshold``. Records that were read but not scored
    (skipped: empty or not English; or an error such as a text over ``--max-chars``) are
    kept unless ``drop_unscored``. Records that could not be read as a document at all
    (``readable`` False: malformed JSON, bad encoding, binary data, ...) are rejected.
    """
    if status == "ok":
        return score is not None and not math.isnan(score) and score < threshold
    if not readable:
        return False
    return not drop_unscored


def span_arrow_type() -> Any:
    """Arrow type of one span (the JSON form's fields)."""
    import pyarrow as pa

    return pa.struct(
        [("start", pa.int64()), ("end", pa.int64()), ("text", pa.string()),
         ("family", pa.string()), ("strength", pa.float64()), ("explanation", pa.string()),
         ("suggestion", pa.string())]
    )  # fmt: skip


def result_arrow_type() -> Any:
    """Arrow type of the full result (``--detail``): the JSON form, fully typed."""
    import pyarrow as pa

    sentence = pa.struct(
        [("start", pa.int64()), ("end", pa.int64()), ("text", pa.string()),
         ("score", pa.float64()), ("spans", pa.list_(span_arrow_type()))]
    )  # fmt: skip
    return pa.struct(
        [("schema", pa.string()), ("id", pa.string()), ("source", pa.string()),
         ("score", pa.float64()), ("verdict", pa.string()), ("model", pa.string()),
         ("sentences", pa.list_(sentence))]
    )  # fmt: skip


def arrow_schema(*, text: bool = False, spans: bool = False, result: bool = False) -> Any:
    """The Arrow schema of the fixed columns, plus the optional ones asked for."""
    import pyarrow as pa

    cols = [(c, getattr(pa, _TYPES.get(c, "int64"))()) for c in AUDIT_COLUMNS]
    if text:
        cols.append(("text", pa.string()))
    if spans:
        cols.append(("spans", pa.list_(span_arrow_type())))
    if result:
        cols.append(("result", result_arrow_type()))
    return pa.schema(cols)


def arrow_column(values: list[Any]) -> tuple[Any, Any]:
    """An Arrow array for a passthrough column: (array, type).

    Values take their natural type (JSON objects become structs, arrays lists, numbers
    int64 or float64). A column whose values cannot share one type (a string in one row, a
    number in another), or that holds an empty object, is written as JSON text instead.
    """
    import pyarrow as pa

    try:
        arr = pa.array(values)
        if not _storable(arr.type):
            raise TypeError("empty struct")
        if pa.types.is_null(arr.type):
            arr = pa.array(values, type=pa.string())
        return arr, arr.type
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        from mtdetect.result import dumps_json

        text = [None if v is None else dumps_json(v, sort_keys=True, default=str) for v in values]
        return pa.array(text, type=pa.string()), pa.string()


def _storable(t: Any) -> bool:
    """False for types Parquet cannot write (a struct with no fields, anywhere inside)."""
    import pyarrow as pa

    if pa.types.is_struct(t):
        return t.num_fields > 0 and all(_storable(t.field(i).type) for i in range(t.num_fields))
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return _storable(t.value_type)
    if pa.types.is_map(t):
        return _storable(t.key_type) and _storable(t.item_type)
    return True
