"""What the writer most likely meant: candidate originals for suspect words, scored in context.

Every search here runs over a whole document (:class:`~mtdetect.tagger.docview.DocView`) at once.
With the compiled core (:mod:`mtdetect.native`) each search is one call that gathers every
suspect position's candidates from the tables, scores them with the Kneser-Ney model and
keeps the best; the numpy implementation, the reference the tests compare it with, gathers
them into flat arrays and scores them in a few batched calls.

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
* :func:`collocate_substitutions`: a word of a fixed expression replaced by an unrelated one;
  candidates are the strongest collocates of its neighbours.

Each returns, per token, the gain (0 where nothing was tried or nothing did better) and the
best candidate's word id (-1 for none), so that a span can show its suggestion.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from mtdetect.evidence import ID_BITS, LINK_FLAGS
from mtdetect.native import (
    DROP_SELF,
    KEEP_FLAGS,
    MAX_OPTIONS,
    MAX_SHORTLIST,
    SORT_UNIQUE,
    SPIN_PRIOR,
    core,
)
from mtdetect.tagger.docview import DocView
from mtdetect.wordlists import (
    ARTICLE_CANDIDATES,
    DROPPED_WORD_CANDIDATES,
    PREPOSITION_CANDIDATES,
    TAGGER_FUNCTION_WORDS,
)

__all__ = [
    "Candidates",
    "collocate_substitutions",
    "function_swaps",
    "insertions",
    "pair_substitutions",
    "substitutions",
    "suspect_content",
    "synonym_pairs",
]


#: Share of content words a spinner swaps (the prior of :func:`swap_prior`).
SWAP_RATE = 0.15
#: Share of words of fixed expressions replaced by an unrelated word.
COLLOCATE_RATE = 0.05


_ID_MASK = (1 << ID_BITS) - 1


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


def _lm_sum(view: DocView, n: int, parts) -> np.ndarray:
    """Sum over ``parts`` of ``ln P(w | c2 c1)``, each part ``(c2, c1, w, mask)`` aligned
    with ``n`` rows (``mask`` None for every row), in one batched model call."""
    c2s, c1s, ws, rows = [], [], [], []
    for c2, c1, w, mask in parts:
        sel = np.arange(n) if mask is None else np.flatnonzero(mask)
        c2s.append(c2[sel])
        c1s.append(c1[sel])
        ws.append(w[sel])
        rows.append(sel)
    if not rows:
        return np.zeros(n)
    vals = view.evidence.lm_triples(np.concatenate(c2s), np.concatenate(c1s), np.concatenate(ws))
    return np.bincount(np.concatenate(rows), weights=vals, minlength=n)


def _window_parts(view: DocView, pos: np.ndarray, cand: np.ndarray) -> list:
    """The trigrams that contain ``cand`` at ``pos``: it given its two left neighbours, the
    next word given it, the word after given it and the next word."""
    p2, p1 = view.prev2[pos], view.prev1[pos]
    n1, n2 = view.next1[pos], view.next2[pos]
    return [(p2, p1, cand, None), (p1, cand, n1, n1 >= 0), (cand, n1, n2, n2 >= 0)]


def _window_score(view: DocView, pos: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """Sum of forward log-probabilities of the trigrams that contain ``cand`` at ``pos``."""
    return _lm_sum(view, len(pos), _window_parts(view, pos, cand))


def _unique_per_owner(owner: np.ndarray, cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct candidates of each owner, sorted by owner then candidate id."""
    if not len(owner):
        return owner, cand
    # One sort of packed (owner, candidate) keys: candidates are word ids (< 2 ** ID_BITS).
    key = np.sort((owner.astype(np.int64) << ID_BITS) | cand.astype(np.int64))
    keep = np.ones(len(key), bool)
    keep[1:] = key[1:] != key[:-1]
    key = key[keep]
    return key >> ID_BITS, key & _ID_MASK


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


