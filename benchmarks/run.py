"""Speed, memory and accuracy of mtdetect against two baselines, in one command.

    python -m benchmarks run [--quick] [--out benchmarks/results]

Writes ``report.md`` and ``report.json`` in ``--out``:

* the machine (CPU model, cores, load, Python, numpy/scikit-learn versions, date);
* throughput on one core (sentences/s, MB/s) per stage of ``MTDetector.score``:
  segmentation, tokenisation, each detector, span assignment, the scorer, and end to end,
  with each stage's share of the end-to-end time, beside a "limit" line (reading the text and
  ``re.findall(r"\\w+", text)``, nothing else); medians of several runs after a warm-up;
* the top functions of a cProfile of the end-to-end path, by own time;
* cold start of ``mtdetect score`` on a small file, import and load time;
* peak resident memory of the CLI scoring a small file, one large file in every output format
  (10 MB; ``--large-mb``)
  and of a one-worker ``mtdetect audit``;
* sentence-level ROC-AUC of mtdetect against an exact-match list baseline and a bigram
  fluency baseline (:mod:`benchmarks.baselines`) on synthetic rewrites, held-out tortured
  phrases and WMT22 machine translation vs references; span-level numbers from
  :mod:`benchmarks.detectors`.

The benchmark corpus is made here: news from the shared data folder (dev split only) when it
is present, else the bundled ``examples/*.txt``; data-dependent parts are then skipped with a
note. Time figures are medians on whatever machine runs this: compare them as ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as _dt
import json
import math
import os
import platform
import pstats
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SCHEMA = "mtdetect-bench/1"

#: Targets from the issue: (key, description, threshold, unit, higher is better).
TARGETS: tuple[tuple[str, str, float, str, bool], ...] = (
    ("end_to_end_sentences_per_s", "end-to-end throughput, one core", 20_000, "sentences/s", True),
    (
        "cold_start_s",
        "cold start of `mtdetect score` on a small file (bytecode cached, as installed)",
        0.5,
        "s",
        False,
    ),
    ("cli_peak_rss_mb", "peak resident memory of the CLI on a small file", 300, "MB", False),
    ("large_peak_rss_mb", "peak resident memory of the CLI on a large file", 300, "MB", False),
)


@dataclass(slots=True)
class Settings:
    """How much to measure; :meth:`quick` and :meth:`full` are the two presets."""

    quick: bool
    corpus_bytes: int
    runs: int
    cold_runs: int
    audit_docs: int
    synthetic_per_source: int
    clean_docs_per_source: int
    wmt_segments: int
    mlqe_per_pair: int
    profile_bytes: int
    large_mb: float
    pathological_mb: float
    length_sizes: tuple[int, ...]  # sentences per document of the by-length runs

    @classmethod
    def quick_preset(cls) -> Settings:
        """Small sizes: a smoke test of the harness (seconds, not minutes)."""
        return cls(True, 40_000, 2, 3, 60, 60, 10, 60, 40, 20_000, 0.5, 0.05, (1, 8))

    @classmethod
    def full_preset(cls) -> Settings:
        """The sizes of the reported run (a few minutes on one busy core)."""
        return cls(
            False, 400_000, 5, 5, 1_000, 600, 60, 400, 200, 200_000, 10.0, 1.0, (1, 4, 16, 64)
        )


# --- machine -------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(distribution: str) -> str | None:
    """An installed distribution's version, from its metadata: importing it here would load
    it into the process being measured, which the scorer itself never does (scikit-learn and
    scipy add so many objects to the heap that the garbage collections of a stage holding the
    whole corpus's tokens cost more: tokenisation measured 0.055 s instead of 0.016 s)."""
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def machine_info() -> dict[str, Any]:
    """Where and when the numbers were taken."""
    import mtdetect

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "load_average": load,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": _version("numpy"),
        "sklearn": _version("scikit-learn"),
        "mtdetect": mtdetect.__version__,
        "commit": _git_commit(),
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


# --- corpus ----------------------------------------------------------------------------------


def _has_data() -> bool:
    from training.corpora import data_dir

    return (data_dir() / "clean").is_dir()


def build_corpus(target_bytes: int) -> tuple[list[str], str, bool]:
    """Documents of about ``target_bytes`` in all, where they came from, and whether they are
    news from the shared data (dev split) rather than the bundled examples."""
    docs: list[str] = []
    size = 0
    if _has_data():
        from training.corpora import iter_clean

        # Alternate the two sources so that a small corpus holds both.
        streams = [iter_clean([src], split="dev") for src in ("reuters", "bbc")]
        while streams and size < target_bytes:
            for it in list(streams):
                doc = next(it, None)
                if doc is None:
                    streams.remove(it)
                    continue
                docs.append(doc.text)
                size += len(doc.text.encode())
        if docs:
            return docs, "Reuters-21578 + BBC News, dev split (shared data)", True
    samples = [p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.txt"))]
    if not samples:
        raise SystemExit(f"no shared data and no examples/*.txt under {EXAMPLES}")
    while size < target_bytes:
        for s in samples:
            docs.append(s)
            size += len(s.encode())
    return docs, "bundled examples/*.txt, repeated (no shared data)", False


# --- throughput ------------------------------------------------------------------------------


def _rate(n_sent: int, n_bytes: int, seconds: float) -> dict[str, float | None]:
    ok = seconds > 0
    return {
        "seconds": seconds,
        "sentences_per_s": n_sent / seconds if ok else None,
        "mb_per_s": n_bytes / 1e6 / seconds if ok else None,
    }


def _floors(docs: Sequence[str], runs: int, limit_text: str) -> dict[str, float]:
    r"""Seconds of three reference pipelines on the same documents (medians of ``runs``):

    * ``read + re.findall``: reading the text and ``re.findall(r"\w+", text)``, nothing else;
    * ``table lookups``: the same words hashed and looked up in the vocabulary, and every
      adjacent pair in the bigram table: the least any table-based scorer does;
    * ``hashing vectoriser + linear model``: scikit-learn's ``HashingVectorizer`` (word
      1-2-grams, 2**20 features) and a logistic regression scoring every sentence.
    """
    from mtdetect.evidence import hash_keys, load_evidence
    from mtdetect.text import segment

    word_re = re.compile(r"\w+")
    ev = load_evidence()
    sentences = [s.text for d in docs for s in segment(d).sentences]
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = HashingVectorizer(ngram_range=(1, 2), n_features=2**20, alternate_sign=False)
    Xfit = vec.transform(sentences[:2000])
    yfit = [i % 2 for i in range(Xfit.shape[0])]
    clf = LogisticRegression(max_iter=200).fit(Xfit, yfit)

    def findall() -> float:
        t0 = time.perf_counter()
        word_re.findall(limit_text)
        return time.perf_counter() - t0

    def lookups() -> float:
        t0 = time.perf_counter()
        for d in docs:
            words = [w.lower() for w in word_re.findall(d)]
            ids = ev.ids_of_hashes(hash_keys(words)) if words else None
            if ids is not None and len(ids) > 1:
                ev.bigram_ids(ids[:-1], ids[1:])
        return time.perf_counter() - t0

    def hashing() -> float:
        t0 = time.perf_counter()
        clf.predict_proba(vec.transform(sentences))
        return time.perf_counter() - t0

    out = {}
    for name, fn in (
        ("read + re.findall", findall),
        ("table lookups (hash words, vocabulary + bigram probes)", lookups),
        ("hashing vectoriser + linear model (scikit-learn)", hashing),
    ):
        fn()
        out[name] = statistics.median(fn() for _ in range(max(3, runs)))
    return out


def time_stages(detector: Any, docs: Sequence[str], runs: int) -> dict[str, Any]:
    """Median time per stage of ``detector.score`` over ``docs`` (after one warm-up pass).

    The stages are run in the pipeline's order on the same documents: segmentation,
    tokenisation, each rule detector, the document view (ids and Kneser-Ney probes), the
    candidate searches and token features, the tagger's trees and spans, the sentence
    features, the style model and the classifier heads; end to end is timed separately.
    Beside them, three floors (:func:`_floors`) on the same documents.
    """
    from mtdetect.classifier.features import sentence_features
    from mtdetect.pipeline import assign_spans
    from mtdetect.tagger.docview import build_view
    from mtdetect.tagger.spans import spinner_pairs, tag_spans
    from mtdetect.tagger.token_features import token_features
    from mtdetect.text import segment

    n_bytes = sum(len(d.encode()) for d in docs)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corpus.txt"
        path.write_text("\n\n".join(docs), encoding="utf-8")
        text_all = path.read_text(encoding="utf-8")
    for d in docs:  # warm-up: tables loaded, caches filled, code paths compiled
        detector.score(d)
    tagger = detector.tagger
    scorer = detector.scorer
    trained = hasattr(scorer, "estimator")
    det_names = [f"detector: {d.name}" for d in detector.detectors]
    names = ["segmentation", "tokenisation", *det_names]
    if tagger is not None:
        names += [
            "document view (ids, Kneser-Ney probes)",
            "candidate searches and token features",
            "tagger: trees and spans",
        ]
    names += ["assign spans", "sentence features"]
    if trained:
        names += ["style model (hashed n-grams)", "classifier heads and combination"]
    samples: dict[str, list[float]] = {n: [] for n in names}
    e2e: list[float] = []
    n_sent = 0
    clock = time.perf_counter
    for _ in range(runs):
        t0 = clock()
        segmented = [segment(d).sentences for d in docs]
        samples["segmentation"].append(clock() - t0)
        n_sent = sum(len(s) for s in segmented)
        segmented = [segment(d).sentences for d in docs]  # fresh: no cached tokens
        t0 = clock()
        for sents in segmented:
            for s in sents:
                s.tokens  # noqa: B018 - computes and caches the tokens
        samples["tokenisation"].append(clock() - t0)
        found: list[list[Any]] = [[] for _ in docs]
        spent = dict.fromkeys(names, 0.0)
        outputs: list[Any] = [None] * len(docs)
        for i, (text, sents) in enumerate(zip(docs, segmented, strict=True)):
            for det, dname in zip(detector.detectors, det_names, strict=True):
                t0 = clock()
                found[i].extend(det.detect(text, sents))
                spent[dname] += clock() - t0
            if tagger is None or not sents:
                continue
            t0 = clock()
            view = build_view(tagger.evidence, text, sents)
            view.lm_forward, view.lm_backward, view.bigram_left  # noqa: B018
            t1 = clock()
            X, te = token_features(view)
            t2 = clock()
            proba = tagger.model.predict_proba(X)
            thr = tagger.model.thresholds(X)
            found[i].extend(tag_spans(view, X, proba, te, thr))
            found[i].extend(spinner_pairs(view))
            t3 = clock()
            spent["document view (ids, Kneser-Ney probes)"] += t1 - t0
            spent["candidate searches and token features"] += t2 - t1
            spent["tagger: trees and spans"] += t3 - t2
            from mtdetect.tagger.spans import TokenOutputs

            outputs[i] = TokenOutputs(view, X, proba, thr)
        t0 = clock()
        groups = [assign_spans(s, f) for s, f in zip(segmented, found, strict=True)]
        spent["assign spans"] = clock() - t0
        ev = getattr(scorer, "evidence", None)
        feats = []
        t0 = clock()
        for text, sents, g, tok in zip(docs, segmented, groups, outputs, strict=True):
            feats.append(sentence_features(text, sents, g, ev, tokens=tok) if sents else None)
        spent["sentence features"] = clock() - t0
        if trained:
            style = scorer.style
            cols = []
            t0 = clock()
            for sents in segmented:
                texts = [s.text for s in sents]
                toks = [s.tokens for s in sents]
                cols.append(
                    style.decision_function(texts, toks) if style is not None and texts else None
                )
            spent["style model (hashed n-grams)"] = clock() - t0
            t0 = clock()
            for x, col in zip(feats, cols, strict=True):
                if x is None:
                    continue
                xx = np.column_stack([x, col]) if col is not None else x
                est = scorer.estimator
                if hasattr(est, "score_document"):
                    est.score_document(xx)
                else:
                    est.predict_proba(xx)
            spent["classifier heads and combination"] = clock() - t0
        for k, v in spent.items():
            if k in samples:
                samples[k].append(v)
        t0 = clock()
        for d in docs:
            detector.score(d)
        e2e.append(clock() - t0)

    total = statistics.median(e2e)
    stages = []
    for name in names:
        med = statistics.median(samples[name]) if samples[name] else 0.0
        stages.append({"stage": name, **_rate(n_sent, n_bytes, med), "share": med / total})
    other = total - sum(s["seconds"] for s in stages)
    stages.append(
        {
            "stage": "other (results, overhead, noise)",
            "seconds": other,
            "sentences_per_s": None,
            "mb_per_s": None,
            "share": other / total,
        }
    )
    floors = {
        name: {**_rate(n_sent, n_bytes, secs), "ratio_to_mtdetect": secs / total if total else None}
        for name, secs in _floors(docs, runs, text_all).items()
    }
    return {
        "documents": len(docs),
        "sentences": n_sent,
        "bytes": n_bytes,
        "runs": runs,
        "scorer": detector.scorer.name,
        "trained_scorer": trained,
        "stages": stages,
        "end_to_end": {**_rate(n_sent, n_bytes, total), "runs_seconds": e2e},
        # The fastest run: what the code costs when the shared machine's other load is least
        # (for comparing versions; the target figure is the median).
        "end_to_end_best": _rate(n_sent, n_bytes, min(e2e)),
        "floors": floors,
        "limit": floors["read + re.findall"],
    }


def by_length(
    detector: Any, docs: Sequence[str], sizes: Sequence[int], runs: int
) -> dict[str, Any]:
    """End-to-end speed by document length: the corpus's sentences regrouped into documents
    of ``g`` sentences each (one paragraph), for each ``g`` in ``sizes``, scored in turn run
    by run (median over ``runs``). A least-squares line through the time per document gives
    what each document costs whatever its length and what each sentence adds."""
    from mtdetect.text import segment

    sents = [s.text for d in docs for s in segment(d).sentences]
    groups = {g: [" ".join(sents[i : i + g]) for i in range(0, len(sents), g)] for g in sizes}
    n_sent: dict[int, int] = {}
    seconds: dict[int, list[float]] = {g: [] for g in sizes}
    for _ in range(runs):
        for g, texts in groups.items():
            t0 = time.perf_counter()
            n_sent[g] = sum(len(detector.score(d).sentences) for d in texts)
            seconds[g].append(time.perf_counter() - t0)
    rows = []
    for g in sizes:
        sec = statistics.median(seconds[g])
        rows.append(
            {
                "sentences_per_doc": g,
                "documents": len(groups[g]),
                "sentences": n_sent[g],
                "seconds": sec,
                "sentences_per_s": n_sent[g] / sec,
                "ms_per_doc": 1e3 * sec / len(groups[g]),
            }
        )
    x = np.array([r["sentences"] / r["documents"] for r in rows])
    y = np.array([r["ms_per_doc"] for r in rows])
    per_sentence, per_doc = np.polyfit(x, y, 1) if len(rows) > 1 else (float("nan"),) * 2
    return {
        "runs": runs,
        "rows": rows,
        "ms_per_document": float(per_doc),
        "ms_per_sentence": float(per_sentence),
    }


def profile_end_to_end(detector: Any, docs: Sequence[str], top: int = 10) -> dict[str, Any]:
    """cProfile of ``detector.score`` over ``docs``: the ``top`` functions by own time, and the
    own time of the compiled core's functions (which the profiler does not slow down): the
    throughput that the compiled loops alone allow, if all the Python around them were free."""
    prof = cProfile.Profile()
    prof.enable()
    n_sent = sum(len(detector.score(d).sentences) for d in docs)
    prof.disable()
    st = pstats.Stats(prof)
    rows = []
    total = compiled = 0.0
    for (file, line, func), (_cc, nc, tt, ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        total += tt
        if "mtdetect._core." in func:
            compiled += tt
        rows.append((tt, ct, nc, _short_location(file, line, func)))
    rows.sort(reverse=True)
    return {
        "sentences": n_sent,
        "compiled_own_seconds": compiled,
        "compiled_only_sentences_per_s": n_sent / compiled if compiled else None,
        "total_own_seconds": total,
        "top": [
            {
                "function": loc,
                "calls": nc,
                "own_s": tt,
                "cumulative_s": ct,
                "own_share": tt / total if total else None,
            }
            for tt, ct, nc, loc in rows[:top]
        ],
    }


def _short_location(file: str, line: int, func: str) -> str:
    if file == "~":
        return func  # a built-in, e.g. "<method 'finditer' of 're.Pattern' objects>"
    p = Path(file)
    try:
        rel = p.resolve().relative_to(ROOT)
        where = str(rel)
    except ValueError:
        parts = p.parts
        where = (
            "/".join(parts[parts.index("site-packages") + 1 :])
            if "site-packages" in parts
            else p.name
        )
    return f"{where}:{line}({func})"


# --- start-up and memory -------------------------------------------------------------------


_GNU_TIME = Path("/usr/bin/time")


def _run_child(cmd: Sequence[str], env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MB, the child and its waited-for descendants) and exit code.

    A child forked from this (large) process inherits its peak RSS in ``ru_maxrss`` until it
    execs, so the peak is read through GNU time, whose own child starts small, when present.
    """
    timed = _GNU_TIME.exists()
    full = [str(_GNU_TIME), "-f", "%M", *cmd] if timed else list(cmd)
    t0 = time.perf_counter()
    proc = subprocess.Popen(full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    rss = usage.ru_maxrss / 1024  # KiB on Linux
    if proc.stderr is not None:
        err = proc.stderr.read().decode("utf-8", "replace").strip().splitlines()
        proc.stderr.close()
        if timed and err and err[-1].strip().isdigit():
            rss = int(err[-1].strip()) / 1024
    return wall, rss, proc.returncode


def _cli() -> tuple[list[str], str]:
    """The installed ``mtdetect`` script next to this interpreter, else ``python -m``."""
    script = Path(sys.executable).parent / "mtdetect"
    # The report shows the command without this machine's paths.
    if script.exists():
        return [str(script)], "mtdetect"
    return [sys.executable, "-m", "mtdetect.cli"], "python -m mtdetect.cli"


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _importtime_us(env: dict[str, str]) -> float | None:
    """Cumulative import time of ``mtdetect`` (µs) from ``python -X importtime``."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import mtdetect"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    for line in out.stderr.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[2] == "mtdetect":
            return float(parts[1])
    return None


def measure_startup(small_file: Path, runs: int) -> dict[str, Any]:
    """Cold start of ``mtdetect score``, import and load time, and the CLI's peak RSS."""
    env = _child_env()
    cli, shown = _cli()
    score_cmd = [*cli, "score", str(small_file)]
    _run_child(score_cmd, env)  # warm the file cache
    walls, rss, codes = [], [], []
    for _ in range(runs):
        w, r, c = _run_child(score_cmd, env)
        walls.append(w)
        rss.append(r)
        codes.append(c)
    # The same with Python's bytecode cache (what an installed package has; an environment
    # with PYTHONDONTWRITEBYTECODE compiles every module at every start).
    # Where the environment allows the cache, the runs above had it already.
    cached = walls
    if "PYTHONDONTWRITEBYTECODE" in env:
        cached_env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
        _run_child(score_cmd, cached_env)  # writes the cache
        cached = [_run_child(score_cmd, cached_env)[0] for _ in range(runs)]
    version = [_run_child([*cli, "--version"], env)[0] for _ in range(runs)]
    bare = [_run_child([sys.executable, "-c", "pass"], env)[0] for _ in range(runs)]
    imp = [_run_child([sys.executable, "-c", "import mtdetect"], env)[0] for _ in range(runs)]
    load_code = (
        "import time; t = time.perf_counter(); import mtdetect; mtdetect.load(); "
        "print(time.perf_counter() - t)"
    )
    loads = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", load_code],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        with contextlib.suppress(ValueError, IndexError):
            loads.append(float(out.stdout.strip().splitlines()[-1]))
    itimes = [t for t in (_importtime_us(env) for _ in range(runs)) if t is not None]
    return {
        "command": f"{shown} score {small_file.name}",
        "small_file_bytes": small_file.stat().st_size,
        "runs": runs,
        "exit_codes": sorted(set(codes)),
        "cold_start_s": statistics.median(walls),
        "cold_start_runs_s": walls,
        "bytecode_cache_in_env": "PYTHONDONTWRITEBYTECODE" not in env,
        "cold_start_bytecode_cached_s": statistics.median(cached),
        "cli_version_s": statistics.median(version),
        "interpreter_start_s": statistics.median(bare),
        "import_s": statistics.median(imp) - statistics.median(bare),
        "importtime_s": statistics.median(itimes) / 1e6 if itimes else None,
        "import_and_load_s": statistics.median(loads) if loads else None,
        "cli_peak_rss_mb": max(rss),
    }


def measure_large(
    docs: Sequence[str],
    mb: float,
    formats: Sequence[str] = ("json", "jsonl", "csv", "text", "html"),
) -> dict[str, Any]:
    """Wall time and peak RSS of ``mtdetect score -f FORMAT`` for every output format on one
    file of ``mb`` MB made of the benchmark documents repeated (one long document: the
    piecewise path). Each repetition starts with a character outside the Basic Multilingual
    Plane (an emoji, as web text has), so that Python holds any of its text at four bytes a
    character: the worst case for memory."""
    cli, shown = _cli()
    block = "\U0001f4f0 " + "\n\n".join(docs)
    target = int(mb * 1e6)
    reps = max(1, -(-target // max(1, len(block.encode()))))
    text = "\n\n".join([block] * reps).encode()[:target].decode("utf-8", "ignore")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "large.txt"
        big.write_text(text, encoding="utf-8")
        size = big.stat().st_size
        del text
        for fmt in formats:
            out = Path(tmp) / f"large.{fmt}"
            cmd = [*cli, "score", str(big), "-f", fmt, "-o", str(out), "-q"]
            wall, rss, code = _run_child(cmd, _child_env())
            rows.append(
                {
                    "format": fmt,
                    "command": f"{shown} score large.txt -f {fmt} -o large.{fmt}",
                    "output_bytes": out.stat().st_size if out.exists() else 0,
                    "seconds": wall,
                    "mb_per_s": size / 1e6 / wall if wall else None,
                    "peak_rss_mb": rss,
                    "exit_code": code,
                }
            )
            out.unlink(missing_ok=True)
    worst = max(rows, key=lambda r: r["peak_rss_mb"])
    return {
        "command": f"{shown} score large.txt -f FORMAT -o large.FORMAT",
        "bytes": size,
        "formats": rows,
        # The target is the worst format's.
        "peak_rss_mb": worst["peak_rss_mb"],
        "worst_format": worst["format"],
        "seconds": statistics.median(r["seconds"] for r in rows),
        "output_bytes": min(r["output_bytes"] for r in rows),
        "exit_code": max(r["exit_code"] for r in rows),
    }


def measure_pathological(mb: float) -> list[dict[str, Any]]:
    """Wall time and peak RSS of ``mtdetect score`` on inputs that are not prose: one line of
    base64 (no spaces, no sentence ends) and one word repeated (no sentence ends)."""
    import base64

    cli, _ = _cli()
    n = int(mb * 1e6)
    inputs = {
        "one base64 line": base64.b64encode(random.Random(0).randbytes(n * 3 // 4)).decode(),
        "one word repeated, no sentence end": ("word " * (n // 5)).strip(),
    }
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in inputs.items():
            f = Path(tmp) / "input.txt"
            f.write_text(text, encoding="utf-8")
            wall, rss, code = _run_child(
                [*cli, "score", str(f), "-f", "json", "-o", str(Path(tmp) / "o.json"), "-q"],
                _child_env(),
            )
            out.append({"input": name, "bytes": f.stat().st_size, "seconds": wall,
                        "peak_rss_mb": rss, "exit_code": code})  # fmt: skip
    return out


def measure_audit(n_docs: int) -> dict[str, Any]:
    """Wall time and peak RSS of ``mtdetect audit --workers 1`` (scores in-process) on a
    generated JSON Lines corpus (:func:`benchmarks.audit.write_corpus`)."""
    from benchmarks.audit import write_corpus

    cli, shown = _cli()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        size = write_corpus(corpus, n_docs)
        cmd = [
            *cli,
            "audit",
            str(corpus),
            "-o",
            str(Path(tmp) / "out"),
            "--workers",
            "1",
            "--quiet",
            "--overwrite",
        ]
        wall, rss, code = _run_child(cmd, _child_env())
    return {
        "command": f"{shown} audit corpus.jsonl -o OUT --workers 1",
        "documents": n_docs,
        "bytes": size,
        "exit_code": code,
        "seconds": wall,
        "docs_per_s": n_docs / wall if wall else None,
        "mb_per_s": size / 1e6 / wall if wall else None,
        "peak_rss_mb": rss,
    }


# --- accuracy ------------------------------------------------------------------------------


def _auc(pos: Sequence[float], neg: Sequence[float]) -> float | None:
    if not pos or not neg:
        return None
    from sklearn.metrics import roc_auc_score

    y = [1] * len(pos) + [0] * len(neg)
    return float(roc_auc_score(y, [*pos, *neg]))


def sentence_scorer(detector: Any) -> Callable[[str], float]:
    """mtdetect's score of a short text: its highest sentence score (0 without sentences)."""

    def score(text: str) -> float:
        return max((s.score for s in detector.score(text).sentences), default=0.0)

    return score


def _compare(
    pairs: Sequence[tuple[str, str]], scorers: dict[str, Callable[[str], float]]
) -> dict[str, Any]:
    """ROC-AUC of each scorer on (positive, negative) text pairs."""
    out: dict[str, Any] = {"positives": len(pairs), "negatives": len(pairs), "auc": {}}
    for name, fn in scorers.items():
        pos = [fn(p) for p, _ in pairs]
        neg = [fn(n) for _, n in pairs]
        out["auc"][name] = _auc(pos, neg)
    return out


def tortured_pairs(split: str = "dev") -> list[tuple[str, str, str, str]]:
    """(tortured sentence, expected sentence, tortured phrase, expected phrase) for the
    held-out rows, built as :func:`benchmarks.detectors.eval_tortured` builds them."""
    from benchmarks.detectors import _CARRIERS, _PHRASE_RE
    from training.build_tortured import heldout_rows

    rng = random.Random(7)
    out = []
    for row in heldout_rows(split=split):
        m = _PHRASE_RE.match(row.tortured_phrase.strip())
        expected = row.expected_phrase.split("(")[0].split(" see ")[0].strip().rstrip("?")
        if not m or not expected or "*" in m.group(1):
            continue
        carrier = rng.choice(_CARRIERS)
        out.append((carrier.format(m.group(1)), carrier.format(expected), m.group(1), expected))
    return out


def wmt_pairs(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """(machine translation, human reference) of ``n`` sampled WMT22 into-English segments."""
    from training.corpora import data_dir

    base = data_dir() / "mt" / "wmt22_toen"
    refs = sorted((base / "references").glob("generaltest2022.*-en.ref.*.en"))
    by_pair: dict[str, tuple[list[str], list[list[str]]]] = {}
    for ref in refs:
        pair = ref.name.split(".")[1]
        if pair in by_pair:
            continue  # the first reference of each pair
        hyps = sorted((base / "system-outputs").glob(f"generaltest2022.{pair}.hyp.*.en"))
        if not hyps:
            continue
        ref_lines = ref.read_text(encoding="utf-8").splitlines()
        hyp_lines = [h.read_text(encoding="utf-8").splitlines() for h in hyps]
        hyp_lines = [h for h in hyp_lines if len(h) == len(ref_lines)]
        if hyp_lines:
            by_pair[pair] = (ref_lines, hyp_lines)
    cands: list[tuple[str, int]] = [
        (p, i) for p, (r, _) in by_pair.items() for i in range(len(r)) if r[i].strip()
    ]
    rng = random.Random(seed)
    rng.shuffle(cands)
    out: list[tuple[str, str]] = []
    for pair, i in cands:
        ref_lines, hyp_lines = by_pair[pair]
        hyp = rng.choice(hyp_lines)[i].strip()
        ref = ref_lines[i].strip()
        if hyp and hyp != ref:
            out.append((hyp, ref))
        if len(out) >= n:
            break
    return out


def _list_span_numbers(
    matcher: Any, tort: Sequence[tuple[str, str, str, str]], clean: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    """Span-level numbers of the list baseline, comparable with benchmarks.detectors'."""
    from benchmarks.detectors import _WORD_RE, _overlaps
    from mtdetect.text import segment

    hits = flagged_expected = 0
    for t_text, e_text, t_phrase, e_phrase in tort:
        s = t_text.index(t_phrase)
        hits += any(_overlaps(a, b, s, s + len(t_phrase)) for a, b in matcher.spans(t_text))
        s = e_text.index(e_phrase)
        flagged_expected += any(
            _overlaps(a, b, s, s + len(e_phrase)) for a, b in matcher.spans(e_text)
        )
    words = sents = flagged_sents = flags = 0
    examples: list[str] = []
    for _source, text in clean:
        words += len(_WORD_RE.findall(text))
        for sent in segment(text).sentences:
            sents += 1
            found = matcher.spans(sent.text)
            flags += len(found)
            flagged_sents += bool(found)
            for a, b in found:
                if len(examples) < 12:
                    examples.append(sent.text[a:b])
    n = len(tort)
    return {
        "tortured_recall": hits / n if n else None,
        "expected_phrases_flagged": flagged_expected / n if n else None,
        "clean_flags_per_1000_words": 1000 * flags / words if words else None,
        "clean_share_sentences_flagged": flagged_sents / sents if sents else None,
        "clean_flag_examples": examples,
    }


def measure_accuracy(detector: Any, s: Settings) -> dict[str, Any]:
    """ROC-AUC of mtdetect and the baselines, and span-level numbers (dev split only)."""
    from benchmarks import detectors as bd
    from benchmarks.baselines import FluencyBaseline, ListMatcherBaseline
    from mtdetect.evidence import load_evidence
    from training.corpora import data_dir

    t_start = time.time()
    notes: list[str] = []
    csv_path = data_dir() / "lexicon" / "tortured_phrases_dev.csv"
    scorers: dict[str, Callable[[str], float]] = {"mtdetect": sentence_scorer(detector)}
    matcher = None
    if csv_path.exists():
        matcher = ListMatcherBaseline.from_csv(csv_path)
        scorers["list matcher"] = matcher.score
    else:
        notes.append(f"list baseline skipped: {csv_path} not found")
    scorers["fluency"] = FluencyBaseline(load_evidence()).score

    sets: dict[str, Any] = {}
    records = bd.synthetic_records("dev", s.synthetic_per_source, seed=1)
    syn_pairs = [(r["rewritten"], r["original"]) for r in records if r["edits"]]
    sets["synthetic rewrites vs originals"] = _compare(syn_pairs, scorers)

    tort = tortured_pairs("dev") if matcher is not None else []
    if tort:
        res = _compare([(a, b) for a, b, _, _ in tort], scorers)
        res["note"] = "the list baseline contains these held-out rows; mtdetect's list does not"
        sets["held-out tortured phrases vs expected phrases"] = res
    else:
        notes.append("held-out tortured phrases skipped: CSV not found")

    wmt = wmt_pairs(s.wmt_segments)
    if wmt:
        sets["WMT22 MT vs human reference"] = _compare(wmt, scorers)
    else:
        notes.append("WMT22 skipped: system outputs or references not found")

    span: dict[str, Any] = {"split": "dev"}
    t0 = time.time()
    span["synthetic"] = bd.eval_synthetic(detector, records)
    clean = bd.clean_texts("dev", s.clean_docs_per_source)
    span["clean"] = bd.eval_clean(detector, clean) if clean else None
    span["tortured"] = bd.eval_tortured(detector, "dev")
    span["mlqe"] = bd.eval_mlqe(detector, "dev", s.mlqe_per_pair)
    span["seconds"] = time.time() - t0
    baseline_spans = _list_span_numbers(matcher, tort, clean) if matcher is not None else None
    return {
        "sets": sets,
        "span_level": span,
        "list_baseline": {
            "phrases": matcher.size if matcher else None,
            "source": str(csv_path.name),
            **(baseline_spans or {}),
        },
        "notes": notes,
        "seconds": time.time() - t_start,
    }


# --- report --------------------------------------------------------------------------------


def _fmt(x: float | None, spec: str = ",.0f") -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with the measured value and whether it is met (None: not measured)."""
    thr = report.get("throughput") or {}
    start = report.get("startup") or {}
    measured = {
        "end_to_end_sentences_per_s": (thr.get("end_to_end") or {}).get("sentences_per_s"),
        # An installed package has its bytecode compiled (pip does it); a source checkout in
        # an environment with PYTHONDONTWRITEBYTECODE compiles every module at every start,
        # which the start-up table shows beside it.
        "cold_start_s": start.get("cold_start_bytecode_cached_s", start.get("cold_start_s")),
        "cli_peak_rss_mb": start.get("cli_peak_rss_mb"),
        "large_peak_rss_mb": (report.get("large") or {}).get("peak_rss_mb"),
    }
    out = []
    for key, desc, goal, unit, higher in TARGETS:
        val = measured[key]
        ok = None if val is None else (val >= goal if higher else val <= goal)
        out.append(
            {
                "key": key,
                "target": desc,
                "goal": goal,
                "unit": unit,
                "higher_is_better": higher,
                "measured": val,
                "met": ok,
            }
        )
    return out


def markdown(r: dict[str, Any]) -> str:
    """The human-readable report."""
    m = r["machine"]
    c = r["corpus"]
    lines = [
        "# mtdetect benchmarks",
        "",
        f"`python -m benchmarks run{' --quick' if r['settings']['quick'] else ''}` on "
        f"{m['date']}: {m['cpu_model']}, {m['cores']} cores ({m['usable_cores']} usable, load "
        f"average {m['load_average']}), Python {m['python']}, numpy {m['numpy']}, "
        f"scikit-learn {m['sklearn']}, mtdetect {m['mtdetect']} (commit {m['commit']}), "
        f"{m['platform']}.",
        "",
        f"Corpus: {c['documents']:,} documents, {c['bytes'] / 1e6:.2f} MB, {c['origin']}. "
        "Times are medians on this machine; compare them as ratios.",
        "",
        "## Targets",
        "",
        "| target | goal | measured | |",
        "|---|---|---|---|",
    ]
    for t in r["targets"]:
        sign = ">=" if t["higher_is_better"] else "<="
        spec = ",.0f" if t["unit"] == "sentences/s" else ",.2f"
        mark = {True: "PASS", False: "MISS", None: "not measured"}[t["met"]]
        lines.append(
            f"| {t['target']} | {sign} {t['goal']:,g} {t['unit']} | "
            f"{_fmt(t['measured'], spec)} {t['unit']} | {mark} |"
        )
    thr = r.get("throughput")
    if thr:
        e2e = thr["end_to_end"]
        lines += [
            "",
            f"## Throughput on one core ({thr['sentences']:,} sentences, {thr['bytes'] / 1e6:.2f}"
            f" MB; median of {thr['runs']} runs after a warm-up; scorer `{thr['scorer']}`)",
            "",
            "Each stage's rate is what that stage alone would sustain; share is of the "
            "end-to-end time.",
            "",
            "| stage | seconds | sentences/s | MB/s | share |",
            "|---|---:|---:|---:|---:|",
        ]
        for st in thr["stages"]:
            lines.append(
                f"| {st['stage']} | {st['seconds']:.3f} | {_fmt(st['sentences_per_s'])} | "
                f"{_fmt(st['mb_per_s'], '.3f')} | {st['share']:.1%} |"
            )
        lines += [
            f"| **end to end** (`detector.score`) | {e2e['seconds']:.3f} | "
            f"**{_fmt(e2e['sentences_per_s'])}** | {_fmt(e2e['mb_per_s'], '.3f')} | 100% |",
        ]
        for name, fl in (thr.get("floors") or {}).items():
            lines.append(
                f"| floor: {name} | {fl['seconds']:.4f} | {_fmt(fl['sentences_per_s'])} | "
                f"{_fmt(fl['mb_per_s'], '.2f')} | {_fmt(fl.get('ratio_to_mtdetect'), '.1%')} |"
            )
        best = thr.get("end_to_end_best")
        if best:
            runs_s = ", ".join(f"{x:.2f}" for x in e2e.get("runs_seconds", []))
            lines += [
                "",
                f"End to end run by run: {runs_s} s; the fastest gives "
                f"{_fmt(best['sentences_per_s'])} sentences/s. The machine is shared, so a "
                "stage and the end-to-end pass of one run can see different loads: the "
                '"other" row takes that noise.',
            ]
        if not thr["trained_scorer"]:
            lines += ["", "No trained model is installed: the scorer stage is the heuristic."]
        bl = thr.get("by_length")
        if bl:
            lines += [
                "",
                "### By document length",
                "",
                f"The same sentences regrouped into documents of 1 to "
                f"{bl['rows'][-1]['sentences_per_doc']} sentences (median of {bl['runs']} runs). "
                f"A line through the time per document: **{bl['ms_per_document']:.2f} ms per "
                f"document** whatever its length, plus {bl['ms_per_sentence']:.3f} ms per "
                "sentence: the many small numpy calls and the Python around them cost the "
                "same for a one-sentence document as for a long one.",
                "",
                "| sentences per document | documents | sentences/s | ms per document |",
                "|---:|---:|---:|---:|",
            ]
            for row in bl["rows"]:
                lines.append(
                    f"| {row['sentences_per_doc']} | {row['documents']:,} | "
                    f"{_fmt(row['sentences_per_s'])} | {row['ms_per_doc']:.2f} |"
                )
    prof = r.get("profile")
    if prof:
        lines += [
            "",
            f"## Profile of the end-to-end path (cProfile, {prof['bytes'] / 1e6:.2f} MB; top 10 "
            "by own time)",
            "",
            "| function | calls | own s | own share | cumulative s |",
            "|---|---:|---:|---:|---:|",
        ]
        for row in prof["top"]:
            fn = row["function"].replace("|", "\\|")
            lines.append(
                f"| `{fn}` | {row['calls']:,} | {row['own_s']:.3f} | "
                f"{_fmt(row['own_share'], '.1%')} | {row['cumulative_s']:.3f} |"
            )
        if prof.get("compiled_own_seconds"):
            lines += [
                "",
                f"The compiled core's functions take {prof['compiled_own_seconds']:.3f} s of "
                f"this run ({prof['sentences']:,} sentences): with everything around them "
                f"free, at most {_fmt(prof['compiled_only_sentences_per_s'])} sentences/s.",
            ]
    st = r.get("startup")
    mem: list[str] = []
    if st:
        no_cache = (
            ""
            if st.get("bytecode_cache_in_env", True)
            else "; the runs above had none: this environment sets PYTHONDONTWRITEBYTECODE"
        )
        mem += [
            f"| cold start: `{st['command']}` ({st['small_file_bytes']:,} bytes) | "
            f"{st['cold_start_s']:.3f} s |",
            f"| the same with Python's bytecode cache written (as an installed package has"
            f"{no_cache}) | {_fmt(st.get('cold_start_bytecode_cached_s'), '.3f')} s |",
            f"| `mtdetect --version` (CLI start, no tables) | {st['cli_version_s']:.3f} s |",
            f"| bare interpreter start (`python -c pass`) | {st['interpreter_start_s']:.3f} s |",
            f"| `import mtdetect` (minus bare start) | {st['import_s']:.3f} s |",
            f"| `import mtdetect` (`-X importtime`, cumulative) | "
            f"{_fmt(st['importtime_s'], '.3f')} s |",
            f"| `import mtdetect; mtdetect.load()` in-process | "
            f"{_fmt(st['import_and_load_s'], '.3f')} s |",
            f"| peak RSS of the CLI scoring the small file | {st['cli_peak_rss_mb']:.0f} MB |",
        ]
    lg = r.get("large")
    for row in (lg or {}).get("formats") or ([lg] if lg else []):
        mem.append(
            f"| peak RSS of the CLI on one large file (`{row['command']}`, "
            f"{lg['bytes'] / 1e6:.1f} MB, {row['seconds']:.0f} s) | {row['peak_rss_mb']:.0f} MB |"
        )
    for pa in r.get("pathological") or []:
        mem.append(
            f"| peak RSS of the CLI on text that is not prose: {pa['input']} "
            f"({pa['bytes'] / 1e6:.1f} MB, {pa['seconds']:.1f} s, exit {pa['exit_code']}) | "
            f"{pa['peak_rss_mb']:.0f} MB |"
        )
    au = r.get("audit")
    if au:
        mem.append(
            f"| peak RSS of one audit worker (`--workers 1`, {au['documents']:,} generated "
            f"docs, {au['bytes'] / 1e6:.1f} MB; {au['docs_per_s']:,.0f} docs/s, "
            f"{au['mb_per_s']:.2f} MB/s) | {au['peak_rss_mb']:.0f} MB |"
        )
    if mem:
        runs = f" (medians of {st['runs']} runs)" if st else ""
        lines += ["", f"## Start-up and memory{runs}", "", "| measure | value |", "|---|---:|"]
        lines += mem
    acc = r.get("accuracy")
    if acc:
        lines += [
            "",
            "## Accuracy against baselines (sentence level, ROC-AUC, dev data)",
            "",
            "mtdetect: highest sentence score of the text. List matcher: "
            f"{_fmt(acc['list_baseline']['phrases'])} first quoted phrases of all rows of "
            f"`{acc['list_baseline']['source']}` (held-out rows included), exact lower-cased "
            "token match, score = number of matches. Fluency: mean bigram surprisal "
            "(`benchmarks.baselines`).",
            "",
            "| set | pairs | mtdetect | list matcher | fluency |",
            "|---|---:|---:|---:|---:|",
        ]
        for name, v in acc["sets"].items():
            a = v["auc"]
            lines.append(
                f"| {name} | {v['positives']:,} | {_fmt(a.get('mtdetect'), '.3f')} | "
                f"{_fmt(a.get('list matcher'), '.3f')} | {_fmt(a.get('fluency'), '.3f')} |"
            )
        lb = acc["list_baseline"]
        span = acc["span_level"]
        tort = span.get("tortured") or {}
        clean = span.get("clean") or {}
        if lb.get("tortured_recall") is not None:
            lines += [
                "",
                "Span level, mtdetect vs the list baseline:",
                "",
                "| measure | mtdetect | list matcher |",
                "|---|---:|---:|",
                f"| held-out tortured phrases found (recall) | {_fmt(tort.get('recall'), '.3f')} "
                f"| {_fmt(lb['tortured_recall'], '.3f')} |",
                f"| expected phrase flagged in the same sentence | "
                f"{_fmt(tort.get('expected_phrases_flagged'), '.3f')} | "
                f"{_fmt(lb['expected_phrases_flagged'], '.3f')} |",
                f"| clean prose: flags per 1,000 words | "
                f"{_fmt(clean.get('flags_per_1000_words'), '.3f')} | "
                f"{_fmt(lb['clean_flags_per_1000_words'], '.3f')} |",
                f"| clean prose: share of sentences flagged | "
                f"{_fmt(clean.get('share_sentences_flagged'), '.2%')} | "
                f"{_fmt(lb['clean_share_sentences_flagged'], '.2%')} |",
            ]
            if lb["clean_flag_examples"]:
                ex = ", ".join(repr(x) for x in lb["clean_flag_examples"][:8])
                lines += ["", f"List-matcher flags in clean prose, e.g.: {ex}."]
        from benchmarks.detectors import markdown as detectors_markdown

        lines += ["", detectors_markdown(span).replace("## ", "### ").rstrip()]
    if r["notes"]:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in r["notes"]]
    lines += ["", f"Benchmark took {r['seconds']:.0f} s."]
    return "\n".join(lines) + "\n"


def _clean_json(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): _clean_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean_json(v) for v in obj]
    return obj


def run(
    out: Path,
    quick: bool = False,
    parts: Sequence[str] = ("throughput", "profile", "startup", "large", "audit", "accuracy"),
    large_mb: float | None = None,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the benchmarks and write ``report.md`` and ``report.json`` in ``out``."""
    import mtdetect

    say = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    s = Settings.quick_preset() if quick else Settings.full_preset()
    if large_mb is not None:
        s.large_mb = large_mb
    t_start = time.time()
    notes: list[str] = []
    report: dict[str, Any] = {"schema": SCHEMA, "machine": machine_info(), "settings": asdict(s)}
    say(f"machine: {report['machine']['cpu_model']}, load {report['machine']['load_average']}")
    docs, origin, is_news = build_corpus(s.corpus_bytes)
    report["corpus"] = {
        "documents": len(docs),
        "bytes": sum(len(d.encode()) for d in docs),
        "origin": origin,
        "news": is_news,
    }
    if not is_news:
        notes.append(
            "shared data not found: throughput measured on the bundled examples, not news; "
            "accuracy skipped"
        )
    detector = mtdetect.load()
    report["throughput"] = report["profile"] = report["startup"] = None
    report["audit"] = report["accuracy"] = report["large"] = report["pathological"] = None
    if "throughput" in parts:
        say(f"throughput: {len(docs)} documents, {s.runs} runs")
        report["throughput"] = time_stages(detector, docs, s.runs)
        say(f"throughput by document length: {s.length_sizes} sentences per document")
        report["throughput"]["by_length"] = by_length(detector, docs, s.length_sizes, s.runs)
    if "profile" in parts:
        pdocs, size = [], 0
        for d in docs:
            pdocs.append(d)
            size += len(d.encode())
            if size >= s.profile_bytes:
                break
        say(f"profile: {len(pdocs)} documents")
        report["profile"] = {**profile_end_to_end(detector, pdocs), "bytes": size}
    if "startup" in parts:
        say(f"start-up and CLI memory: {s.cold_runs} runs")
        small = EXAMPLES / "rewritten_article.txt"
        if not small.exists():
            small = next(iter(sorted(EXAMPLES.glob("*.txt"))))
        report["startup"] = measure_startup(small, s.cold_runs)
    if "large" in parts:
        say(f"large file memory: {s.large_mb} MB")
        report["large"] = measure_large(docs, s.large_mb)
        say(f"pathological inputs: {s.pathological_mb} MB each")
        report["pathological"] = measure_pathological(s.pathological_mb)
    if "audit" in parts:
        say(f"audit worker memory: {s.audit_docs} documents")
        report["audit"] = measure_audit(s.audit_docs)
    if "accuracy" in parts:
        if is_news:
            say("accuracy")
            report["accuracy"] = measure_accuracy(detector, s)
            notes.extend(report["accuracy"].pop("notes"))
        else:
            notes.append("accuracy skipped: it needs the shared data folder ($MTDETECT_DATA)")
    if report["throughput"] and not is_news:
        notes.append("the throughput target is defined on news text: not comparable here")
    report["targets"] = targets(report)
    report["notes"] = notes
    report["seconds"] = time.time() - t_start
    report = _clean_json(report)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    (out / "report.md").write_text(markdown(report), encoding="utf-8")
    say(f"wrote {out / 'report.md'} and {out / 'report.json'} in {report['seconds']:.0f} s")
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks run [--quick] [--out DIR] [--parts ...]``."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks run", description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke test")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    ap.add_argument(
        "--parts",
        nargs="+",
        default=["throughput", "profile", "startup", "large", "audit", "accuracy"],
        choices=["throughput", "profile", "startup", "large", "audit", "accuracy"],
    )
    ap.add_argument(
        "--large-mb", type=float, default=None, help="size of the large file (default 10 MB)"
    )
    args = ap.parse_args(argv)
    run(args.out, quick=args.quick, parts=args.parts, large_mb=args.large_mb)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
