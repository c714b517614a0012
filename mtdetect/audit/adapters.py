"""mtdetect inside other corpus tools: a datatrove filter, a dataframe function (pandas and
Dask), a Hugging Face ``datasets`` map function and a NeMo Curator document filter.

None of these tools is a dependency: each is imported when its adapter is first used. All
adapters give the same flat, typed columns as ``mtdetect audit`` (see
:mod:`mtdetect.audit.schema`) and decide keep or drop by the same rule
(:func:`mtdetect.audit.schema.keep_decision`), so they write to Parquet as they are.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from mtdetect.audit.checks import check_text
from mtdetect.audit.schema import COUNT_COLUMNS, audit_columns, keep_decision
from mtdetect.tagger.spans import check_sensitivity

__all__ = [
    "MTDetectDocumentFilter",  # noqa: F822 - built lazily, see __getattr__
    "MTDetectFilter",  # noqa: F822
    "hf_features",
    "hf_map_function",
    "score_dataframe",
    "score_dataset",
    "score_text",
]

#: The adapters' columns (after the prefix), in order.
COLUMNS: tuple[str, ...] = ("status", "reason", "score", "verdict", *COUNT_COLUMNS)


def score_text(
    text: Any,
    detector: Any = None,
    *,
    max_chars: int = 1_000_000,
    lang_check: bool = True,
    sensitivity: str = "default",
) -> dict[str, Any]:
    """The audit of one text as a flat dict: status, reason, score, verdict, n_spans and one
    ``n_<family>`` count per family (None where not scored; the spans counted are those shown
    at ``sensitivity``, which never changes the score).

    Same statuses as ``mtdetect audit``: ``ok``, ``skipped`` (empty or not English) or
    ``error`` (not a string, too long, detector failure).
    """
    check_sensitivity(sensitivity)  # a wrong value is the caller's error, not a row's
    if detector is None:
        from mtdetect.loading import load

        detector = load()
    if text is None or (isinstance(text, float) and text != text):  # None / NaN: no text
        text = ""
    if not isinstance(text, str):
        return audit_columns("error", f"bad field: {type(text).__name__}, not a string")
    checked = check_text(text, max_chars=max_chars, lang_check=lang_check)
    if checked.text is None:
        return audit_columns(checked.status, checked.reason)
    try:
        r = detector.score(checked.text, sensitivity=sensitivity)
    except Exception as exc:  # one bad text must not stop a dataframe or pipeline
        return audit_columns("error", f"detector failed: {type(exc).__name__}: {exc}")
    return audit_columns("ok", checked.reason, round(r.score, 4), r.verdict, r.family_counts())


def _threshold(detector: Any, threshold: float | None) -> float:
    if threshold is not None:
        return float(threshold)
    return float(getattr(detector.scorer, "rewritten_threshold", 0.7))


# --------------------------------------------------------------------------- dataframes


def _dtypes(prefix: str) -> dict[str, str]:
    """Column dtypes: nullable, so an unscored row is <NA>, never an object column."""
    out = {}
    for c in COLUMNS:
        out[prefix + c] = "float64" if c == "score" else "Int64" if c.startswith("n_") else "string"
    return out


def score_dataframe(
    df: Any,
    text_column: str,
    *,
    prefix: str = "mtdetect_",
    detector: Any = None,
    max_chars: int = 1_000_000,
    lang_check: bool = True,
    sensitivity: str = "default",
) -> Any:
    """``df`` with audit columns added: ``{prefix}status``, ``reason``, ``verdict`` (string),
    ``score`` (float64, NaN when not scored), ``n_spans`` and ``n_<family>`` (Int64).

    A pandas dataframe is scored here and a new one returned; a Dask dataframe gets a lazy
    ``map_partitions`` with the same dtypes in its meta (each partition scored by the
    worker's own detector). The columns are typed whatever the rows hold, so
    ``to_parquet`` works on the result as it is.
    """
    import pandas as pd

    check_sensitivity(sensitivity)  # now, not when a lazy Dask graph runs
    dtypes = _dtypes(prefix)
    if hasattr(df, "map_partitions") and not _is_pandas(df):
        meta = df._meta.copy()
        for c, t in dtypes.items():
            meta[c] = pd.Series(dtype=t)
        return df.map_partitions(
            score_dataframe,
            text_column,
            prefix=prefix,
            max_chars=max_chars,
            lang_check=lang_check,
            sensitivity=sensitivity,
            meta=meta,
        )
    if detector is None:
        from mtdetect.loading import load

        detector = load()
    rows = [
        score_text(t, detector, max_chars=max_chars, lang_check=lang_check, sensitivity=sensitivity)
        for t in df[text_column].tolist()
    ]
    out = df.copy()
    for c in COLUMNS:
        values = [r[c] for r in rows]
        if c == "score":
            values = [float("nan") if v is None else v for v in values]
        out[prefix + c] = pd.array(values, dtype=dtypes[prefix + c])
    return out


def _is_pandas(df: Any) -> bool:
    return type(df).__module__.startswith("pandas")


# --------------------------------------------------------------------------- Hugging Face


def hf_map_function(
    text_column: str = "text",
    *,
    prefix: str = "mtdetect_",
    max_chars: int = 1_000_000,
    lang_check: bool = True,
    sensitivity: str = "default",
) -> Callable[[dict[str, list[Any]]], dict[str, list[Any]]]:
    """A function for ``datasets.Dataset.map(fn, batched=True,
    features=hf_features(ds.features))`` that adds the audit columns (as
    :func:`score_dataframe` names them) to every row.

    Pass the ``features``: ``datasets`` otherwise types each column from the first batch
    written, and refuses a column that is all None there (a batch of unscored rows).
    :func:`score_dataset` does both. The detector is loaded on first call in each process,
    so ``num_proc`` works.
    """

    check_sensitivity(sensitivity)  # now, not in a worker at the first batch

    def fn(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
        det = _process_detector()
        rows = [
            score_text(t, det, max_chars=max_chars, lang_check=lang_check, sensitivity=sensitivity)
            for t in batch[text_column]
        ]
        return {prefix + c: [r[c] for r in rows] for c in COLUMNS}

    fn.__name__ = "mtdetect_audit"
    return fn


def hf_features(features: Any = None, prefix: str = "mtdetect_") -> Any:
    """``datasets.Features``: ``features`` (the dataset's own) plus the audit columns."""
    from datasets import Features, Value

    out = dict(features or {})
    for c in COLUMNS:
        out[prefix + c] = Value(
            "float64" if c == "score" else "int64" if c.startswith("n_") else "string"
        )
    return Features(out)


def score_dataset(dataset: Any, text_column: str = "text", *, prefix: str = "mtdetect_",
                  batch_size: int = 64, sensitivity: str = "default",
                  **map_kwargs: Any) -> Any:  # fmt: skip
    """``dataset`` (a Hugging Face ``datasets.Dataset``) with the audit columns added:
    ``dataset.map`` with :func:`hf_map_function` and the right ``features``."""
    return dataset.map(
        hf_map_function(text_column, prefix=prefix, sensitivity=sensitivity),
        batched=True,
        batch_size=batch_size,
        features=hf_features(dataset.features, prefix),
        **map_kwargs,
    )


def _process_detector() -> Any:
    """The shipped detector of this process (:func:`mtdetect.load` caches it)."""
    from mtdetect.loading import load

    return load()


# --------------------------------------------------------------------------- datatrove

_FILTER_CLASS: Any = None


def datatrove_metadata(audit: dict[str, Any]) -> dict[str, Any]:
    """The audit as datatrove metadata: every key always present, every value typed.

    datatrove's ``ParquetWriter`` takes its schema from the first document, so a null in
    that document (an unscored one) would type the column as null and fail every later
    batch: score is NaN, reason, verdict and drop_reason are "" and counts 0 when unknown.
    """
    out: dict[str, Any] = {}
    for c in COLUMNS:
        v = audit.get(c)
        if c == "score":
            out[c] = float("nan") if v is None else float(v)
        elif c.startswith("n_"):
            out[c] = 0 if v is None else int(v)
        else:
            out[c] = "" if v is None else str(v)
    out["kept"] = bool(audit.get("kept", True))
    out["drop_reason"] = audit.get("drop_reason") or ""
    return out


def _filter_class() -> Any:
    global _FILTER_CLASS
    if _FILTER_CLASS is not None:
        return _FILTER_CLASS
    try:
        from datatrove.pipeline.filters.base_filter import BaseFilter
    except ImportError:
        raise ImportError(
            "MTDetectFilter needs datatrove: pip install 'mtdetect[datatrove]'"
        ) from None

    class _MTDetectFilter(BaseFilter):
        """Drop documents that mtdetect scores at or above ``threshold``.

        Every document gets ``metadata[metadata_key]`` = the flat audit (typed, see
        :func:`datatrove_metadata`) with ``kept`` and ``drop_reason``; dropped ones get the
        reason ``mtdetect-<verdict>`` (or ``mtdetect-<status>`` for unscored documents
        with ``drop_unscored``), which datatrove counts in its stats and writes as
        ``filter_reason`` with an exclusion writer.
        """

        name = "mtdetect"

        def __init__(
            self,
            threshold: float | None = None,
            metadata_key: str = "mtdetect",
            drop_unscored: bool = False,
            exclusion_writer: Any = None,
            lang_check: bool = True,
            sensitivity: str = "default",
        ) -> None:
            super().__init__(exclusion_writer)
            self.sensitivity = check_sensitivity(sensitivity)
            self.threshold = threshold
            self.metadata_key = metadata_key
            self.drop_unscored = drop_unscored
            self.lang_check = lang_check
            self._detector: Any = None  # loaded in the worker, not pickled with the step

        def filter(self, doc: Any) -> bool | tuple[bool, str]:
            if self._detector is None:
                from mtdetect.loading import load

                self._detector = load()
            audit = score_text(doc.text, self._detector, lang_check=self.lang_check,
                               sensitivity=self.sensitivity)  # fmt: skip
            threshold = _threshold(self._detector, self.threshold)
            keep = keep_decision(audit["status"], audit["score"], threshold, self.drop_unscored)
            reason = f"mtdetect-{audit['verdict'] or audit['status']}"
            audit["kept"] = keep
            audit["drop_reason"] = None if keep else reason
            doc.metadata[self.metadata_key] = datatrove_metadata(audit)
            return True if keep else (False, reason)

    _FILTER_CLASS = _MTDetectFilter
    return _FILTER_CLASS


# --------------------------------------------------------------------------- NeMo Curator

_NEMO_CLASS: Any = None


class _DocumentFilterMixin:
    """mtdetect as a NeMo Curator ``DocumentFilter``: ``score_document(text)`` returns the
    score (NaN when the text is not scored: empty, not English, too long);
    ``keep_document(score)`` keeps scores below ``threshold`` and, unless
    ``drop_unscored``, the unscored ones: the rule of every mtdetect filter."""

    def _setup(self, threshold: float | None, drop_unscored: bool, lang_check: bool) -> None:
        self.threshold = threshold
        self.drop_unscored = drop_unscored
        self.lang_check = lang_check
        self._detector: Any = None
        self._name = "mtdetect"

    @property
    def name(self) -> str:
        return self._name

    def load_model(self) -> None:
        """Load the detector (NeMo Curator calls this once per worker)."""
        if self._detector is None:
            from mtdetect.loading import load

            self._detector = load()

    def score_document(self, text: str) -> float:
        self.load_model()
        audit = score_text(text, self._detector, lang_check=self.lang_check)
        return float("nan") if audit["score"] is None else float(audit["score"])

    def keep_document(self, score: float) -> bool:
        self.load_model()
        status = "ok" if score is not None and not math.isnan(score) else "skipped"
        return keep_decision(
            status, score, _threshold(self._detector, self.threshold), self.drop_unscored
        )

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_detector"] = None  # each worker loads its own
        return state


def _nemo_class() -> Any:
    """The filter class: a subclass of NeMo Curator's ``DocumentFilter`` when NeMo Curator
    is installed, else a plain class with the same interface (duck-typed)."""
    global _NEMO_CLASS
    if _NEMO_CLASS is not None:
        return _NEMO_CLASS
    try:
        from nemo_curator.stages.text.filters.doc_filter import DocumentFilter
    except Exception:  # not installed (or its runtime missing): same interface, plain class
        bases: tuple[type, ...] = (_DocumentFilterMixin,)
    else:
        bases = (_DocumentFilterMixin, DocumentFilter)

    def __init__(
        self: Any, threshold: float | None = None, drop_unscored: bool = False,
        lang_check: bool = True,
    ) -> None:  # fmt: skip
        if len(bases) > 1:
            bases[1].__init__(self)
        self._setup(threshold, drop_unscored, lang_check)

    _NEMO_CLASS = type(
        "MTDetectDocumentFilter",
        bases,
        {"__init__": __init__, "__doc__": _DocumentFilterMixin.__doc__,
         "__module__": __name__},
    )  # fmt: skip
    return _NEMO_CLASS


def __getattr__(name: str) -> Any:
    # The filters subclass their tools' base classes, so they are built on first access.
    if name == "MTDetectFilter":
        return _filter_class()
    if name == "MTDetectDocumentFilter":
        return _nemo_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