def swap_prior(view: DocView, cand: np.ndarray, flags: np.ndarray) -> np.ndarray:
    """``ln P(observed word | original cand)`` under a spinner model, minus the log-probability
    of leaving a word alone: a tool swaps a word with probability :data:`SWAP_RATE`, for one
    of the original's thesaurus neighbours picked uniformly. An original with many
    neighbours ("near", "light") explains any one of them poorly; a swap that published
    tortured phrases show (``counterfeit`` for ``artificial``) counts as one of two choices.
    """
    off = view.evidence.thesaurus_offsets
    safe = np.clip(cand, 0, len(off) - 2)
    degree = np.maximum(off[safe + 1].astype(np.int64) - off[safe].astype(np.int64), 1)
    degree = np.where((flags & LINK_FLAGS["tortured"]) > 0, 2, degree)
    return _prior_of_degree(degree)


def _prior_of_degree(degree: np.ndarray) -> np.ndarray:
    """:func:`swap_prior` of originals with ``degree`` (int64, >= 1) thesaurus neighbours."""
    return np.log(SWAP_RATE / (1 - SWAP_RATE)) - np.log(degree)


def _search(
    view: DocView,
    pos: np.ndarray,
    owner: np.ndarray,
    cand: np.ndarray,
    flags,
    prior: bool = True,
):
    """Score candidates ``cand`` (at ``pos[owner]``) against the observed words: the gain is
    the log posterior odds of the candidate being the original (context fit plus, with
    ``prior``, the spinner model of :func:`swap_prior`)."""
    n = len(view)
    out = Candidates.empty(n)
    out.tried[pos] = True
    keep = (cand != view.ids[pos[owner]]) & (cand != view.evidence.num_id)
    owner, cand, flags = owner[keep], cand[keep], flags[keep]
    if not len(cand):
        return out
    pri = swap_prior(view, cand, flags) if prior else np.zeros(len(cand))
    both = _window_score(
        view, np.concatenate([pos, pos[owner]]), np.concatenate([view.ids[pos], cand])
    )
    best, score = _best_of_each(owner, both[len(pos) :] - both[: len(pos)][owner] + pri,
                                len(pos))  # fmt: skip
    _record(out, pos, best, score, cand, flags)
    return out


_NO_ROWS = np.zeros(0, np.uint32)
_NO_BYTES = np.zeros(0, np.uint8)
# Options of the compiled core's gather_search (see mtdetect.native and _core.c).
_SORT_UNIQUE, _DROP_SELF, _SPIN_PRIOR, _KEEP_FLAGS = SORT_UNIQUE, DROP_SELF, SPIN_PRIOR, KEEP_FLAGS
#: Which word's row a candidate list reads: the position's own word, the next, the previous.
_OWN, _NEXT, _PREV = 0, 1, 2


def _gather(
    view: DocView,
    out: Candidates,
    pos: np.ndarray,
    mode: int,
    options: int,
    fixed: np.ndarray | None = None,
    a: TableRows | None = None,
    b: TableRows | None = None,
    drop: np.ndarray | None = None,
    min_score: float = 0.0,
) -> None:
    """A candidate search in the compiled core, candidates included: for each position, the
    ids of ``fixed``, then the rows ``a`` and ``b`` (:class:`TableRows`), sorted and filtered
    as ``options`` say, scored and recorded into ``out`` exactly as :func:`_search` (mode 0)
    and :func:`insertions` (mode 1) do with numpy.

    A candidate stops being scored once it cannot reach ``min_score``: a gain of 0 or less
    records nothing, so the default changes no output; a caller that discards more may pass
    its own bar (less a margin for rounding)."""
    ev = view.evidence
    lists = _list_ids(ev)
    core().gather_search(
        ev.kn_tables(),
        DocArrays(view.ids, view.prev2, view.prev1, view.next1, view.next2),
        np.ascontiguousarray(pos, dtype=np.int64),
        mode,
        np.zeros(0, np.int64) if fixed is None else np.ascontiguousarray(fixed, np.int64),
        a if a is not None else _NO_TABLE,
        b if b is not None else _NO_TABLE,
        options,
        _NO_BYTES if drop is None else drop.view(np.uint8),
        ev.num_id,
        SpinPrior(ev.thesaurus_offsets, lists.prior_by_degree, LINK_FLAGS["tortured"]),
        SearchOutputs(out.gain, out.best, out.tried.view(np.uint8), out.flags),
        min_score,
    )


