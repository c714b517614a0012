"""``spacing-artifact``: punctuation re-spaced by a rewriting or tokenising pipeline.

Found with regular expressions, each tuned against legitimate text: initials before a name
("J. R. R. Tolkien") are left alone, as are decimals, ellipses and ordinary quotations.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mtdetect.detectors.base import make_span
from mtdetect.result import Span
from mtdetect.text import Sentence

__all__ = ["SpacingDetector"]

FAMILY = "spacing-artifact"

# Two or more single capitals each followed by ". " ("U. K.", "U. S. A."). When a
# capitalised word follows, these are a person's initials and stay unflagged.
_SPACED_INITIALISM_RE = re.compile(r"(?<![\w.])((?:[A-Z]\. )+[A-Z]\.)(?=(\s*)(\S?))")
# Lower-case abbreviations split apart: "e. g.", "i. e.", "a. m.".
_SPACED_LOWER_ABBR_RE = re.compile(r"(?<![\w.])([a-z]\. [a-z]\.)(?!\w)")
# Host names split at their dots: "www. example. com", "example. org".
_TLDS = "com|org|net|edu|gov|mil|int|info|biz|io|co|uk|us|de|fr|au|ca|in|eu|ru|cn|jp|nl|es|it"
_SPACED_HOST_RE = re.compile(
    rf"(?<![\w.])((?:www|[a-z0-9-]{{2,}})(?:\. ?[a-z0-9-]{{2,}})*\. (?:{_TLDS}))(?![\w-])"
)
# A quotation mark with space on both sides right after a full stop or comma: `said. " Then`.
_DETACHED_QUOTE_RE = re.compile(r"(?<=[\w)\]}])([.,!?] [\"”])(?=\s|$)")
# A closing quotation mark turned into a detached opening one at the end of a sentence or
# paragraph: `the talks ended. “` (the closing ” became “ and moved off its sentence).
_DANGLING_OPEN_QUOTE_RE = re.compile(
    r"(?:(?<=[\w)\]}][.,!?])(“)|(?<=[\w)\]}][.,!?] )([“\"]))(?=[ \t]*(?:\n|$))"
)
# Code re-spaced at its dots: `document. getElementById(`, `console. log(`. The word after
# the dot starts lower-case and an argument list follows at once, which prose never has.
_CODE_ROOTS = "console|document|window|this|self|os|sys|np|pd|math|json|Math|JSON|Object|Array"
_SPACED_CODE_RE = re.compile(
    r"(?<![\w.$])("
    rf"(?:{_CODE_ROOTS})(?:\. [a-z_$][\w$]*)+"  # a well-known object: console. log(
    r"|[A-Za-z_$][\w$]*(?:\. [a-z_$][\w$]*)*\. [a-z_$]+[A-Z_][\w$]*"  # camelCase: x. getElementById(
    r")(?=\()"
)
# An opening quote followed by a space: `said: " We will`.
_OPEN_QUOTE_SPACE_RE = re.compile(r"(?:(?<=\s)|^)([\"“] )(?=[A-Za-z])")
# Tokenised text: a space before a comma, full stop, semicolon, closing bracket,
# possessive or contraction ("Kenya 's", "did n't", "said , and").
_SPACE_BEFORE_RE = re.compile(
    r"(?<=[\w)\]\"'])( (?:[,;)\]]|\.(?![.\d])|'s\b|n't\b|'re\b|'ve\b|'ll\b))"
)

_COMMON_INITIALISMS = frozenset(
    [
        "US",
        "UK",
        "UN",
        "EU",
        "USA",
        "USSR",
        "DC",
        "NY",
        "LA",
        "NHS",
        "BBC",
        "FBI",
        "CIA",
        "UAE",
        "EC",
        "PM",
        "AM",
    ]
)


# The other patterns: (regex, strength, explanation, literals). Group 1 is the span; the
# suggestion is the span without its spaces. Every match contains one of the literals, so a
# sentence without any of them is not searched (most sentences have none).
_DOT_SPACE = (". ",)
_RULES: tuple[tuple[re.Pattern[str], float, str, tuple[str, ...]], ...] = (
    (
        _SPACED_LOWER_ABBR_RE,
        0.85,
        "abbreviation re-spaced: '{}' is normally written without a space",
        _DOT_SPACE,
    ),
    (_SPACED_HOST_RE, 0.9, "web address re-spaced at its dots", _DOT_SPACE),
    (
        _DETACHED_QUOTE_RE,
        0.7,
        "closing quotation mark separated from its sentence",
        (' "', " ”"),
    ),
    (
        _DANGLING_OPEN_QUOTE_RE,
        0.7,
        "an opening quotation mark ends the sentence: a closing one turned around and moved",
        ("“", '"'),
    ),
    (
        _SPACED_CODE_RE,
        0.85,
        "code re-spaced at its dots: '{}' is normally written without spaces",
        _DOT_SPACE,
    ),
    (_OPEN_QUOTE_SPACE_RE, 0.5, "space after an opening quotation mark", ('" ', "“ ")),
    (
        _SPACE_BEFORE_RE,
        0.5,
        "space before punctuation, as tokenised text has",
        (" ,", " ;", " )", " ]", " .", " '", " n't"),
    ),
)


class SpacingDetector:
    """Flags re-spaced initialisms, abbreviations, host names, quotes and tokenised text."""

    name = "spacing"
    family = FAMILY

    def detect(self, text: str, sentences: Sequence[Sentence]) -> list[Span]:
        spans: list[Span] = []
        for sent in sentences:
            s, e = sent.start, sent.end
            if " " not in sent.text and "“" not in sent.text and '"' not in sent.text:
                continue  # every pattern needs a space or a quotation mark
            st = sent.text
            for m in _SPACED_INITIALISM_RE.finditer(text, s, e) if ". " in st else ():
                letters = m.group(1).replace(". ", "").replace(".", "")
                gap, nxt = m.group(2), m.group(3)
                if nxt[:1].isupper() and gap and letters not in _COMMON_INITIALISMS:
                    continue  # initials before a name: "J. R. R. Tolkien"
                known = letters in _COMMON_INITIALISMS
                spans.append(
                    make_span(
                        text,
                        m.start(1),
                        m.end(1),
                        FAMILY,
                        0.9 if known else 0.6,
                        f"initialism re-spaced: '{m.group(1)}' is normally written without spaces",
                        m.group(1).replace(". ", "."),
                    )
                )
            for rx, strength, why, literals in _RULES:
                if not any(lit in st for lit in literals):
                    continue
                found = list(rx.finditer(text, s, e))
                if rx is _SPACE_BEFORE_RE and len(found) < 2:
                    # One stray space before a comma is a typing slip; a tokeniser leaves
                    # several, or splits a possessive or contraction off its word.
                    found = [m for m in found if m.group(1)[1:2] in ("'", "n")]
                for m in found:
                    g = m.lastindex or 1  # the dangling-quote pattern has two alternatives
                    if any(sp.start <= m.start(g) and m.end(g) <= sp.end for sp in spans):
                        continue  # inside a span already found (`said. "` covers its quote)
                    fix = m.group(g).replace(" ", "")
                    if rx is _DANGLING_OPEN_QUOTE_RE:
                        fix = "”"
                    spans.append(
                        make_span(
                            text,
                            m.start(g),
                            m.end(g),
                            FAMILY,
                            strength,
                            why.format(m.group(g)),
                            fix,
                        )
                    )
        return spans
