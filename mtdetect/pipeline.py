"""The detector pipeline: text -> sentences -> spans -> scores -> :class:`DocumentResult`."""

from __future__ import annotations

import bisect
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from itertools import islice

from mtdetect.classifier.scoring import HeuristicScorer, PieceScore, Scorer
from mtdetect.detectors import Detector, default_detectors
from mtdetect.detectors.spinner import TEMPLATE_EXPLANATION
from mtdetect.detectors.tortured_list import LISTED_MARK
from mtdetect.result import DocumentResult, SentenceResult, Span, verdict_for
from mtdetect.tagger.spans import SENSITIVITIES, Tagger, TokenOutputs, check_sensitivity
from mtdetect.text import Sentence, segment, stream_windows

#: Documents longer than this (characters) are analysed in pieces (see MTDetector.score).
WINDOW_CHARS = 100_000

#: A span at least this strong that is a spinner template or a listed tortured phrase makes
#: its document at least *suspect* (:meth:`MTDetector.combine_pieces`).
DECISIVE_STRENGTH = 0.9

__all__ = ["DECISIVE_STRENGTH", "MTDetector", "assign_spans", "is_decisive"]


def is_decisive(span: Span) -> bool:
    """Whether ``span`` alone makes its document at least *suspect*: a spinner template left
    in the text, or a published tortured phrase of the list, at :data:`DECISIVE_STRENGTH` or
    more. Both are found by exact rules and almost never occur in edited prose."""
    if span.strength < DECISIVE_STRENGTH:
        return False
    return span.explanation.startswith(TEMPLATE_EXPLANATION) or LISTED_MARK in span.explanation


def assign_spans(sentences: Sequence[Sentence], spans: Iterable[Span]) -> list[list[Span]]:
    """Group spans by the sentence that contains their start, clipped to that sentence.

    Exact duplicates (same offsets and family) keep the strongest; each group is sorted
    by offset.
    """
    starts = [s.start for s in sentences]
    groups: list[dict[tuple[int, int, str], Span]] = [{} for _ in sentences]
    for sp in spans:
        i = bisect.bisect_right(starts, sp.start) - 1
        if i < 0:
            continue
        sent = sentences[i]
        if sp.start >= sent.end:
            continue
        if sp.end > sent.end:
            cut = sent.end - sp.start
            sp = Span(sp.start, sent.end, sp.text[:cut], sp.family, sp.strength,
                      sp.explanation, sp.suggestion)  # fmt: skip
        key = (sp.start, sp.end, sp.family)
        old = groups[i].get(key)
        if old is None or sp.strength > old.strength:
            groups[i][key] = sp
    return [sorted(g.values(), key=lambda s: (s.start, s.end)) for g in groups]