class DocArrays(NamedTuple):
    """A document's word ids and their contexts, as the compiled searches take them."""

    ids: np.ndarray
    prev2: np.ndarray
    prev1: np.ndarray
    next1: np.ndarray
    next2: np.ndarray


class TableRows(NamedTuple):
    """The rows a candidate search reads: ``ids[offsets[w]:offsets[w + 1]]`` for the word ``key``
    names (the position's own, the next or the previous), its first ``k``, with their
    thesaurus link ``flags`` (empty when the table has none)."""

    offsets: np.ndarray
    ids: np.ndarray
    flags: np.ndarray
    key: int
    k: int


_NO_TABLE = TableRows(_NO_ROWS, _NO_ROWS, _NO_BYTES, 0, 0)


class SpinPrior(NamedTuple):
    """What the spinner prior of a candidate reads: the thesaurus row offsets (a word's
    degree), the prior by degree, and the link flag of tortured-phrase alignments."""

    thesaurus_offsets: np.ndarray
    prior_by_degree: np.ndarray
    tortured_flag: int


class SearchOutputs(NamedTuple):
    """Where a search writes, per position: gain, best candidate, searched, its flags."""

    gain: np.ndarray
    best: np.ndarray
    tried: np.ndarray
    flags: np.ndarray


def _thesaurus(ev, key: int, k: int) -> TableRows:
    flags = _thesaurus_flags(ev)
    return TableRows(ev.thesaurus_offsets, ev.thesaurus_ids,
                     _NO_BYTES if flags is None else flags, key, k)  # fmt: skip


def _thesaurus_flags(ev) -> np.ndarray | None:
    """The thesaurus link flags (uint8), or None for tables built without them."""
    flags = ev.table("thesaurus_flags")
    return flags if len(flags) else None


def _collocates(ev, name: str, key: int, k: int) -> TableRows:
    return TableRows(ev.table(f"{name}_offsets"), ev.table(f"{name}_ids"), _NO_BYTES, key, k)


def _best_of_each(owner: np.ndarray, score: np.ndarray, n_owners: int):
    """Index of each owner's best candidate (-1 for none) and its score (what the compiled
    core's search returns)."""
    best = _best_per_owner(owner, score, n_owners)
    return best, np.where(best >= 0, score[np.maximum(best, 0)], 0.0)


def _record(
    out: Candidates,
    pos: np.ndarray,
    best: np.ndarray,
    score: np.ndarray,
    cand: np.ndarray,
    flags: np.ndarray | None = None,
) -> None:
    """Write each position's best candidate (index into ``cand``, -1 for none) and its
    score into ``out``: a gain when the score is positive, else nothing found."""
    has = best >= 0
    at, b, s = pos[has], best[has], score[has]
    out.gain[at] = np.maximum(s, 0.0)
    out.best[at] = np.where(s > 0, cand[b], -1)
    if flags is not None:
        out.flags[at] = np.where(s > 0, flags[b], 0)


