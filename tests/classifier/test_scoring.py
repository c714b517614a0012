"""The Scorer protocol: everything the pipeline calls, in both scorers."""

from __future__ import annotations

import mtdetect
from mtdetect.classifier.scoring import HeuristicScorer


def test_both_scorers_have_everything_the_pipeline_calls() -> None:
    """The pipeline calls the Scorer protocol and nothing else (no probing with getattr)."""
    import inspect

    from mtdetect.classifier.scoring import Scorer

    members = set(Scorer.__annotations__) | {
        n for n, v in vars(Scorer).items() if inspect.isfunction(v) and not n.startswith("_")
    }
    assert {"score_piece", "combine", "summary", "description"} <= members
    for scorer in (HeuristicScorer(), mtdetect.load().scorer):
        missing = [m for m in members if not hasattr(scorer, m)]
        assert not missing, (type(scorer).__name__, missing)
    h = HeuristicScorer()
    assert h.summary() == [] and h.combine([]) == h.document_score([])