class MTDetector:
    """Finds machine-rewriting artifacts in English text and scores it.

    Build one with :func:`mtdetect.load`; it is cheap to call many times.
    """

    def __init__(
        self,
        detectors: Sequence[Detector] | None = None,
        scorer: Scorer | None = None,
        tagger: Tagger | None = None,
    ) -> None:
        self.detectors: list[Detector] = (
            list(detectors) if detectors is not None else default_detectors()
        )
        self.scorer: Scorer = scorer if scorer is not None else HeuristicScorer()
        #: The learned span tagger (word-level evidence), if installed.
        self.tagger: Tagger | None = tagger
        #: How a worker process of :meth:`score_many` makes this detector: a function that
        #: loads it from its files (:func:`mtdetect.load` sets it for the shipped default),
        #: or None to send the detector itself to each worker once.
        self.rebuild: Callable[[], MTDetector] | None = None

    @property
    def model_name(self) -> str:
        return self.scorer.name

    def describe(self) -> list[str]:
        """Human-readable lines about the scorer and detectors, for ``mtdetect info``."""
        lines = [f"scoring: {self.scorer.description}", *self.scorer.summary()]
        lines.append(
            f"verdicts: clean < {self.scorer.suspect_threshold:.4g} <= suspect < "
            f"{self.scorer.rewritten_threshold:.4g} <= rewritten"
        )
        lines.append("detectors:")
        for det in self.detectors:
            lines.append(f"  {det.name} ({det.family})")
        if self.tagger is not None:
            model = self.tagger.model
            points = ", ".join(f"{s} {model.point(s)[0]:.3g}" for s in SENSITIVITIES)
            lines.append(
                f"  tagger (lexical families; learned from real machine output, span "
                f"threshold {model.threshold:.3g} for the scores; shown at --sensitivity "
                f"{points})"
            )
            if model.rewritten_points:
                rw = ", ".join(f"{s} {model.rewritten_points[s]:.3g}" for s in SENSITIVITIES)
                lines.append(f"  tagger in pieces the classifier calls rewritten: {rw}")
        else:
            lines.append("  tagger: not installed (lexical families off)")
        lines.extend(_evidence_lines())
        from mtdetect.native import core_status

        lines.append(core_status())
        lines.append(
            "tortured-phrase list: Cabanac, Labbe and Magazinov (2021), Problematic Paper "
            "Screener fingerprints, MIT (mtdetect/data/TORTURED_PHRASES_LICENSE.md)"
        )
        return lines

    def detect(
        self, text: str, sensitivity: str = "default"
    ) -> tuple[list[Sentence], list[list[Span]]]:
        """Sentences of ``text`` and the spans of each shown at ``sensitivity``, as
        :meth:`score` shows them for a text of one piece (up to :data:`WINDOW_CHARS`; what is
        shown depends on whether the piece reads as rewritten, and ``detect`` scores the
        whole text as one piece, where :meth:`score` cuts a longer one)."""
        check_sensitivity(sensitivity)
        sentences, spans, _, _ = self._score_piece(text, 0, None, 0, sensitivity)
        return sentences, spans

    def analyse(
        self, text: str, start: int = 0, end: int | None = None, first_paragraph: int = 0
    ) -> tuple[list[Sentence], list[list[Span]], TokenOutputs | None]:
        """Sentences, the spans of each that the classifier reads (the tagger's at its own
        threshold), and the tagger's token outputs (None without it), of ``text`` or of its
        piece ``text[start:end]`` (offsets always into ``text``)."""
        sentences, ruled, tagged, tokens = self.find(text, start, end, first_paragraph)
        return sentences, assign_spans(sentences, ruled + tagged), tokens

    def find(
        self, text: str, start: int = 0, end: int | None = None, first_paragraph: int = 0
    ) -> tuple[list[Sentence], list[Span], list[Span], TokenOutputs | None]:
        """As :meth:`analyse`, with the spans not yet grouped by sentence: the rule
        detectors', then the tagger's (at its own threshold, which the classifier reads), and
        its token outputs, from which :meth:`Tagger.spans_at
        <mtdetect.tagger.spans.Tagger.spans_at>` cuts the spans of a sensitivity."""
        sentences = segment(text, start=start, end=end, first_paragraph=first_paragraph).sentences
        ruled: list[Span] = []
        for det in self.detectors:
            ruled.extend(det.detect(text, sentences))
        tagged: list[Span] = []
        tokens = None
        if self.tagger is not None and sentences:
            tagged, tokens = self.tagger.run(text, sentences)
        return sentences, ruled, tagged, tokens

    def reads_rewritten(self, score: float) -> bool:
        """Whether a piece scored ``score`` is shown as one the classifier calls *rewritten*
        (:attr:`~mtdetect.tagger.spans.TaggerModel.rewritten_points`). Never under the
        heuristic fallback: those points were measured with the trained classifier's
        verdicts."""
        trained = not isinstance(self.scorer, HeuristicScorer)
        return trained and score >= self.scorer.rewritten_threshold

    def _score_piece(
        self,
        text: str,
        start: int,
        end: int | None,
        first_paragraph: int,
        sensitivity: str = "default",
    ) -> tuple[list[Sentence], list[list[Span]], list[float], PieceScore]:
        """Sentences, the spans shown at ``sensitivity``, sentence scores and the piece's
        evidence. Scores read the spans of the tagger's own threshold: a sensitivity changes
        what is shown, never a score or a verdict. What is shown depends on the score: in a
        piece the classifier calls *rewritten* the tagger's evidence is shown more readily
        (:attr:`~mtdetect.tagger.spans.TaggerModel.rewritten_points`)."""
        sentences, ruled, tagged, tokens = self.find(text, start, end, first_paragraph)
        spans = assign_spans(sentences, ruled + tagged)
        decisive = any(is_decisive(sp) for group in spans for sp in group)
        scores, piece = self.scorer.score_piece(text, sentences, spans, tokens)
        if self.tagger is not None and tokens is not None:
            # never the classifier's spans: shown strengths are precisions, the point may
            # differ, and the document passes add spans the classifier does not read
            shown = self.tagger.spans_at(tokens, sensitivity, self.reads_rewritten(piece.score))
            spans = assign_spans(sentences, ruled + shown)
        return sentences, spans, scores, replace(piece, decisive=decisive)

    def score(
        self,
        text: str,
        id: str | None = None,
        source: str | None = None,
        min_strength: float = 0.0,
        sensitivity: str = "default",
    ) -> DocumentResult:
        """Score one document. Spans weaker than ``min_strength`` are left out of the result
        (they still count towards the score). ``sensitivity`` (``low``, ``default``, ``high``:
        :data:`~mtdetect.tagger.spans.SENSITIVITIES`) sets how readily the span tagger shows a
        span: each is an operating point measured on clean and rewritten text (README, *Spans*);
        it never changes a score or a verdict.

        A document longer than :data:`WINDOW_CHARS` is analysed in pieces of whole
        paragraphs (a longer paragraph is cut at white space), so that memory stays bounded
        whatever its size; the pieces' evidence is then added up (:meth:`combine_pieces`).
        """
        if not isinstance(text, str):  # score_pieces also takes chunks; score takes text
            raise TypeError(f"text must be str, not {type(text).__name__}")
        results: list[SentenceResult] = []
        pieces: list[PieceScore] = []
        for sentences, piece in self.score_pieces(text, min_strength, sensitivity):
            results.extend(sentences)
            pieces.append(piece)
        doc_score = self.combine_pieces(pieces)
        return DocumentResult(doc_score, self.verdict(doc_score), self.model_name, results, id,
                              source)  # fmt: skip

    def score_pieces(
        self, text: str | Iterable[str], min_strength: float = 0.0, sensitivity: str = "default"
    ) -> Iterator[tuple[list[SentenceResult], PieceScore]]:
        """The scored sentences of ``text`` piece by piece (see :meth:`score`), each piece with
        its :class:`~mtdetect.classifier.scoring.PieceScore`: for writers that must not hold a huge
        document's sentences. :meth:`combine_pieces` gives the document score.

        ``text`` may also be the document's text in chunks, in order (a file read a block at a
        time, :func:`mtdetect.inputs.open_input`): then the whole text is never held, and the
        results are the same as for the joined text, offsets included.
        """
        check_sensitivity(sensitivity)
        if isinstance(text, str):
            chunks: Iterable[str] = (text,)
        elif isinstance(text, (bytes, bytearray, memoryview)) or not isinstance(text, Iterable):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        else:
            chunks = _checked_chunks(text)
        # A text of one piece (nearly every document) needs no scan for where to cut it.
        short = isinstance(text, str) and len(text) <= WINDOW_CHARS
        cuts = [(0, text, 0)] if short else stream_windows(chunks, WINDOW_CHARS)
        for offset, piece, first in cuts:
            # A piece is analysed on its own: nothing looks past its ends (the tests check
            # that this equals analysing it inside the whole text).
            sentences, spans, scores, score = self._score_piece(piece, 0, None, first, sensitivity)
            yield (
                [
                    SentenceResult(
                        s.start + offset,
                        s.end + offset,
                        s.text,
                        float(sc),
                        [_shifted(sp, offset) for sp in sp_list if sp.strength >= min_strength],
                        s.paragraph,
                    )
                    for s, sc, sp_list in zip(sentences, scores, spans, strict=True)
                ],
                score,
            )

    def combine_pieces(self, pieces: Sequence[PieceScore]) -> float:
        """The document score from its pieces (:meth:`score_pieces`), by the scorer's
        ``combine``: a trained model adds up their evidence (each head's sentence log-odds and
        the sentence count), so every sentence counts as it would if the pieces were one; the
        heuristic scorer takes the mean log-odds of the pieces' scores, weighted by their
        sentences. A document with a decisive span (:func:`is_decisive`) scores at least the
        *suspect* threshold, so that the verdict never contradicts the report."""
        score = float(self.scorer.combine(pieces))
        if any(p.decisive for p in pieces):
            score = max(score, float(self.scorer.suspect_threshold))
        return score

    def verdict(self, score: float) -> str:
        """``clean``, ``suspect`` or ``rewritten`` for a document score."""
        return verdict_for(score, self.scorer.suspect_threshold, self.scorer.rewritten_threshold)

    def score_many(
        self,
        texts: Iterable[str],
        n_jobs: int = 1,
        batch_size: int = 64,
        min_strength: float = 0.0,
        sensitivity: str = "default",
    ) -> Iterator[DocumentResult]:
        """Score an iterable of texts, streaming results in input order.

        With ``n_jobs`` > 1 (or -1 for all cores, -2 for all but one) batches are scored in
        worker processes; the input is consumed lazily, a few batches ahead. Each worker
        gets the detector once (the shipped default is loaded in the worker itself), and
        batches carry only texts, so two workers run about twice as fast as one.
        """
        check_sensitivity(sensitivity)
        if n_jobs == 1:
            for text in texts:
                yield self.score(text, min_strength=min_strength, sensitivity=sensitivity)
            return
        workers = n_jobs if n_jobs > 0 else max(1, (os.cpu_count() or 1) + 1 + n_jobs)
        yield from _score_parallel(self, texts, workers, batch_size, min_strength, sensitivity)


