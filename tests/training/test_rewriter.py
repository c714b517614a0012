"""Tests of the synthetic rewriter, with a made-up thesaurus and made-up sentences only."""

from __future__ import annotations

import itertools
import json
import random

import pytest

from training.rewriter import (
    SYNTH_FAMILIES,
    Edit,
    RewriteConfig,
    Rewriter,
    Thesaurus,
    load_oewn,
    rewrite,
)

THESAURUS = Thesaurus.from_dict(
    {
        "market": {"n": ["showcase", "mart"], "v": ["sell"]},
        "stock": {"n": ["inventory", "livestock"], "a": ["standard"]},
        "stock market": {"n": ["stock exchange"]},
        "think": {"v": ["suppose", "reckon"], "n": ["opinion"]},
        "tank": {"n": ["cistern", "vat"], "v": ["fail"]},
        "think tank": {"n": ["think factory"]},
        "white": {"a": ["pale", "albescent"], "n": ["albumen"]},
        "house": {"n": ["home", "dwelling"], "v": ["lodge"]},
        "united": {"a": ["joined", "combined"]},
        "nations": {"n": ["countries"]},
        "nation": {"n": ["country", "land"]},
        "official": {"n": ["functionary", "officer"], "a": ["formal"]},
        "figure": {"n": ["digit", "shape"], "v": ["calculate"]},
        "confirm": {"v": ["corroborate", "affirm"]},
        "rise": {"v": ["climb", "ascend"], "n": ["ascent"]},
        "price": {"n": ["cost", "toll"], "v": ["terms"]},
        "quick": {"a": ["fast", "rapid", "speedy"]},
        "decision": {"n": ["determination", "conclusion"]},
        "report": {"n": ["account", "study"], "v": ["describe", "cover"]},
        "photo": {"n": ["photograph", "picture"]},
        "new": {"a": ["novel", "fresh"]},
        "policy": {"n": ["insurance", "plan"]},
        "bank": {"n": ["depository", "slope"], "v": ["deposit"]},
        "rain": {"v": ["pour", "precipitate"], "n": ["rainfall"]},
        "kenyan": {"a": ["African"]},
    },
    proper=["kenyan", "white house", "united nations"],
    places=["Europe", "Asia", "Kenya"],
)

SENTENCES = [
    "The stock market fell after the White House said the think tank did not confirm it.",
    "Kenyan officials didn't confirm the figures in Europe, e.g. the prices at example.com.",
    '"Prices are rising quickly," the new report said on Monday in the U.S. capital.',
    "The United Nations will take a decision on the quick bank policy of Kenya.",
    "There are many reasons why it is raining, and the officials confirm the rise of prices.",
    "Analysts expect the market to report a new figure for the national bank in Asia.",
]

TEXT = " ".join(SENTENCES)


def _all_on(rate: float = 1.0, seed: int = 0) -> RewriteConfig:
    return RewriteConfig(rates=dict.fromkeys(SYNTH_FAMILIES, rate), seed=seed)


def _only(family: str, rate: float = 1.0) -> RewriteConfig:
    return RewriteConfig(rates={family: rate})


def _undo(new: str, edits: list[Edit]) -> str:
    for e in sorted(edits, key=lambda e: -e.start):
        new = new[: e.start] + e.original + new[e.end :]
    return new


def _check_invariants(text: str, new: str, edits: list[Edit]) -> None:
    for e in edits:
        assert new[e.start : e.end] == e.replacement, e
        assert e.family in SYNTH_FAMILIES
        ls, le = e.label_span(new)
        assert 0 <= ls < le <= len(new), e
    for a, b in itertools.pairwise(edits):
        assert a.end < b.start, (a, b)  # never overlapping, never touching
    assert _undo(new, edits) == text


@pytest.mark.parametrize("family", SYNTH_FAMILIES)
@pytest.mark.parametrize("rate", [0.3, 1.0])
def test_offsets_invariant_per_family(family: str, rate: float) -> None:
    rw = Rewriter(THESAURUS)
    for seed in range(25):
        new, edits = rw.rewrite(TEXT, _only(family, rate), random.Random(seed))
        _check_invariants(TEXT, new, edits)
        assert all(e.family == family for e in edits)


