"""What the writer most likely meant: candidate originals for suspect words, scored in context.

Every search here is vectorised over a whole document (:class:`~mtdetect.docview.DocView`):
candidates for all suspect positions are gathered into flat arrays and scored with the
Kneser-Ney model in a few batched calls.

* :func:`substitutions`: a content word replaced by a thesaurus neighbour (OEWN, Moby, the
  swaps of published tortured phrases). A candidate ``x`` at position ``i`` is scored by the
  log-probability of every trigram that contains position ``i`` (``x`` given its two left
  neighbours, the next word given ``x``, the word after given ``x`` and the next word); the
  *gain* is the best candidate's score minus the observed word's. Two adjacent suspect
  words are also tried together ("counterfeit consciousness" -> "artificial intelligence"),
  since each swap alone may still leave a rare pair.
* :func:`function_swaps`: a preposition or article replaced by another of its class.
* :func:`insertions`: a word dropped between two linked words: fillers are frequent
  function words and the strongest right collocates of the left word.

Each returns, per token, the gain (0 where nothing was tried or nothing did better) and the
best candidate's word id (-1 for none), so that a span can show its suggestion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mtdetect.docview import DocView

__all__ = [
    "Candidates",
    "function_swaps",
    "insertions",
    "pair_substitutions",
    "substitutions",
    "suspect_content",
]

#: Prepositions tried in place of an observed one (the most frequent, then the rarer ones
#: rewriting tools like to produce).
_PREP_LIST = [
    "of",
    "in",
    "to",
    "for",
    "on",
    "with",
    "at",
    "by",
    "from",
    "as",
    "about",
    "into",
    "over",
    "after",
    "between",
    "through",
    "against",
    "during",
    "under",
    "without",
    "before",
    "within",
    "among",
    "around",
    "since",
    "across",
    "towards",
    "toward",
    "upon",
    "near",
    "amid",
    "via",
    "despite",
    "beyond",
    "behind",
    "below",
    "above",
    "along",
    "off",
    "out",
    "up",
    "down",
    "like",
    "per",
]
_ARTICLE_LIST = ("the", "a", "an", "this", "that", "its", "their", "his")
#: Words most often dropped by a rewriting pipeline.
_FILLERS = [
    "the",
    "a",
    "an",
    "of",
    "to",
    "in",
    "and",
    "is",
    "was",
    "be",
    "been",
    "has",
    "have",
    "had",
    "not",
    "that",
    "for",
    "on",
    "with",
    "by",
    "as",
    "it",
    "are",
    "were",
    "will",
    "would",
    "from",
    "at",
    "this",
    "which",
    "who",
    "its",
    "their",
    "his",
]


@dataclass(slots=True)
class Candidates:
    """Per-token result of a candidate search."""

    gain: np.ndarray  # float64, 0.0 where nothing better was found
    best: np.ndarray  # int64 word id of the best candidate, -1 for none
    tried: np.ndarray  # bool: the position was searched
    flags: np.ndarray  # uint8 thesaurus link flags of the best candidate (0 for none)

    @classmethod
    def empty(cls, n: int) -> Candidates:
        return cls(np.zeros(n), np.full(n, -1, np.int64), np.zeros(n, bool), np.zeros(n, np.uint8))


def _window_score(view: DocView, pos: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """Sum of forward log-probabilities of the trigrams that contain ``cand`` at ``pos``."""
    ev = view.evidence
    p2, p1 = view.prev2[pos], view.prev1[pos]
    n1, n2 = view.next1[pos], view.next2[pos]
    s = ev.lm_triples(p2, p1, cand)
    has1 = n1 >= 0
    s = s + np.where(has1, ev.lm_triples(p1, cand, np.where(has1, n1, 0)), 0.0)
    has2 = n2 >= 0
    s = s + np.where(has2, ev.lm_triples(cand, np.where(has1, n1, -1), np.where(has2, n2, 0)), 0.0)
    return s


def _best_per_owner(owner: np.ndarray, score: np.ndarray, n_owners: int):
    """Index (into ``score``) of the best entry of each owner, -1 for owners with none."""
    best = np.full(n_owners, -1, np.int64)
    if not len(owner):
        return best
    order = np.lexsort((-score, owner))
    first = np.ones(len(order), bool)
    first[1:] = owner[order][1:] != owner[order][:-1]
    best[owner[order][first]] = order[first]
    return best


def _search(view: DocView, pos: np.ndarray, owner: np.ndarray, cand: np.ndarray, flags):
    """Score candidates ``cand`` (at ``pos[owner]``) against the observed words."""
    n = len(view)
    out = Candidates.empty(n)
    out.tried[pos] = True
    keep = cand != view.ids[pos[owner]]
    owner, cand, flags = owner[keep], cand[keep], flags[keep]
    if not len(cand):
        return out
    observed = _window_score(view, pos, view.ids[pos])
    score = _window_score(view, pos[owner], cand) - observed[owner]
    best = _best_per_owner(owner, score, len(pos))
    has = best >= 0
    b = best[has]
    at = pos[has]
    out.gain[at] = np.maximum(score[b], 0.0)
    out.best[at] = np.where(score[b] > 0, cand[b], -1)
    out.flags[at] = np.where(score[b] > 0, flags[b], 0)
    return out


def suspect_content(view: DocView) -> np.ndarray:
    """Content words worth a substitution search: known, alphabetic, not a name, and next to
    a pair the tables have (almost) never seen."""
    rare_left = view.link & (view.bigram_left < 2)
    rare_right = view.link_right & (view.bigram_right < 2)
    name = view.capital & ~view.initial
    return view.alpha & ~view.function & (view.ids >= 0) & ~name & (rare_left | rare_right)


def substitutions(view: DocView, k: int = 60) -> Candidates:
    """Best thesaurus neighbour per suspect content word (see the module docstring)."""
    pos = np.flatnonzero(suspect_content(view))
    if not len(pos):
        return Candidates.empty(len(view))
    owner, cand, flags = view.evidence.neighbours_batch(view.ids[pos], k)
    return _search(view, pos, owner, cand, flags)


def pair_substitutions(view: DocView, single: Candidates, k: int = 12) -> Candidates:
    """Adjacent suspect words replaced together; the gain is put on both positions.

    Only the ``k`` best single candidates of each word are combined.
    """
    n = len(view)
    out = Candidates.empty(n)
    sus = suspect_content(view)
    left = np.flatnonzero(sus[:-1] & sus[1:] & view.link[1:]) if n > 1 else np.zeros(0, np.int64)
    if not len(left):
        return out
    ev = view.evidence
    o1, c1, _ = ev.neighbours_batch(view.ids[left], k)
    o2, c2, _ = ev.neighbours_batch(view.ids[left + 1], k)
    if not len(o1) or not len(o2):
        return out
    # Cartesian product per pair: (owner, x1, x2).
    n1 = np.bincount(o1, minlength=len(left))
    n2 = np.bincount(o2, minlength=len(left))
    s1 = np.concatenate([[0], np.cumsum(n1)[:-1]])
    s2 = np.concatenate([[0], np.cumsum(n2)[:-1]])
    owners, xs1, xs2 = [], [], []
    for j in np.flatnonzero((n1 > 0) & (n2 > 0)).tolist():
        a = c1[s1[j] : s1[j] + n1[j]]
        b = c2[s2[j] : s2[j] + n2[j]]
        owners.append(np.full(len(a) * len(b), j))
        xs1.append(np.repeat(a, len(b)))
        xs2.append(np.tile(b, len(a)))
    if not owners:
        return out
    owner = np.concatenate(owners)
    x1 = np.concatenate(xs1)
    x2 = np.concatenate(xs2)
    i = left[owner]

    def pair_score(i, a, b):
        p2, p1 = view.prev2[i], view.prev1[i]
        nx = view.next1[i + 1]
        s = ev.lm_triples(p2, p1, a) + ev.lm_triples(p1, a, b)
        has = nx >= 0
        return s + np.where(has, ev.lm_triples(a, b, np.where(has, nx, 0)), 0.0)

    obs = pair_score(left, view.ids[left], view.ids[left + 1])
    score = pair_score(i, x1, x2) - obs[owner]
    best = _best_per_owner(owner, score, len(left))
    for j, b in enumerate(best.tolist()):
        if b < 0 or score[b] <= 0:
            continue
        p = int(left[j])
        for q, x in ((p, x1[b]), (p + 1, x2[b])):
            if score[b] > out.gain[q] and x != view.ids[q]:
                out.gain[q] = score[b]
                out.best[q] = x
        out.tried[p] = out.tried[p + 1] = True
    return out


def function_swaps(view: DocView) -> Candidates:
    """Best other preposition (article) for every preposition (article) of the document."""
    ev = view.evidence
    prep_ids = ev.ids(_PREP_LIST)
    art_ids = ev.ids(list(_ARTICLE_LIST))
    pos_p = np.flatnonzero(view.preposition & (view.ids >= 0))
    pos_a = np.flatnonzero(view.article & (view.ids >= 0))
    pos = np.concatenate([pos_p, pos_a])
    if not len(pos):
        return Candidates.empty(len(view))
    prep_ids = prep_ids[prep_ids >= 0]
    art_ids = art_ids[art_ids >= 0]
    owner = np.concatenate(
        [
            np.repeat(np.arange(len(pos_p)), len(prep_ids)),
            len(pos_p) + np.repeat(np.arange(len(pos_a)), len(art_ids)),
        ]
    )
    cand = np.concatenate([np.tile(prep_ids, len(pos_p)), np.tile(art_ids, len(pos_a))])
    return _search(view, pos, owner, cand, np.zeros(len(cand), np.uint8))


def insertions(view: DocView, k: int = 8, max_logp: float = -7.0) -> Candidates:
    """A dropped word before token ``i``: the best filler between ``i - 1`` and ``i``.

    Searched where token ``i`` is linked to its left neighbour and poorly predicted by it
    (``lm_forward < max_logp``). The gain compares the sentence with the filler to the
    sentence without it, so the filler pays for its own probability.
    """
    n = len(view)
    out = Candidates.empty(n)
    pos = np.flatnonzero(view.link & (view.lm_forward < max_logp) & (view.prev1 >= 0))
    if not len(pos):
        return out
    ev = view.evidence
    fill = ev.ids(_FILLERS)
    fill = fill[fill >= 0]
    owners, cands = [], []
    for j, p in enumerate(pos.tolist()):
        succ = ev.successor_ids(int(view.prev1[p]), k)
        c = np.unique(np.concatenate([fill, succ]))
        owners.append(np.full(len(c), j))
        cands.append(c)
    owner = np.concatenate(owners)
    x = np.concatenate(cands)
    i = pos[owner]
    p2, p1, w, n1 = view.prev2[i], view.prev1[i], view.ids[i], view.next1[i]
    with_x = ev.lm_triples(p2, p1, x) + ev.lm_triples(p1, x, w)
    has = n1 >= 0
    with_x = with_x + np.where(has, ev.lm_triples(x, w, np.where(has, n1, 0)), 0.0)
    q2, q1, m1 = view.prev2[pos], view.prev1[pos], view.next1[pos]
    without = ev.lm_triples(q2, q1, view.ids[pos])
    has_p = m1 >= 0
    without = without + np.where(
        has_p, ev.lm_triples(q1, view.ids[pos], np.where(has_p, m1, 0)), 0.0
    )
    score = with_x - without[owner]
    best = _best_per_owner(owner, score, len(pos))
    ok = best >= 0
    b = best[ok]
    at = pos[ok]
    out.tried[pos] = True
    out.gain[at] = np.maximum(score[b], 0.0)
    out.best[at] = np.where(score[b] > 0, x[b], -1)
    return out
