"""A web page's own word that it is machine-translated: document evidence for WARC audits.

Sites that serve machine translation often say so in their HTML: the script or stylesheet of
a translation plugin, a ``<meta name="translation-stats">``, an alternate link marked as
machine-translated. ParaCrawl's extraction drops such pages with tag filters; here the marker
found is recorded in the audit row (``mt_marker``) and counted in the summary, beside the
score of the page's text, which it does not change.

Each marker is a name and a pattern on the raw HTML; the first that matches names the page's
marker. The patterns look for the plugins' own identifiers (script and style names, element
ids and attributes), not for words an article could contain.
"""

from __future__ import annotations

import re

__all__ = ["MT_MARKERS", "mt_marker"]

#: (name, pattern) in the order they are tried.
MT_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("meta translation-stats", re.compile(r"<meta\b[^>]*\bname\s*=\s*[\"']?translation-stats", re.I)),
    (
        "alternate link marked machine-translated",
        re.compile(r"<link\b[^>]*\brel\s*=\s*[\"']?alternate\b[^>]*machine[-_ ]?translat", re.I),
    ),
    ("gtranslate", re.compile(r"gtranslate\.(?:io|net)|\bgtranslate[-_.]|\bdata-gt-lang\b", re.I)),
    (
        "google translate widget",
        re.compile(r"translate\.google\.com/translate_a/element\.js|\bgoogle_translate_element\b", re.I),
    ),
    ("weglot", re.compile(r"cdn\.weglot\.com|\bweglot[-_.]|\bdata-wg-notranslate\b", re.I)),
    ("translatepress", re.compile(r"\btrp-language-switcher\b|\bdata-trp-|translatepress", re.I)),
    ("conveythis", re.compile(r"conveythis", re.I)),
    ("transposh", re.compile(r"\btransposh", re.I)),
)  # fmt: skip
#: Markers sit in the page's head or near its scripts: only the first part is searched.
SEARCH_CHARS = 1 << 20


def mt_marker(html: str) -> str | None:
    """The name of the first machine-translation marker in ``html``, or None."""
    page = html[:SEARCH_CHARS]
    for name, pattern in MT_MARKERS:
        if pattern.search(page):
            return name
    return None
