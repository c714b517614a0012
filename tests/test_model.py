"""Features, the trained scorer, and safe model loading, on made-up text only."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

import mtdetect
from mtdetect.classifier.features import EVIDENCE_FEATURES, FEATURE_NAMES, sentence_features
from mtdetect.classifier.model import (
    CARD_FILE,
    LINEAR_FILE,
    MODEL_FILE,
    EnsembleModel,
    TrainedScorer,
    load_model,
    save_model,
)
from mtdetect.classifier.scoring import HeuristicScorer
from mtdetect.pipeline import MTDetector
from mtdetect.result import FAMILIES, Span
from mtdetect.text import segment
from training.datasets import Doc, detokenize
from training.train import Featurized, fit_combiner, fit_head, sentence_labels

COL = {n: i for i, n in enumerate(FEATURE_NAMES)}

CLEAN = [
    "The council approved the budget for the new school on Monday evening.",
    "Farmers said the dry summer had cut their harvest by a third.",
    "The museum will reopen in the spring after a long renovation.",
    "Officials expect the bridge to carry more traffic next year.",
    "The company plans to hire more engineers at its northern plant.",
    "Residents were asked to save water during the heat wave.",
    "The team won the final after a tense second half.",
    "Prices at the market rose sharply in the last month.",
    "The library has extended its opening hours for students.",
    "The report found that most patients waited less than an hour.",
    "Teachers welcomed the decision to reduce class sizes.",
    "The airport expects record numbers of travellers this summer.",
]
REWRITTEN = [
    "The committee affirmed the {budget|plan} for the new school on Monday evening.",
    "Agriculturists said the dry summer had cut their harvest by a third in the U. K.",
    "The gallery will resume in the spring after a long {renovation|restoration}.",
    "Officials expect the bridge to convey more traffic next year , e. g. trucks.",
    "The organization plans to employ more architects at its northern {plant|factory}.",
    "Inhabitants were asked to spare water during the heat wave , the U. S. said.",
    "The group won the last after a tense {second|other} half.",
    "Costs at the market rose pointedly in the last month in the U. K.",
    "The library has extended its opening hours for students , e. g. at night.",
    "The report found that most patients waited less than an hour {there|here}.",
    "Educators welcomed the decision to decrease class sizes in the U. S.",
    "The airport expects record numbers of travellers this summer , i. e. many.",
]


def test_feature_shape_and_values_without_evidence():
    text = "The U. K. said 42 people came. Anna met the Mayor of Springfield in Paris."
    sents = segment(text).sentences
    span = Span(4, 9, text[4:9], "spacing-artifact", 0.8, "re-spaced")
    x = sentence_features(text, sents, [[span], []])
    assert x.shape == (2, len(FEATURE_NAMES)) and x.dtype == np.float32
    assert x[0, COL["spacing-artifact:count"]] == 1
    assert x[0, COL["spacing-artifact:max"]] == pytest.approx(0.8)
    assert x[0, COL["spacing-artifact:sum"]] == pytest.approx(0.8)
    assert x[1, COL["spacing-artifact:count"]] == 0
    for fam in FAMILIES:
        if fam != "spacing-artifact":
            assert x[:, COL[f"{fam}:count"]].sum() == 0
    for name in EVIDENCE_FEATURES:  # no tables: those columns are 0
        assert (x[:, COL[name]] == 0).all()
    assert x[0, COL["digit_share"]] > 0 and x[1, COL["digit_share"]] == 0
    # "Mayor", "Springfield", "Paris": capitalised, of the 7 words after the initial one.
    assert x[1, COL["cap_noninitial_share"]] == pytest.approx(3 / 7)
    # Lower-case words of sentence 2: met, the, of, in -> the is an article, of/in prepositions.
    assert x[1, COL["article_share"]] == pytest.approx(1 / 4)
    assert x[1, COL["preposition_share"]] == pytest.approx(2 / 4)
    assert sentence_features("", [], []).shape == (0, len(FEATURE_NAMES))


class _FakeEvidence:
    """What the features read from an Evidence, with made-up counts."""

    def __init__(self) -> None:
        words = ["the", "stock", "market", "showcase", "rose", "fell", "<num>", "in"]
        self._vocab = {w: i for i, w in enumerate(words)}
        self._bi = {(0, 1): 500.0, (1, 2): 2000.0, (2, 4): 50.0, (6, 7): 0.0}
        self._tri = {(0, 1, 2): 300.0}

    def ids(self, words):
        return np.array([self._vocab.get(w, -1) for w in words], dtype=np.int64)

    def unigram_ids(self, ids):
        return np.where(np.asarray(ids) >= 0, 1000.0, 0.0)

    def bigram_ids(self, a, b):
        return np.array([self._bi.get((int(i), int(j)), 0.0) for i, j in zip(a, b, strict=True)])

    def trigram_ids(self, a, b, c):
        return np.array(
            [self._tri.get((int(i), int(j), int(k)), 0.0) for i, j, k in zip(a, b, c, strict=True)]
        )


def test_evidence_columns_and_names_do_not_count():
    ev = _FakeEvidence()
    text = "So the stock market rose. So the stock showcase fell. So Kenyon zzqx rose."
    sents = segment(text).sentences
    x = sentence_features(text, sents, [[], [], []], ev)
    b_zero, b_mean = COL["bigram_zero_share"], COL["bigram_logc_mean"]
    assert x[0, b_zero] == 0 and x[1, b_zero] > 0  # "stock showcase", "showcase fell" unseen
    assert x[0, b_mean] > x[1, b_mean]
    assert x[0, COL["trigram_logc_mean"]] > 0
    # A name breaks the chain and is not "unknown"; only the lower-case "zzqx" is.
    assert x[2, COL["unknown_share"]] == pytest.approx(1 / 2)
    assert x[2, COL["rare_word_share"]] == pytest.approx(1 / 2)
    # Document columns are shared by the sentences of a document, separate per document.
    d = COL["doc_bigram_zero_share"]
    assert x[0, d] == x[1, d] == x[2, d] > 0
    y = sentence_features(text, sents, [[], [], []], ev, doc_ids=[0, 1, 1])
    assert y[0, d] == 0 and y[1, d] > 0
    np.testing.assert_array_equal(
        y[:, : COL["doc_span_sentence_share"]], x[:, : COL["doc_span_sentence_share"]]
    )


def _docs() -> list[Doc]:
    docs = []
    for k in range(0, len(CLEAN), 3):
        for label, src in ((0, CLEAN), (1, REWRITTEN)):
            segs = src[k : k + 3]
            docs.append(Doc(f"d{k}-{label}", "clean" if label == 0 else "synthetic", "train",
                            segs, [label] * len(segs), label))  # fmt: skip
    return docs


def _featurize(docs: list[Doc]) -> Featurized:
    det = MTDetector(scorer=HeuristicScorer())
    xs, ys, own, texts = [], [], [], []
    for i, d in enumerate(docs):
        sents, spans = det.detect(d.text)
        xs.append(sentence_features(d.text, sents, spans))
        ys += sentence_labels(d, sents)
        own += [i] * len(sents)
        texts += [s.text for s in sents]
    return Featurized(docs, np.concatenate(xs), np.array(ys), np.array(own), texts)


def _tiny_ensemble(f: Featurized) -> EnsembleModel:
    use = np.ones(f.X.shape[1], bool)
    garble = fit_head(f, f, use)
    use[-1] = False  # a head may leave columns out: they get weight 0
    nmt = fit_head(f, f, use)
    assert nmt.coef[-1] == 0.0
    return fit_combiner({"garble": garble, "nmt": nmt}, f)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    f = _featurize(_docs())
    model = _tiny_ensemble(f)
    out = tmp_path_factory.mktemp("model")
    save_model(out, model, aggregation="mean_logodds", suspect_threshold=0.4,
               rewritten_threshold=0.7, name="tiny", uses_evidence=False,
               card={"training_data": {"summary": "made-up sentences"}})  # fmt: skip
    return out, model, f


def test_train_save_load_round_trip(tiny_model):
    out, model, f = tiny_model
    scorer = load_model(out, trust=True)
    assert isinstance(scorer, TrainedScorer)
    assert isinstance(scorer.estimator, EnsembleModel)
    assert set(scorer.estimator.heads) == {"garble", "nmt"}
    np.testing.assert_allclose(
        scorer.estimator.predict_proba(f.X)[:, 1], model.predict_proba(f.X)[:, 1], rtol=1e-9
    )
    det = MTDetector(scorer=scorer)
    bad = det.score(" ".join(REWRITTEN[:4]))
    good = det.score(" ".join(CLEAN[:4]))
    assert bad.score > good.score
    assert good.model == "tiny"
    assert any("tiny" in line for line in det.describe())
    card = json.loads((out / CARD_FILE).read_text())
    assert card["features"] == list(FEATURE_NAMES) and len(card["sha256"]) == 64


def test_untrusted_path_refused(tiny_model):
    out, _, _ = tiny_model
    with pytest.raises(ValueError, match="outside the mtdetect package"):
        load_model(out)
    with pytest.raises(ValueError, match="trust"):
        mtdetect.load(str(out))
    assert mtdetect.load(str(out), trust=True).model_name == "tiny"


def test_linear_model_is_stored_as_plain_arrays_and_loads_without_sklearn(tiny_model):
    out, _, _ = tiny_model
    assert (out / LINEAR_FILE).is_file() and not (out / MODEL_FILE).exists()
    assert isinstance(load_model(out, trust=True).estimator, EnsembleModel)
    code = (
        "import sys, mtdetect.pipeline; from mtdetect.classifier.model import load_model; "
        f"s = load_model({str(out)!r}, trust=True); "
        "mtdetect.pipeline.MTDetector(scorer=s).score('The U. K. said so. It rained.'); "
        "print('sklearn' in sys.modules)"
    )
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip().endswith("False")


def test_tampered_file_refused(tiny_model, tmp_path):
    out, _, _ = tiny_model
    for name in (LINEAR_FILE, CARD_FILE):
        (tmp_path / name).write_bytes((out / name).read_bytes())
    with open(tmp_path / LINEAR_FILE, "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ValueError, match="checksum mismatch"):
        load_model(tmp_path, trust=True)


def test_wrong_sklearn_version_refused_for_pickled_models(tiny_model, tmp_path):
    _, _, f = tiny_model
    out = tmp_path / "hgb"
    from sklearn.ensemble import HistGradientBoostingClassifier

    hgb = HistGradientBoostingClassifier(max_iter=5).fit(f.X, f.y)
    save_model(
        out, hgb, aggregation="mean", suspect_threshold=0.4,
        rewritten_threshold=0.7, name="tiny-hgb", uses_evidence=False, card={},
    )  # fmt: skip
    assert (out / MODEL_FILE).is_file()
    (tmp_path / MODEL_FILE).write_bytes((out / MODEL_FILE).read_bytes())
    card = json.loads((out / CARD_FILE).read_text())
    card["versions"]["scikit-learn"] = "0.0.1"
    (tmp_path / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ValueError, match=r"scikit-learn 0\.0\.1"):
        load_model(tmp_path, trust=True)


def test_missing_model_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path, trust=True)


def test_detokenize():
    assert (
        detokenize('He said " no " , didn \'t he ( 2011 ) ?') == 'He said "no", didn\'t he (2011)?'
    )


def test_damaged_model_archive_gives_a_clear_error(tmp_path):
    import hashlib

    (tmp_path / LINEAR_FILE).write_bytes(b"PK\x03\x04garbage")
    digest = hashlib.sha256((tmp_path / LINEAR_FILE).read_bytes()).hexdigest()
    (tmp_path / CARD_FILE).write_text(json.dumps({"sha256": digest, "file": LINEAR_FILE}))
    with pytest.raises(ValueError, match="not a readable mtdetect model"):
        load_model(tmp_path, trust=True)


def _ensemble() -> EnsembleModel:
    from mtdetect.classifier.model import DocumentHead, LinearModel

    def head(w: float) -> LinearModel:
        return LinearModel(np.zeros(1), np.ones(1), np.array([w]), 0.0, -1.0, 0.0)

    return EnsembleModel(
        {"a": head(4.0), "b": head(-1.0)},
        (1.2, -0.3),
        {"a": DocumentHead(4.0, 1.5, -0.5, -1.0), "b": DocumentHead(8.0, 1.0, 0.2, -2.0)},
        (0.9, 0.2),
    )


def test_ensemble_document_score_adds_up_the_heads_evidence() -> None:
    """A document's score reads each head's sum of sentence log-odds (clipped at 1e-4, as in
    training) and its number of sentences; split into pieces, the sums and counts add up to
    the same score."""
    from mtdetect.odds import SUM_EPS, logit

    ens = _ensemble()
    X = np.array([[4.0], [3.5], [-0.2], [0.3], [-1.0]])  # head "a" gives 1 - 1e-7 on row 0
    sums = np.array([logit(p, SUM_EPS).sum() for p in ens.head_proba(X).values()])
    expected = float(ens.doc_proba_from_sums(sums, np.array([5]))[0])
    assert ens.document_score(X) == pytest.approx(expected)
    assert ens.score_document(X)[1] == pytest.approx(expected)
    parts = ens.head_logodds_sums(X[:2]) + ens.head_logodds_sums(X[2:])
    assert float(ens.doc_proba_from_sums(parts, np.array([5]))[0]) == pytest.approx(expected)


def test_document_score_of_repeated_evidence_levels_off() -> None:
    """The same sentences repeated: the score moves towards a limit and stays inside (0, 1)
    (a mean weighted by n / (n + k), never a sum that grows without bound)."""
    ens = _ensemble()
    X = np.array([[0.4], [0.6], [0.1]])
    scores = [ens.document_score(np.tile(X, (k, 1))) for k in (1, 4, 16, 64, 256)]
    diffs = np.diff(scores)
    assert (diffs >= 0).all() or (diffs <= 0).all()
    assert abs(scores[-1] - scores[-2]) < abs(scores[1] - scores[0])
    assert min(scores) > 0.0 and max(scores) < 1.0


def test_old_ensemble_format_is_refused_with_a_reason(tmp_path) -> None:
    meta = {"format": "mtdetect-ensemble/1", "style_n_features": 0}
    path = tmp_path / LINEAR_FILE
    with open(path, "wb") as fh:
        np.savez(fh, meta=np.array(json.dumps(meta)), feature_names=np.array(["x"]))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    (tmp_path / CARD_FILE).write_text(json.dumps({"sha256": digest, "file": LINEAR_FILE}))
    with pytest.raises(ValueError, match="older format"):
        load_model(tmp_path, trust=True)


def test_ensemble_round_trips_through_its_file(tmp_path) -> None:
    ens = _ensemble()
    from mtdetect.classifier.model import feature_names

    names = feature_names(False)
    n = len(names)
    for h in ens.heads.values():
        h.mean, h.scale, h.coef = np.zeros(n), np.ones(n), np.r_[h.coef, np.zeros(n - 1)]
    save_model(tmp_path, ens, aggregation="mean_logodds", suspect_threshold=0.4,
               rewritten_threshold=0.7, name="tiny-ens", uses_evidence=False, card={})  # fmt: skip
    loaded = load_model(tmp_path, trust=True).estimator
    assert loaded.doc_heads == ens.doc_heads
    X = np.random.default_rng(0).normal(size=(6, n))
    assert loaded.document_score(X) == pytest.approx(ens.document_score(X))


def test_segment_extremes_match_ufunc_at() -> None:
    """Per-sentence minima and maxima by one reduceat over ordered owners equal ufunc.at (and
    any order falls back to it), empty sentences included."""
    from mtdetect.classifier.features import _segment_extreme

    rng = np.random.default_rng(2)
    for trial in range(50):
        n = int(rng.integers(1, 12))
        owner = np.sort(rng.integers(0, n, int(rng.integers(0, 40))))
        values = rng.normal(size=len(owner))
        values[rng.random(len(values)) < 0.1] = np.inf
        if trial % 2:
            owner = rng.permutation(owner)
        for ufunc, fill in ((np.minimum, np.inf), (np.maximum, -np.inf)):
            want = np.full(n, fill)
            ufunc.at(want, owner, values)
            np.testing.assert_array_equal(_segment_extreme(ufunc, values, owner, n, fill), want)


def test_vary_lengths_regroups_every_segment_once_with_its_labels() -> None:
    """Train and dev documents become documents of many lengths; every segment is used once
    (dev clean ones ``copies`` times), labels and edit spans still point at the same text,
    and test documents are left as they are."""
    from training.datasets import vary_lengths

    docs = []
    for k in range(30):
        segs = [f"Sentence {k}.{i} of the made-up article." for i in range(8)]
        edits = [(segs[0].index("made-up"), segs[0].index("made-up") + 7, "dropped-word")]
        docs.append(Doc(f"roundtrip:spa:src:{k}:0", "roundtrip", "train", segs, [1] + [0] * 7, 1,
                        {"register": "news", "pivot": "spa"}, edits))  # fmt: skip
        docs.append(Doc(f"clean:src:{k}:0", "clean", "dev", segs, [0] * 8, 0,
                        {"register": "news"}))  # fmt: skip
    docs.append(Doc("clean:t:0", "clean", "test", ["A test sentence."], [0], 0, {}))
    out = vary_lengths(docs, seed=1, copies=2)
    rt = [d for d in out if d.kind == "roundtrip"]
    assert sorted(s for d in rt for s in d.segments) == sorted(
        s for d in docs if d.kind == "roundtrip" for s in d.segments
    )
    assert len({len(d.segments) for d in rt}) > 3  # many lengths, not blocks of eight
    for d in rt:
        for a, b, fam in d.edits:
            assert d.text[a:b] == "made-up" and fam == "dropped-word"
        for seg, lab in zip(d.segments, d.seg_labels, strict=True):
            assert lab == int(seg.endswith(".0 of the made-up article."))
    clean_dev = [s for d in out if d.kind == "clean" and d.split == "dev" for s in d.segments]
    assert len(clean_dev) == 2 * 30 * 8
    assert [d.id for d in out if d.split == "test"] == ["clean:t:0"]


def test_both_scorers_have_everything_the_pipeline_calls() -> None:
    """The pipeline calls the Scorer protocol and nothing else (no probing with getattr)."""
    import inspect

    import mtdetect
    from mtdetect.classifier.scoring import HeuristicScorer, Scorer

    members = set(Scorer.__annotations__) | {
        n for n, v in vars(Scorer).items() if inspect.isfunction(v) and not n.startswith("_")
    }
    assert {"score_piece", "combine", "summary", "description"} <= members
    for scorer in (HeuristicScorer(), mtdetect.load().scorer):
        missing = [m for m in members if not hasattr(scorer, m)]
        assert not missing, (type(scorer).__name__, missing)
    h = HeuristicScorer()
    assert h.summary() == [] and h.combine([]) == h.document_score([])
