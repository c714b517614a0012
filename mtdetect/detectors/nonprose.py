"""``non-prose``: scraped code, markup and boilerplate mixed into the text.

Not a rewriting artifact, but an auditor must see it; the scorer gives it little weight
towards "machine-rewritten".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mtdetect.detectors.base import make_span
from mtdetect.result import Span
from mtdetect.text import Sentence

__all__ = ["NonProseDetector"]

FAMILY = "non-prose"

_HTML_ENTITY_RE = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{2,5}|#x[0-9a-fA-F]{2,4});")
# Placeholders that corpora put in place of links, addresses and numbers ("<URL>") are not
# markup.
_PLACEHOLDER = r"(?!(?:URL|EMAIL|PHONE|NUM|NUMBER|USER|HASHTAG|NAME|MENTION)\d*>)"
_HTML_TAG_RE = re.compile(rf"</?{_PLACEHOLDER}[a-zA-Z][a-zA-Z0-9]{{0,9}}(?:\s+[^<>]{{0,200}})?/?>")
_CODE_RE = re.compile(
    r"""
    \bfunction\s*\w*\s*\([^()]*\)\s*\{     # function(e){
  | =>\s*[{(\w]                             # arrow functions
  | \b(?:var|let|const)\s+\w+\s*=           # JS declarations
  | \breturn\s+[^.;]{0,80};                 # return x;
  | \b\w+(?:\.\w+)+\([^()]{0,80}\)\s*[;{]   # obj.method(arg);
  | \}\s*\)?\s*;                            # }); and };
  | \{\{[^{}]{0,80}\}\}                      # {{ template }}
  | \$\([^()]{0,80}\)                       # $(selector)
  | \b(?:if|for|while)\s*\([^()]{1,80}\)\s*\{
  | [.#]?[\w-]+\s*\{\s*[\w-]+\s*:\s*[^;{}]{1,60};  # CSS rules
    """,
    re.VERBOSE,
)
# Web-page furniture that scrapers keep. Generic phrases of site templates.
_BOILERPLATE_RE = re.compile(
    r"""\b(?:
        click\ here | read\ more | subscribe\ to\ (?:our|the)\ newsletter | sign\ up\ for
      | all\ rights\ reserved | follow\ us\ on | share\ (?:this|on)\ (?:article|facebook|twitter)
      | skip\ to\ (?:main\ )?content | accept\ (?:all\ )?cookies | this\ site\ uses\ cookies
      | enable\ javascript | advertisement | sponsored\ content | back\ to\ top
      | log\ in\ to\ comment | leave\ a\ (?:comment|reply) | terms\ of\ (?:use|service)
      | privacy\ policy | copyright\ ©
    )\b""",
    re.VERBOSE | re.IGNORECASE,
)
_CODE_CHARS = frozenset("{}[]();=<>/\\|$#_")
_DROP_CODE_CHARS = str.maketrans(dict.fromkeys(_CODE_CHARS))


class NonProseDetector:
    """Flags HTML entities and tags, code fragments, and web boilerplate."""

    name = "non-prose"
    family = FAMILY

    def detect(self, text: str, sentences: Sequence[Sentence]) -> list[Span]:
        spans: list[Span] = []
        for sent in sentences:
            s, e = sent.start, sent.end
            chunk = sent.text
            if "&" in chunk:
                for m in _HTML_ENTITY_RE.finditer(text, s, e):
                    spans.append(
                        make_span(text, m.start(), m.end(), FAMILY, 0.6, "HTML entity in prose")
                    )
            if "<" in chunk:
                for m in _HTML_TAG_RE.finditer(text, s, e):
                    spans.append(
                        make_span(text, m.start(), m.end(), FAMILY, 0.6, "HTML markup in prose")
                    )
            symbols = len(chunk) - len(chunk.translate(_DROP_CODE_CHARS))
            if symbols >= 3 or "function" in chunk or "=>" in chunk:
                for m in _CODE_RE.finditer(text, s, e):
                    spans.append(
                        make_span(text, m.start(), m.end(), FAMILY, 0.7, "program code in prose")
                    )
            # Boilerplate is a short line of its own; the same words inside a long sentence
            # are ordinary prose ("privacy policy" in a news story).
            for m in _BOILERPLATE_RE.finditer(text, s, e) if len(chunk) <= 120 else ():
                spans.append(
                    make_span(
                        text,
                        m.start(),
                        m.end(),
                        FAMILY,
                        0.5,
                        "web-page boilerplate (navigation, cookie or subscription text)",
                    )
                )
        return spans
