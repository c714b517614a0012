"""``synonym-substitution`` from a known list: published tortured phrases.

The Problematic Paper Screener (Cabanac, Labbé and Magazinov 2021) publishes "fingerprints" of
tortured phrases found in the scientific literature, written in a small search syntax::

    "counterfeit consciousness"                      a phrase
    "growth tumour" AND "oncology"                   the phrase, only when the context term occurs
    "fluffy data" NOT "fluffy data cloud"            the phrase, unless the excluded term occurs
    "green table" OR "green desk"                    either phrase
    "purple spreadsheet"~5                           the words, in any order, at most 5 words apart
    "x" AND ("y" OR "z") AND optimi*                 groups of alternatives; a trailing * is a prefix

This module parses that syntax (:func:`parse_fingerprint`) and runs compiled fingerprints
(:class:`TorturedPhraseDetector`). A list only finds what someone already found: this detector
is one source of evidence among others, not the core of the tool.

Semantics (chosen here, documented because the syntax is a search engine's, not ours):

* Operators are upper-case ``AND``, ``OR``, ``NOT`` (``AND NOT`` is ``NOT``). ``OR`` binds
  tighter than ``AND``/``NOT`` (as in Scopus), so ``"a" OR "b" AND "c"`` is
  ``("a" OR "b") AND "c"``. Parentheses may group alternatives (``OR`` lists) only.
* The first group is the tortured phrase itself (the *anchor*): only its occurrences become
  spans. Later ``AND`` groups are context that must occur; ``NOT`` terms must not occur.
* Context and exclusions are looked for in the whole text given to ``detect`` by default (the
  screener searches whole papers); ``scope="paragraph"`` or ``"sentence"`` narrows that.
* Phrases match token sequences (see :func:`phrase_keys`): case-insensitive, curly apostrophes
  folded, punctuation tokens must match too ("data technology (IT)").
* Proximity ``"w1 ... wk"~N`` matches inside one sentence when all the words occur, in any
  order, with at most N other words between the first and the last. The span runs from the
  first matched word to the last.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mtdetect.detectors.base import make_span
from mtdetect.result import Span
from mtdetect.text import Sentence, tokenize, word_key

__all__ = [
    "DEFAULT_PATH",
    "FORMAT",
    "Fingerprint",
    "FingerprintError",
    "Term",
    "TorturedMatcher",
    "TorturedPhraseDetector",
    "clean_expected",
    "load_matcher",
    "parse_fingerprint",
    "phrase_keys",
]

FAMILY = "synonym-substitution"
FORMAT = "mtdetect/tortured-phrases/1"
#: The compiled list shipped with the package (built by ``python -m training.build_tortured``).
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "tortured_phrases.json"

_SCOPES = ("document", "paragraph", "sentence")
_WORDISH = frozenset(("word", "number"))


# --- terms and their keys -----------------------------------------------------------------


def _keys_of(text: str) -> list[str]:
    """Matching keys of every token of ``text``: lower-cased, curly apostrophe folded."""
    return [word_key(t.text) for t in tokenize(text)]


def phrase_keys(text: str) -> tuple[str, ...]:
    """The key sequence a phrase is matched by (the same keys the detector computes on text).

    Every token counts, punctuation included; words are lower-cased like
    :func:`mtdetect.text.ngram_key`, but numbers keep their digits ("4G" -> ``("4", "g")``).
    """
    return tuple(_keys_of(text))


#: What every listed phrase's span explanation says (the pipeline reads it: a listed phrase
#: at strength 0.9 or more makes the document at least suspect).
LISTED_MARK = "a published tortured"


@dataclass(frozen=True, slots=True)
class Term:
    """One searchable term: a phrase, a proximity group or a prefix.

    ``keys`` are token keys. ``near`` set: a proximity term (words, any order, at most
    ``near`` other words between). ``prefix``: the last key is a prefix (``optimiz*``).
    """

    keys: tuple[str, ...]
    near: int | None = None
    prefix: bool = False

    @property
    def kind(self) -> str:
        """``phrase``, ``near`` or ``prefix``."""
        if self.near is not None:
            return "near"
        return "prefix" if self.prefix else "phrase"

    def display(self) -> str:
        """A readable form for explanations."""
        if self.near is not None:
            return " … ".join(self.keys)
        return " ".join(self.keys) + ("*" if self.prefix else "")

    def to_json(self) -> str | dict[str, Any]:
        """Compact JSON form: a space-joined string for a phrase, else a small object."""
        joined = " ".join(self.keys)
        if self.near is not None:
            return {"w": joined, "near": self.near}
        if self.prefix:
            return {"w": joined, "prefix": True}
        return joined

    @classmethod
    def from_json(cls, obj: str | dict[str, Any]) -> Term:
        """Inverse of :meth:`to_json`."""
        if isinstance(obj, str):
            return cls(tuple(obj.split(" ")))
        return cls(tuple(obj["w"].split(" ")), obj.get("near"), bool(obj.get("prefix", False)))


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A parsed fingerprint: anchor alternatives, required context groups, excluded terms."""

    anchors: tuple[Term, ...]
    required: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()

    @property
    def clause_types(self) -> tuple[str, ...]:
        """The syntax features used: a subset of ``phrase near or and not prefix``."""
        out: list[str] = []
        if any(t.near is None for t in self.anchors):
            out.append("phrase")
        all_terms = [*self.anchors, *(t for g in self.required for t in g), *self.excluded]
        if any(t.near is not None for t in all_terms):
            out.append("near")
        if len(self.anchors) > 1 or any(len(g) > 1 for g in self.required):
            out.append("or")
        if self.required:
            out.append("and")
        if self.excluded:
            out.append("not")
        if any(t.prefix for t in all_terms):
            out.append("prefix")
        return tuple(out)


