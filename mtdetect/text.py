"""Text segmentation with exact character offsets.

Everything here works on the text exactly as decoded: every offset is a Python ``str`` index
into the caller's string, and nothing is normalised, so ``text[s.start:s.end] == s.text`` holds
for every sentence and token.

The segmenter is rule-based and deliberately conservative about splitting: a rewriting
pipeline's re-spaced forms ("U. K.", "e. g.", ``said. "``) must stay inside one sentence so
that a detector can see and flag them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from mtdetect.native import core

__all__ = [
    "Document",
    "Sentence",
    "Token",
    "ngram_key",
    "segment",
    "split_paragraphs",
    "split_sentences",
    "stream_windows",
    "tokenize",
    "windows",
    "word_key",
]


class Token(NamedTuple):
    """One token: its surface text, document offsets and kind.

    ``kind`` is one of ``"word"``, ``"number"``, ``"url"``, ``"email"``, ``"punct"``.
    """

    text: str
    start: int
    end: int
    kind: str


@dataclass(slots=True)
class Sentence:
    """A sentence of a document, with offsets into the document text.

    ``tokens`` are computed on first use (offsets into the document text), so that
    callers that need only sentences do not pay for tokenising.
    """

    start: int
    end: int
    text: str
    paragraph: int
    _tokens: list[Token] | None = field(default=None, repr=False, compare=False)

    @property
    def tokens(self) -> list[Token]:
        if self._tokens is None:
            self._tokens = tokenize(self.text, offset=self.start)
        return self._tokens


@dataclass(slots=True)
class Document:
    """A text cut into sentences (and their tokens) without changing a character of it."""

    text: str
    sentences: list[Sentence]


# --- tokens -------------------------------------------------------------------------------

_TOKEN_RE = re.compile(
    r"""
    (?P<url>(?:https?://|ftp://|www\.)[^\s<>"'()\[\]{}]+[^\s<>"'()\[\]{}.,;:!?])
  | (?P<email>(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+)
  | (?P<number>\d+(?:[.,:/]\d+)*(?:st|nd|rd|th|s)?)
  | (?P<word>[^\W\d_]+(?:[-'’][^\W\d_]+)*)
  | (?P<punct>\.\.\.|[^\w\s])
    """,
    re.VERBOSE,
)
# The same without URLs and e-mail addresses: most sentences have neither, and the e-mail
# alternative costs a scan at every word.
_PLAIN_TOKEN_RE = re.compile(
    r"""
    (?P<word>[^\W\d_]+(?:[-'’][^\W\d_]+)*)
  | (?P<number>\d+(?:[.,:/]\d+)*(?:st|nd|rd|th|s)?)
  | (?P<punct>\.\.\.|[^\w\s])
    """,
    re.VERBOSE,
)


#: The names of _PLAIN_TOKEN_RE's groups, as the compiled tokenizer reports them.
_KINDS = ("word", "number", "punct")


def tokenize(text: str, start: int = 0, end: int | None = None, offset: int = 0) -> list[Token]:
    """Tokens of ``text[start:end]`` with offsets into ``text`` (plus ``offset``).

    Words keep internal hyphens and apostrophes ("well-known", "Kenya's"); numbers keep
    decimal and thousands separators; URLs and e-mail addresses are single tokens; every
    other non-space character is a punctuation token ("..." is one).
    """
    if end is None:
        end = len(text)
    chunk = text[start:end]
    rx = _TOKEN_RE if ("@" in chunk or "://" in chunk or "www." in chunk) else _PLAIN_TOKEN_RE
    fast = core()
    if rx is _PLAIN_TOKEN_RE and fast is not None and 0 <= offset < 1 << 62:
        return fast.tokenize(text, start, end, offset, Token, _KINDS)
    # tuple.__new__ makes the same Token as Token(...) without a Python-level call per token
    new = tuple.__new__
    if offset:
        return [
            new(Token, (m.group(), m.start() + offset, m.end() + offset, m.lastgroup or "punct"))
            for m in rx.finditer(text, start, end)
        ]
    return [
        new(Token, (m.group(), m.start(), m.end(), m.lastgroup or "punct"))
        for m in rx.finditer(text, start, end)
    ]


def word_key(word: str) -> str:
    """The form under which a word is looked up and counted: lower-cased, curly apostrophes
    folded to straight ones (``Don’t`` -> ``don't``). The one definition of that rule; hot loops
    call it only when the text holds a curly apostrophe."""
    return word.lower().replace("’", "'")


def ngram_key(token: Token) -> str | None:
    """The form under which a token is counted in n-gram tables, or None for a chain break.

    Words are lower-cased (curly apostrophes folded to straight ones); numbers become
    ``<num>``; punctuation, URLs and e-mail addresses break n-gram chains.
    """
    if token.kind == "word":
        return word_key(token.text)
    if token.kind == "number":
        return "<num>"
    return None


# --- paragraphs ---------------------------------------------------------------------------

_PARA_BREAK_RE = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_LINE_RE = re.compile(r"[^\n]*\n?")
_BULLET_RE = re.compile(r"[ \t]*(?:[-*•·‣▪◦–—]\s|\d{1,3}[.)]\s|\(?[a-z]\)\s)")
_TERMINAL = frozenset(".!?…:;")


def split_paragraphs(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each paragraph of ``text[start:end]``: text between blank lines,
    stripped of outer space, with offsets into ``text``."""
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    pos = start
    for m in _PARA_BREAK_RE.finditer(text, start, end):
        _append_stripped(text, pos, m.start(), out)
        pos = m.end()
    _append_stripped(text, pos, end, out)
    return out


def _append_stripped(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append((start, end))


def _line_blocks(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Split a paragraph at single newlines that end a unit of their own.

    Hard-wrapped prose (newswire) breaks lines mid-sentence, so a newline only ends a
    sentence when the next line is a bullet, or when the line before it looks like a
    headline: short, without closing punctuation, followed by a capitalised line.
    """
    if "\n" not in text[start:end]:
        yield start, end
        return
    block_start = start
    lines = [
        (m.start(), m.end()) for m in _LINE_RE.finditer(text, start, end) if m.end() > m.start()
    ]
    longest = max(len(text[ls:le].strip()) for ls, le in lines)
    for i, (ls, le) in enumerate(lines[:-1]):
        line = text[ls:le].strip()
        nxt_s, nxt_e = lines[i + 1]
        nxt = text[nxt_s:nxt_e].lstrip()
        if not line or not nxt:
            continue
        boundary = bool(_BULLET_RE.match(text, nxt_s, nxt_e)) or (
            line[-1] not in _TERMINAL
            and line[-1] not in ",-–(&/"
            and (nxt[0].isupper() or nxt[0].isdigit() or nxt[0] in _OPENERS)
            and (len(line) < 0.6 * longest or _is_title_like(line))
        )
        if boundary:
            yield block_start, le
            block_start = nxt_s
    yield block_start, end


def _is_title_like(line: str) -> bool:
    """A headline-like line: most of its words are capitalised."""
    words = [w for w in line.split() if w[:1].isalpha()]
    if not words:
        return False
    caps = sum(1 for w in words if w[0].isupper())
    return caps >= 0.6 * len(words) and (len(words) <= 12)


# --- sentences ----------------------------------------------------------------------------

# Abbreviations after which a full stop does not end a sentence when a name or number
# follows (titles, "No. 5", "Fig. 3"); compared lower-cased, without the dot.
_TITLE_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "sr",
        "jr",
        "rev",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "cmdr",
        "adm",
        "gov",
        "sen",
        "rep",
        "pres",
        "hon",
        "fr",
        "mt",
        "ft",
        "messrs",
        "mme",
        "mlle",
        "rt",
        "sec",
        "supt",
        "insp",
        "det",
        "cpl",
        "pvt",
        "maj",
        "brig",
        "no",
        "nos",
        "nr",
        "vol",
        "vols",
        "fig",
        "figs",
        "pp",
        "p",
        "art",
        "ch",
        "sec",
        "sect",
        "op",
        "para",
        "tel",
        "ext",
    ]
)
# Abbreviations that are not usually sentence-final: no split unless what follows is
# clearly a new sentence.
_ABBREVIATIONS = frozenset(
    [
        "e.g",
        "i.e",
        "etc",
        "cf",
        "vs",
        "viz",
        "al",
        "approx",
        "est",
        "dept",
        "univ",
        "assn",
        "bros",
        "inc",
        "ltd",
        "co",
        "corp",
        "plc",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "tues",
        "wed",
        "thu",
        "thur",
        "thurs",
        "fri",
        "sat",
        "sun",
        "ave",
        "blvd",
        "rd",
        "hwy",
        "u.s",
        "u.k",
        "u.n",
        "e.u",
        "u.s.a",
        "a.m",
        "p.m",
        "ph.d",
        "b.a",
        "m.a",
        "d.c",
        "n.y",
        "l.a",
    ]
)
# Words that begin sentences far more often than they continue a name: after an
# abbreviation such as "U.S." or "Inc." a full stop followed by one of these is a boundary.
_SENTENCE_STARTERS = frozenset(
    [
        "the",
        "a",
        "an",
        "it",
        "he",
        "she",
        "they",
        "we",
        "i",
        "you",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "but",
        "and",
        "or",
        "so",
        "yet",
        "in",
        "on",
        "at",
        "for",
        "from",
        "by",
        "with",
        "as",
        "if",
        "when",
        "while",
        "after",
        "before",
        "since",
        "although",
        "though",
        "because",
        "his",
        "her",
        "its",
        "their",
        "our",
        "my",
        "your",
        "some",
        "many",
        "most",
        "all",
        "no",
        "not",
        "one",
        "two",
        "three",
        "its",
    ]
)

# A run of terminal punctuation, then closing quotes/brackets, then space. The run is one
# character class (not "..." | "." alternatives, which backtrack exponentially on a long run
# of dots), and a match may only begin where a run begins, so a long run that is not
# followed by space is scanned once, not once per character (linear, not quadratic).
_CANDIDATE_RE = re.compile(r"(?<![.!?…])[.!?…]+(?P<close>[\"'”’)\]»]*)(?P<space>\s+)")
_OPENERS = frozenset("\"'“‘([«¿¡")
_WORD_BEFORE_RE = re.compile(r"([\w.’'/:@-]*)$")


def _is_boundary(text: str, dot: int, after: int, block_end: int) -> bool:
    """Decide whether the terminal punctuation at ``dot`` ends a sentence.

    ``after`` is the index of the first non-space character after it.
    """
    if after >= block_end:
        return False
    nxt = text[after]
    if nxt.islower():
        return False  # "etc. and", "e. g. the", "www. example. com"
    if text[dot] != ".":
        return nxt.isupper() or nxt.isdigit() or nxt in _OPENERS
    if (dot >= 2 and text[dot - 2 : dot + 1] == "...") or text[dot] == "…":
        return nxt.isupper() or nxt in _OPENERS
    # The word (with inner dots) right before the full stop.
    m = _WORD_BEFORE_RE.search(text, max(0, dot - 24), dot)
    word = m.group(1) if m else ""
    if "/" in word or "@" in word:
        # The end of a URL or e-mail address.
        return nxt.isupper() or nxt.isdigit() or nxt in _OPENERS
    bare = word.lower().strip(".")
    if len(word) == 1 and word.isalpha():
        # Initials ("J. R. R. Tolkien") and re-spaced initialisms ("U. K.").
        if word.isupper():
            next_word = _next_word(text, after, block_end)
            return len(next_word) > 1 and next_word.lower() in _SENTENCE_STARTERS
        return False
    if bare in _TITLE_ABBREVIATIONS:
        return not (nxt.isupper() or nxt.isdigit())
    if bare in _ABBREVIATIONS or (word.count(".") >= 1 and len(bare) <= 6 and "." in bare):
        next_word = _next_word(text, after, block_end)
        return next_word.lower() in _SENTENCE_STARTERS
    if nxt.isdigit():
        return True
    return nxt.isupper() or nxt in _OPENERS or not nxt.isalnum()


_NEXT_WORD_RE = re.compile(r"[\"'“‘(\[]*([^\W\d_]+)")


def _next_word(text: str, pos: int, end: int) -> str:
    m = _NEXT_WORD_RE.match(text, pos, end)
    return m.group(1) if m else ""


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence in ``text[start:end]`` (one paragraph or block)."""
    if end is None:
        end = len(text)
    out: list[tuple[int, int]] = []
    sent_start = start
    quotes = 0
    pos = start
    for m in _CANDIDATE_RE.finditer(text, start, end):
        quotes += text.count('"', pos, m.start())
        pos = m.start()
        sent_end, after = m.start("space"), m.end()
        if quotes % 2 == 1 and after < end and text[after] == '"':
            # A closing quote re-spaced away from its sentence (`said. " Next`): it belongs
            # to the sentence it closes.
            sent_end = after + 1
            quotes += 1
            after = sent_end
            while after < end and text[after].isspace():
                after += 1
            if after == sent_end:
                continue
        dot = m.start("close") - 1
        if _is_boundary(text, dot, after, end):
            _append_stripped(text, sent_start, sent_end, out)
            sent_start = after
            quotes = 0
            pos = after
    _append_stripped(text, sent_start, end, out)
    return out


def segment(
    text: str,
    *,
    with_tokens: bool = False,
    start: int = 0,
    end: int | None = None,
    first_paragraph: int = 0,
) -> Document:
    """Cut ``text`` (or ``text[start:end]``) into paragraphs and sentences, with exact
    offsets into ``text``; paragraphs are numbered from ``first_paragraph``.

    Tokens are computed lazily per sentence; ``with_tokens=True`` computes them now.
    """
    sentences: list[Sentence] = []
    paragraphs = split_paragraphs(text, start, end)
    for p_index, (p_start, p_end) in enumerate(paragraphs, first_paragraph):
        for b_start, b_end in _line_blocks(text, p_start, p_end):
            for s_start, s_end in split_sentences(text, b_start, b_end):
                sent = Sentence(s_start, s_end, text[s_start:s_end], p_index)
                if with_tokens:
                    sent._tokens = tokenize(text, s_start, s_end)
                sentences.append(sent)
    return Document(text, sentences)


def windows(text: str, max_chars: int) -> list[tuple[int, int, int]]:
    """``(start, end, first paragraph index)`` of consecutive pieces of ``text`` of at most
    about ``max_chars`` characters, cut between paragraphs; a longer paragraph is cut at the
    last white space (else anywhere) before the limit. For bounded work on huge documents."""
    out: list[tuple[int, int, int]] = []
    if len(text) <= max_chars:
        return [(0, len(text), 0)]
    start = 0
    first = 0
    for n_par, (p_start, p_end) in enumerate(split_paragraphs(text)):
        if p_end - start > max_chars and p_start > start:
            out.append((start, p_start, first))
            start, first = p_start, n_par
        while p_end - start > max_chars:
            cut = text.rfind(" ", start + max_chars // 2, start + max_chars)
            cut = cut if cut > start else start + max_chars
            out.append((start, cut, first))
            start, first = cut, n_par
    if start < len(text):
        out.append((start, len(text), first))
    return out


def stream_windows(chunks: Iterable[str], max_chars: int) -> Iterator[tuple[int, str, int]]:
    """The pieces :func:`windows` cuts from the text that ``chunks`` make when joined, as
    ``(start, piece text, first paragraph index)``, read as they come: only the current
    piece and the chunk after it are held (plus any run of white space in between), so a
    huge file is cut without ever being whole in memory.

    Equal to ``[(a, text[a:b], first) for a, b, first in windows(text, max_chars)]``; the
    tests check it against :func:`windows` for every way of chunking.
    """
    buf = ""  # text[base:base + len(buf)]
    base = 0
    eof = False
    it = iter(chunks)
    start = first = 0  # the piece being filled: where it starts and its first paragraph
    n_par = 0  # index of the next paragraph to complete
    pos = 0  # where the open paragraph's region starts (just after the last break)
    open_start: int | None = None  # its first character that is not white space
    emitted = False

    def cut_text(a: int, b: int) -> str:
        return buf[a - base : b - base]

    def overflow(p_start: int, p_end_min: int) -> Iterator[tuple[int, str, int]]:
        # The steps of windows() for paragraph n_par, as far as its known end allows.
        nonlocal start, first, emitted
        if p_end_min - start > max_chars and p_start > start:
            yield start, cut_text(start, p_start), first
            start, first, emitted = p_start, n_par, True
        while p_end_min - start > max_chars:
            cut = buf.rfind(" ", start + max_chars // 2 - base, start + max_chars - base)
            cut = cut + base if cut >= 0 and cut + base > start else start + max_chars
            yield start, cut_text(start, cut), first
            start, first, emitted = cut, n_par, True

    while True:
        # Every break the buffer holds whole: a match that ends before the buffer does
        # (its trailing white space might go on in the next chunk).
        scan = max(pos, base)
        while (m := _PARA_BREAK_RE.search(buf, scan - base)) and (m.end() < len(buf) or eof):
            if open_start is None:
                open_start = _first_non_space(buf, scan - base, m.start(), base)
            if open_start is not None:  # a paragraph that is not all white space
                p_end = _last_non_space_end(buf, m.start(), max(open_start, base) - base, base)
                yield from overflow(open_start, p_end)
                n_par += 1
            pos = scan = m.end() + base
            open_start = None
        if open_start is None:
            open_start = _first_non_space(buf, scan - base, len(buf), base)
        if open_start is not None:  # the open paragraph reaches at least this far
            end_min = _last_non_space_end(buf, len(buf), max(open_start, base) - base, base)
            yield from overflow(open_start, end_min)
        if eof:
            break
        # Keep the piece being filled (it starts at or before the open paragraph).
        chunk = next(it, None)
        eof = chunk is None
        buf = buf[start - base :] + (chunk or "")
        base = start
    total = base + len(buf)
    if start < total or not emitted:
        yield start, cut_text(start, total), first


def _first_non_space(buf: str, i: int, j: int, base: int) -> int | None:
    """Offset (base-relative to absolute) of the first character of ``buf[i:j]`` that is
    not white space, or None."""
    m = _NON_SPACE_RE.search(buf, i, j)
    return None if m is None else m.start() + base


def _last_non_space_end(buf: str, j: int, floor: int, base: int) -> int:
    """Absolute end of ``buf[floor:j]`` with its trailing white space stripped."""
    while j > floor and buf[j - 1].isspace():
        j -= 1
    return j + base


_NON_SPACE_RE = re.compile(r"\S")