def suspect_content(view: DocView) -> np.ndarray:
    """Content words worth a substitution search: known, alphabetic, not a name, and next to
    a pair the tables have (almost) never seen (computed once per view)."""
    cached = view._cache.get("suspect_content")
    if cached is not None:
        return cached
    rare_left = view.link & (view.bigram_left < 2)
    rare_right = view.link_right & (view.bigram_right < 2)
    # A capitalised word is a name unless it is a common word that a name borrowed
    # ("the White Home": "home" is nearly always lower case).
    usually_lower = np.nan_to_num(view.cap_ratio, nan=1.0) < 0.3
    name = view.capital & ~view.initial & ~usually_lower
    out = view._cache["suspect_content"] = (
        view.alpha & ~view.function & (view.ids >= 0) & ~name & (rare_left | rare_right)
    )
    return out


def substitutions(view: DocView, k: int = 60) -> Candidates:
    """Best thesaurus neighbour per suspect content word (see the module docstring)."""
    pos = np.flatnonzero(suspect_content(view))
    if not len(pos):
        return Candidates.empty(len(view))
    if core() is not None:
        out = Candidates.empty(len(view))
        _gather(view, out, pos, 0, _DROP_SELF | _SPIN_PRIOR | _KEEP_FLAGS,
                a=_thesaurus(view.evidence, _OWN, k))  # fmt: skip
        return out
    owner, cand, flags = view.evidence.neighbours_batch(view.ids[pos], k)
    return _search(view, pos, owner, cand, flags)


_LISTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class _ListIds:
    """The word lists of this module as ids of one evidence base (see :func:`_list_ids`)."""

    prepositions: np.ndarray  # ids of PREPOSITION_CANDIDATES, in order, the known ones
    articles: np.ndarray
    fillers: np.ndarray
    function: np.ndarray  # bool per vocabulary id: a function word or ``<num>``
    prior_by_degree: np.ndarray  # swap_prior of an original with d thesaurus neighbours, at d


def _list_ids(ev) -> _ListIds:
    """The ids of the word lists, looked up once per evidence base."""
    lists = _LISTS.get(ev)
    if lists is None:

        def known(words) -> np.ndarray:
            ids = ev.ids(list(words))
            return ids[ids >= 0]

        function = np.zeros(ev.vocab_size, bool)
        function[known([*sorted(TAGGER_FUNCTION_WORDS), "<num>"])] = True
        off = ev.thesaurus_offsets.astype(np.int64)
        degrees = np.arange(max(int(np.diff(off).max(initial=0)), 2) + 1)
        lists = _LISTS[ev] = _ListIds(
            known(PREPOSITION_CANDIDATES), known(ARTICLE_CANDIDATES), known(DROPPED_WORD_CANDIDATES), function,
            _prior_of_degree(np.maximum(degrees, 1)),
        )  # fmt: skip
    return lists


def collocate_substitutions(view: DocView, k: int = 24) -> Candidates:
    """A word of a fixed expression replaced by one no thesaurus relates to it ("the city
    engine" for "the fire engine"): the candidates for a suspect word are the strongest left
    collocates of the next word and right collocates of the previous one. The prior is a
    rare event spread over those ``2 k`` candidates, so only a collocation far above chance
    makes up for it."""
    ev = view.evidence
    pos = np.flatnonzero(suspect_content(view))
    if not len(pos):
        return Candidates.empty(len(view))
    # The replaced word of a fixed expression is a content word ("fire" of "fire engine"), not
    # a function word that happens to follow its neighbour ("say that").
    function = _list_ids(ev).function
    # The prior below takes this much off every gain: a search gain under it counts for nothing.
    offset = np.log(COLLOCATE_RATE / (1 - COLLOCATE_RATE)) - np.log(2 * k)
    if core() is not None:
        out = Candidates.empty(len(view))
        _gather(view, out, pos, 0, _SORT_UNIQUE | _DROP_SELF,
                a=_collocates(ev, "predecessor", _NEXT, k),
                b=_collocates(ev, "successor", _PREV, k), drop=function,
                min_score=max(-offset, 0.0) - 1e-6)  # fmt: skip
    else:
        o1, c1 = ev.collocates_batch("predecessor", view.next1[pos], k)
        o2, c2 = ev.collocates_batch("successor", view.prev1[pos], k)
        owner, cand = _unique_per_owner(np.concatenate([o1, o2]), np.concatenate([c1, c2]))
        keep = ~function[cand]
        owner, cand = owner[keep], cand[keep]
        out = _search(view, pos, owner, cand, np.zeros(len(cand), np.uint8), prior=False)
    out.gain = np.maximum(out.gain + offset, 0.0)
    out.best = np.where(out.gain > 0, out.best, -1)
    return out