# --- the fingerprint parser ---------------------------------------------------------------


class FingerprintError(ValueError):
    """A fingerprint this parser cannot read (the message says where and why)."""


_LEX_RE = re.compile(
    r"""
    \s*(?:
      (?P<quote>"(?P<qtext>[^"]*)"(?:~(?P<near>\d+))?)
    | (?P<lpar>\()
    | (?P<rpar>\))
    | (?P<bare>[^\s"()]+)
    )
    """,
    re.VERBOSE,
)
_OPERATORS = frozenset(("AND", "OR", "NOT"))
_BARE_TERM_RE = re.compile(r"[^\W_][\w'’-]*\*?")


def _lex(query: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    pos = 0
    text = query.rstrip()
    while pos < len(text):
        m = _LEX_RE.match(text, pos)
        if m is None or m.end() == pos:
            raise FingerprintError(f"cannot read {text[pos:]!r} (unbalanced quote?)")
        pos = m.end()
        if m.group("quote") is not None:
            near = m.group("near")
            tokens.append(("term", (m.group("qtext"), int(near) if near else None)))
        elif m.group("lpar"):
            tokens.append(("(", None))
        elif m.group("rpar"):
            tokens.append((")", None))
        else:
            bare = m.group("bare")
            if bare in _OPERATORS:
                tokens.append((bare, None))
            elif _BARE_TERM_RE.fullmatch(bare):
                tokens.append(("term", (bare, None)))
            else:
                raise FingerprintError(f"unexpected {bare!r}")
    return tokens


def _make_term(raw: str, near: int | None) -> Term:
    raw = raw.strip()
    prefix = raw.endswith("*")
    if prefix:
        raw = raw[:-1].rstrip()
    if "*" in raw:
        raise FingerprintError(f"wildcard inside {raw!r} is not supported")
    keys = phrase_keys(raw)
    if not keys:
        raise FingerprintError("empty term")
    if near is not None:
        if prefix:
            raise FingerprintError("wildcard in a proximity term is not supported")
        words = tuple(k for t, k in zip(tokenize(raw), keys, strict=True) if t.kind in _WORDISH)
        if len(words) < 2:
            raise FingerprintError(f"proximity ~{near} needs two or more words in {raw!r}")
        return Term(words, near=near)
    if prefix and not tokenize(raw)[-1].kind == "word":
        raise FingerprintError(f"wildcard after a non-word in {raw!r}")
    return Term(keys, prefix=prefix)


class _Parser:
    def __init__(self, query: str) -> None:
        self.tokens = _lex(query)
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, Any]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def group(self) -> list[Term]:
        """group := primary (OR primary)*"""
        terms = self.primary()
        while self.peek() == "OR":
            self.take()
            terms.extend(self.primary())
        return terms

    def primary(self) -> list[Term]:
        """primary := term | '(' group ')'"""
        kind = self.peek()
        if kind == "term":
            raw, near = self.take()[1]
            return [_make_term(raw, near)]
        if kind == "(":
            self.take()
            terms = self.group()
            if self.peek() != ")":
                found = self.peek() or "end of text"
                raise FingerprintError(f"expected ')' or OR inside parentheses, got {found}")
            self.take()
            return terms
        raise FingerprintError(f"expected a quoted term, got {kind or 'end of text'}")

    def query(self) -> Fingerprint:
        """query := group ((AND [NOT] | NOT) group)*"""
        anchors = self.group()
        required: list[tuple[Term, ...]] = []
        excluded: list[Term] = []
        while self.peek() is not None:
            op = self.take()[0]
            if op == "AND" and self.peek() == "NOT":
                op = self.take()[0]
            if op not in ("AND", "NOT"):
                raise FingerprintError(f"expected AND or NOT, got {op}")
            terms = self.group()
            if op == "AND":
                required.append(tuple(terms))
            else:
                excluded.extend(terms)  # NOT (a OR b) == NOT a AND NOT b
        if any(t.prefix for t in anchors):
            raise FingerprintError("a wildcard is only supported in context terms")
        return Fingerprint(tuple(anchors), tuple(required), tuple(excluded))


