"""The checks a record passes before it is scored, shared by ``mtdetect audit`` and every
adapter (pandas, Dask, Hugging Face ``datasets``, datatrove, NeMo Curator), so that a text gets
the same status and reason wherever it is audited."""

from __future__ import annotations

from dataclasses import dataclass

from mtdetect.audit.language import looks_english, mask_non_english

__all__ = ["Checked", "check_text"]


@dataclass(frozen=True, slots=True)
class Checked:
    """What to do with a text: score ``text`` (``status`` None; ``reason`` may note that some
    paragraphs were left out), or not (``status`` "skipped" or "error", with its ``reason``)."""

    text: str | None
    status: str | None = None
    reason: str | None = None


def check_text(
    text: str, *, max_chars: int, lang_check: bool = True, limit_name: str = "max_chars"
) -> Checked:
    """Empty text is skipped; text over ``max_chars`` characters is an error (the reason names
    the limit as ``limit_name``); with ``lang_check``, text that is clearly not English is
    skipped, and a mixed document is scored on its English paragraphs only (the others
    blanked, so every offset still points into the original text)."""
    if not text.strip():
        return Checked(None, "skipped", "empty: no text to score")
    if len(text) > max_chars:
        return Checked(
            None,
            "error",
            f"record too large: {len(text):,} characters, over {limit_name} {max_chars:,}",
        )
    if lang_check and not looks_english(text):
        return Checked(None, "skipped", "not English: too few English letters or words")
    if lang_check:
        masked, other, paragraphs = mask_non_english(text)
        if other:
            return Checked(
                masked,
                None,
                f"mixed languages: scored on the English part ({other} of {paragraphs} "
                "paragraphs left out)",
            )
    return Checked(text)
