"""A cheap "is this English?" check for the audit, so obviously foreign text is skipped.

Not a language identifier: it only has to keep the detector (which knows English artifacts)
away from text where its scores would mean nothing. Two signals, on the first few thousand
characters: the share of letters that are ASCII, and the share of word tokens that are common
English function words (about 40-55% in English prose, near 0 in other languages).
"""

from __future__ import annotations

import re

from mtdetect.wordlists import LANGUAGE_CHECK_WORDS

__all__ = ["looks_english", "mask_non_english"]

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_SAMPLE_CHARS = 4000


def looks_english(text: str, *, min_ascii: float = 0.85, min_function: float = 0.12) -> bool:
    """True unless ``text`` is clearly not English.

    Short texts (fewer than 12 words) are judged by their letters alone, since a handful of
    words says little about function-word frequency.
    """
    sample = text[:_SAMPLE_CHARS]
    letters = [c for c in sample if c.isalpha()]
    if not letters:
        return False
    ascii_share = sum(c.isascii() for c in letters) / len(letters)
    if ascii_share < min_ascii:
        return False
    words = [w.lower() for w in _WORD.findall(sample)]
    if len(words) < 12:
        return True
    return sum(w in LANGUAGE_CHECK_WORDS for w in words) / len(words) >= min_function


def mask_non_english(text: str, *, min_letters: int = 20) -> tuple[str, int, int]:
    """``text`` with its clearly non-English paragraphs blanked, for scoring a mixed document.

    Returns ``(masked, non_english, paragraphs)``. Each character of a non-English paragraph
    becomes a space (newlines are kept), so the masked text has the same length and every
    offset into it is an offset into ``text``: score ``masked`` and the sentences and spans
    found are exactly those of the English paragraphs. Paragraphs with fewer than
    ``min_letters`` letters (headings, numbers, lists of names) are kept as they are.
    """
    from mtdetect.text import split_paragraphs

    paragraphs = split_paragraphs(text)
    pieces: list[str] = []
    pos = 0
    skipped = 0
    for start, end in paragraphs:
        para = text[start:end]
        if sum(c.isalpha() for c in para) >= min_letters and not looks_english(para):
            pieces.append(text[pos:start])
            pieces.append("".join(c if c in "\r\n" else " " for c in para))
            pos = end
            skipped += 1
    if not skipped:
        return text, 0, len(paragraphs)
    pieces.append(text[pos:])
    return "".join(pieces), skipped, len(paragraphs)