def parse_fingerprint(query: str) -> Fingerprint:
    """Parse one fingerprint of the screener's search syntax; :class:`FingerprintError` if bad.

    Plain text without quotes is accepted only as a single bare word; two terms with no
    operator between them (``"a" ADN "b"``) are an error, not a guess.
    """
    if not query or not query.strip():
        raise FingerprintError("empty fingerprint")
    if query.count('"') % 2:
        raise FingerprintError("unbalanced quotes")
    return _Parser(query).query()


_SEE_NOTE_RE = re.compile(r",?\s*see\s+https?://\S+\s*$", re.IGNORECASE)
_QUERY_NOTE_RE = re.compile(r"\s*(?:\(\?\)|\?)\s*$")


def clean_expected(expected: str) -> str:
    """The expected phrase as a suggestion: trailing "see <url>" notes and "?" removed."""
    out = _SEE_NOTE_RE.sub("", expected.strip())
    out = _QUERY_NOTE_RE.sub("", out)
    return out.strip() or expected.strip()


# --- the compiled matcher -----------------------------------------------------------------


@dataclass(slots=True)
class _Entry:
    query: str
    anchors: tuple[int, ...]
    required: tuple[tuple[int, ...], ...]
    excluded: tuple[int, ...]
    expected: str
    suggestion: str
    num_papers: int
    strength: float


def _strength(num_papers: int, fp: Fingerprint, anchor: Term) -> float:
    """Evidence strength: more papers, stronger; loose proximity weaker; context helps."""
    s = 0.5 + 0.1 * math.log10(1 + max(0, num_papers))
    if anchor.near is not None:
        s -= 0.15
    elif len([k for k in anchor.keys if k[:1].isalnum()]) < 2 and not fp.required:
        s -= 0.1  # a one-word fingerprint without context
    if fp.required:
        s += 0.05
    return max(0.3, min(0.95, s))


@dataclass(slots=True)
class _Unit:
    """Per-detect cache of the token keys of the sentences of one scope unit."""

    keys: list[list[str]]
    sentences: list[Sentence]
    seen: dict[int, bool] = field(default_factory=dict)


