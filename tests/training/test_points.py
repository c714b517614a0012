"""Setting the shown sensitivities: every register's clean-flag budget holds on the clean pool,
less what the rules already show there (``training.train_tagger.choose_threshold``)."""

from __future__ import annotations

import numpy as np

from mtdetect.tagger.spans import TOKEN_FEATURES
from training.docs import Doc
from training.tagger_data import TokenData
from training.train_tagger import POOL_MARGIN, CleanPool, choose_threshold


class _Scores:
    """A stand-in tagger whose probability is the first feature column (the thresholds are
    what is under test, not the trees)."""

    threshold = threshold_explained = 0.5

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return X[:, 0].astype(np.float64)


def _data(rng: np.random.Generator) -> TokenData:
    n_clean, n_rt = 4000, 2000
    p = np.concatenate([0.6 * rng.uniform(0, 1, n_clean) ** 4, rng.uniform(0.5, 1, n_rt)])
    X = np.zeros((n_clean + n_rt, len(TOKEN_FEATURES)), np.float32)
    X[:, 0] = p
    y = np.concatenate([np.zeros(n_clean), np.ones(n_rt)]).astype(np.int8)
    doc = np.concatenate([np.zeros(n_clean), np.ones(n_rt)]).astype(np.int32)
    docs = [
        Doc("c", "clean", "dev", ["x"], [0], 0, {"register": "news"}),
        Doc("r", "roundtrip", "dev", ["x"], [1], 1, {"register": "news", "pivot": "spa"}),
    ]
    return TokenData(X, y, doc, np.zeros(len(y), np.int32), docs)


def _pool(rng: np.random.Generator, rules: int) -> CleanPool:
    n = 20_000
    return CleanPool(
        p=0.9 * rng.uniform(0, 1, n) ** 2,
        explained=np.zeros(n, bool),
        register=np.array(["fiction"] * n),
        words={"fiction": n},
        rule_flags={"default": {"fiction": rules}},
    )


def test_the_pool_holds_every_register_to_its_budget_less_the_rules() -> None:
    rng = np.random.default_rng(0)
    dev, model = _data(rng), _Scores()
    alone = choose_threshold(model, dev, 1.0, every_register=True)
    pool = _pool(rng, rules=0)
    with_pool = choose_threshold(model, dev, 1.0, every_register=True, pool=pool)
    # fiction's noisier prose now sets the bar, at the margin's share of the budget
    assert with_pool > alone
    allowed = int(POOL_MARGIN * 1.0 / 1000 * len(pool.p))
    assert (pool.p >= with_pool).sum() <= allowed
    # rules that already show 0.5 flags per 1,000 words leave the tagger less
    busy_pool = _pool(rng, rules=10)
    busy = choose_threshold(model, dev, 1.0, every_register=True, pool=busy_pool)
    assert busy > with_pool
    assert (busy_pool.p >= busy).sum() <= int((POOL_MARGIN - 0.5) / 1000 * len(busy_pool.p))


def test_rules_over_budget_leave_the_tagger_nothing_in_that_register() -> None:
    rng = np.random.default_rng(1)
    pool = _pool(rng, rules=100)  # 5 per 1,000 words: more than the whole budget
    t = choose_threshold(_Scores(), _data(rng), 1.0, every_register=True, pool=pool)
    assert (pool.p >= t).sum() == 0 or t >= 0.99