def _shifted(span: Span, offset: int) -> Span:
    """``span`` with its offsets moved by ``offset`` (a piece's spans into the document)."""
    return span if not offset else replace(span, start=span.start + offset, end=span.end + offset)


def _checked_chunks(chunks: Iterable[str]) -> Iterator[str]:
    for chunk in chunks:
        if not isinstance(chunk, str):
            raise TypeError(f"text chunks must be str, not {type(chunk).__name__}")
        yield chunk


def _score_parallel(
    detector: MTDetector,
    texts: Iterable[str],
    workers: int,
    batch_size: int,
    min_strength: float,
    sensitivity: str,
) -> Iterator[DocumentResult]:
    from collections import deque
    from concurrent.futures import Future

    from joblib.externals.loky import get_reusable_executor

    # The shipped default (mtdetect.load()) is rebuilt in each worker from its files: no
    # 47 MB pickle at all. Any other detector is pickled once per worker, not per batch.
    # loky keeps the workers for the next call with the same detector, and (unlike a
    # forkserver or spawn pool) does not re-run a script's __main__ in them.
    spec = detector.rebuild if detector.rebuild is not None else detector
    pool = get_reusable_executor(workers, initializer=_worker_init, initargs=(spec,))
    it = iter(texts)
    pending: deque[Future] = deque()
    try:
        while True:
            while len(pending) < 2 * workers:
                batch = list(islice(it, batch_size))
                if not batch:
                    break
                pending.append(pool.submit(_score_in_worker, batch, min_strength, sensitivity))
            if not pending:
                return
            yield from pending.popleft().result()
    finally:
        for fut in pending:  # the caller stopped early: drop what is queued
            fut.cancel()