class TorturedMatcher:
    """Compiled fingerprints with an index on anchors: first key -> lengths -> key tuples."""

    def __init__(self, entries: Iterable[dict[str, Any]], meta: dict[str, Any] | None = None):
        self.meta = meta or {}
        self.terms: list[Term] = []
        self._term_ids: dict[Term, int] = {}
        # Only the anchors are indexed up front; an entry's context terms, strength and
        # suggestion are built the first time one of its anchors is found (start-up time).
        self._raw: list[dict[str, Any]] = list(entries)
        self._entries: list[_Entry | None] = [None] * len(self._raw)
        self._anchor_tids: list[tuple[int, ...]] = []  # each entry's anchors, parsed once
        # anchor phrase index: first key -> [(length, {key tuple: term id})]
        self._phrase_index: dict[str, list[tuple[int, dict[tuple[str, ...], int]]]] = {}
        # proximity anchors: first word -> term ids
        self._near_index: dict[str, list[int]] = {}
        self._anchor_entries: dict[int, list[int]] = {}
        for eid, obj in enumerate(self._raw):
            self._index_anchors(eid, obj)
        self._near_words = frozenset(self._near_index)

    def _term_id(self, term: Term) -> int:
        tid = self._term_ids.get(term)
        if tid is None:
            tid = self._term_ids[term] = len(self.terms)
            self.terms.append(term)
        return tid

    def _index_anchors(self, eid: int, obj: dict[str, Any]) -> None:
        terms = [Term.from_json(raw) for raw in obj["a"]]
        tids = tuple(self._term_id(t) for t in terms)
        self._anchor_tids.append(tids)
        for term, tid in zip(terms, tids, strict=True):
            known = tid in self._anchor_entries
            self._anchor_entries.setdefault(tid, []).append(eid)
            if known:
                continue
            if term.near is not None:
                self._near_index.setdefault(term.keys[0], []).append(tid)
                continue
            buckets = self._phrase_index.setdefault(term.keys[0], [])
            for length, table in buckets:
                if length == len(term.keys):
                    table[term.keys] = tid
                    break
            else:
                buckets.append((len(term.keys), {term.keys: tid}))

    def entry(self, eid: int) -> _Entry:
        """Entry ``eid`` of the list, built on first use."""
        entry = self._entries[eid]
        if entry is None:
            entry = self._entries[eid] = self._build_entry(self._raw[eid], self._anchor_tids[eid])
        return entry

    def _build_entry(self, obj: dict[str, Any], anchor_tids: tuple[int, ...]) -> _Entry:
        anchors = tuple(self.terms[t] for t in anchor_tids)
        required = tuple(tuple(Term.from_json(t) for t in g) for g in obj.get("and", ()))
        excluded = tuple(Term.from_json(t) for t in obj.get("not", ()))
        fp = Fingerprint(anchors, required, excluded)
        num = int(obj.get("n", 0))
        expected = obj.get("e", "")
        return _Entry(
            query=obj.get("q", ""),
            anchors=anchor_tids,
            required=tuple(tuple(self._term_id(t) for t in g) for g in required),
            excluded=tuple(self._term_id(t) for t in excluded),
            expected=expected,
            suggestion=obj.get("s") or clean_expected(expected),
            num_papers=num,
            strength=_strength(num, fp, anchors[0]),
        )

    def __len__(self) -> int:
        return len(self._raw)

    # -- anchors --------------------------------------------------------------------------

    def anchor_hits(self, keys: list[str], tokens: Sequence[Any]) -> list[tuple[int, int, int]]:
        """(term id, first token index, last token index) of every anchor in one sentence."""
        hits: list[tuple[int, int, int]] = []
        index = self._phrase_index
        n = len(keys)
        for i, k in enumerate(keys):
            buckets = index.get(k)
            if buckets is None:
                continue
            for length, table in buckets:
                if i + length > n:
                    continue
                tid = table.get(tuple(keys[i : i + length])) if length > 1 else table.get((k,))
                if tid is not None:
                    hits.append((tid, i, i + length - 1))
        if self._near_words and not self._near_words.isdisjoint(keys):
            for w in self._near_words.intersection(keys):
                for tid in self._near_index[w]:
                    hits.extend((tid, a, b) for a, b in self._near_windows(tid, keys, tokens))
        return hits

    def _near_windows(
        self, tid: int, keys: list[str], tokens: Sequence[Any]
    ) -> list[tuple[int, int]]:
        """Non-overlapping minimal windows (token indices) holding all words of a near term."""
        term = self.terms[tid]
        need: dict[str, int] = {}
        for w in term.keys:
            need[w] = need.get(w, 0) + 1
        keyset = set(keys)
        if any(w not in keyset for w in need):
            return []
        positions = [i for i, t in enumerate(tokens) if t.kind in _WORDISH]
        have: dict[str, int] = {}
        missing = len(need)
        left = 0
        found: list[tuple[int, int]] = []
        for right, pos in enumerate(positions):
            k = keys[pos]
            if k in need:
                have[k] = have.get(k, 0) + 1
                if have[k] == need[k]:
                    missing -= 1
            while missing == 0:
                lk = keys[positions[left]]
                if lk in need and have[lk] == need[lk]:
                    break
                if lk in need:
                    have[lk] -= 1
                left += 1
            if missing == 0:
                gap = (right - left) - (len(term.keys) - 1)
                if gap <= term.near:
                    found.append((positions[left], pos))
                    have.clear()  # the next window starts after this one
                    missing = len(need)
                    left = right + 1
                    continue
                # too loose: slide past the leftmost needed word and keep looking
                lk = keys[positions[left]]
                have[lk] -= 1
                missing += 1
                left += 1
        return found

    # -- context --------------------------------------------------------------------------

    def term_in_unit(self, tid: int, unit: _Unit) -> bool:
        """Whether a context or exclusion term occurs anywhere in a scope unit (cached)."""
        cached = unit.seen.get(tid)
        if cached is not None:
            return cached
        term = self.terms[tid]
        result = False
        for keys, sent in zip(unit.keys, unit.sentences, strict=True):
            if self._term_in_sentence(term, tid, keys, sent):
                result = True
                break
        unit.seen[tid] = result
        return result

    def _term_in_sentence(self, term: Term, tid: int, keys: list[str], sent: Sentence) -> bool:
        if term.near is not None:
            return bool(self._near_windows(tid, keys, sent.tokens))
        first, length = term.keys[0], len(term.keys)
        if term.prefix:
            head, last = term.keys[:-1], term.keys[-1]
            for i in range(len(keys) - length + 1):
                if (
                    keys[i + length - 1].startswith(last)
                    and tuple(keys[i : i + length - 1]) == head
                ):
                    return True
            return False
        if length == 1:
            return first in keys
        return any(
            k == first and tuple(keys[i : i + length]) == term.keys for i, k in enumerate(keys)
        )

    def entry_holds(self, entry: _Entry, unit: _Unit) -> bool:
        """Whether an entry's context groups occur and its exclusions don't, in a unit."""
        for group in entry.required:
            if not any(self.term_in_unit(t, unit) for t in group):
                return False
        return not any(self.term_in_unit(t, unit) for t in entry.excluded)


