"""Features, the trained scorer, and safe model loading, on made-up text only."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

import mtdetect
from mtdetect.classifier.features import FEATURE_NAMES, sentence_features
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
from training.datasets import Doc
from training.fit import Featurized, fit_combiner, fit_head, sentence_labels

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
        sents, spans, _ = det.analyse(d.text)
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


def test_joblib_models_saved_before_the_layers_still_name_their_classes() -> None:
    """A model file pickled when the classes lived in mtdetect.style (etc.) resolves them to
    their modules now, and only while it is read."""
    import pickle
    import sys

    from mtdetect.classifier.model import _former_module_names
    from mtdetect.classifier.style import StyleModel

    old_reference = b"cmtdetect.style\nStyleModel\n."  # what such a pickle holds
    assert "mtdetect.style" not in sys.modules
    with _former_module_names():
        assert pickle.loads(old_reference) is StyleModel
    assert "mtdetect.style" not in sys.modules
    with pytest.raises(ModuleNotFoundError):
        pickle.loads(old_reference)