_WORKER_DETECTOR: MTDetector | None = None


def _worker_init(spec: MTDetector | Callable[[], MTDetector]) -> None:
    global _WORKER_DETECTOR
    _WORKER_DETECTOR = spec() if callable(spec) else spec


def _score_in_worker(
    texts: list[str], min_strength: float, sensitivity: str
) -> list[DocumentResult]:
    assert _WORKER_DETECTOR is not None
    det = _WORKER_DETECTOR
    return [det.score(t, min_strength=min_strength, sensitivity=sensitivity) for t in texts]


def _evidence_lines() -> list[str]:
    """The evidence tables in use, with their sources and licences (attribution)."""
    from mtdetect.evidence import default_path, load_evidence

    if not (default_path() / "meta.json").exists():
        return ["evidence tables: not installed (statistical detectors off)"]
    d = load_evidence().describe()
    lines = [
        f"evidence tables: built {d.get('built')}, {d['vocab_size']:,} words, "
        f"{d['bigrams']:,} bigrams, {d['trigrams']:,} trigrams, "
        f"{d['bytes_on_disk'] / 1e6:.1f} MB",
        "  licence: CC BY-SA 4.0 data file (mtdetect/data/evidence/LICENSE-DATA.md); sources:",
    ]
    lines.extend(f"    {name}: {text}" for name, text in d.get("licences", {}).items())
    lines.append(
        "  Open English WordNet by John P. McCrae, Alexandre Rademaker, Francis Bond, Ewa "
        "Rudnicka and Christiane Fellbaum (English WordNet 2019), CC BY 4.0; based on "
        "Princeton WordNet 3.0"
    )
    return lines
