"""``score_many(n_jobs=2)``: same results as one process, and the detector travels to each
worker at most once (it used to be pickled, 47 MB, with every batch). Speed is measured
by ``python -m benchmarks.audit --score-many``."""

from __future__ import annotations

import mtdetect
from mtdetect.classifier.scoring import HeuristicScorer
from mtdetect.pipeline import MTDetector

EN = "The town council voted on Tuesday to build a new sea wall after a winter of storms."
EN2 = "The U. K. government has promised to pay half of the cost, e. g. through its fund."


def test_parallel_results_equal_serial_and_keep_order() -> None:
    det = mtdetect.load()
    texts = [f"{[EN, EN2][i % 2]} Item {i}." for i in range(40)]
    serial = [r.to_dict() for r in det.score_many(texts)]
    parallel = [r.to_dict() for r in det.score_many(texts, n_jobs=2, batch_size=3)]
    assert parallel == serial


def test_detector_is_sent_once_per_worker_not_per_batch() -> None:
    class Counting(MTDetector):
        pickled = 0

        def __reduce_ex__(self, protocol):  # counts pickling in this process
            type(self).pickled += 1
            return super().__reduce_ex__(protocol)

    det = Counting(detectors=[], scorer=HeuristicScorer())
    texts = [f"{EN} {{quick|fast}} {i}" for i in range(60)]
    got = [r.score for r in det.score_many(texts, n_jobs=2, batch_size=2)]  # 30 batches
    assert got == [det.score(t).score for t in texts]
    assert 1 <= Counting.pickled <= 2, Counting.pickled
    # The shipped default is never pickled: each worker loads it from its files.
    default = mtdetect.load()
    calls = []
    original = type(default).__reduce_ex__
    type(default).__reduce_ex__ = lambda self, p: calls.append(1) or original(self, p)  # type: ignore[method-assign]
    try:
        assert len(list(default.score_many([EN] * 10, n_jobs=2, batch_size=2))) == 10
    finally:
        type(default).__reduce_ex__ = original  # type: ignore[method-assign]
    assert calls == []
