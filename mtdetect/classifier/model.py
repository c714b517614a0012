"""The trained sentence classifier as a scorer, and safe loading of model files.

A model is a folder with two files:

``model.npz`` (the shipped form) or ``model.joblib``
    the classifier over :data:`mtdetect.classifier.features.FEATURE_NAMES` (plus the style model's
    column, see :mod:`mtdetect.classifier.style`), the document aggregation, the verdict thresholds and
    whether the evidence tables are needed. A sigmoid-calibrated, standardised logistic
    regression is stored as plain numeric arrays (:class:`LinearModel`, read with
    ``allow_pickle=False``: loading runs no code and needs no scikit-learn); any other
    scikit-learn estimator as a joblib pickle;
``model_card.json``
    what it was trained on, its features, dev/test metrics, library versions, the date and the
    SHA-256 of the model file.

The shipped model is an :class:`EnsembleModel` of two heads, whose document score adds up
each head's length-aware document evidence (:class:`DocumentHead`). A single
:class:`LinearModel` or a joblib estimator aggregates sentence scores into a document score
instead (one of :data:`AGGREGATIONS`):

* ``mean_logodds``: the logistic of the mean sentence log-odds: every sentence is a weak,
  independent piece of evidence, so a document of many mildly suspicious sentences scores
  high while one odd sentence in a long clean article does not;
* ``top_quarter``: the mean of the highest quarter of sentence scores (as the heuristic);
* ``mean``: the mean sentence probability.

:func:`load_model` checks every model file's SHA-256 against its card and refuses a file from
outside the package unless ``trust=True``. Joblib files are pickles and can run code when
loaded; they are also refused when pickled by another scikit-learn version (pickles are not
portable across versions, and a silent mismatch gives wrong scores).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mtdetect.classifier.features import FEATURE_NAMES, sentence_features
from mtdetect.classifier.scoring import PieceScore, mean_logodds_of_pieces, top_quarter_mean
from mtdetect.classifier.style import StyleModel
from mtdetect.odds import SUM_EPS, logit, mean_logodds, sigmoid
from mtdetect.result import Span
from mtdetect.text import Sentence

__all__ = [
    "AGGREGATIONS",
    "CARD_FILE",
    "LINEAR_FILE",
    "MODEL_FILE",
    "DocumentHead",
    "EnsembleModel",
    "LinearModel",
    "TrainedScorer",
    "default_model_dir",
    "load_model",
    "save_model",
]

MODEL_FILE = "model.joblib"
LINEAR_FILE = "model.npz"
CARD_FILE = "model_card.json"
FORMAT = "mtdetect-model/1"
LINEAR_FORMAT = "mtdetect-linear/1"
ENSEMBLE_FORMAT = "mtdetect-ensemble/2"
TAGGER_FILE = "tagger.npz"


def _mean(scores: Sequence[float]) -> float:
    return float(np.mean(scores)) if len(scores) else 0.0


#: Document aggregations by name: sentence scores -> document score.
AGGREGATIONS: dict[str, Callable[[Sequence[float]], float]] = {
    "mean_logodds": mean_logodds,
    "top_quarter": top_quarter_mean,
    "mean": _mean,
}


def default_model_dir() -> Path:
    """Where the shipped model lives: ``mtdetect/data/model``."""
    return Path(__file__).resolve().parent.parent / "data" / "model"


@dataclass
class TrainedScorer:
    """Scores sentences with a calibrated classifier over :func:`sentence_features`."""

    estimator: Any
    aggregation: str = "mean_logodds"
    suspect_threshold: float = 0.4
    rewritten_threshold: float = 0.7
    name: str = "trained"
    uses_evidence: bool = False
    card: dict[str, Any] = field(default_factory=dict)
    evidence: Any = None
    #: The lexical style model whose log-odds is the last feature column, if any.
    style: StyleModel | None = None
    #: The span tagger whose outputs the model was trained on (see the card's ``tagger``).
    tagger: Any = None

    def __post_init__(self) -> None:
        if self.aggregation not in AGGREGATIONS:
            raise ValueError(f"unknown document aggregation {self.aggregation!r}")

    @property
    def description(self) -> str:
        kind = self.card.get("estimator", type(self.estimator).__name__)
        doc = f"{self.aggregation} of sentence scores"
        if isinstance(self.estimator, EnsembleModel):
            doc = (
                "each head's mean sentence log-odds weighted by n / (n + k), the heads' odds "
                "added, calibrated"
            )
        return (
            f"trained classifier {self.name} ({kind}); sentence score = "
            f"P(machine-rewritten | features); document score = {doc}"
        )

    def features(
        self,
        text: str,
        sentences: Sequence[Sentence],
        spans: Sequence[Sequence[Span]],
        tokens: Any = None,
    ) -> np.ndarray:
        """The feature matrix this scorer sees for the sentences."""
        x = sentence_features(text, sentences, spans, self.evidence, tokens=tokens)
        if self.style is None:
            return x
        col = self.style.decision_function(
            [s.text for s in sentences], [s.tokens for s in sentences]
        ).astype(np.float32)
        return np.column_stack([x, col])

    def score_sentences(
        self,
        text: str,
        sentences: Sequence[Sentence],
        spans: Sequence[Sequence[Span]],
        tokens: Any = None,
    ) -> list[float]:
        """One probability per sentence (``tokens``: the tagger's outputs, if it ran)."""
        if not sentences:
            return []
        x = self.features(text, sentences, spans, tokens)
        return self.estimator.predict_proba(x)[:, 1].astype(float).tolist()

    def document_score(self, sentence_scores: Sequence[float]) -> float:
        return float(AGGREGATIONS[self.aggregation](sentence_scores))

    def score_piece(
        self,
        text: str,
        sentences: Sequence[Sentence],
        spans: Sequence[Sequence[Span]],
        tokens: Any = None,
    ) -> tuple[list[float], PieceScore]:
        """Sentence scores and the :class:`PieceScore` of one document or piece, in one
        pass (an ensemble's document score is not a function of its sentence scores)."""
        if not sentences:
            return [], PieceScore(0.0, 0)
        x = self.features(text, sentences, spans, tokens)
        if isinstance(self.estimator, EnsembleModel):
            sent_p, sums = self.estimator.score_evidence(x)
            doc = float(self.estimator.doc_proba_from_sums(sums, np.array([len(sentences)]))[0])
            piece = PieceScore(doc, len(sentences), tuple(float(v) for v in sums))
            return sent_p.astype(float).tolist(), piece
        sent = self.estimator.predict_proba(x)[:, 1].astype(float).tolist()
        return sent, PieceScore(self.document_score(sent), len(sentences))

    def combine(self, pieces: Sequence[PieceScore]) -> float:
        """The document score of a document analysed in ``pieces``: an ensemble adds up its
        heads' evidence (every sentence's log-odds and the sentence count), any other
        estimator takes the mean log-odds of the pieces."""
        n = sum(p.n_sentences for p in pieces)
        if not n:
            return 0.0
        if isinstance(self.estimator, EnsembleModel) and all(
            p.evidence or not p.n_sentences for p in pieces
        ):
            sums = np.zeros(len(self.estimator.heads))
            for p in pieces:
                if p.n_sentences:
                    sums += np.asarray(p.evidence)
            return float(self.estimator.doc_proba_from_sums(sums, np.array([n]))[0])
        combined = mean_logodds_of_pieces(pieces)
        return 0.0 if combined is None else combined

    def summary(self) -> list[str]:
        """A few lines from the model card, for ``mtdetect info``."""
        c = self.card
        lines = [
            f"model: {c.get('name', self.name)} trained {c.get('date', '?')} with "
            f"scikit-learn {c.get('versions', {}).get('scikit-learn', '?')}",
            f"  training data: {c.get('training_data', {}).get('summary', '?')}",
            f"  features: {len(c.get('features', []))} "
            f"({'with' if self.uses_evidence else 'without'} evidence tables)",
        ]
        for key, val in (c.get("headline_metrics") or {}).items():
            lines.append(f"  {key}: {val}")
        return lines


@dataclass
class LinearModel:
    """A standardised logistic regression with sigmoid calibration, in plain numpy.

    The shipped model has this form. It is stored as numeric arrays (``model.npz``, loaded
    with ``allow_pickle=False``), so loading it runs no code and needs no scikit-learn:
    ``p = 1 / (1 + exp(a * z + b))`` with ``z = coef . (x - mean) / scale + intercept``.
    """

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    cal_a: float
    cal_b: float

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        z = (np.asarray(X, dtype=np.float64) - self.mean) / self.scale
        return z @ self.coef + self.intercept

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """(n, 2) class probabilities, as scikit-learn classifiers return them."""
        t = self.cal_a * self.decision_function(X) + self.cal_b
        p = sigmoid(-t)  # scikit-learn's sigmoid calibration: 1 / (1 + exp(a f + b))
        return np.column_stack([1.0 - p, p])

    @classmethod
    def from_sklearn(cls, calibrated: Any) -> LinearModel | None:
        """The plain form of a sigmoid-calibrated StandardScaler + LogisticRegression
        pipeline, or None for any other estimator."""
        try:
            (cc,) = calibrated.calibrated_classifiers_
            (cal,) = cc.calibrators
            pipe = getattr(cc.estimator, "estimator", cc.estimator)  # FrozenEstimator
            scaler, logreg = pipe[0], pipe[-1]
            if type(scaler).__name__ != "StandardScaler" or len(pipe) != 2:
                return None
            if type(logreg).__name__ != "LogisticRegression" or logreg.coef_.shape[0] != 1:
                return None
            scale = np.where(scaler.scale_ == 0, 1.0, scaler.scale_)
            return cls(
                mean=np.asarray(scaler.mean_, dtype=np.float64),
                scale=np.asarray(scale, dtype=np.float64),
                coef=logreg.coef_.ravel().astype(np.float64),
                intercept=float(logreg.intercept_[0]),
                cal_a=float(cal.a_),
                cal_b=float(cal.b_),
            )
        except (AttributeError, TypeError, ValueError, IndexError):
            return None


@dataclass
class DocumentHead:
    """How one head's sentence evidence becomes document log-odds, whatever the length.

    ``z = a * w * mean + b * w + c`` with ``w = n / (n + k)``: ``mean`` is the mean of the
    head's sentence log-odds over the document's ``n`` sentences. A mean is the same for a
    clean article and for that article joined to itself sixteen times, so length alone cannot
    move the score; ``w`` is how much of that mean to believe. One sentence says little
    (``w = 1 / (1 + k)``: the score stays near the prior ``c``), and the weight grows with
    ``n`` but levels off at 1, as it does when documents differ among themselves by more than
    their sentences' noise (``k``, fitted on dev documents of every length, is the ratio of
    the two variances). So a rewritten document gains confidence as it grows, a clean one
    loses suspicion, and neither runs off to certainty because it is long.
    """

    k: float = 4.0
    a: float = 1.0
    b: float = 0.0
    c: float = 0.0

    def logodds(self, mean: np.ndarray, n: np.ndarray) -> np.ndarray:
        n = np.asarray(n, dtype=np.float64)
        w = n / (n + self.k)
        return self.a * w * np.asarray(mean, dtype=np.float64) + self.b * w + self.c


@dataclass
class EnsembleModel:
    """Specialised classifiers (*heads*) combined without a veto, in plain numpy.

    Machine output is not one thing: round-trip and spinner garble is *less* fluent than
    human text, neural MT *more* fluent than a human translation, so one model over the same
    features learns them against each other. Each head (a :class:`LinearModel`, trained on
    its own sources, with zero weight on the features it must not use) gives a calibrated
    probability per sentence.

    * A sentence's score is the noisy-OR of its heads (``1 - prod(1 - p_head)``, "rewritten
      by one process or the other"), followed by a sigmoid calibration (``sent_cal``).
    * A document's score: each head's evidence is the sum of its sentences' log-odds and the
      number of sentences; its :class:`DocumentHead` turns them into document log-odds; the
      heads are combined by adding their odds (``logsumexp``), so one head's "not my kind"
      cannot cancel another's evidence; then a sigmoid calibration (``doc_cal``) fitted on
      dev documents of every source and length. Sums and counts add up across the pieces of
      a huge document, so each of its sentences counts as it would in one piece (with the
      document columns of its own piece).

    ``(a, b)`` in a calibration means ``sigmoid(a * x + b)``.
    """

    heads: dict[str, LinearModel]
    sent_cal: tuple[float, float] = (1.0, 0.0)
    doc_heads: dict[str, DocumentHead] = field(default_factory=dict)
    doc_cal: tuple[float, float] = (1.0, 0.0)

    def head_proba(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """Each head's probability per row (sentence)."""
        return {name: h.predict_proba(X)[:, 1] for name, h in self.heads.items()}

    @staticmethod
    def noisy_or(probs: Sequence[np.ndarray]) -> np.ndarray:
        out = np.ones_like(np.asarray(probs[0], dtype=np.float64))
        for p in probs:
            out = out * (1.0 - np.asarray(p, dtype=np.float64))
        return 1.0 - out

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """(n, 2) class probabilities of the combined sentence score."""
        p = self._sentence_scores(list(self.head_proba(X).values()))
        return np.column_stack([1.0 - p, p])

    def _sentence_scores(self, heads: Sequence[np.ndarray]) -> np.ndarray:
        a, b = self.sent_cal
        return sigmoid(a * logit(self.noisy_or(heads)) + b)

    @staticmethod
    def _sums(heads: Iterable[np.ndarray]) -> np.ndarray:
        return np.array([float(logit(p, SUM_EPS).sum()) for p in heads])

    def head_logodds_sums(self, X: np.ndarray) -> np.ndarray:
        """Each head's sum of sentence log-odds over the rows of ``X`` (one per head, in
        :attr:`heads` order): with the number of rows, a document's whole evidence."""
        return self._sums(self.head_proba(X).values())

    def doc_proba_from_sums(self, sums: np.ndarray, n: np.ndarray) -> np.ndarray:
        """Document scores from per-head log-odds sums (``(n_heads, n_docs)``) and sentence
        counts (``(n_docs,)``)."""
        sums = np.asarray(sums, dtype=np.float64).reshape(len(self.heads), -1)
        n = np.asarray(n, dtype=np.float64).reshape(-1)
        mean = sums / np.maximum(n, 1.0)
        z = np.array([self.doc_heads[h].logodds(mean[i], n) for i, h in enumerate(self.heads)])
        a, b = self.doc_cal
        p = sigmoid(a * np.logaddexp.reduce(z, axis=0) + b)
        return np.where(n > 0, p, 0.0)

    def document_score(self, X: np.ndarray) -> float:
        """The document score of one document whose sentence features are ``X``."""
        if not len(X):
            return 0.0
        return float(self.doc_proba_from_sums(self.head_logodds_sums(X), np.array([len(X)]))[0])

    def score_evidence(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sentence scores and each head's sum of sentence log-odds (:meth:`head_logodds_sums`)
        of one document or piece, the heads evaluated once."""
        heads = list(self.head_proba(X).values())
        return self._sentence_scores(heads), self._sums(heads)

    def score_document(self, X: np.ndarray) -> tuple[np.ndarray, float]:
        """Sentence scores and the document score of one document (``X`` its sentence
        features, at least one row), the heads evaluated once."""
        sent, sums = self.score_evidence(X)
        return sent, float(self.doc_proba_from_sums(sums, np.array([len(X)]))[0])


#: Name of the feature column the style model adds.
STYLE_FEATURE = "style_logodds"


def feature_names(with_style: bool) -> list[str]:
    """The feature columns of a model, with or without the style column (last)."""
    return [*FEATURE_NAMES, STYLE_FEATURE] if with_style else list(FEATURE_NAMES)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _sklearn_version() -> str:
    import sklearn

    return sklearn.__version__


def save_model(
    directory: str | Path,
    estimator: Any,
    *,
    aggregation: str,
    suspect_threshold: float,
    rewritten_threshold: float,
    name: str,
    uses_evidence: bool,
    card: dict[str, Any],
    style: StyleModel | None = None,
) -> Path:
    """Write the model file and ``model_card.json`` (with the file's SHA-256) to ``directory``.

    A sigmoid-calibrated scaled logistic regression is written as plain arrays
    (``model.npz``, :class:`LinearModel`); any other estimator as ``model.joblib``.
    """
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    names = feature_names(style is not None)
    for stale in (MODEL_FILE, LINEAR_FILE):
        (d / stale).unlink(missing_ok=True)
    if (d / TAGGER_FILE).is_file():
        card = {**card, "tagger": {"file": TAGGER_FILE, "sha256": _sha256(d / TAGGER_FILE)}}
    # What every model file's metadata says, whatever the estimator.
    common = {
        "aggregation": aggregation,
        "suspect_threshold": float(suspect_threshold),
        "rewritten_threshold": float(rewritten_threshold),
        "name": name,
        "uses_evidence": bool(uses_evidence),
        "style_n_features": style.n_features if style is not None else 0,
        "style_intercept": style.intercept if style is not None else 0.0,
    }
    style_coef = style.coef if style is not None else np.zeros(0, np.float32)
    linear = None
    if not isinstance(estimator, EnsembleModel):
        linear = (
            estimator if isinstance(estimator, LinearModel) else LinearModel.from_sklearn(estimator)
        )
    if isinstance(estimator, EnsembleModel) or linear is not None:
        # Plain arrays (model.npz): loading runs no code. The entries keep their order, so
        # the same model writes the same bytes.
        if isinstance(estimator, EnsembleModel):
            fmt = ENSEMBLE_FORMAT
            meta = {
                "heads": {
                    h: {"intercept": m.intercept, "cal_a": m.cal_a, "cal_b": m.cal_b}
                    for h, m in estimator.heads.items()
                },
                "combination": "sentences: noisy-or; documents: logsumexp of document heads",
                "sent_cal": [float(x) for x in estimator.sent_cal],
                "doc_heads": {h: asdict(v) for h, v in estimator.doc_heads.items()},
                "doc_cal": [float(x) for x in estimator.doc_cal],
            }
            arrays = {"style_coef": style_coef}
            for h, m in estimator.heads.items():
                arrays |= {f"{h}_mean": m.mean, f"{h}_scale": m.scale, f"{h}_coef": m.coef}
        else:
            assert linear is not None
            fmt = LINEAR_FORMAT
            meta = {"intercept": linear.intercept, "cal_a": linear.cal_a, "cal_b": linear.cal_b}
            arrays = {"mean": linear.mean, "scale": linear.scale, "coef": linear.coef,
                      "style_coef": style_coef}  # fmt: skip
        model_path = d / LINEAR_FILE
        with open(model_path, "wb") as fh:
            np.savez_compressed(
                fh,
                meta=np.array(json.dumps({**common, "format": fmt, **meta})),
                feature_names=np.array(names),
                **arrays,
            )
        return _write_card(d, model_path, card, fmt, name, names, aggregation,
                           suspect_threshold, rewritten_threshold, uses_evidence)  # fmt: skip
    import joblib

    bundle = {
        "format": FORMAT,
        "estimator": estimator,
        "feature_names": feature_names(style is not None),
        "style": style,
        "aggregation": aggregation,
        "suspect_threshold": float(suspect_threshold),
        "rewritten_threshold": float(rewritten_threshold),
        "name": name,
        "uses_evidence": bool(uses_evidence),
    }
    model_path = d / MODEL_FILE
    joblib.dump(bundle, model_path, compress=3)
    return _write_card(d, model_path, card, FORMAT, name, names, aggregation,
                       suspect_threshold, rewritten_threshold, uses_evidence)  # fmt: skip


def _write_card(
    d: Path,
    model_path: Path,
    card: dict[str, Any],
    fmt: str,
    name: str,
    names: list[str],
    aggregation: str,
    suspect_threshold: float,
    rewritten_threshold: float,
    uses_evidence: bool,
) -> Path:
    card = dict(card)
    card.update(
        {
            "format": fmt,
            "name": name,
            "file": model_path.name,
            "sha256": _sha256(model_path),
            "bytes": model_path.stat().st_size,
            "features": names,
            "aggregation": aggregation,
            "suspect_threshold": float(suspect_threshold),
            "rewritten_threshold": float(rewritten_threshold),
            "uses_evidence": bool(uses_evidence),
        }
    )
    card.setdefault("versions", {})["scikit-learn"] = _sklearn_version()
    (d / CARD_FILE).write_text(json.dumps(card, indent=2, sort_keys=False) + "\n", "utf-8")
    return model_path


def _inside_package(path: Path) -> bool:
    pkg = Path(__file__).resolve().parent.parent  # the mtdetect package
    return path == pkg or pkg in path.parents


#: Where the classes a joblib model file may name lived before the package had layers.
FORMER_MODULES = {
    "mtdetect.model": "mtdetect.classifier.model",
    "mtdetect.style": "mtdetect.classifier.style",
    "mtdetect.features": "mtdetect.classifier.features",
    "mtdetect.scoring": "mtdetect.classifier.scoring",
    "mtdetect.forest": "mtdetect.tagger.trees",
}


@contextlib.contextmanager
def _former_module_names() -> Iterator[None]:
    """While a joblib model file is read, its classes' former module names resolve to their
    modules now (a model saved before the move names ``mtdetect.style.StyleModel``)."""
    import importlib

    added = [old for old in FORMER_MODULES if old not in sys.modules]
    for old in added:
        sys.modules[old] = importlib.import_module(FORMER_MODULES[old])
    try:
        yield
    finally:
        for old in added:
            sys.modules.pop(old, None)


def load_model(path: str | Path | None = None, trust: bool = False) -> TrainedScorer:
    """Load a model folder (or its ``model.joblib``); the shipped one when ``path`` is None.

    Raises :class:`FileNotFoundError` when there is no model file and :class:`ValueError`
    when the file is refused: outside the package without ``trust=True``, no card, a
    checksum that does not match the card, another scikit-learn version, or evidence tables
    that the model needs but that are not installed.
    """
    p = default_model_dir() if path is None else Path(path)
    p = p.resolve()
    if p.suffix in (".joblib", ".npz") and not p.is_dir():
        model_path = p
    else:
        model_path = p / LINEAR_FILE if (p / LINEAR_FILE).is_file() else p / MODEL_FILE
    card_path = model_path.parent / CARD_FILE
    if not model_path.is_file():
        where = (
            model_path if model_path.suffix in (".npz", ".joblib") and p != model_path.parent else p
        )
        raise FileNotFoundError(f"no model file ({LINEAR_FILE} or {MODEL_FILE}) at {where}")
    if not trust and not _inside_package(model_path):
        raise ValueError(
            f"refusing to load model {model_path}: it is outside the mtdetect package, and a "
            "model decides every verdict (joblib model files can also run code when loaded); "
            "pass trust=True (CLI: --trust-model) only for a file you trust"
        )
    if not card_path.is_file():
        raise ValueError(f"model {model_path} has no {CARD_FILE} next to it")
    try:
        card = json.loads(card_path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read model card {card_path}: {exc}") from exc
    if not isinstance(card, dict):
        raise ValueError(f"model card {card_path} is not a JSON object")
    digest = _sha256(model_path)
    if digest != card.get("sha256"):
        raise ValueError(
            f"checksum mismatch for {model_path}: file sha256 {digest[:16]}..., card says "
            f"{str(card.get('sha256'))[:16]}...; the file was changed or damaged, refusing to load"
        )
    if model_path.suffix == ".npz":
        return _load_linear(model_path, card)
    want = card.get("versions", {}).get("scikit-learn")
    have = _sklearn_version()
    if want != have:
        raise ValueError(
            f"model {model_path} was saved with scikit-learn {want} but {have} is installed; "
            f"install scikit-learn=={want} or retrain (python -m training.train)"
        )
    import joblib

    try:
        with _former_module_names():
            bundle = joblib.load(model_path)
    except Exception as exc:  # checksum matched, so the file is the one the card names
        raise ValueError(f"{model_path} is not a readable mtdetect model: {exc}") from exc
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise ValueError(f"{model_path} is not an mtdetect model ({FORMAT})")
    style = bundle.get("style")
    if list(bundle["feature_names"]) != feature_names(style is not None):
        raise ValueError(
            f"model {model_path} was trained on other features than this mtdetect computes; "
            "retrain it"
        )
    return TrainedScorer(
        estimator=bundle["estimator"],
        aggregation=bundle["aggregation"],
        suspect_threshold=bundle["suspect_threshold"],
        rewritten_threshold=bundle["rewritten_threshold"],
        name=bundle["name"],
        uses_evidence=bundle["uses_evidence"],
        card=card,
        evidence=_model_evidence(model_path, card, bundle["uses_evidence"]),
        style=style,
    )


def _load_linear(model_path: Path, card: dict[str, Any]) -> TrainedScorer:
    """Load a :class:`LinearModel` file: numeric arrays only, no pickle, no scikit-learn."""
    try:
        with np.load(model_path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            names = [str(x) for x in z["feature_names"]]
            arrays = {k: np.asarray(z[k]) for k in z.files if k not in ("meta", "feature_names")}
    except Exception as exc:  # a damaged archive can fail in many ways; none may escape raw
        raise ValueError(f"{model_path} is not a readable mtdetect model: {exc}") from exc
    if meta.get("format") == "mtdetect-ensemble/1":
        raise ValueError(
            f"{model_path} is a model of an older format (mtdetect-ensemble/1, whose document "
            "score grew with length); retrain it (python -m training.train)"
        )
    if meta.get("format") not in (LINEAR_FORMAT, ENSEMBLE_FORMAT):
        raise ValueError(f"{model_path} is not an mtdetect model ({LINEAR_FORMAT})")
    style = None
    if meta["style_n_features"]:
        style = StyleModel(
            n_features=int(meta["style_n_features"]),
            coef=arrays["style_coef"].astype(np.float32),
            intercept=float(meta["style_intercept"]),
        )
    if names != feature_names(style is not None):
        raise ValueError(
            f"model {model_path} was trained on other features than this mtdetect computes; "
            "retrain it"
        )
    estimator: LinearModel | EnsembleModel
    try:
        if meta["format"] == ENSEMBLE_FORMAT:
            heads = {
                h: LinearModel(
                    mean=arrays[f"{h}_mean"].astype(np.float64),
                    scale=arrays[f"{h}_scale"].astype(np.float64),
                    coef=arrays[f"{h}_coef"].astype(np.float64),
                    intercept=float(v["intercept"]),
                    cal_a=float(v["cal_a"]),
                    cal_b=float(v["cal_b"]),
                )
                for h, v in meta["heads"].items()
            }
            doc_heads = {
                h: DocumentHead(**{k: float(v[k]) for k in "kabc"})
                for h, v in meta["doc_heads"].items()
            }
            estimator = EnsembleModel(
                heads,
                tuple(float(x) for x in meta["sent_cal"]),  # type: ignore[arg-type]
                doc_heads,
                tuple(float(x) for x in meta["doc_cal"]),  # type: ignore[arg-type]
            )
        else:
            estimator = LinearModel(
                mean=arrays["mean"].astype(np.float64),
                scale=arrays["scale"].astype(np.float64),
                coef=arrays["coef"].astype(np.float64),
                intercept=float(meta["intercept"]),
                cal_a=float(meta["cal_a"]),
                cal_b=float(meta["cal_b"]),
            )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{model_path} is not a readable mtdetect model: {exc}") from exc
    evidence = _model_evidence(model_path, card, bool(meta["uses_evidence"]))
    return TrainedScorer(
        estimator=estimator,
        aggregation=meta["aggregation"],
        suspect_threshold=float(meta["suspect_threshold"]),
        rewritten_threshold=float(meta["rewritten_threshold"]),
        name=meta["name"],
        uses_evidence=bool(meta["uses_evidence"]),
        card=card,
        evidence=evidence,
        style=style,
        tagger=_model_tagger(model_path, card, evidence),
    )


def _model_tagger(model_path: Path, card: dict[str, Any], evidence: Any) -> Any:
    """The span tagger named by the card (checked by SHA-256), or None."""
    entry = card.get("tagger")
    if not entry:
        return None
    path = model_path.parent / str(entry.get("file", TAGGER_FILE))
    if not path.is_file():
        raise ValueError(f"model {model_path} needs its span tagger {path.name}, which is missing")
    digest = _sha256(path)
    if digest != entry.get("sha256"):
        raise ValueError(
            f"checksum mismatch for {path}: the tagger was changed or damaged, refusing to load"
        )
    if evidence is None:
        return None
    from mtdetect.tagger.spans import load_tagger

    return load_tagger(path, evidence)


def _model_evidence(model_path: Path, card: dict[str, Any], uses_evidence: bool) -> Any:
    """The evidence tables a model needs (None if it needs none)."""
    evidence = None
    if uses_evidence:
        from mtdetect.evidence import load_evidence

        try:
            evidence = load_evidence()
        except (OSError, KeyError, ValueError) as exc:
            raise ValueError(
                f"model {model_path} needs the evidence tables (mtdetect/data/evidence), "
                f"which cannot be loaded: {exc}"
            ) from exc
        built = evidence.meta.get("built")
        if card.get("evidence") and built != card["evidence"]:
            # Counts shift between builds: scores drift, so say so rather than fail.
            warnings.warn(
                f"model {model_path} was trained with the evidence tables built "
                f"{card['evidence']}, the installed ones were built {built}; retrain for "
                "calibrated scores",
                RuntimeWarning,
                stacklevel=3,
            )
    return evidence
