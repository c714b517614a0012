"""Synthetic rewriter: imitates cheap article spinners and round-trip translation.

The rewriter takes clean English and damages it the way a spinner or a round trip through a
machine translator does (see docs/artifacts.md): dictionary synonyms of the wrong sense, broken
compounds, swapped prepositions, garbled names, dropped words, re-spaced punctuation, spinner
markup and word-for-word calques. Every change is recorded as an :class:`Edit` with exact
offsets into the rewritten text, so that detectors can be trained and measured on span labels.

Offsets and the inverse
-----------------------
For every edit ``new_text[e.start:e.end] == e.replacement``, and the original text is recovered
exactly by undoing the edits right to left: ``new[:e.start] + e.original + new[e.end:]``.

* Replacements cover just the changed word(s) (``"market"`` -> ``"showcase"``).
* A pure deletion (a dropped word, a dropped "the") is **zero-width**: ``start == end`` is the gap
  in the rewritten text, right after the preceding word; ``replacement == ""`` and ``original``
  is the removed text *including the one space that went with it* (``" not"``; at the start of
  a text, ``"Not "``). :meth:`Edit.label_span` widens such a gap to the neighbouring words for
  span-level scoring.
* An insertion is attached to the word it precedes (``"Europe"`` -> ``"the Europe"``), so no
  edit has an empty ``original`` except a duplicated sentence, whose replacement is the
  separating space plus the copy (``" Copy."``, inserted at the end of the sentence).
* A "not" lost inside a contraction replaces the whole token (``"didn't"`` -> ``"did"``).

Edits never overlap and never touch: between two edits there is at least one unchanged
character of the original text.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from mtdetect.result import FAMILIES
from mtdetect.text import Token, segment, word_key

__all__ = [
    "DEFAULT_RATES",
    "SYNTH_FAMILIES",
    "Edit",
    "RewriteConfig",
    "Rewriter",
    "Thesaurus",
    "default_thesaurus",
    "load_oewn",
    "rewrite",
]

#: The families of docs/artifacts.md that can be synthesised (``non-prose`` cannot).
SYNTH_FAMILIES: tuple[str, ...] = tuple(f for f in FAMILIES if f != "non-prose")

#: Probability per eligible site. Sites differ a lot in frequency (every content word is a
#: synonym site, few sentences hold an initialism), hence the spread of the defaults.
DEFAULT_RATES: dict[str, float] = {
    "synonym-substitution": 0.08,
    "broken-collocation": 0.35,
    "function-word-swap": 0.06,
    "mangled-entity": 0.10,
    "dropped-word": 0.04,
    "spacing-artifact": 0.35,
    "spinner-leftover": 0.02,
    "literal-translation": 0.25,
}


# --- edits and configuration --------------------------------------------------------------


@dataclass(slots=True)
class Edit:
    """One recorded change.

    ``start``/``end`` are offsets of ``replacement`` in the rewritten text; ``original`` is the
    exact text it replaced (for deletions including the removed space). ``kind`` names the
    rule inside the family (``"spintax"``, ``"misspelling"``, ...).
    """

    start: int
    end: int
    family: str
    original: str
    replacement: str
    kind: str = ""

    def label_span(self, new_text: str) -> tuple[int, int]:
        """A non-empty span for span-level labels.

        Surrounding whitespace is trimmed; a zero-width deletion is widened to the word
        before and the word after the gap (or whichever exists).
        """
        start, end = self.start, self.end
        while start < end and new_text[start].isspace():
            start += 1
        while end > start and new_text[end - 1].isspace():
            end -= 1
        if end > start:
            return start, end
        # Zero width: take the neighbouring words on both sides of the gap.
        left = start
        while left > 0 and new_text[left - 1].isspace():
            left -= 1
        while left > 0 and not new_text[left - 1].isspace():
            left -= 1
        right = end
        while right < len(new_text) and new_text[right].isspace():
            right += 1
        while right < len(new_text) and not new_text[right].isspace():
            right += 1
        return left, right

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return asdict(self)


@dataclass
class RewriteConfig:
    """Per-family rates (probability per eligible site) and the seed.

    Families missing from ``rates`` get rate 0 only if ``rates`` was given explicitly via
    :meth:`only`; the default is :data:`DEFAULT_RATES`.
    """

    rates: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_RATES))
    seed: int = 0
    #: Synonym sites inside an adjective+noun or noun+noun pair get this factor on their rate:
    #: spinners hurt most where they break a fixed expression.
    pair_boost: float = 3.0
    #: The rate of sites outside such pairs is multiplied by this factor.
    single_factor: float = 0.5

    def __post_init__(self) -> None:
        unknown = set(self.rates) - set(SYNTH_FAMILIES)
        if unknown:
            raise ValueError(f"unknown or non-synthesisable families: {sorted(unknown)}")
        for fam in SYNTH_FAMILIES:
            self.rates.setdefault(fam, 0.0)

    def rate(self, family: str) -> float:
        """The rate of ``family`` (0 if absent)."""
        return self.rates.get(family, 0.0)

    @classmethod
    def only(
        cls, families: Iterable[str], scale: float = 1.0, seed: int = 0, **kwargs: float
    ) -> RewriteConfig:
        """Default rates (times ``scale``) for ``families``, 0 for all others."""
        wanted = set(families)
        unknown = wanted - set(SYNTH_FAMILIES)
        if unknown:
            raise ValueError(f"unknown or non-synthesisable families: {sorted(unknown)}")
        rates = {
            f: (min(1.0, DEFAULT_RATES[f] * scale) if f in wanted else 0.0) for f in SYNTH_FAMILIES
        }
        return cls(rates=rates, seed=seed, **kwargs)


# --- thesaurus ----------------------------------------------------------------------------

_POS_MAP = {"n": "n", "v": "v", "a": "a", "s": "a", "r": "r"}
_CLEAN_MEMBER_RE = re.compile(r"^[A-Za-z][A-Za-z'-]*(?: [A-Za-z][A-Za-z'-]*)?$")
_PLACE_DEF_RE = re.compile(
    r"(?:native or inhabitant of|characteristic of|relating to|pertaining to) "
    r"([A-Z][a-z]+)(?: or (?:its|the|to the)|;|$| \()"
)


@dataclass
class Thesaurus:
    """Word -> POS -> neighbours over all senses, plus name lists.

    Keys are lower-cased lemmas (multiword lemmas such as ``"think tank"`` included, which is
    how lexicalised compounds are recognised); neighbours keep the lexicon's spelling.
    ``proper`` holds lower-cased lemmas the lexicon writes capitalised (names, demonyms);
    ``places`` holds single-word country/region/continent names (case as written).
    """

    entries: dict[str, dict[str, tuple[str, ...]]]
    proper: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()

    @classmethod
    def from_dict(
        cls,
        mapping: Mapping[str, Mapping[str, Sequence[str]] | Sequence[str]],
        proper: Iterable[str] = (),
        places: Iterable[str] = (),
    ) -> Thesaurus:
        """Build from ``{word: {pos: [neighbours]}}``; a plain list of neighbours means nouns."""
        entries: dict[str, dict[str, tuple[str, ...]]] = {}
        for word, value in mapping.items():
            by_pos = value if isinstance(value, Mapping) else {"n": value}
            entries[word.lower()] = {_POS_MAP.get(p, p): tuple(ns) for p, ns in by_pos.items()}
        return cls(entries, frozenset(p.lower() for p in proper), frozenset(places))

    def pos_of(self, lemma: str) -> frozenset[str]:
        """POS tags the lemma has senses in."""
        return frozenset(self.entries.get(lemma.lower(), ()))

    def neighbours(self, lemma: str, pos: str | None = None) -> tuple[str, ...]:
        """Neighbours of ``lemma`` in ``pos`` (all POS when None), in stable order."""
        by_pos = self.entries.get(lemma.lower())
        if not by_pos:
            return ()
        if pos is not None:
            return by_pos.get(pos, ())
        seen: dict[str, None] = {}
        for ns in by_pos.values():
            seen.update(dict.fromkeys(ns))
        return tuple(seen)

    def is_compound(self, *words: str) -> bool:
        """True if the words form a lexicalised multiword lemma."""
        return " ".join(w.lower() for w in words) in self.entries


def load_oewn(path: str | Path) -> Thesaurus:
    """Read Open English WordNet's ``synsets_members.tsv`` into a :class:`Thesaurus`.

    Every member of a synset becomes a neighbour of every other member, over all senses (cheap
    spinners do not disambiguate). Members with digits or odd characters and lemmas of more than
    two words are left out as substitutes. Places are read from demonym definitions ("a native
    or inhabitant of X"), since the lexicon has few country names as lemmas.
    """
    acc: dict[str, dict[str, dict[str, None]]] = {}
    proper: set[str] = set()
    places: set[str] = set()
    with open(path, encoding="utf-8") as fh:
        next(fh, None)  # header
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 4:
                continue
            pos = _POS_MAP.get(parts[1])
            if pos is None:
                continue
            members = [m for m in parts[3].split("|") if _CLEAN_MEMBER_RE.match(m)]
            for m in members:
                if m[0].isupper():
                    proper.add(m.lower())
            if len(parts) > 4 and parts[2] in ("noun.person", "adj.pert"):
                pm = _PLACE_DEF_RE.search(parts[4])
                place = pm.group(1) if pm else ""
                # -ism/-ity/plural names are doctrines or already take "the".
                if place and not re.search(r"(?:ism|ity|ology|s)$", place):
                    places.add(place)
            for m in members:
                slot = acc.setdefault(m.lower(), {}).setdefault(pos, {})
                for other in members:
                    if other.lower() != m.lower():
                        slot[other] = None
    entries = {w: {p: tuple(ns) for p, ns in by.items()} for w, by in acc.items()}
    return Thesaurus(entries, frozenset(proper), frozenset(places))


@lru_cache(maxsize=2)
def _cached_oewn(path: str) -> Thesaurus:
    return load_oewn(path)


def default_thesaurus(root: str | Path | None = None) -> Thesaurus:
    """OEWN from the shared data folder (``training.corpora.data_dir``), loaded once."""
    from training.corpora import data_dir

    return _cached_oewn(str(data_dir(root) / "lexicon" / "oewn" / "synsets_members.tsv"))


# --- word lists ---------------------------------------------------------------------------


def _words(spec: str) -> frozenset[str]:
    return frozenset(spec.split())


_DETERMINERS = _words(
    "the a an this that these those its their his her our my your some any no each every"
)
_ARTICLES = _words("the a an")
_PRONOUNS = _words("i you he she it we they me him us them who whom which what this that there")
_AUX = _words(
    """be is are was were been being am have has had having do does did done doing
    will would shall should can could may might must"""
)
_MODALS = _words("will would shall should can could may might must")
_PREPOSITIONS = _words(
    """of in on at to for from by with about into onto over under after before between
    against during without within through across among around behind since until upon"""
)
_OTHER_FUNCTION = _words(
    """and or but nor so yet if than then as because while although though when where why how
    not no yes very also just only even still more most less least much many few all both
    either neither such own same other another one two three up down out off here now
    said says say per mr mrs ms dr"""
)
FUNCTION_WORDS = _DETERMINERS | _PRONOUNS | _AUX | _PREPOSITIONS | _OTHER_FUNCTION

#: Preposition/particle/article swaps typical of round-trip translation.
_FW_SWAPS: dict[str, tuple[str, ...]] = {
    "on": ("at", "in"),
    "at": ("on", "in"),
    "in": ("on", "at"),
    "of": ("for", "from"),
    "to": ("for",),
    "for": ("to", "of"),
    "with": ("by",),
    "by": ("with", "from"),
    "from": ("of",),
    "into": ("in",),
    "about": ("on", "over"),
    "over": ("about",),
    "up": ("out",),
    "out": ("up",),
}

#: Light verbs and their forms: (base, 3sg, past, participle, gerund).
_LIGHT_VERBS: dict[str, tuple[str, str, str, str, str]] = {
    "take": ("take", "takes", "took", "taken", "taking"),
    "make": ("make", "makes", "made", "made", "making"),
    "do": ("do", "does", "did", "done", "doing"),
    "have": ("have", "has", "had", "had", "having"),
    "give": ("give", "gives", "gave", "given", "giving"),
}
_LIGHT_FORM: dict[str, tuple[str, int]] = {}
for _verb, _forms in _LIGHT_VERBS.items():
    for _i, _form in enumerate(_forms):
        _LIGHT_FORM.setdefault(_form, (_verb, _i))

_GLUED_RE = re.compile(r"[.@/]\w")
_CONTRACTIONS = {"can't": "can", "won't": "will", "shan't": "shall", "ain't": "am"}
_VOWELS = "aeiou"

_SPACING_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("initialism", re.compile(r"(?<![\w.])(?:[A-Za-z]\.){2,}(?![\w.])")),
    ("quote", re.compile(r"\b\w+[.!?,][\"”]")),
    (
        "domain",
        re.compile(
            r"\b(?:www\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:com|org|net|gov|edu|int|info|io|uk)\b"
        ),
    ),
    ("space-before-punct", re.compile(r"\b\w+[,;:!?](?=\s)")),
)


# --- morphology ---------------------------------------------------------------------------


def _analyses(word: str, thes: Thesaurus) -> list[tuple[str, str, str]]:
    """(lemma, pos, inflection) readings of a lower-cased word found in the thesaurus.

    Inflection is one of ``""``, ``"pl"`` (noun plural), ``"3sg"``, ``"ed"``, ``"ing"``.
    """
    out: list[tuple[str, str, str]] = []

    def add(lemma: str, pos_wanted: tuple[str, ...], infl: str) -> None:
        if len(lemma) < 2:
            return
        have = thes.pos_of(lemma)
        for p in pos_wanted:  # fixed order, for determinism
            if p in have:
                out.append((lemma, p, infl))

    add(word, ("n", "v", "a", "r"), "")
    if word.endswith("ies"):
        add(word[:-3] + "y", ("n",), "pl")
        add(word[:-3] + "y", ("v",), "3sg")
    elif word.endswith("es") and word[-3:-2] in ("s", "x", "z", "h"):
        add(word[:-2], ("n",), "pl")
        add(word[:-2], ("v",), "3sg")
    elif word.endswith("s") and not word.endswith("ss"):
        add(word[:-1], ("n",), "pl")
        add(word[:-1], ("v",), "3sg")
    if word.endswith("ied"):
        add(word[:-3] + "y", ("v",), "ed")
    elif word.endswith("ed"):
        # Lists, not sets: set order varies with PYTHONHASHSEED and would break determinism.
        doubled = [word[:-3]] if word[-3:-2] == word[-4:-3] else []
        for lemma in [word[:-2], word[:-1], *doubled]:
            add(lemma, ("v",), "ed")
    if word.endswith("ing") and len(word) > 5:
        stem = word[:-3]
        doubled = [stem[:-1]] if stem[-1:] == stem[-2:-1] else []
        for lemma in [stem, stem + "e", *doubled]:
            add(lemma, ("v",), "ing")
    # Prefer exact lemmas, then by inflection: a bare form should not read as an inflection.
    seen: set[tuple[str, str, str]] = set()
    uniq = []
    for a in out:
        if a not in seen:
            seen.add(a)
            uniq.append(a)
    return uniq


#: Past forms of common irregular verbs (a neighbour like "cut" must not become "cuted").
_IRREGULAR_PAST: dict[str, str] = dict(
    pair.split(":")
    for pair in _words(
        """be:was have:had do:did go:went come:came get:got give:gave take:took make:made
    see:saw know:knew think:thought bring:brought buy:bought keep:kept hold:held leave:left
    find:found tell:told say:said show:showed break:broke choose:chose begin:began rise:rose
    fall:fell grow:grew draw:drew drive:drove write:wrote speak:spoke win:won lose:lost pay:paid
    send:sent spend:spent build:built lead:led meet:met sell:sold stand:stood feel:felt
    hear:heard mean:meant read:read seek:sought shut:shut split:split spread:spread cut:cut
    put:put set:set let:let hit:hit cost:cost strike:struck throw:threw wear:wore run:ran
    catch:caught teach:taught fight:fought sink:sank drink:drank ring:rang sing:sang swim:swam
    bear:bore tear:tore steal:stole forget:forgot freeze:froze shake:shook lay:laid
    bind:bound wind:wound hang:hung stick:stuck sweep:swept sleep:slept bet:bet bid:bid
    quit:quit shed:shed slide:slid bite:bit hide:hid fly:flew blow:blew know:knew"""
    )
)


def _inflect_word(word: str, infl: str) -> str:
    if not infl:
        return word
    if infl in ("pl", "3sg"):
        if re.search(r"[^aeiou]y$", word):
            return word[:-1] + "ies"
        if re.search(r"(?:s|x|z|ch|sh)$", word):
            return word + "es"
        return word + "s"
    if infl == "ed":
        if word in _IRREGULAR_PAST:
            return _IRREGULAR_PAST[word]
        if word.endswith("e"):
            return word + "d"
        if re.search(r"[^aeiou]y$", word):
            return word[:-1] + "ied"
        return word + "ed"
    if infl == "ing":
        if word.endswith("e") and not word.endswith(("ee", "ye", "oe")) and len(word) > 2:
            return word[:-1] + "ing"
        if word.endswith("ie"):
            return word[:-2] + "ying"
        return word + "ing"
    return word


def _inflect(phrase: str, pos: str, infl: str) -> str:
    """Inflect a (possibly two-word) lemma: nouns on the last word, verbs on the first."""
    if not infl:
        return phrase
    words = phrase.split(" ")
    i = 0 if pos == "v" else len(words) - 1
    words[i] = _inflect_word(words[i], infl)
    return " ".join(words)


def _match_case(model: str, word: str) -> str:
    if model.isupper() and len(model) > 1:
        return word.upper()
    if model[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


# --- the rewriter -------------------------------------------------------------------------


@dataclass(slots=True)
class _W:
    """A word token with the context the rules need."""

    tok: Token
    idx: int  # index in the word list
    sent: int
    initial: bool  # first word of its sentence
    low: str
    analyses: list[tuple[str, str, str]]
    pos: frozenset[str]
    glued: bool  # part of a domain, address or path ("example" in "example.com")


class _Plan:
    """Edits planned against the original text, with the non-overlap bookkeeping."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.claims: list[tuple[int, int]] = []
        self.ops: list[tuple[int, int, str, str, str]] = []

    def free(self, start: int, end: int) -> bool:
        # Closed intervals: touching edits are refused too, so every edit is separated from
        # the next by at least one original character and labels stay unambiguous.
        return all(end < s or start > e for s, e in self.claims)

    def add(self, start: int, end: int, replacement: str, family: str, kind: str) -> bool:
        if not self.free(start, end) or self.text[start:end] == replacement:
            return False
        self.claims.append((start, end))
        self.ops.append((start, end, replacement, family, kind))
        return True

    def apply(self) -> tuple[str, list[Edit]]:
        pieces: list[str] = []
        edits: list[Edit] = []
        pos = 0
        out_len = 0
        for start, end, repl, family, kind in sorted(self.ops):
            keep = self.text[pos:start]
            pieces.append(keep)
            out_len += len(keep)
            edits.append(
                Edit(out_len, out_len + len(repl), family, self.text[start:end], repl, kind)
            )
            pieces.append(repl)
            out_len += len(repl)
            pos = end
        pieces.append(self.text[pos:])
        return "".join(pieces), edits


class Rewriter:
    """Applies the synthetic families to texts with a fixed thesaurus."""

    def __init__(self, thesaurus: Thesaurus | Mapping[str, object] | None = None) -> None:
        if thesaurus is None:
            thesaurus = default_thesaurus()
        elif not isinstance(thesaurus, Thesaurus):
            thesaurus = Thesaurus.from_dict(thesaurus)  # type: ignore[arg-type]
        self.thes: Thesaurus = thesaurus

    # -- public ------------------------------------------------------------------------

    def rewrite(
        self, text: str, config: RewriteConfig, rng: random.Random | None = None
    ) -> tuple[str, list[Edit]]:
        """Rewrite ``text``; return the new text and its edits in text order."""
        if rng is None:
            rng = random.Random(config.seed)
        doc = segment(text)
        words: list[_W] = []
        sentences: list[tuple[int, int]] = []
        for si, sent in enumerate(doc.sentences):
            sentences.append((sent.start, sent.end))
            first = True
            for tok in sent.tokens:
                if tok.kind != "word":
                    continue
                low = word_key(tok.text)
                ana = _analyses(low, self.thes) if low not in FUNCTION_WORDS else []
                glued = bool(_GLUED_RE.match(text, tok.end)) or (
                    tok.start > 0 and text[tok.start - 1] in "./@"
                )
                pos = frozenset(a[1] for a in ana)
                words.append(_W(tok, len(words), si, first, low, ana, pos, glued))
                first = False
        plan = _Plan(text)
        families = [f for f in SYNTH_FAMILIES if config.rate(f) > 0]
        # A random family order per text, so that no family systematically wins shared sites.
        rng.shuffle(families)
        for fam in families:
            rule = getattr(self, "_" + fam.replace("-", "_"))
            rule(plan, words, sentences, config, rng)
        return plan.apply()

    # -- helpers -----------------------------------------------------------------------

    def _adjacent(self, text: str, a: _W, b: _W) -> bool:
        """Two words separated by plain spaces only, in the same sentence."""
        return (
            a.sent == b.sent
            and text[a.tok.end : b.tok.start].strip(" ") == ""
            and (b.tok.start > a.tok.end)
        )

    @staticmethod
    def _is_name(w: _W) -> bool:
        t = w.tok.text
        return t[:1].isupper() and not t.isupper() and w.low not in FUNCTION_WORDS and not w.glued

    def _choose_reading(
        self, w: _W, prev: _W | None, nxt: _W | None
    ) -> tuple[str, str, str] | None:
        """Pick the most plausible (lemma, pos, inflection) of a word from its context."""
        if not w.analyses:
            return None
        prefs: list[str] = []
        if prev is not None and prev.low in ("to", *_MODALS):
            prefs.append("v")
        if prev is not None and (prev.low in _DETERMINERS or "a" in prev.pos):
            prefs += ["n", "a"]
        if w.low.endswith("ly"):
            prefs.append("r")
        if nxt is not None and "n" in nxt.pos and nxt.low not in FUNCTION_WORDS:
            prefs.append("a")
        for p in prefs:
            for a in w.analyses:
                if a[1] == p:
                    return a
        # Otherwise the reading with most neighbours (the dominant use, roughly).
        return max(w.analyses, key=lambda a: (a[2] == "", len(self.thes.neighbours(a[0], a[1]))))

    def _substitute(
        self,
        w: _W,
        reading: tuple[str, str, str],
        rng: random.Random,
        any_pos: bool = False,
        avoid: Iterable[str] = (),
    ) -> str | None:
        """An inflected, case-matched neighbour of the word, or None.

        ``avoid`` holds the neighbouring words: a neighbour containing one of them would
        stutter ("come up" for "come" before "up").
        """
        lemma, pos, infl = reading
        cands = self.thes.neighbours(lemma, None if any_pos else pos)
        proper = w.tok.text[:1].isupper() and not w.initial
        avoid_set = set(avoid)
        ok = []
        for c in cands:
            parts = c.lower().split(" ")
            if c.lower() == lemma or avoid_set.intersection(parts):
                continue
            if c.isupper() or (c[:1].isupper() and not proper):
                continue  # acronyms, and names for common words
            if infl and " " in c and pos not in ("n", "v"):
                continue
            # Lemmas already plural ("security measures") must not be pluralised again.
            target = parts[0] if pos == "v" else parts[-1]
            if infl in ("pl", "3sg") and target.endswith("s") and not target.endswith("ss"):
                continue
            ok.append(c)
        if not ok:
            return None
        choice = _inflect(rng.choice(ok), pos, infl)
        return _match_case(w.tok.text, choice)

    def _content(self, w: _W) -> bool:
        """A word a spinner would touch: a lower-case (or sentence-initial) content word."""
        if w.low in FUNCTION_WORDS or len(w.low) < 3 or not w.analyses or w.glued:
            return False
        if w.tok.text[:1].isupper() and not w.initial:
            return False
        return not (w.tok.text.isupper() and len(w.tok.text) > 1)

    def _pair_sites(self, text: str, words: list[_W]) -> tuple[set[int], set[int]]:
        """Indices of words in lexicalised compounds/names, and in adjective/noun+noun pairs."""
        compound: set[int] = set()
        pair: set[int] = set()
        for a, b in itertools.pairwise(words):
            if not self._adjacent(text, a, b):
                continue
            b_lemmas = {b.low} | {x[0] for x in b.analyses if x[1] == "n"}
            if any(self.thes.is_compound(a.low, bl) for bl in b_lemmas) or (
                self._is_name(a) and self._is_name(b) and not a.initial
            ):
                compound.update((a.idx, b.idx))
            elif (
                a.low not in FUNCTION_WORDS
                and b.low not in FUNCTION_WORDS
                and ("a" in a.pos or "n" in a.pos)
                and "n" in b.pos
            ):
                pair.update((a.idx, b.idx))
        return compound, pair

    # -- families ----------------------------------------------------------------------

    def _synonym_substitution(self, plan, words, sentences, cfg, rng) -> None:
        rate = cfg.rate("synonym-substitution")
        compound, pair = self._pair_sites(plan.text, words)
        for w in words:
            if w.idx in compound or not self._content(w):
                continue
            if w.initial and w.idx + 1 < len(words) and self._is_name(words[w.idx + 1]):
                continue  # "Prime Computer Inc": a name that starts the sentence
            p = rate * (cfg.pair_boost if w.idx in pair else cfg.single_factor)
            if rng.random() >= min(1.0, p):
                continue
            prev = words[w.idx - 1] if w.idx > 0 else None
            nxt = words[w.idx + 1] if w.idx + 1 < len(words) else None
            reading = self._choose_reading(w, prev, nxt)
            around = [x.low for x in (prev, nxt) if x is not None]
            new = self._substitute(w, reading, rng, avoid=around) if reading else None
            if new:
                kind = "in-pair" if w.idx in pair else "single"
                plan.add(w.tok.start, w.tok.end, new, "synonym-substitution", kind)

    def _broken_collocation(self, plan, words, sentences, cfg, rng) -> None:
        rate = cfg.rate("broken-collocation")
        text = plan.text
        i = 0
        while i + 1 < len(words):
            a, b = words[i], words[i + 1]
            i += 1
            if not self._adjacent(text, a, b):
                continue
            b_lemmas = {b.low} | {x[0] for x in b.analyses if x[1] == "n"}
            lexical = any(self.thes.is_compound(a.low, bl) for bl in b_lemmas)
            name = self._is_name(a) and self._is_name(b) and not a.initial
            if not (lexical or name) or rng.random() >= rate:
                continue
            options = []
            for w in (a, b):
                # Any POS: "think tank" -> "suppose tank" uses the verb sense of "think".
                for reading in sorted(w.analyses, key=lambda r: r[2] != ""):
                    options.append((w, reading))
                    break
            rng.shuffle(options)
            for w, reading in options:
                other = b if w is a else a
                new = self._substitute(w, reading, rng, any_pos=True, avoid=[other.low])
                if new and plan.add(
                    w.tok.start,
                    w.tok.end,
                    new,
                    "broken-collocation",
                    "name" if name else "compound",
                ):
                    i += 1  # the pair is used up
                    break

    def _function_word_swap(self, plan, words, sentences, cfg, rng) -> None:
        rate = cfg.rate("function-word-swap")
        text = plan.text
        for w in words:
            nxt = words[w.idx + 1] if w.idx + 1 < len(words) else None
            prev = words[w.idx - 1] if w.idx > 0 else None
            if w.low in _FW_SWAPS or w.low in _ARTICLES:
                if rng.random() >= rate:
                    continue
                if w.low in _FW_SWAPS:
                    new = rng.choice(_FW_SWAPS[w.low])
                    plan.add(
                        w.tok.start,
                        w.tok.end,
                        _match_case(w.tok.text, new),
                        "function-word-swap",
                        "preposition",
                    )
                elif w.low == "the" and rng.random() < 0.5 and not w.initial and nxt is not None:
                    # Drop "the": remove it with the space before it (zero-width edit).
                    start = w.tok.start
                    while start > 0 and text[start - 1] == " ":
                        start -= 1
                    if start < w.tok.start:
                        plan.add(start, w.tok.end, "", "function-word-swap", "drop-the")
                elif w.low == "the" and nxt is not None:
                    art = "an" if nxt.low[:1] in _VOWELS else "a"
                    plan.add(
                        w.tok.start,
                        w.tok.end,
                        _match_case(w.tok.text, art),
                        "function-word-swap",
                        "article",
                    )
                elif w.low in ("a", "an"):
                    plan.add(
                        w.tok.start,
                        w.tok.end,
                        _match_case(w.tok.text, "the"),
                        "function-word-swap",
                        "article",
                    )
            elif (
                prev is not None
                and prev.low in (_PREPOSITIONS - {"to"}) | {"and", "or"}  # "to" + verb
                and self._adjacent(text, prev, w)
                and "n" in w.pos
                and w.tok.text.islower()
                and nxt is not None
                and not w.glued
                and rng.random() < rate
            ):
                # Add "the" where none belongs: attached to the noun it precedes.
                plan.add(
                    w.tok.start, w.tok.end, "the " + w.tok.text, "function-word-swap", "add-the"
                )

    def _mangled_entity(self, plan, words, sentences, cfg, rng) -> None:
        rate = cfg.rate("mangled-entity")
        text = plan.text
        i = 0
        while i < len(words):
            w = words[i]
            if (
                not self._is_name(w)
                or len(w.low) < 3
                or (w.initial and w.low not in self.thes.proper)
            ):
                i += 1
                continue
            # The run of capitalised words starting here (a multiword name).
            j = i + 1
            while (
                j < len(words)
                and self._is_name(words[j])
                and self._adjacent(text, words[j - 1], words[j])
            ):
                j += 1
            run = words[i:j]
            i = j
            if rng.random() >= rate:
                continue
            choice = rng.random()
            if len(run) >= 2 and choice < 0.3:
                subs = []
                for rw in run:
                    reading = next(iter(sorted(rw.analyses, key=lambda r: r[2] != "")), None)
                    avoid = [x.low for x in run]
                    new = (
                        self._substitute(rw, reading, rng, any_pos=True, avoid=avoid)
                        if reading
                        else None
                    )
                    subs.append(new.title() if new else rw.tok.text)
                if sum(s != rw.tok.text for s, rw in zip(subs, run, strict=True)) >= 2:
                    start, end = run[0].tok.start, run[-1].tok.end
                    new_text = text[start:end]
                    for rw, s in sorted(zip(run, subs, strict=True), key=lambda x: -x[0].tok.start):
                        a, b = rw.tok.start - start, rw.tok.end - start
                        new_text = new_text[:a] + s + new_text[b:]
                    plan.add(start, end, new_text, "mangled-entity", "word-by-word")
                    continue
            target = rng.choice(run)
            if choice < 0.55 and not target.initial:
                plan.add(
                    target.tok.start,
                    target.tok.end,
                    target.tok.text.lower(),
                    "mangled-entity",
                    "lowercase",
                )
            else:
                new = _misspell(target.tok.text, rng)
                if new:
                    plan.add(target.tok.start, target.tok.end, new, "mangled-entity", "misspelling")

    def _dropped_word(self, plan, words, sentences, cfg, rng) -> None:
        rate = cfg.rate("dropped-word")
        text = plan.text
        for w in words:
            prev = words[w.idx - 1] if w.idx > 0 else None
            nxt = words[w.idx + 1] if w.idx + 1 < len(words) else None
            if w.glued:
                continue
            kind = ""
            if w.low == "not":
                kind = "not"
            elif re.fullmatch(r"\w+n't", w.low):
                if rng.random() < rate * 4:  # rarer site, higher rate: negation flips meaning
                    new = _CONTRACTIONS.get(w.low) or w.low[:-3]
                    plan.add(
                        w.tok.start, w.tok.end, _match_case(w.tok.text, new), "dropped-word", "not"
                    )
                continue
            elif w.tok.text.islower() and not w.initial and prev is not None:
                if (
                    prev.low in _DETERMINERS
                    and "n" in w.pos
                    and (nxt is None or "n" not in nxt.pos or nxt.sent != w.sent)
                ):
                    kind = "noun"
                elif "v" in w.pos and (
                    prev.low in _MODALS | {"to"} or not (w.pos & {"n", "a", "r"})
                ):
                    kind = "verb"
            if not kind:
                continue
            if rng.random() >= (rate * 4 if kind == "not" else rate):
                continue
            start, end = w.tok.start, w.tok.end
            if start > 0 and text[start - 1] == " ":
                start -= 1
            elif end < len(text) and text[end] == " ":
                end += 1
            else:
                continue
            plan.add(start, end, "", "dropped-word", kind)

    def _spacing_artifact(self, plan, words, sentences, cfg, rng) -> None:
        rate = cfg.rate("spacing-artifact")
        text = plan.text
        sites: list[tuple[int, int, str, str]] = []
        for kind, pattern in _SPACING_PATTERNS:
            for m in pattern.finditer(text):
                s = m.group()
                if kind == "initialism":
                    new = re.sub(r"\.(?=[A-Za-z])", ". ", s)
                elif kind == "quote":
                    new = s[:-1] + " " + s[-1]
                elif kind == "domain":
                    new = s.replace(".", ". ")
                else:
                    # Only space before a comma/colon often; ! ? ; are rarer in news.
                    new = s[:-1] + " " + s[-1]
                sites.append((m.start(), m.end(), new, kind))
        for start, end, new, kind in sorted(sites):
            # Commas are everywhere: a lower rate keeps the rarer forms visible in the mix.
            if rng.random() < rate * (0.25 if kind == "space-before-punct" else 1.0):
                plan.add(start, end, new, "spacing-artifact", kind)

    def _spinner_leftover(self, plan, words, sentences, cfg, rng) -> None:
        rate = cfg.rate("spinner-leftover")
        text = plan.text
        for w in words:
            if not self._content(w) or rng.random() >= rate:
                continue
            prev = words[w.idx - 1] if w.idx > 0 else None
            nxt = words[w.idx + 1] if w.idx + 1 < len(words) else None
            reading = self._choose_reading(w, prev, nxt)
            if reading is None:
                continue
            lemma, pos, infl = reading
            cands = [c for c in self.thes.neighbours(lemma, pos) if not c[:1].isupper()]
            if not cands:
                continue
            rng.shuffle(cands)
            alts = [_match_case(w.tok.text, _inflect(c, pos, infl)) for c in cands[:2]]
            if rng.random() < 0.5:
                new = "{" + "|".join([w.tok.text, *alts]) + "}"
                kind = "spintax"
            else:
                # Two synonyms side by side: the original and one neighbour, either order.
                pairs = [w.tok.text, alts[0].lower() if not w.initial else alts[0]]
                if rng.random() < 0.5 and not w.initial:
                    pairs.reverse()
                new = " ".join(pairs)
                kind = "side-by-side"
            plan.add(w.tok.start, w.tok.end, new, "spinner-leftover", kind)
        for start, end in sentences:
            if rng.random() < rate:
                # The copy goes after the sentence; replacement = separator + copy.
                plan.add(end, end, " " + text[start:end], "spinner-leftover", "duplicate-sentence")

    def _literal_translation(self, plan, words, sentences, cfg, rng) -> None:
        rate = cfg.rate("literal-translation")
        text = plan.text
        for w in words:
            prev = words[w.idx - 1] if w.idx > 0 else None
            nxt = words[w.idx + 1] if w.idx + 1 < len(words) else None
            # Light-verb swap: "take a photo" -> "make a photo".
            if (
                w.low in _LIGHT_FORM
                and nxt is not None
                and nxt.low in _DETERMINERS - {"this", "that", "these", "those"}
                and self._adjacent(text, w, nxt)
                and not (w.low in ("have", "has", "had") and nxt.low in ("no", "any"))
            ):
                if rng.random() < rate:
                    verb, form = _LIGHT_FORM[w.low]
                    other = rng.choice([v for v in _LIGHT_VERBS if v != verb])
                    new = _match_case(w.tok.text, _LIGHT_VERBS[other][form])
                    plan.add(w.tok.start, w.tok.end, new, "literal-translation", "light-verb")
            # "the" before a country or continent name.
            elif (
                w.tok.text in self.thes.places
                and not w.initial
                and prev is not None
                and prev.low not in _DETERMINERS
                and not self._is_name(prev)
                # Inside a name ("Bank of England"): the name, not the place, owns the article.
                and not (prev.low == "of" and w.idx > 1 and self._is_name(words[w.idx - 2]))
                and not (nxt is not None and self._is_name(nxt) and self._adjacent(text, w, nxt))
                and rng.random() < rate
            ):
                plan.add(
                    w.tok.start, w.tok.end, "the " + w.tok.text, "literal-translation", "the-place"
                )
            # Progressive -> simple present ("it is raining" -> "it rains").
            elif (
                w.low in ("is", "are", "am")
                and nxt is not None
                and nxt.low.endswith("ing")
                and self._adjacent(text, w, nxt)
                and rng.random() < rate
            ):
                reading = next((a for a in nxt.analyses if a[1] == "v" and a[2] == "ing"), None)
                if reading:
                    lemma = reading[0]
                    new = _inflect_word(lemma, "3sg") if w.low == "is" else lemma
                    plan.add(
                        w.tok.start,
                        nxt.tok.end,
                        _match_case(w.tok.text, new),
                        "literal-translation",
                        "progressive",
                    )
            # Existential "there is/are" -> "it has" (il y a, es gibt, tem).
            elif (
                w.low == "there"
                and nxt is not None
                and nxt.low in ("is", "are")
                and self._adjacent(text, w, nxt)
                and rng.random() < rate
            ):
                new = _match_case(w.tok.text, "it") + " has"
                plan.add(w.tok.start, nxt.tok.end, new, "literal-translation", "existential")


def _misspell(word: str, rng: random.Random) -> str | None:
    """One or two character edits, never on the first letter."""
    if len(word) < 4 or not word.isalpha():
        return None
    chars = list(word)
    n_edits = 1 if rng.random() < 0.7 else 2
    for _ in range(n_edits):
        op = rng.choice(("vowel", "swap", "drop", "double"))
        positions = list(range(1, len(chars)))
        if op == "vowel":
            vs = [k for k in positions if chars[k].lower() in _VOWELS]
            if vs:
                k = rng.choice(vs)
                chars[k] = rng.choice([v for v in _VOWELS if v != chars[k].lower()])
                continue
            op = "swap"
        if op == "swap" and len(chars) > 3:
            k = rng.randrange(1, len(chars) - 1)
            chars[k], chars[k + 1] = chars[k + 1], chars[k]
        elif op == "drop" and len(chars) > 4:
            del chars[rng.randrange(1, len(chars))]
        else:
            k = rng.randrange(1, len(chars))
            chars.insert(k, chars[k])
    new = "".join(chars)
    return new if new != word else None


def rewrite(
    text: str,
    config: RewriteConfig,
    rng: random.Random | None = None,
    thesaurus: Thesaurus | Mapping[str, object] | None = None,
) -> tuple[str, list[Edit]]:
    """Rewrite ``text`` at ``config``'s rates; see :class:`Rewriter`.

    ``rng`` defaults to ``random.Random(config.seed)``; ``thesaurus`` defaults to OEWN from the
    shared data folder (pass a dict or :class:`Thesaurus` to avoid it).
    """
    return _rewriter_for(thesaurus).rewrite(text, config, rng)


_DEFAULT_REWRITER: Rewriter | None = None


def _rewriter_for(thesaurus: Thesaurus | Mapping[str, object] | None) -> Rewriter:
    global _DEFAULT_REWRITER
    if thesaurus is not None:
        return Rewriter(thesaurus)
    if _DEFAULT_REWRITER is None:
        _DEFAULT_REWRITER = Rewriter()
    return _DEFAULT_REWRITER
