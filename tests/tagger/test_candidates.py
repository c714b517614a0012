"""The candidate searches (thesaurus and pair substitutions, function words, dropped words) on
the made-up evidence base of ``conftest.py``."""

from __future__ import annotations

from mtdetect.tagger.candidates import function_swaps, insertions, pair_substitutions, substitutions


def test_substitution_finds_the_original(view_of, evidence):
    v = view_of(evidence, "Prices on the stock bazaar rose again today.")
    sub = substitutions(v)
    k = v.surface.index("bazaar")
    assert evidence.word(int(sub.best[k])) == "market"
    assert sub.gain[k] > 2.0
    clean = view_of(evidence, "Prices on the stock market rose again today.")
    assert substitutions(clean).gain.max() == 0.0


def test_pair_substitution_needs_both_swaps(view_of, evidence):
    v = view_of(evidence, "Researchers say counterfeit consciousness will change medicine.")
    single = substitutions(v)
    pair = pair_substitutions(v, single)
    k = v.surface.index("counterfeit")
    assert evidence.word(int(pair.best[k])) == "artificial"
    assert evidence.word(int(pair.best[k + 1])) == "intelligence"
    assert pair.gain[k] > single.gain[k]


def test_function_word_swap(view_of, evidence):
    v = view_of(evidence, "Officials kept an eye at the border all week.")
    f = function_swaps(v)
    k = v.surface.index("at")
    assert evidence.word(int(f.best[k])) == "on" and f.gain[k] > 1.0
    clean = view_of(evidence, "Officials kept an eye on the border all week.")
    assert function_swaps(clean).gain[clean.surface.index("on")] == 0.0


def test_dropped_word_filler(view_of, evidence):
    v = view_of(evidence, "The number of the has risen since Monday.")
    ins = insertions(v)
    k = v.surface.index("has")
    assert ins.gain[k] > 0 and ins.best[k] >= 0


def test_fixed_expression_with_a_replaced_word(view_of, evidence):
    from mtdetect.tagger.candidates import collocate_substitutions

    v = view_of(evidence, "The city engine raced to the burning barn.")
    col = collocate_substitutions(v)
    k = v.surface.index("city")
    assert evidence.word(int(col.best[k])) == "fire" and col.gain[k] > 0
    clean = view_of(evidence, "The fire engine raced to the burning barn.")
    assert collocate_substitutions(clean).gain.max() == 0.0