def pair_substitutions(
    view: DocView, single: Candidates, k: int = 40, shortlist: int = 16
) -> Candidates:
    """Adjacent suspect words replaced together; the gain is put on both positions.

    All combinations of the two words' neighbours (each word may also stay) are ranked by
    how often the pair occurs, and the ``shortlist`` most frequent are scored in context:
    each swap alone may leave a rare pair ("artificial consciousness"), both together make
    the expression ("artificial intelligence").
    """
    n = len(view)
    out = Candidates.empty(n)
    sus = suspect_content(view)
    if n < 2:
        return out
    left = np.flatnonzero(sus[:-1] & sus[1:] & view.link[1:])
    fast = core()
    # (the compiled search takes fewer than MAX_OPTIONS neighbours a word and a shortlist of
    # at most MAX_SHORTLIST)
    if fast is not None and len(left) and k < MAX_OPTIONS and shortlist <= MAX_SHORTLIST:
        ev = view.evidence
        flags = _thesaurus_flags(ev)
        fast.pair_search(
            ev.kn_tables(), ev.thesaurus_offsets, ev.thesaurus_ids, _NO_BYTES if flags is None else flags,
            _list_ids(ev).prior_by_degree, LINK_FLAGS["tortured"], left, view.ids,
            view.prev2, view.prev1, view.next1, k, shortlist, out.gain, out.best,
            out.tried.view(np.uint8), out.flags,
        )  # fmt: skip
        return out
    # Pairs are searched a block at a time, in order: each pair's product of options is
    # about 40 x 40, and a whole long document's at once would take hundreds of MB.
    for first in range(0, len(left), PAIR_BLOCK):
        _pair_block(view, left[first : first + PAIR_BLOCK], out, k, shortlist)
    return out


#: Adjacent pairs searched together by :func:`pair_substitutions` (bounds its memory).
PAIR_BLOCK = 128