def test_offsets_invariant_all_families_together() -> None:
    rw = Rewriter(THESAURUS)
    for seed in range(50):
        for rate in (0.2, 0.6, 1.0):
            for text in [TEXT, *SENTENCES]:
                new, edits = rw.rewrite(text, _all_on(rate), random.Random(seed))
                _check_invariants(text, new, edits)


@pytest.mark.parametrize("family", SYNTH_FAMILIES)
def test_each_family_produces_its_edits(family: str) -> None:
    rw = Rewriter(THESAURUS)
    kinds: set[str] = set()
    for seed in range(10):
        _new, edits = rw.rewrite(TEXT, _only(family), random.Random(seed))
        kinds.update(e.kind for e in edits)
    assert kinds, f"{family} made no edit"


def test_expected_kinds_appear() -> None:
    rw = Rewriter(THESAURUS)
    seen: set[tuple[str, str]] = set()
    for seed in range(40):
        for family in SYNTH_FAMILIES:
            _new, edits = rw.rewrite(TEXT, _only(family), random.Random(seed))
            seen.update((e.family, e.kind) for e in edits)
    expected = {
        ("broken-collocation", "compound"),
        ("broken-collocation", "name"),
        ("function-word-swap", "preposition"),
        ("function-word-swap", "article"),
        ("function-word-swap", "drop-the"),
        ("mangled-entity", "misspelling"),
        ("mangled-entity", "lowercase"),
        ("mangled-entity", "word-by-word"),
        ("dropped-word", "not"),
        ("spacing-artifact", "initialism"),
        ("spacing-artifact", "quote"),
        ("spacing-artifact", "domain"),
        ("spinner-leftover", "spintax"),
        ("spinner-leftover", "side-by-side"),
        ("spinner-leftover", "duplicate-sentence"),
        ("literal-translation", "light-verb"),
        ("literal-translation", "the-place"),
        ("literal-translation", "progressive"),
        ("literal-translation", "existential"),
    }
    assert expected <= seen, expected - seen


def test_specific_rewrites() -> None:
    rw = Rewriter(THESAURUS)
    new, edits = rw.rewrite("Experts say the think tank is biased.", _only("broken-collocation"))
    assert edits and edits[0].original in ("think", "tank")
    assert new[edits[0].start : edits[0].end] in (
        "suppose",
        "reckon",
        "opinion",
        "cistern",
        "vat",
        "fail",
    )

    new, edits = rw.rewrite("They did not confirm it.", _only("dropped-word"))
    assert new == "They did confirm it."
    assert (edits[0].start, edits[0].end, edits[0].original) == (8, 8, " not")
    assert new[slice(*edits[0].label_span(new))] == "did confirm"

    new, _ = rw.rewrite("Sales rose in the U.S. last year.", _only("spacing-artifact"))
    assert "U. S." in new

    new, edits = rw.rewrite("Analysts said it is raining hard.", _only("literal-translation"))
    assert new == "Analysts said it rains hard."
    assert edits[0].original == "is raining"


def test_synonym_keeps_capitalisation_and_inflection() -> None:
    rw = Rewriter(THESAURUS)
    for seed in range(20):
        _new, edits = rw.rewrite(
            "Markets rose as officials confirmed prices.",
            _only("synonym-substitution"),
            random.Random(seed),
        )
        for e in edits:
            if e.original == "Markets":
                assert e.replacement in ("Showcases", "Marts", "Sells")
            if e.original == "officials":
                assert e.replacement in ("functionaries", "officers")
            if e.original == "confirmed":
                assert e.replacement in ("corroborated", "affirmed")


def test_determinism() -> None:
    rw = Rewriter(THESAURUS)
    cfg = _all_on(0.4, seed=7)
    a = rw.rewrite(TEXT, cfg, random.Random(123))
    b = rw.rewrite(TEXT, cfg, random.Random(123))
    assert a == b
    # Without an rng the config's seed is used.
    assert rw.rewrite(TEXT, cfg) == rw.rewrite(TEXT, cfg)
    assert rewrite(TEXT, cfg, thesaurus=THESAURUS) == rw.rewrite(TEXT, cfg)


