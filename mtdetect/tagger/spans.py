"""The span tagger: per-token evidence of machine rewriting, learned from real machine output.

For every word of a document, :func:`token_features` computes :data:`TOKEN_FEATURES` as
array operations over the whole document (:class:`~mtdetect.tagger.docview.DocView`): Kneser-Ney
probabilities from both sides and relative to the document, n-gram counts, the gain of the
best candidate original (thesaurus swap, pair swap, another preposition, a dropped word,
see :mod:`mtdetect.tagger.candidates`), capitalisation and name evidence, topic fit.

:class:`TaggerModel` turns them into a calibrated probability per token: gradient-boosted
trees (trained by ``training.train_tagger`` on round trips through a real MT engine and on
spinner rewrites, stored as plain arrays, evaluated with numpy, :mod:`mtdetect.tagger.trees`).
Runs of tokens above the span threshold become spans; :func:`token_family` names each span's
family from the evidence that was found (a thesaurus swap, another preposition, a dropped
word, a name slip) and the explanation and suggestion come from the same evidence, so every
span explains itself.

The model file (``tagger.npz``) is read with ``allow_pickle=False``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mtdetect.odds import TREE_CLIP, sigmoid
from mtdetect.result import Span
from mtdetect.tagger.candidates import synonym_pairs
from mtdetect.tagger.docview import DocView
from mtdetect.tagger.token_features import (
    FEATURE_INDEX,
    TOKEN_FEATURES,
    TokenEvidence,
    token_features,
)
from mtdetect.tagger.trees import TreeEnsemble

__all__ = [
    "SENSITIVITIES",
    "SENSITIVITY_RATES",
    "TOKEN_FEATURES",
    "Tagger",
    "TaggerModel",
    "TokenEvidence",
    "TokenOutputs",
    "check_sensitivity",
    "explained",
    "known_name_swap",
    "known_pair_swap",
    "load_tagger",
    "spinner_pairs",
    "tag_spans",
    "token_family",
    "token_features",
]


#: The span sensitivities a user can choose (``--sensitivity``). Each is an operating point of
#: the tagger set on dev text (``training.train_tagger``): the tagger's flags it allows per
#: 1,000 clean words in *every* register (:data:`SENSITIVITY_RATES`). Scores never depend on
#: it: the classifier reads the spans of the tagger's own threshold (the one its span
#: features were trained with); a sensitivity changes which spans are shown.
SENSITIVITIES = ("low", "default", "high")
#: The tagger's flags allowed per 1,000 clean dev words, in every register, at each sensitivity.
SENSITIVITY_RATES = {"low": 0.5, "default": 1.0, "high": 3.0}


def check_sensitivity(sensitivity: str) -> str:
    """``sensitivity`` if it is one of :data:`SENSITIVITIES`, else a ValueError naming them."""
    if sensitivity not in SENSITIVITIES:
        raise ValueError(
            f"unknown sensitivity {sensitivity!r}: use one of {', '.join(SENSITIVITIES)}"
        )
    return sensitivity


@dataclass
class TaggerModel:
    """Gradient-boosted trees over :data:`TOKEN_FEATURES` (a :class:`TreeEnsemble`), a sigmoid
    calibration of their log-odds (``calib_a``, ``calib_b``) and the probability a token
    needs to become part of a span: ``threshold`` in general, ``threshold_explained`` when a
    candidate search found a likely original for it (:func:`explained`), since a flag that
    shows what was meant is easier to check and rarer on clean text. These two make the spans
    the classifier's features read. ``points`` holds the two thresholds of each sensitivity
    (:data:`SENSITIVITIES`), the spans a user is shown; a file without them shows the
    classifier's spans at every sensitivity. The strength of a shown span is its measured
    precision (:meth:`precision`); the classifier reads raw probabilities."""

    features: tuple[str, ...]
    trees: TreeEnsemble
    calib_a: float = 1.0
    calib_b: float = 0.0
    threshold: float = 0.5
    threshold_explained: float = 0.5
    meta: dict = field(default_factory=dict)
    points: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: Knots of an increasing map from a token's probability to the precision of a span
    #: whose surest token has it (``training.train_tagger.fit_precision``), or None.
    precision_knots: tuple[np.ndarray, np.ndarray] | None = None
    #: The measured precision of the words the two swap rules flag whatever the trees say
    #: (same text and weighting as the knots), or None.
    forced_precision: float | None = None
    #: The threshold of each sensitivity for the words of a piece the classifier calls
    #: *rewritten* (``training.train_tagger.choose_rewritten_points``): evidence is shown more
    #: readily where the document already reads as rewritten. Empty: no such points.
    rewritten_points: dict[str, float] = field(default_factory=dict)
    #: Knots of the precision map of spans in pieces called rewritten, or None.
    rewritten_knots: tuple[np.ndarray, np.ndarray] | None = None

    def shown_strength(self, p: float, by_rule: bool, rewritten: bool = False) -> float:
        """The strength a shown span states: the precision measured for its surest word's
        probability ``p`` (:meth:`precision`; in a piece called rewritten, the map measured
        there), or for a span a rule forced, the larger of that and the rules' own measured
        precision."""
        value = self.precision(p)
        if rewritten and self.rewritten_knots is not None:
            value = float(np.interp(p, *self.rewritten_knots))
        if by_rule:
            value = max(value, self.forced_precision if self.forced_precision is not None
                        else FORCED_STRENGTH)  # fmt: skip
        return value

    def precision(self, p: float) -> float:
        """The measured precision of a shown span whose surest token has probability ``p``:
        the share of such spans that are right in held-out text, half of it clean and half
        rewritten (by words). Without knots, ``p`` itself."""
        if self.precision_knots is None:
            return p
        x, y = self.precision_knots
        return float(np.interp(p, x, y))

    def point(self, sensitivity: str | None = None) -> tuple[float, float]:
        """The general and the explained span threshold at ``sensitivity`` (None: the
        classifier's, ``threshold`` and ``threshold_explained``)."""
        if sensitivity is None:
            return self.threshold, self.threshold_explained
        check_sensitivity(sensitivity)
        return self.points.get(sensitivity, (self.threshold, self.threshold_explained))

    def thresholds(
        self, X: np.ndarray, sensitivity: str | None = None, rewritten: bool = False
    ) -> np.ndarray:
        """The span threshold of each token at ``sensitivity`` (None: the classifier's), in a
        piece the classifier calls rewritten if ``rewritten`` (:attr:`rewritten_points`)."""
        general, expl = self.point(sensitivity)
        out = np.where(explained(X), expl, general)
        if rewritten and sensitivity in self.rewritten_points:
            out = np.minimum(out, self.rewritten_points[sensitivity])
        return out

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Calibrated probability per token that machine rewriting changed it."""
        z = self.calib_a * self.trees.decision(X) + self.calib_b
        return sigmoid(z, TREE_CLIP)

    def save(self, path: str | Path) -> None:
        """Write the model as plain arrays (``.npz``)."""
        np.savez(
            path,
            features=np.array(self.features),
            scalars=np.array(
                [self.calib_a, self.calib_b, self.threshold, self.threshold_explained]
            ),
            points=np.array([self.point(x) for x in SENSITIVITIES], dtype=np.float64),
            **(
                {"precision_x": self.precision_knots[0], "precision_y": self.precision_knots[1]}
                if self.precision_knots is not None
                else {}
            ),
            **(
                {"forced_precision": np.array([self.forced_precision], np.float64)}
                if self.forced_precision is not None
                else {}
            ),
            **self._rewritten_arrays(),
            **self.trees.to_arrays("trees_"),
        )

    def _rewritten_arrays(self) -> dict[str, np.ndarray]:
        """The points and map for pieces called rewritten, as arrays (both or neither)."""
        if not self.rewritten_points:
            return {}
        if set(self.rewritten_points) != set(SENSITIVITIES) or self.rewritten_knots is None:
            raise ValueError("rewritten points need one per sensitivity and a precision map")
        return {
            "rewritten_points": np.array([self.rewritten_points[x] for x in SENSITIVITIES]),
            "rewritten_x": self.rewritten_knots[0],
            "rewritten_y": self.rewritten_knots[1],
        }

    @classmethod
    def load(cls, path: str | Path) -> TaggerModel:
        """Read a model written by :meth:`save` (no pickles)."""
        try:
            with np.load(path, allow_pickle=False) as z:
                features = tuple(str(x) for x in z["features"])
                scalars = [float(x) for x in z["scalars"]]
                a, b, thr = scalars[:3]
                thr_x = scalars[3] if len(scalars) > 3 else thr  # files with one threshold
                trees = TreeEnsemble.from_arrays(z, "trees_")
                pts = np.asarray(z["points"], np.float64) if "points" in z.files else None
                forced = None
                if "forced_precision" in z.files:
                    forced = float(np.asarray(z["forced_precision"], np.float64).reshape(-1)[0])
                knots = rw_knots = None
                if "precision_x" in z.files:
                    knots = (
                        np.asarray(z["precision_x"], np.float64),
                        np.asarray(z["precision_y"], np.float64),
                    )
                if "rewritten_x" in z.files:
                    rw_knots = (
                        np.asarray(z["rewritten_x"], np.float64),
                        np.asarray(z["rewritten_y"], np.float64),
                    )
                rw = None
                if "rewritten_points" in z.files:
                    rw = np.asarray(z["rewritten_points"], np.float64)
        except (KeyError, ValueError, OSError) as exc:
            raise ValueError(f"{path} is not a readable tagger model: {exc}") from exc
        if features != TOKEN_FEATURES:
            raise ValueError("tagger model was trained on other token features: retrain it")
        if len(trees.feature) and int(trees.feature.max()) >= len(TOKEN_FEATURES):
            raise ValueError("tagger model refers to a feature this version does not compute")
        points: dict[str, tuple[float, float]] = {}
        if pts is not None:
            if (
                pts.shape != (len(SENSITIVITIES), 2)
                or not np.all((pts >= 0) & (pts <= 1))  # NaN fails too
                or np.any(np.diff(pts, axis=0) > 0)  # low >= default >= high
            ):
                raise ValueError(f"{path} is not a readable tagger model: bad operating points")
            points = {
                name: (float(g), float(x)) for name, (g, x) in zip(SENSITIVITIES, pts, strict=True)
            }
        for kn in (knots, rw_knots):
            if kn is not None and not _good_knots(*kn):
                raise ValueError(f"{path} is not a readable tagger model: bad precision map")
        if forced is not None and not 0.0 <= forced <= 1.0:
            raise ValueError(f"{path} is not a readable tagger model: bad forced precision")
        rewritten: dict[str, float] = {}
        if rw is not None:
            if (
                rw.shape != (len(SENSITIVITIES),)
                or not np.all((rw >= 0) & (rw <= 1))  # NaN fails too
                or np.any(np.diff(rw) > 0)  # low >= default >= high
            ):
                raise ValueError(f"{path} is not a readable tagger model: bad rewritten points")
            rewritten = {name: float(t) for name, t in zip(SENSITIVITIES, rw, strict=True)}
        return cls(features, trees, a, b, thr, thr_x, points=points, precision_knots=knots,
                   forced_precision=forced, rewritten_points=rewritten,
                   rewritten_knots=rw_knots)  # fmt: skip


def _good_knots(kx: np.ndarray, ky: np.ndarray) -> bool:
    """Whether ``(kx, ky)`` is a usable precision map: at least two finite knots, both
    non-decreasing, precisions in [0, 1]."""
    return bool(
        kx.ndim == 1
        and kx.shape == ky.shape
        and len(kx) >= 2
        and np.all(np.isfinite(kx))
        and not np.any(np.diff(kx) < 0)
        and not np.any(np.diff(ky) < 0)
        and np.all((ky >= 0) & (ky <= 1))
    )


#: Candidate gain (log posterior odds) from which a search's original counts as found.
EXPLAINED_GAIN = 1.0
_GAIN_COLS = [
    FEATURE_INDEX[c] for c in ("sub_gain", "pair_gain", "col_gain", "func_gain", "ins_gain")
]
_NAME_COLS = [FEATURE_INDEX[c] for c in ("doc_near_name", "lower_name")]


#: A pair swap this common once restored (occurrences in the tables) is a known expression.
KNOWN_PAIR_COUNT = 20.0


def known_pair_swap(X: np.ndarray) -> np.ndarray:
    """Words of a pair that published spinner swaps turn into a frequent WordNet compound
    ("counterfeit consciousness" -> "artificial intelligence"): flagged whatever the trees
    say. On clean dev text this fires on 0.03 words per 1,000, on published tortured phrases
    put into clean text on 0.9 per 1,000 with every flag right (``training.train_tagger``)."""
    if not len(X):
        return np.zeros(0, bool)
    return (
        (X[:, FEATURE_INDEX["pair_gain"]] > 0)
        & (X[:, FEATURE_INDEX["pair_tortured"]] > 0)
        & (X[:, FEATURE_INDEX["pair_compound"]] > 0)
        & (X[:, FEATURE_INDEX["pair_restored_count"]] >= np.log1p(KNOWN_PAIR_COUNT))
    )


#: A name-like pair one thesaurus swap away from a WordNet compound seen this often.
KNOWN_NAME_COUNT = 300.0
#: ... and the written pair seen at most this often.
KNOWN_NAME_SEEN = 1


def known_name_swap(X: np.ndarray) -> np.ndarray:
    """A capitalised word (not sentence-initial) that the tables (almost) never saw beside its
    neighbour and whose thesaurus swap restores a frequent WordNet compound ("the White Home"
    -> "White House"): flagged whatever the trees say. Round trips rarely touch names, so the
    trees learned little about them. Chosen on dev (restored compound seen at least 300 times,
    the written pair at most once): 0.007 flags per 1,000 clean words on dev and 0.010 on
    test; precision 0.85 (dev) and 0.82 (test) on round trips, 1.0 and 0.99 on spins
    (tokens of the tagger's training data, ``training.train_tagger``)."""
    if not len(X):
        return np.zeros(0, bool)
    left, right = X[:, FEATURE_INDEX["log_bigram_left"]], X[:, FEATURE_INDEX["log_bigram_right"]]
    # -1 marks "no linked neighbour on that side"
    seen = np.minimum(np.where(left < 0, np.inf, left), np.where(right < 0, np.inf, right))
    return (
        (X[:, FEATURE_INDEX["capital"]] > 0)
        & (X[:, FEATURE_INDEX["initial"]] == 0)
        & (X[:, FEATURE_INDEX["sub_gain"]] > 0)
        & (X[:, FEATURE_INDEX["sub_compound"]] > 0)
        & (X[:, FEATURE_INDEX["sub_restored_count"]] >= np.log1p(KNOWN_NAME_COUNT))
        & (seen < np.log1p(KNOWN_NAME_SEEN + 0.5))  # features are float32: compare with a margin
    )


def explained(X: np.ndarray) -> np.ndarray:
    """Tokens for which a candidate search found a likely original (or a name slip)."""
    if not len(X):
        return np.zeros(0, bool)
    return (X[:, _GAIN_COLS].max(axis=1) > EXPLAINED_GAIN) | (X[:, _NAME_COLS].max(axis=1) > 0)


# --- spans ------------------------------------------------------------------------------------


def _fmt(x: float) -> str:
    if x < 1:
        return "0"
    if x < 1000:
        return f"{x:,.0f}"
    return f"{float(f'{x:.2g}'):,.0f}"


def _times(x: float) -> str:
    """``x`` occurrences in words: "never", "once", "about 1,800 times"."""
    if x < 1:
        return "never"
    if x < 1.5:
        return "once"
    return f"{_fmt(x)} times"


def _match_case(surface: str, word: str) -> str:
    if surface.isupper() and len(surface) > 1:
        return word.upper()
    if surface[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def token_family(X: np.ndarray, te: TokenEvidence, k: int) -> str:
    """The artifact family the evidence at token ``k`` points to: a name slip, else the
    candidate search with the largest gain (a swap, another preposition, a dropped word),
    else word-for-word or garbled text with no better candidate."""
    if te.near_name[k] or X[k, FEATURE_INDEX["lower_name"]] or X[k, FEATURE_INDEX["unknown_cap"]]:
        return "mangled-entity"
    gains = {
        "synonym-substitution": max(te.sub.gain[k], te.pair.gain[k]),
        "broken-collocation": te.col.gain[k],
        "function-word-swap": te.func.gain[k],
        "dropped-word": max(te.ins.gain[k], te.ins.gain[k + 1] if k + 1 < len(te.ins.gain) else 0),
    }
    fam, gain = max(gains.items(), key=lambda kv: kv[1])
    if gain <= 0:
        return "literal-translation"
    # A thesaurus swap is the better-founded story: it wins unless a collocate explains
    # clearly more.
    swap = gains["synonym-substitution"]
    if fam == "broken-collocation" and swap > 0 and swap >= gain - COLLOCATE_MARGIN:
        return "synonym-substitution"
    return fam


#: How much more (in log-odds) a pair swap must explain than a single swap to be shown: it
#: asks the reader to believe two substitutions instead of one.
PAIR_MARGIN = 2.0
#: How much more a collocate swap must explain than a thesaurus swap to be preferred.
COLLOCATE_MARGIN = 3.0


def _pair_wins(te: TokenEvidence, k: int) -> bool:
    return bool(te.pair.best[k] >= 0 and te.pair.gain[k] > te.sub.gain[k] + PAIR_MARGIN)


#: The strength of a span flagged by rule (:func:`known_pair_swap`, :func:`known_name_swap`)
#: whatever the trees say, as the classifier's features read it. Shown, it states the rules'
#: measured precision instead (:meth:`TaggerModel.shown_strength`).
FORCED_STRENGTH = 0.9


def tag_spans(
    view: DocView,
    X: np.ndarray,
    proba: np.ndarray,
    evidence: TokenEvidence,
    threshold: float | np.ndarray,
    strength: Callable[[float, bool], float] | None = None,
) -> list[Span]:
    """Runs of linked tokens at or above ``threshold`` (one for all, or one per token) as
    spans, each with its family, strength, explanation and (where a candidate search found
    one) suggestion. A span's strength is its surest token's probability (at least
    :data:`FORCED_STRENGTH` when a rule forced it), or what ``strength`` makes of that
    probability and whether a rule forced the span (:meth:`TaggerModel.shown_strength`)."""
    spans: list[Span] = []
    n = len(view)
    forced = known_pair_swap(X) | known_name_swap(X)
    hot = (proba >= threshold) | forced
    if not hot.any():
        return spans
    i = 0
    while i < n:
        if not hot[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and hot[j + 1] and view.link[j + 1]:
            j += 1
        # a pair swap covers both words even when only one of them is hot
        if (
            j + 1 < n
            and view.link[j + 1]
            and _pair_wins(evidence, j)
            and _pair_wins(evidence, j + 1)
        ):
            j += 1
        if (
            i > 0
            and view.link[i]
            and not hot[i - 1]
            and _pair_wins(evidence, i)
            and _pair_wins(evidence, i - 1)
        ):
            i -= 1
        peak = i + int(np.argmax(proba[i : j + 1]))
        fam = token_family(X, evidence, peak)
        start, end = int(view.start[i]), int(view.end[j])
        explanation, suggestion = _explain(view, X, evidence, fam, i, j, peak)
        if fam == "synonym-substitution" and suggestion is not None:
            compound = _compound_swap(view, X, evidence, i, j, peak, suggestion, explanation)
            if compound is not None:
                fam, explanation = "broken-collocation", compound
        by_rule = bool(forced[i : j + 1].any())
        if strength is None:
            value = max(float(proba[peak]), FORCED_STRENGTH) if by_rule else float(proba[peak])
        else:
            value = float(strength(float(proba[peak]), by_rule))
        spans.append(Span(start, end, view.text[start:end], fam, value, explanation, suggestion))
        i = j + 1
    return spans


def _compound_swap(
    view: DocView,
    X: np.ndarray,
    te: TokenEvidence,
    i: int,
    j: int,
    peak: int,
    suggestion: str,
    explanation: str,
) -> str | None:
    """None unless the swap at ``peak`` restores a compound or named expression with a
    neighbour, when the span is a broken collocation; then its explanation: for one swapped
    word, the written and the restored pair with their counts ("'White Home': once in the
    reference counts; 'White House', a fixed expression: 1,800 times"), else ``explanation``."""
    ev = view.evidence
    best = te.sub.best[peak] if te.sub.best[peak] >= 0 else te.pair.best[peak]
    if best < 0:
        return None
    on_left = ev.compound_ids(np.array([view.prev1[peak]]), np.array([best]))[0]
    on_right = ev.compound_ids(np.array([best]), np.array([view.next1[peak]]))[0]
    if not (on_left or on_right):
        return None
    if not (i == j == peak and te.sub.best[peak] >= 0):
        return explanation
    k = peak - 1 if on_left else peak + 1
    a, b = min(k, peak), max(k, peak)
    written = f"{view.surface[a]} {view.surface[b]}"
    restored = f"{view.surface[k]} {suggestion}" if k < peak else f"{suggestion} {view.surface[k]}"
    known = np.expm1(X[peak, FEATURE_INDEX["sub_restored_count"]])
    return (
        f"'{written}': {_times(view.bigram_left[b])} in the reference counts; "
        f"'{restored}', a fixed expression: {_times(known)}"
    )


def spinner_pairs(view: DocView) -> list[Span]:
    """``spinner-leftover`` spans for synonyms side by side (see
    :func:`mtdetect.tagger.candidates.synonym_pairs`)."""
    out = []
    for i in synonym_pairs(view).tolist():
        a, b = view.surface[i - 1], view.surface[i]
        start, end = int(view.start[i - 1]), int(view.end[i])
        out.append(
            Span(
                start,
                end,
                view.text[start:end],
                "spinner-leftover",
                0.6,
                f"'{a}' and '{b}' are synonyms side by side, a pair the reference counts "
                "never have: a spinner kept both",
                a,
            )
        )
    return out


def _first_swap(view: DocView, cand, i: int, j: int) -> tuple[int, str, str] | None:
    """The first token of ``i..j`` with a candidate original in ``cand``: its index, the
    original (in the token's case) and the span's text with it swapped in."""
    for k in range(i, j + 1):
        if cand.best[k] >= 0:
            w = _match_case(view.surface[k], view.evidence.word(int(cand.best[k])))
            return k, w, " ".join(w if m == k else view.surface[m] for m in range(i, j + 1))
    return None


#: What an explainer returns: one line of evidence and the likely original (None if unknown),
#: or None when its evidence does not hold for the span (the generic line is used then).
Explained = tuple[str, str | None] | None


def _explain_swap(view: DocView, X: np.ndarray, te: TokenEvidence, i: int, j: int) -> Explained:
    """A thesaurus or pair swap: the span with each word's likelier original."""
    ev = view.evidence
    phrase = " ".join(view.surface[i : j + 1])
    words = list(view.surface[i : j + 1])
    changed = False
    for k in range(i, j + 1):
        best = te.pair.best[k] if _pair_wins(te, k) else te.sub.best[k]
        if best >= 0:
            words[k - i] = _match_case(view.surface[k], ev.word(int(best)))
            changed = True
    if not changed:
        return None
    sugg = " ".join(words)
    gain = float(max(te.sub.gain[i : j + 1].max(), te.pair.gain[i : j + 1].max()))
    return (
        f"'{phrase}' is unusual here; '{sugg}' is the likelier original "
        f"({_fmt(np.exp(min(gain, 50)))}x by context and thesaurus)",
        sugg,
    )


def _explain_collocation(
    view: DocView, X: np.ndarray, te: TokenEvidence, i: int, j: int
) -> Explained:
    """A word of a fixed expression replaced: the expression's common form."""
    if not (found := _first_swap(view, te.col, i, j)):
        return None
    _k, _w, sugg = found
    phrase = " ".join(view.surface[i : j + 1])
    return (
        f"'{phrase}' looks like a fixed expression with a word replaced; "
        f"'{sugg}' is the common one",
        sugg,
    )


def _explain_function_word(
    view: DocView, X: np.ndarray, te: TokenEvidence, i: int, j: int
) -> Explained:
    """Another preposition or article: the one the context prefers, and by how much."""
    if not (found := _first_swap(view, te.func, i, j)):
        return None
    k, w, sugg = found
    return (
        f"'{view.surface[k]}' is an unlikely word here; '{w}' fits the context "
        f"about {_fmt(np.exp(min(te.func.gain[k], 50)))}x better",
        sugg,
    )


def _explain_dropped(view: DocView, X: np.ndarray, te: TokenEvidence, i: int, j: int) -> Explained:
    """A word missing: where, and the word the context suggests."""
    for k in range(i, min(j + 2, len(view))):
        if te.ins.best[k] >= 0 and view.link[k]:
            w = view.evidence.word(int(te.ins.best[k]))
            return (
                f"a word seems to be missing between '{view.surface[k - 1]}' and "
                f"'{view.surface[k]}' (e.g. '{w}')",
                f"{view.surface[k - 1]} {w} {view.surface[k]}",
            )
    return None


def _explain_entity(view: DocView, X: np.ndarray, te: TokenEvidence, i: int, j: int) -> Explained:
    """A name slip: the name used elsewhere in the text, a lower-cased name, an unknown one."""
    for k in range(i, j + 1):
        if te.near_name[k]:
            return (
                f"'{view.surface[k]}' looks like a misspelling of '{te.near_name[k]}', "
                "which this text also uses",
                te.near_name[k],
            )
        if X[k, FEATURE_INDEX["lower_name"]]:
            name = view.surface[k][:1].upper() + view.surface[k][1:]
            return (f"the name '{name}' is written in lower case", name)
        if X[k, FEATURE_INDEX["unknown_cap"]]:
            return (f"'{view.surface[k]}' is a capitalised word no reference list knows", None)
    return None


#: The explainer of each family the tagger reports (as ftfy lists its fixers): each explains a
#: span from the same evidence that named its family. A family without one, or whose
#: explainer finds nothing, gets the generic line of :func:`_explain`.
EXPLAINERS: dict[str, Callable[[DocView, np.ndarray, TokenEvidence, int, int], Explained]] = {
    "synonym-substitution": _explain_swap,
    "broken-collocation": _explain_collocation,
    "function-word-swap": _explain_function_word,
    "dropped-word": _explain_dropped,
    "mangled-entity": _explain_entity,
}


def _explain(
    view: DocView, X: np.ndarray, te: TokenEvidence, fam: str, i: int, j: int, peak: int
) -> tuple[str, str | None]:
    """One line of evidence for the span ``i..j`` and the likely original, if known."""
    explainer = EXPLAINERS.get(fam)
    if explainer is not None and (found := explainer(view, X, te, i, j)) is not None:
        return found
    # Word-for-word or garbled text: how rare the pair at its peak is.
    phrase = " ".join(view.surface[i : j + 1])
    left = max(i - 1, 0) if view.link[i] else i
    pair = " ".join(view.surface[left : j + 1])
    count = float(view.bigram_left[peak]) if view.link[peak] else float(view.unigram[peak])
    return (
        f"'{phrase}' reads as word-for-word or garbled text: '{pair}' occurs "
        f"{_fmt(count)} times in the reference counts",
        None,
    )


# --- run time ---------------------------------------------------------------------------------


@dataclass(slots=True)
class TokenOutputs:
    """The tagger's view of one document, for the sentence features."""

    view: DocView
    X: np.ndarray
    proba: np.ndarray
    threshold: np.ndarray  # the span threshold of each token
    evidence: TokenEvidence | None = None  # the candidate searches' findings, for spans_at
    pairs: list[Span] | None = None  # synonyms side by side (no threshold), for spans_at


class Tagger:
    """Runs the tagger on a segmented document: spans for the report, token outputs for the
    sentence classifier. Build with :func:`load_tagger`.

    Not a :class:`~mtdetect.detectors.Detector`: it reports several families and its token
    outputs feed the classifier, so the pipeline runs it after the detectors (:meth:`run`).
    """

    name = "tagger"

    def __init__(self, model: TaggerModel, evidence) -> None:
        self.model = model
        self.evidence = evidence

    def run(self, text: str, sentences) -> tuple[list[Span], TokenOutputs]:
        from mtdetect.tagger.docview import build_view

        view = build_view(self.evidence, text, sentences)
        X, te = token_features(view)
        pairs: list[Span] = []
        if len(view):
            proba = self.model.predict_proba(X)
            thresholds = self.model.thresholds(X)
            spans = tag_spans(view, X, proba, te, thresholds)
            pairs = spinner_pairs(view)
            spans.extend(pairs)
        else:
            proba = thresholds = np.zeros(0)
            spans = []
        return spans, TokenOutputs(view, X, proba, thresholds, te, pairs)

    def spans_at(
        self, tokens: TokenOutputs, sensitivity: str, rewritten: bool = False
    ) -> list[Span]:
        """The spans shown of the document behind ``tokens`` at a sensitivity
        (:data:`SENSITIVITIES`): the tagger's at that point, and the document passes'
        (:mod:`mtdetect.tagger.consistency`); :meth:`run` gives those the classifier reads.
        In a piece the classifier calls rewritten (``rewritten``), the tagger's evidence is
        shown more readily (:attr:`TaggerModel.rewritten_points`). Cheap: the token features
        and probabilities are reused, only the thresholds change."""
        tagged, fixed = self.shown_parts(tokens, sensitivity, rewritten)
        return tagged + fixed

    def shown_parts(
        self,
        tokens: TokenOutputs,
        sensitivity: str,
        rewritten: bool = False,
        thresholds: np.ndarray | None = None,
    ) -> tuple[list[Span], list[Span]]:
        """:meth:`spans_at` in two parts: the spans cut from the trees' probabilities, whose
        strengths are measured precisions, and those of fixed strength (synonyms side by
        side, the document passes). ``thresholds`` (one per token) replaces the
        sensitivity's, for a benchmark's curve; the passes stay those of ``sensitivity``."""
        if not len(tokens.view) or tokens.evidence is None:
            return [], []
        from mtdetect.tagger.consistency import document_spans

        model = self.model
        if thresholds is None:
            thresholds = model.thresholds(tokens.X, sensitivity, rewritten)
        tagged = tag_spans(tokens.view, tokens.X, tokens.proba, tokens.evidence, thresholds,
                           lambda p, by_rule: model.shown_strength(p, by_rule, rewritten))  # fmt: skip
        fixed = list(tokens.pairs if tokens.pairs is not None else spinner_pairs(tokens.view))
        # a pass that repeats a span of its family is left out (the tagger's explains more:
        # it names the likely original)
        for sp in document_spans(tokens.view, tokens.evidence, sensitivity):
            if not any(t.family == sp.family and t.start < sp.end and sp.start < t.end
                       for t in tagged + fixed):  # fmt: skip
                fixed.append(sp)
        return tagged, fixed


def load_tagger(path: str | Path, evidence=None) -> Tagger:
    """A :class:`Tagger` for the model file at ``path`` and the (packaged) evidence base."""
    if evidence is None:
        from mtdetect.evidence import load_evidence

        evidence = load_evidence()
    return Tagger(TaggerModel.load(path), evidence)