def sentence_keys(sentence: Sentence) -> list[str]:
    """Token keys of a sentence, as :func:`phrase_keys` computes them."""
    keys = [t.text.lower() for t in sentence.tokens]
    if "’" in sentence.text:
        keys = [word_key(k) for k in keys]
    return keys


@functools.lru_cache(maxsize=8)
def _load_cached(path: str) -> TorturedMatcher:
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: not a compiled tortured-phrase list ({FORMAT})")
    meta = {k: v for k, v in data.items() if k != "entries"}
    return TorturedMatcher(data["entries"], meta)


def load_matcher(path: str | Path | None = None) -> TorturedMatcher:
    """The compiled matcher at ``path`` (default: the shipped list), loaded once and cached."""
    return _load_cached(str(Path(path) if path is not None else DEFAULT_PATH))


# --- the detector -------------------------------------------------------------------------


class TorturedPhraseDetector:
    """Spans for published tortured phrases (a known list; see the module docstring).

    ``path`` selects a compiled list (default: the shipped one, loaded lazily on first use).
    ``scope`` is where AND-context and NOT-exclusions are looked for: ``"document"`` (the
    default, like the screener), ``"paragraph"`` or ``"sentence"``.
    """

    name = "tortured-list"
    family = FAMILY

    def __init__(self, path: str | Path | None = None, *, scope: str = "document") -> None:
        if scope not in _SCOPES:
            raise ValueError(f"scope must be one of {_SCOPES}, not {scope!r}")
        self.path = path
        self.scope = scope
        self._matcher: TorturedMatcher | None = None

    @property
    def matcher(self) -> TorturedMatcher:
        """The compiled list (loaded on first access)."""
        if self._matcher is None:
            self._matcher = load_matcher(self.path)
        return self._matcher

    def detect(self, text: str, sentences: Sequence[Sentence]) -> list[Span]:
        """Spans of listed tortured phrases whose context holds, one per matched stretch."""
        matcher = self.matcher
        all_keys = [sentence_keys(s) for s in sentences]
        units: dict[int, _Unit] = {}
        found: list[tuple[int, int, float, int, int]] = []  # start, end, strength, entry, sent
        for si, (sent, keys) in enumerate(zip(sentences, all_keys, strict=True)):
            hits = matcher.anchor_hits(keys, sent.tokens)
            if not hits:
                continue
            for tid, a, b in hits:
                for eid in matcher._anchor_entries[tid]:
                    entry = matcher.entry(eid)
                    if entry.required or entry.excluded:
                        unit = self._unit(si, sentences, all_keys, units)
                        if not matcher.entry_holds(entry, unit):
                            continue
                    start, end = sent.tokens[a].start, sent.tokens[b].end
                    found.append((start, end, entry.strength, eid, tid))
        return self._spans(text, found)

    def _unit(
        self,
        si: int,
        sentences: Sequence[Sentence],
        all_keys: list[list[str]],
        units: dict[int, _Unit],
    ) -> _Unit:
        if self.scope == "sentence":
            uid = si
        elif self.scope == "paragraph":
            uid = sentences[si].paragraph
        else:
            uid = 0
        unit = units.get(uid)
        if unit is None:
            idx = [
                i
                for i in range(len(sentences))
                if self.scope == "document"
                or (self.scope == "sentence" and i == si)
                or (self.scope == "paragraph" and sentences[i].paragraph == uid)
            ]
            unit = units[uid] = _Unit([all_keys[i] for i in idx], [sentences[i] for i in idx])
        return unit

    def _spans(self, text: str, found: list[tuple[int, int, float, int, int]]) -> list[Span]:
        """One span per stretch: the longest match wins, then the strongest entry."""
        found.sort(key=lambda f: (f[0], -(f[1] - f[0]), -f[2]))
        spans: list[Span] = []
        kept_end = -1
        seen: set[tuple[int, int]] = set()
        for start, end, _, eid, tid in found:
            if (start, end) in seen or end <= kept_end:
                continue  # same stretch, or inside a longer match already kept
            seen.add((start, end))
            kept_end = max(kept_end, end)
            spans.append(self._span(text, start, end, eid, tid))
        return spans

    def _span(self, text: str, start: int, end: int, eid: int, tid: int) -> Span:
        matcher = self.matcher
        entry = matcher.entry(eid)
        term = matcher.terms[tid]
        n = entry.num_papers
        papers = f"{n:,} paper" + ("" if n == 1 else "s")
        shown = text[start:end] if term.near is None else term.display()
        what = f"is {LISTED_MARK} phrase"
        if term.near is not None:
            what = f"(within {term.near} words) is {LISTED_MARK}-phrase fingerprint"
        explanation = f"'{shown}' {what} ({papers}); the usual term is '{entry.suggestion}'"
        if entry.required:
            context = ", ".join(
                "/".join(matcher.terms[t].display() for t in group) for group in entry.required
            )
            explanation += f" (context present: {context})"
        return make_span(
            text, start, end, FAMILY, entry.strength, explanation, entry.suggestion or None
        )