def _pair_block(view: DocView, left: np.ndarray, out: Candidates, k: int, shortlist: int) -> None:
    """:func:`pair_substitutions` for the pairs starting at ``left`` (in order), into ``out``."""
    ev = view.evidence
    o1, c1, f1 = ev.neighbours_batch(view.ids[left], k)
    o2, c2, f2 = ev.neighbours_batch(view.ids[left + 1], k)
    # Each word's options: itself first, then its neighbours (per pair j).
    m = len(left)
    oa = np.concatenate([np.arange(m), o1])
    ca = np.concatenate([view.ids[left], c1])
    fa = np.concatenate([np.zeros(m, np.uint8), f1])
    order = np.argsort(oa, kind="stable")
    oa, ca, fa = oa[order], ca[order], fa[order]
    ob = np.concatenate([np.arange(m), o2])
    cb = np.concatenate([view.ids[left + 1], c2])
    fb = np.concatenate([np.zeros(m, np.uint8), f2])
    order = np.argsort(ob, kind="stable")
    ob, cb, fb = ob[order], cb[order], fb[order]
    na = np.bincount(oa, minlength=m)
    nb = np.bincount(ob, minlength=m)
    sa = np.concatenate([[0], np.cumsum(na)[:-1]])
    sb = np.concatenate([[0], np.cumsum(nb)[:-1]])
    size = na * nb
    size[(na < 2) & (nb < 2)] = 0  # neither word has a neighbour: nothing to pair
    total = int(size.sum())
    if total == 0:
        return
    # The cartesian product of every pair at once, in the order repeat(a) x tile(b).
    pair_of = np.repeat(np.arange(m), size)
    within = np.arange(total) - np.repeat(np.concatenate([[0], np.cumsum(size)[:-1]]), size)
    ia = sa[pair_of] + within // nb[pair_of]
    ib = sb[pair_of] + within % nb[pair_of]
    aa, bb = ca[ia], cb[ib]
    cnt = ev.bigram_ids(aa, bb)
    cnt[within == 0] = -1.0  # the observed pair itself
    # The `shortlist` most frequent combinations of each pair (ties: product order), in
    # pair order. Most combinations are unseen: rank only those the tables hold.
    seen = np.flatnonzero(cnt > 0)
    if not len(seen):
        return
    order = seen[np.lexsort((within[seen], -cnt[seen], pair_of[seen]))]
    rank = np.arange(len(order)) - np.searchsorted(pair_of[order], pair_of[order])
    top = order[rank < shortlist]
    owner = pair_of[top]
    x1, x2 = aa[top], bb[top]
    fl1, fl2 = fa[ia[top]], fb[ib[top]]
    i = left[owner]
    prior = np.where(x1 != view.ids[i], swap_prior(view, x1, fl1), 0.0)
    prior += np.where(x2 != view.ids[i + 1], swap_prior(view, x2, fl2), 0.0)

    ii = np.concatenate([left, i])
    a = np.concatenate([view.ids[left], x1])
    b = np.concatenate([view.ids[left + 1], x2])
    nx = view.next1[ii + 1]
    both = _lm_sum(
        view,
        len(ii),
        [
            (view.prev2[ii], view.prev1[ii], a, None),
            (view.prev1[ii], a, b, None),
            (a, b, nx, nx >= 0),
        ],
    )
    score = both[len(left) :] - both[: len(left)][owner] + prior
    best = _best_per_owner(owner, score, len(left))
    for j, b in enumerate(best.tolist()):
        if b < 0 or score[b] <= 0:
            continue
        p = int(left[j])
        for q, x in ((p, x1[b]), (p + 1, x2[b])):
            if score[b] > out.gain[q] and x != view.ids[q]:
                out.gain[q] = score[b]
                out.best[q] = x
                out.flags[q] = fl1[b] | fl2[b]  # the links of both swaps of the pair
        out.tried[p] = out.tried[p + 1] = True


def function_swaps(view: DocView, max_logp: float = -4.5) -> Candidates:
    """Best other preposition (article) for every preposition (article) of the document
    that its context predicts poorly (``ln P < max_logp`` from the left or the right)."""
    lists = _list_ids(view.evidence)
    # Only function words that their context finds surprising from one side or the other.
    odd = np.minimum(view.lm_forward, view.lm_backward) < max_logp
    pos_p = np.flatnonzero(view.preposition & (view.ids >= 0) & odd)
    pos_a = np.flatnonzero(view.article & (view.ids >= 0) & odd)
    pos = np.concatenate([pos_p, pos_a])
    if not len(pos):
        return Candidates.empty(len(view))
    prep_ids, art_ids = lists.prepositions, lists.articles
    if core() is not None:
        out = Candidates.empty(len(view))
        for at, fixed in ((pos_p, prep_ids), (pos_a, art_ids)):
            if len(at):
                _gather(view, out, at, 0, _DROP_SELF, fixed=fixed)
        return out
    owner = np.concatenate(
        [
            np.repeat(np.arange(len(pos_p)), len(prep_ids)),
            len(pos_p) + np.repeat(np.arange(len(pos_a)), len(art_ids)),
        ]
    )
    cand = np.concatenate([np.tile(prep_ids, len(pos_p)), np.tile(art_ids, len(pos_a))])
    # Every candidate is as likely a swap as any other: no prior (the tagger learns the scale).
    return _search(view, pos, owner, cand, np.zeros(len(cand), np.uint8), prior=False)