def test_rate_zero_leaves_text_unchanged() -> None:
    rw = Rewriter(THESAURUS)
    cfg = _all_on(0.0)
    for seed in range(10):
        for text in [TEXT, *SENTENCES, ""]:
            assert rw.rewrite(text, cfg, random.Random(seed)) == (text, [])


def test_config_validation_and_only() -> None:
    with pytest.raises(ValueError):
        RewriteConfig(rates={"non-prose": 0.5})
    cfg = RewriteConfig.only(["spacing-artifact"], scale=2.0)
    assert cfg.rate("spacing-artifact") > 0
    assert all(cfg.rate(f) == 0 for f in SYNTH_FAMILIES if f != "spacing-artifact")


def test_plain_dict_thesaurus_is_accepted() -> None:
    rw = Rewriter({"cat": ["feline"]})
    cfg = RewriteConfig(rates={"synonym-substitution": 1.0}, single_factor=1.0)
    new, edits = rw.rewrite("The cat sat.", cfg)
    assert new == "The feline sat." and edits[0].replacement == "feline"


def test_load_oewn_from_made_up_tsv(tmp_path) -> None:
    path = tmp_path / "synsets.tsv"
    path.write_text(
        "synset_id\tpos\tlexfile\tmembers\tdefinition\n"
        "1-n\tn\tnoun.artifact\tmarket|mart|marketplace\ta place to trade\n"
        "2-v\tv\tverb.possession\tmarket|sell\tto offer for sale\n"
        "3-s\ts\tadj.all\tquick|fast\tmoving swiftly\n"
        "4-n\tn\tnoun.person\tZorlandian\ta native or inhabitant of Zorland\n"
        "5-n\tn\tnoun.group\tthink tank|think factory\ta research group\n",
        encoding="utf-8",
    )
    thes = load_oewn(path)
    assert set(thes.neighbours("market", "n")) == {"mart", "marketplace"}
    assert thes.neighbours("market", "v") == ("sell",)
    assert thes.neighbours("quick", "a") == ("fast",)
    assert "Zorland" in thes.places and "zorlandian" in thes.proper
    assert thes.is_compound("think", "tank")


def test_synthesize_records(tmp_path) -> None:
    from itertools import permutations

    from training.corpora import CLEAN_SOURCES
    from training.make_synthetic import synthesize
    from training.splits import split_of_text

    # Clean prose is split by its text: three orderings of the sentences that fall in dev.
    src = CLEAN_SOURCES["bbc"]
    texts = [
        " ".join(p)
        for p in permutations(SENTENCES)
        if split_of_text(" ".join(p), src.train, src.dev) == "dev"
    ][:3]
    folder = tmp_path / "clean"
    folder.mkdir()
    with open(folder / "bbc_news.jsonl", "w", encoding="utf-8") as fh:
        for i, text in enumerate(texts):
            fh.write(json.dumps({"id": str(i), "category": "x", "title": "t", "text": text}) + "\n")
    cfg = _all_on(0.3, seed=3)
    kwargs = {"sources": ["bbc"], "clean_share": 0.3, "root": str(tmp_path)}
    recs = list(synthesize("dev", cfg, THESAURUS, **kwargs))
    again = list(synthesize("dev", cfg, THESAURUS, **kwargs))
    assert recs == again and len(recs) == 3 * len(SENTENCES)
    assert any(r["edits"] for r in recs) and any(not r["edits"] for r in recs)
    for r in recs:
        assert r["split"] == "dev"
        new = r["rewritten"]
        edits = [Edit(**{k: e[k] for k in e if not k.startswith("label_")}) for e in r["edits"]]
        _check_invariants(r["original"], new, edits)


def test_determinism_across_hash_seeds() -> None:
    """Set iteration order changes with PYTHONHASHSEED; the output must not."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import random, sys; sys.path.insert(0, sys.argv[1]); import test_rewriter as t; "
        "from training.rewriter import Rewriter; "
        "print(Rewriter(t.THESAURUS).rewrite(t.TEXT, t._all_on(0.5), random.Random(1)))"
    )
    root = Path(__file__).resolve().parents[2]
    outs = set()
    for hash_seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        proc = subprocess.run(
            [sys.executable, "-c", script, str(root / "tests" / "training")],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        outs.add(proc.stdout)
    assert len(outs) == 1
