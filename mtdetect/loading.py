"""Loading detectors: the shipped default, or a model file, each built once per process.

:func:`load` (exported as ``mtdetect.load``) is the one per-process cache of detectors; the
audit's workers, the adapters and the CLI all come through it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["load"]

if TYPE_CHECKING:
    from mtdetect.classifier.scoring import Scorer
    from mtdetect.pipeline import MTDetector

_DEFAULT: MTDetector | None = None
#: Detectors loaded from other model files, by resolved path and ``trust``: the one per-process
#: cache of detectors (the audit's workers and the adapters call :func:`load` per record).
_LOADED: dict[tuple[str, bool], MTDetector] = {}


def load(model: str | None = None, *, trust: bool = False) -> MTDetector:
    """A detector: the shipped default when ``model`` is None. Each detector is built once
    per process and cached (a model file changed on disk is read again in a new process).

    The default scores with the shipped trained model (``mtdetect/data/model``) when it is
    installed; without a model file, or when the model cannot be used here (another
    scikit-learn version, missing evidence tables), it falls back to the documented
    heuristic scorer and warns, and ``describe()`` / ``mtdetect info`` say which is in use.

    ``model`` is a path to a model folder or ``model.joblib`` file, loaded with
    :func:`mtdetect.classifier.model.load_model`; one outside the package is refused unless
    ``trust=True``, because model files can run code when loaded.
    """
    global _DEFAULT
    from mtdetect.classifier.model import load_model
    from mtdetect.pipeline import MTDetector

    if model is None:
        if _DEFAULT is None:
            scorer = _default_scorer()
            _DEFAULT = MTDetector(scorer=scorer, tagger=_tagger_for(scorer))
            _DEFAULT.rebuild = load  # worker processes load it from its files
        return _DEFAULT
    from pathlib import Path

    key = (str(Path(model).resolve()), trust)
    if key not in _LOADED:
        scorer = load_model(model, trust=trust)
        _LOADED[key] = MTDetector(scorer=scorer, tagger=_tagger_for(scorer))
    return _LOADED[key]


def _tagger_for(scorer: Scorer):
    """The span tagger: the one a trained model was built with (checked by its card), else
    the packaged one when its model file and the evidence tables are installed."""
    tagger = getattr(scorer, "tagger", None)
    if tagger is not None:
        return tagger
    from mtdetect.classifier.model import default_model_dir
    from mtdetect.evidence import default_path
    from mtdetect.tagger.spans import load_tagger

    path = default_model_dir() / "tagger.npz"
    if not path.is_file() or not (default_path() / "meta.json").is_file():
        return None
    try:
        return load_tagger(path)
    except (OSError, ValueError) as exc:
        import warnings

        warnings.warn(f"span tagger not loaded: {exc}", RuntimeWarning, stacklevel=3)
        return None


def _default_scorer() -> Scorer:
    """The shipped trained model, else the heuristic scorer (with the reason)."""
    import warnings

    from mtdetect.classifier.model import default_model_dir, load_model
    from mtdetect.classifier.scoring import HeuristicScorer

    try:
        return load_model(None)
    except FileNotFoundError:
        scorer = HeuristicScorer()
        scorer.description = (
            f"no trained model file in {default_model_dir()}: heuristic scorer. "
            + scorer.description
        )
        return scorer
    except ValueError as exc:
        warnings.warn(
            f"shipped model not used, falling back to the heuristic scorer: {exc}",
            RuntimeWarning,
            stacklevel=3,
        )
        scorer = HeuristicScorer()
        scorer.description = f"shipped model refused ({exc}); heuristic scorer. " + (
            scorer.description
        )
        return scorer
