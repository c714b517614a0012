"""The core statistical signal: a rare pair of common words that a thesaurus swap makes frequent.

"stock showcase" is rare although "stock" and "showcase" are common; swapping "showcase" for
its thesaurus neighbour "market" gives "stock market", thousands of times more frequent. The
neighbour is the likely original and the swap is the suggestion. Both words may have been
swapped ("counterfeit consciousness" for "artificial intelligence"), so pairs of neighbours
are tried too.

The search runs once per document (:func:`substitution_findings`); the detectors of the
``synonym-substitution``, ``broken-collocation`` and ``mangled-entity`` families each report
the findings of their own family.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mtdetect.detectors.base import make_span
from mtdetect.detectors.ngrams import FUNCTION_WORDS, WordSeq, document_view, fmt_count
from mtdetect.evidence import Evidence
from mtdetect.result import Span
from mtdetect.text import Sentence

__all__ = [
    "EvidenceDetector",
    "Finding",
    "SubstitutionDetector",
    "SubstitutionParams",
    "neighbour_forms",
    "neighbour_set",
    "substitution_findings",
]


@dataclass(frozen=True, slots=True)
class SubstitutionParams:
    """Thresholds of the substitution test (counts on the corpus scale of the tables)."""

    #: The observed pair must be at most this frequent.
    rare_max: float = 2.0
    #: Each word of the observed pair must be at least this frequent (rarer words are
    #: names and jargon, where the tables know too little).
    word_min: float = 20.0
    #: The restored pair must be at least this frequent ...
    alt_min: float = 10.0
    #: ... and this many times more frequent than the observed pair (+1 smoothing).
    ratio_min: float = 90.0
    #: Neighbours tried per word (most frequent first), singly and in pairs.
    single_k: int = 40
    double_k: int = 12
    #: The restored pair must be this many times above chance: a real expression, not
    #: just two frequent words side by side.
    pmi_min: float = 20.0
    #: Restored pairs this many times above chance count as fixed expressions.
    compound_pmi: float = 300.0
    #: Single rare words: the word's contexts must be nearly unseen, the word at most this
    #: frequent, and its neighbour this many times more frequent than the word.
    word_max: float = 3000.0
    word_ctx_max: float = 3.0
    #: ... the neighbour must fit the context this much better (natural-log count ratios
    #: with the left and right neighbours, summed) ...
    word_gain_min: float = 2.0
    #: ... be this much more frequent (natural log: 3.0 is 20 times) ...
    word_freq_gain_min: float = 3.0
    #: ... have at least this much context evidence, and reach this total score.
    word_alt_min: float = 10.0
    word_score_min: float = 16.0


@dataclass(frozen=True, slots=True)
class Finding:
    """One suspect pair and its likely original."""

    start: int
    end: int
    family: str
    observed: str
    observed_count: float
    restored: str
    restored_count: float
    swapped: int  # how many of the two words were swapped
    suggestion: str | None = None  # defaults to ``restored``
    score: float | None = None  # word-level findings: context gain + frequency gain

    @property
    def strength(self) -> float:
        if self.score is not None:
            return min(0.9, 0.1 + 0.06 * self.score)
        ratio = (self.restored_count + 1.0) / (self.observed_count + 1.0)
        return min(0.95, 0.25 + 0.14 * math.log10(ratio))

    def explanation(self) -> str:
        return (
            f"'{self.observed}' occurs {fmt_count(self.observed_count)} times in the reference "
            f"counts; '{self.restored}' occurs {fmt_count(self.restored_count)} times"
        )


_INFLECTIONS = ("s", "es", "ed", "d", "ing", "ly")


# Per evidence base (held weakly, so a base that is dropped takes its cache with it): the
# neighbour forms and sets of each word looked up so far.
_FORMS: weakref.WeakKeyDictionary[Evidence, dict[str, tuple[tuple[str, int], ...]]] = (
    weakref.WeakKeyDictionary()
)
_SETS: weakref.WeakKeyDictionary[Evidence, dict[str, frozenset[str]]] = weakref.WeakKeyDictionary()


def neighbour_forms(evidence: Evidence, word: str) -> tuple[tuple[str, int], ...]:
    """Thesaurus neighbours of ``word`` as (word, id), in the word's own inflection.

    The thesaurus lists lemmas; for "showcases" the neighbours of "showcase" are looked up and
    given the same ending ("markets") when that form is a known word.
    """
    cache = _FORMS.setdefault(evidence, {})
    forms = cache.get(word)
    if forms is None:
        forms = cache[word] = tuple(_forms(evidence, word))
    return forms


def neighbour_set(evidence: Evidence, word: str) -> frozenset[str]:
    """The words of :func:`neighbour_forms`, as a set for membership tests."""
    cache = _SETS.setdefault(evidence, {})
    found = cache.get(word)
    if found is None:
        found = cache[word] = frozenset(x for x, _ in neighbour_forms(evidence, word))
    return found


def _forms(ev: Evidence, word: str) -> list[tuple[str, int]]:
    direct = ev.neighbours(word)
    out: list[tuple[str, int]] = [(n, ev.word_id(n)) for n in direct if " " not in n]
    if out:
        return [(n, i) for n, i in out if i >= 0]
    for suffix in _INFLECTIONS:
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            stem = word[: -len(suffix)]
            for base in (stem, stem + "e"):
                nb = ev.neighbours(base)
                if nb:
                    res = []
                    for n in nb:
                        if " " in n:
                            continue
                        form = (
                            n + suffix
                            if not (n.endswith("e") and suffix[0] in "ei")
                            else (n[:-1] + suffix)
                        )
                        i = ev.word_id(form)
                        if i >= 0:
                            res.append((form, i))
                    return res
    return []


_local = threading.local()


def substitution_findings(
    evidence: Evidence,
    sentences: Sequence[Sentence],
    params: SubstitutionParams | None = None,
) -> list[Finding]:
    """All suspect pairs of the document (computed once per sentence list)."""
    p = params or SubstitutionParams()
    last = getattr(_local, "last", None)
    if last is not None and last[0] is sentences and last[1] is evidence and last[2] == p:
        return last[3]
    view = document_view(evidence, sentences)
    found: list[Finding] = []
    taken_by_seq: list[tuple[WordSeq, np.ndarray]] = []
    for seq in view.sequences:
        pairs, taken = _pair_findings(evidence, seq, p)
        found.extend(pairs)
        taken_by_seq.append((seq, taken))
    found.extend(_word_findings(evidence, taken_by_seq, p))
    found.sort(key=lambda f: f.start)
    _local.last = (sentences, evidence, p, found)
    return found


def _eligible(seq: WordSeq, i: int) -> bool:
    key = seq.keys[i]
    return key.isalpha() and key not in FUNCTION_WORDS and seq.ids[i] >= 0


def _pair_findings(
    ev: Evidence, seq: WordSeq, p: SubstitutionParams
) -> tuple[list[Finding], np.ndarray]:
    """Suspect pairs of one sentence, and which words they cover."""
    n = len(seq.keys)
    taken = np.zeros(n, dtype=bool)
    if n < 2:
        return [], taken
    # Cheap vectorised gate: linked, rare pairs of two common words.
    cand = np.nonzero(
        seq.linked
        & (seq.pair_count <= p.rare_max)
        & (seq.uni[:-1] >= p.word_min)
        & (seq.uni[1:] >= p.word_min)
    )[0]
    out: list[Finding] = []
    for i in cand.tolist():
        if taken[i] or not (_eligible(seq, i) and _eligible(seq, i + 1)):
            continue
        cap1 = bool(seq.capital[i] and not seq.initial[i])
        cap2 = bool(seq.capital[i + 1])
        if cap1 != cap2 and not seq.initial[i]:
            continue  # "Boeing jets": a name next to a common word, not a fixed pair
        f = _best_swap(ev, seq, i, p)
        if f is not None:
            out.append(f)
            taken[i : i + 2] = True
    return out, taken


def _word_findings(
    ev: Evidence, seqs: Sequence[tuple[WordSeq, np.ndarray]], p: SubstitutionParams
) -> list[Finding]:
    """Rare words where a far more frequent thesaurus neighbour fits the context better.

    "the sextet months" for "the six months": "sextet" is rare and "six" 500 times more
    frequent; "the six" and "six months" are both far more frequent than "the sextet" and
    "sextet months". Cheap spinners favour such dictionary synonyms. The score adds the
    context gain (log count ratios with the left and right neighbour) to the frequency gain.
    All candidates of the document are looked up in two batches.
    """
    rows: list[tuple[int, int]] = []  # (sequence, position) per candidate neighbour
    nb_words: list[str] = []
    nb_ids: list[int] = []
    ctx: list[tuple[int, int, float, float, bool, bool]] = []
    for si, (seq, taken) in enumerate(seqs):
        n = len(seq.keys)
        if n < 2:
            continue
        left = np.zeros(n)
        right = np.zeros(n)
        has_left = np.zeros(n, dtype=bool)
        has_right = np.zeros(n, dtype=bool)
        left[1:] = seq.pair_count
        right[:-1] = seq.pair_count
        has_left[1:] = seq.linked
        has_right[:-1] = seq.linked
        cand = np.nonzero(
            ~taken
            & (has_left | has_right)
            & (seq.uni <= p.word_max)
            & (seq.uni > 0)
            & (left + right <= p.word_ctx_max)
            & ~(seq.capital & ~seq.initial)
        )[0]
        for i in cand.tolist():
            w = seq.keys[i]
            if not w.isalpha() or w in FUNCTION_WORDS:
                continue
            prev_id = int(seq.ids[i - 1]) if has_left[i] else -1
            next_id = int(seq.ids[i + 1]) if has_right[i] else -1
            for x, j in neighbour_forms(ev, w)[: p.single_k]:
                if x != w:
                    rows.append((si, i))
                    nb_words.append(x)
                    nb_ids.append(j)
                    ctx.append((prev_id, next_id, left[i], right[i], has_left[i], has_right[i]))
    if not rows:
        return []
    ids = np.asarray(nb_ids, dtype=np.int64)
    c = np.asarray(ctx, dtype=np.float64)
    prev_ids, next_ids = c[:, 0].astype(np.int64), c[:, 1].astype(np.int64)
    obs_l, obs_r = c[:, 2], c[:, 3]
    has_l, has_r = c[:, 4] > 0, c[:, 5] > 0
    alt_l = np.where(has_l, ev.bigram_ids(prev_ids, ids), 0.0)
    alt_r = np.where(has_r, ev.bigram_ids(ids, next_ids), 0.0)
    gain = np.log((alt_l + 1) / (obs_l + 1)) * has_l + np.log((alt_r + 1) / (obs_r + 1)) * has_r
    word_uni = np.asarray([seqs[si][0].uni[i] for si, i in rows])
    freq = np.log(ev.unigram_ids(ids) + 1) - np.log(word_uni + 1)
    score = gain + freq
    ok = (
        (gain >= p.word_gain_min)
        & (freq >= p.word_freq_gain_min)
        & (alt_l + alt_r >= p.word_alt_min)
        & (score >= p.word_score_min)
    )
    best_at: dict[tuple[int, int], int] = {}
    for k in np.nonzero(ok)[0].tolist():
        key = rows[k]
        if key not in best_at or score[k] > score[best_at[key]]:
            best_at[key] = k
    out: list[Finding] = []
    for (si, i), k in sorted(best_at.items()):
        seq = seqs[si][0]
        lo = i - 1 if has_l[k] else i
        hi = i + 1 if has_r[k] else i
        observed = " ".join(seq.surface[lo : hi + 1])
        word = _match_case(seq.surface[i], nb_words[k])
        restored = " ".join(word if m == i else seq.surface[m] for m in range(lo, hi + 1))
        out.append(
            Finding(
                seq.starts[i],
                seq.ends[i],
                "synonym-substitution",
                observed,
                float(obs_l[k] + obs_r[k]),
                restored,
                float(alt_l[k] + alt_r[k]),
                1,
                suggestion=word,
                score=float(score[k]),
            )
        )
    return out


def _best_swap(ev: Evidence, seq: WordSeq, i: int, p: SubstitutionParams) -> Finding | None:
    w1, w2 = seq.keys[i], seq.keys[i + 1]
    id1, id2 = int(seq.ids[i]), int(seq.ids[i + 1])
    n1 = neighbour_forms(ev, w1)
    n2 = neighbour_forms(ev, w2)
    if not n1 and not n2:
        return None
    s1, s2 = n1[: p.single_k], n2[: p.single_k]
    d1, d2 = n1[: p.double_k], n2[: p.double_k]
    left = [i1 for _, i1 in s1] + [id1] * len(s2) + [a for _, a in d1 for _ in d2]
    right = [id2] * len(s1) + [i2 for _, i2 in s2] + [b for _ in d1 for _, b in d2]
    counts = ev.bigram_ids(np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64))
    if counts.size == 0:
        return None
    # Prefer a single swap unless a double swap is far better: one changed word is the
    # simpler explanation.
    n_single = len(s1) + len(s2)
    best = int(np.argmax(counts))
    if best >= n_single and n_single:
        best_single = int(np.argmax(counts[:n_single]))
        if counts[best_single] * 20 >= counts[best]:
            best = best_single
    alt = float(counts[best])
    obs = float(seq.pair_count[i])
    if alt < p.alt_min or (alt + 1.0) / (obs + 1.0) < p.ratio_min:
        return None
    if best < len(s1):
        r1, r2, swapped = s1[best][0], w2, 1
    elif best < n_single:
        r1, r2, swapped = w1, s2[best - len(s1)][0], 1
    else:
        k = best - n_single
        r1, r2, swapped = d1[k // len(d2)][0], d2[k % len(d2)][0], 2
    if alt * ev.total_words < p.pmi_min * max(1.0, ev.unigram(r1) * ev.unigram(r2)):
        return None
    family = _family(ev, seq, i, r1, r2, alt, swapped, p)
    observed = f"{seq.surface[i]} {seq.surface[i + 1]}"
    restored = _match_case(seq.surface[i], r1) + " " + _match_case(seq.surface[i + 1], r2)
    return Finding(seq.starts[i], seq.ends[i + 1], family, observed, obs, restored, alt, swapped)


def _family(
    ev: Evidence, seq: WordSeq, i: int, r1: str, r2: str, alt: float, swapped: int,
    p: SubstitutionParams,
) -> str:  # fmt: skip
    named = bool(seq.capital[i + 1]) and bool(seq.capital[i] or seq.initial[i])
    if named:
        return "mangled-entity" if swapped == 2 else "broken-collocation"
    if swapped == 1 and ev.is_compound(r1, r2):
        return "broken-collocation"  # a WordNet compound: "think tank", "stock market"
    if swapped == 1:
        u1, u2 = ev.unigram(r1), ev.unigram(r2)
        pmi = alt * ev.total_words / max(1.0, u1 * u2)
        if pmi >= p.compound_pmi:
            return "broken-collocation"
    return "synonym-substitution"


def _match_case(surface: str, word: str) -> str:
    if surface.isupper() and len(surface) > 1:
        return word.upper()
    if surface[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


class EvidenceDetector:
    """Base for detectors that need the evidence base: loads it on first use."""

    name = "evidence"
    family = "synonym-substitution"

    def __init__(self, evidence: Evidence | None = None) -> None:
        self._evidence = evidence

    @property
    def evidence(self) -> Evidence:
        if self._evidence is None:
            from mtdetect.evidence import load_evidence

            self._evidence = load_evidence()
        return self._evidence


class SubstitutionDetector(EvidenceDetector):
    """Reports the substitution findings of its own family as spans."""

    params = SubstitutionParams()

    def detect(self, text: str, sentences: Sequence[Sentence]) -> list[Span]:
        spans: list[Span] = []
        for f in substitution_findings(self.evidence, sentences, self.params):
            if f.family == self.family:
                spans.append(
                    make_span(
                        text,
                        f.start,
                        f.end,
                        f.family,
                        f.strength,
                        f.explanation(),
                        f.suggestion or f.restored,
                    )
                )
        return spans
