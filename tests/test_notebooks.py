"""The notebooks run top to bottom on a small sample, with and without the shared data, and
are stored without outputs; the plotting helpers draw what they are given."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from training.corpora import data_dir  # noqa: E402

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NAMES = ["01_quickstart.ipynb", "02_error_analysis.ipynb"]
# Per cell: a guard against a hung kernel (each notebook takes ~10-70 s on a quiet machine).
CELL_TIMEOUT = 300


def _execute(name: str, monkeypatch: pytest.MonkeyPatch) -> tuple[object, float]:
    monkeypatch.setenv("MTDETECT_NB_SAMPLE", "60")
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    t0 = time.monotonic()
    client.execute()
    return nb, time.monotonic() - t0


def _outputs(nb) -> list[dict]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def _text(nb) -> str:
    parts = []
    for o in _outputs(nb):
        if o.get("output_type") == "stream":
            parts.append(o["text"])
        for key in ("text/plain", "text/markdown", "text/html"):
            if key in o.get("data", {}):
                parts.append(o["data"][key])
    return "\n".join(parts)


@pytest.mark.parametrize("name", NAMES)
def test_stored_without_outputs(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}: a cell has stored outputs"
            assert cell.execution_count is None


def test_quickstart_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    nb, _ = _execute("01_quickstart.ipynb", monkeypatch)
    text = _text(nb)
    assert '"schema": "mtdetect/1"' in text
    assert "spinner-leftover" in text and "spacing-artifact" in text
    assert any("<iframe" in o.get("data", {}).get("text/html", "") for o in _outputs(nb))


def test_error_analysis_runs_on_the_shared_data(monkeypatch: pytest.MonkeyPatch) -> None:
    if not (data_dir() / "clean").is_dir():
        pytest.skip(f"shared data not found at {data_dir()}")
    nb, _ = _execute("02_error_analysis.ipynb", monkeypatch)
    text = _text(nb)
    assert "Reading the development data" in text
    assert "skipped: no data" not in text
    images = [o for o in _outputs(nb) if "image/png" in o.get("data", {})]
    assert len(images) >= 5  # histograms, ROC/PR x2, family bars, calibration
    assert "False positives" in text and "False negatives" in text


def test_error_analysis_says_when_data_is_absent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "no-data"
    empty.mkdir()
    monkeypatch.setenv("MTDETECT_DATA", str(empty))
    nb, _ = _execute("02_error_analysis.ipynb", monkeypatch)
    text = _text(nb)
    assert "Shared data folder not found" in text
    assert str(empty) in text
    assert "skipped: no data" in text
    assert not any("image/png" in o.get("data", {}) for o in _outputs(nb))


# --- mtdetect.report.plots -------------------------------------------------------------------


def test_plots_draw_and_save(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    from mtdetect.report import plots

    rng = np.random.default_rng(0)
    neg, pos = rng.beta(2, 5, 200), rng.beta(5, 2, 200)
    y = np.r_[np.zeros(200, int), np.ones(200, int)]
    s = np.r_[neg, pos]

    ax = plots.score_histogram(
        {"clean": neg, "wmt-mt": pos, "empty": []}, thresholds={"suspect": 0.5}, log=True
    )
    labels = ax.get_legend_handles_labels()[1]
    assert labels == ["clean (n=200)", "wmt-mt (n=200)"]

    fig = plots.roc_pr_curves({"a vs b": (y, s), "one class": (np.ones(5, int), np.ones(5))})
    roc, pr = fig.axes[:2]
    assert len(roc.get_legend_handles_labels()[1]) == 1
    assert "AUC" in roc.get_legend_handles_labels()[1][0]
    assert "AP" in pr.get_legend_handles_labels()[1][0]

    ax = plots.calibration_plot(y, s)
    assert ax.get_ylabel() == "share machine-rewritten"

    fig = plots.family_bars(
        {"spinner-leftover": 0.9, "dropped-word": None}, {"spinner-leftover": 0.1}
    )
    assert len(fig.axes) == 2
    assert plots.family_bars({"spinner-leftover": 0.5}).axes[0].get_xlabel()

    size = plots.save_figure(fig, str(tmp_path / "f.png"))
    assert 0 < size == (tmp_path / "f.png").stat().st_size
    plt.close("all")
