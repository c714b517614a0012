"""Log-odds and probabilities: the one home of logit, sigmoid and the mean log-odds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mtdetect.odds import (
    LOGIT_EPS,
    SIGMOID_CLIP,
    SUM_EPS,
    logit,
    logit_scalar,
    mean_logodds,
    sigmoid,
    sigmoid_scalar,
)


def test_logit_and_sigmoid_invert_each_other_inside_the_clip() -> None:
    p = np.array([1e-3, 0.1, 0.5, 0.9, 0.999])
    assert np.allclose(sigmoid(logit(p)), p, rtol=0, atol=1e-12)
    assert logit(np.array([0.5]))[0] == 0.0
    for x in p:
        assert logit_scalar(float(x)) == pytest.approx(float(logit(np.array([x]))[0]), abs=1e-12)
        assert sigmoid_scalar(logit_scalar(float(x))) == pytest.approx(float(x), abs=1e-12)


def test_clips_are_where_the_names_say() -> None:
    edges = logit(np.array([0.0, 1.0]))
    assert edges[0] == pytest.approx(math.log(LOGIT_EPS / (1 - LOGIT_EPS)))
    assert edges[1] == pytest.approx(-edges[0])
    summed = logit(np.array([0.0, 1.0]), SUM_EPS)
    assert summed[1] == pytest.approx(math.log((1 - SUM_EPS) / SUM_EPS))  # about 9.2
    assert logit_scalar(0.0) == pytest.approx(float(edges[0]))
    # No overflow warning far past the clip, and the saturation is exact.
    with np.errstate(over="raise"):
        assert sigmoid(np.array([-1e6, 1e6])).tolist() == [
            1.0 / (1.0 + math.exp(SIGMOID_CLIP)),
            1.0,
        ]
    assert sigmoid(np.array([100.0]), clip=30.0)[0] == sigmoid(np.array([30.0]))[0]


def test_mean_logodds_is_the_sigmoid_of_the_mean_clipped_logit() -> None:
    assert mean_logodds([]) == 0.0
    assert mean_logodds([0.5, 0.5]) == 0.5
    scores = [0.9, 0.2, 1.0]  # 1.0 counts as 1 - SUM_EPS, not as infinity
    z = (logit_scalar(0.9) + logit_scalar(0.2) + logit_scalar(1.0, SUM_EPS)) / 3
    assert mean_logodds(scores) == pytest.approx(sigmoid_scalar(z), abs=1e-12)