def insertions(
    view: DocView, k: int = 16, max_logp: float = -8.0, max_back_logp: float = -5.0
) -> Candidates:
    """A dropped word before token ``i``: the best filler between ``i - 1`` and ``i``.

    Searched where the gap surprises both sides: token ``i`` is linked to its left neighbour
    and poorly predicted by it (``lm_forward < max_logp``), and the left neighbour is poorly
    predicted from the right (``lm_backward < max_back_logp``). The gain compares the
    sentence with the filler to the sentence without it, so the filler pays for its own
    probability.
    """
    n = len(view)
    out = Candidates.empty(n)
    back_left = np.zeros(n)
    back_left[1:] = view.lm_backward[:-1]
    pos = np.flatnonzero(
        view.link & (view.lm_forward < max_logp) & (back_left < max_back_logp) & (view.prev1 >= 0)
    )
    if not len(pos):
        return out
    ev = view.evidence
    fill = _list_ids(ev).fillers
    if core() is not None:
        _gather(view, out, pos, 1, _SORT_UNIQUE, fixed=fill,
                a=_collocates(ev, "successor", _PREV, k))  # fmt: skip
        return out
    o_succ, c_succ = ev.collocates_batch("successor", view.prev1[pos], k)
    owner, x = _unique_per_owner(
        np.concatenate([np.repeat(np.arange(len(pos)), len(fill)), o_succ]),
        np.concatenate([np.tile(fill, len(pos)), c_succ]),
    )
    out.tried[pos] = True
    i = pos[owner]
    p2, p1, w, n1 = view.prev2[i], view.prev1[i], view.ids[i], view.next1[i]
    q2, q1, m1, wq = view.prev2[pos], view.prev1[pos], view.next1[pos], view.ids[pos]
    k_with, k_without = len(i), len(pos)
    # rows 0..k_with: with the filler; then the sentence as written
    pad = np.full(k_without, -1, np.int64)
    both = _lm_sum(
        view,
        k_with + k_without,
        [
            (np.concatenate([p2, q2]), np.concatenate([p1, q1]), np.concatenate([x, wq]), None),
            (np.concatenate([p1, q1]), np.concatenate([x, wq]), np.concatenate([w, m1]),
             np.concatenate([np.ones(k_with, bool), m1 >= 0])),
            (np.concatenate([x, pad]), np.concatenate([w, pad]), np.concatenate([n1, pad]),
             np.concatenate([n1 >= 0, np.zeros(k_without, bool)])),
        ],
    )  # fmt: skip
    best, score = _best_of_each(owner, both[:k_with] - both[k_with:][owner], len(pos))
    _record(out, pos, best, score, x)
    return out


def synonym_pairs(view: DocView) -> np.ndarray:
    """Positions ``i`` where words ``i - 1`` and ``i`` are WordNet synonyms side by side in a
    pair the tables (almost) never saw ("exactness accuracy"): a spinner kept both the
    original and its replacement."""
    n = len(view)
    if n < 2:
        return np.zeros(0, np.int64)
    content = view.alpha & ~view.function & (view.ids >= 0)
    name = view.capital & ~view.initial
    ok = np.zeros(n, bool)
    ok[1:] = (
        view.link[1:]
        & content[1:]
        & content[:-1]
        & ~name[1:]
        & ~name[:-1]
        & (view.bigram_left[1:] <= 1)
        & (view.ids[1:] != view.ids[:-1])
    )
    pos = np.flatnonzero(ok)
    if not len(pos):
        return pos
    owner, nb, flags = view.evidence.neighbours_batch(view.ids[pos - 1])
    hit = (nb == view.ids[pos][owner]) & (
        (flags & (LINK_FLAGS["oewn"] | LINK_FLAGS["inflection"])) > 0
    )
    found = owner[hit]  # owners are in order: keep the first of each run
    first = np.ones(len(found), bool)
    first[1:] = found[1:] != found[:-1]
    return pos[found[first]]
