"""mtdetect inside other corpus tools: a datatrove filter and a dataframe function.

Neither tool is a dependency: datatrove is imported when :class:`MTDetectFilter` is first
used, and :func:`score_dataframe` works on whatever pandas (or Dask) dataframe it is given.
"""

from __future__ import annotations

from typing import Any

from mtdetect.audit.language import looks_english

__all__ = ["MTDetectFilter", "score_dataframe", "score_text"]  # noqa: F822 - lazy, see __getattr__


def score_text(
    text: Any,
    detector: Any = None,
    *,
    max_chars: int = 1_000_000,
    lang_check: bool = True,
) -> dict[str, Any]:
    """The audit of one text as a flat dict: status, reason, score, verdict, families.

    Same statuses as ``mtdetect audit``: ``ok``, ``skipped`` (empty or not English) or
    ``error`` (not a string, too long, detector failure).
    """
    if detector is None:
        import mtdetect

        detector = mtdetect.load()
    out: dict[str, Any] = {
        "status": "ok",
        "reason": None,
        "score": None,
        "verdict": None,
        "families": None,
    }
    if text is None or (isinstance(text, float) and text != text):  # None / NaN: no text
        text = ""
    if not isinstance(text, str):
        out.update(status="error", reason=f"bad field: {type(text).__name__}, not a string")
    elif not text.strip():
        out.update(status="skipped", reason="empty: no text to score")
    elif len(text) > max_chars:
        out.update(status="error", reason=f"record too large: {len(text):,} characters")
    elif lang_check and not looks_english(text):
        out.update(status="skipped", reason="not English: too few English letters or words")
    else:
        try:
            r = detector.score(text)
        except Exception as exc:  # one bad text must not stop a dataframe or pipeline
            out.update(status="error", reason=f"detector failed: {type(exc).__name__}: {exc}")
        else:
            out.update(
                score=round(r.score, 4),
                verdict=r.verdict,
                families=dict(sorted(r.family_counts().items())),
            )
    return out


def score_dataframe(
    df: Any,
    text_column: str,
    *,
    prefix: str = "mtdetect_",
    detector: Any = None,
    max_chars: int = 1_000_000,
    lang_check: bool = True,
) -> Any:
    """``df`` with audit columns added: ``{prefix}status``, ``reason``, ``score``, ``verdict``,
    ``families`` (a dict per row).

    A pandas dataframe is scored here and a new one returned; a Dask dataframe gets a lazy
    ``map_partitions`` (each partition scored by the worker's own detector).
    """
    cols = [f"{prefix}{c}" for c in ("status", "reason", "score", "verdict", "families")]
    if hasattr(df, "map_partitions") and not _is_pandas(df):
        import pandas as pd

        meta = df._meta.copy()
        for c in cols:
            meta[c] = pd.Series(dtype="float64" if c.endswith("score") else "object")
        return df.map_partitions(
            score_dataframe,
            text_column,
            prefix=prefix,
            max_chars=max_chars,
            lang_check=lang_check,
            meta=meta,
        )
    if detector is None:
        import mtdetect

        detector = mtdetect.load()
    rows = [
        score_text(t, detector, max_chars=max_chars, lang_check=lang_check)
        for t in df[text_column].tolist()
    ]
    out = df.copy()
    for c, key in zip(cols, ("status", "reason", "score", "verdict", "families"), strict=True):
        values = [r[key] for r in rows]
        out[c] = [float("nan") if v is None else v for v in values] if key == "score" else values
    return out


def _is_pandas(df: Any) -> bool:
    return type(df).__module__.startswith("pandas")


_FILTER_CLASS: Any = None


def _filter_class() -> Any:
    global _FILTER_CLASS
    if _FILTER_CLASS is not None:
        return _FILTER_CLASS
    try:
        from datatrove.pipeline.filters.base_filter import BaseFilter
    except ImportError:
        raise ImportError("MTDetectFilter needs datatrove: pip install datatrove") from None

    class _MTDetectFilter(BaseFilter):
        """Drop documents that mtdetect scores at or above ``threshold``.

        Every document gets ``metadata[metadata_key]`` = the audit dict of
        :func:`score_text`; dropped ones get the reason ``mtdetect-<verdict>`` (or
        ``mtdetect-<status>`` when ``drop_unscored``), which datatrove counts in its stats
        and writes as ``filter_reason`` with an exclusion writer.
        """

        name = "mtdetect"

        def __init__(
            self,
            threshold: float | None = None,
            metadata_key: str = "mtdetect",
            drop_unscored: bool = False,
            exclusion_writer: Any = None,
            lang_check: bool = True,
        ) -> None:
            super().__init__(exclusion_writer)
            self.threshold = threshold
            self.metadata_key = metadata_key
            self.drop_unscored = drop_unscored
            self.lang_check = lang_check
            self._detector: Any = None  # loaded in the worker, not pickled with the step

        def filter(self, doc: Any) -> bool | tuple[bool, str]:
            if self._detector is None:
                import mtdetect

                self._detector = mtdetect.load()
            audit = score_text(doc.text, self._detector, lang_check=self.lang_check)
            threshold = self.threshold
            if threshold is None:
                threshold = getattr(self._detector.scorer, "rewritten_threshold", 0.7)
            keep = audit["status"] != "ok" or audit["score"] < threshold
            reason = f"mtdetect-{audit['verdict']}"
            if audit["status"] != "ok" and self.drop_unscored:
                keep, reason = False, f"mtdetect-{audit['status']}"
            audit["kept"] = keep
            if not keep:
                audit["drop_reason"] = reason
            doc.metadata[self.metadata_key] = audit
            return True if keep else (False, reason)

    _FILTER_CLASS = _MTDetectFilter
    return _FILTER_CLASS


def __getattr__(name: str) -> Any:
    # The filter subclasses datatrove's BaseFilter, so it is built on first access.
    if name == "MTDetectFilter":
        return _filter_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
