"""``mangled-entity``: a name, demonym or title misspelled, mis-cased or translated word by word.

Three signals, none needing a list of names:

- a capitalised word that is rare, but one or two letters from a frequent word that is
  nearly always capitalised ("Kenyon officials" for "Kenyan officials");
- a word that is nearly always capitalised written in lower case ("the pentagon said");
- a capitalised pair with both words swapped for thesaurus neighbours ("the Joined
  Countries"), found by :mod:`mtdetect.detectors.substitution`.
"""

from __future__ import annotations

import string
from collections.abc import Sequence

import numpy as np

from mtdetect.detectors.base import make_span
from mtdetect.detectors.ngrams import WordSeq, document_view, fmt_count
from mtdetect.detectors.substitution import SubstitutionDetector
from mtdetect.evidence import Evidence
from mtdetect.result import Span
from mtdetect.text import Sentence

__all__ = ["EntityDetector", "edits1"]

FAMILY = "mangled-entity"
_LETTERS = string.ascii_lowercase


def edits1(word: str) -> set[str]:
    """All strings one deletion, transposition, replacement or insertion from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    transposes = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in _LETTERS if c != b[0]]
    inserts = [a + c + b for a, b in splits for c in _LETTERS]
    return set(deletes + transposes + replaces + inserts)


class EntityDetector(SubstitutionDetector):
    """Misspelled and lower-cased names, and names translated word by word."""

    name = "entity"
    family = FAMILY

    #: A misspelling's likely original must be this frequent and this often capitalised.
    name_min = 150.0
    cap_min = 0.6
    #: ... and this many times more frequent than the word seen.
    ratio_min = 25.0
    #: Lower-cased proper nouns: the word must be capitalised this often, and this frequent.
    lower_cap_min = 0.985
    lower_min = 1000.0

    def detect(self, text: str, sentences: Sequence[Sentence]) -> list[Span]:
        ev = self.evidence
        spans = super().detect(text, sentences)  # names translated word by word
        for seq in document_view(ev, sentences).sequences:
            spans.extend(self._misspelled(ev, text, seq))
            spans.extend(self._lowercased(ev, text, seq))
        return spans

    def _names(self) -> frozenset[str]:
        """Frequent words that are usually capitalised: the originals a misspelling may have."""
        names = getattr(self, "_name_set", None)
        if names is None:
            ev = self.evidence
            ids = np.arange(ev.vocab_size)
            counts = ev.unigram_ids(ids)
            caps = ev.cap_ratio_ids(ids)
            keep = np.nonzero((counts >= self.name_min) & (caps >= self.cap_min))[0]
            names = frozenset(ev.word(int(i)) for i in keep)
            self._name_set = names
        return names

    def _misspelled(self, ev: Evidence, text: str, seq: WordSeq) -> list[Span]:
        out: list[Span] = []
        for i, surf in enumerate(seq.surface):
            if not (seq.capital[i] and surf.isalpha() and len(surf) >= 5) or surf.isupper():
                continue
            seen = float(seq.uni[i])
            if seen >= self.name_min * 4:
                continue  # a frequent word is not a misspelling
            if seen >= 20 and ev.cap_ratio(seq.keys[i]) >= 0.8:
                continue  # a known name of its own ("Rover", "Rivera")
            word = seq.keys[i]
            best, best_count = None, 0.0
            for cand in edits1(word) & self._names():
                c = ev.unigram(cand)
                if c > best_count:
                    best, best_count = cand, c
            if best is None or (best_count + 1) / (seen + 1) < self.ratio_min:
                continue
            if not self._context_prefers(ev, seq, i, best):
                continue  # a real, if rarer, name: only flag when the context agrees
            suggestion = best[:1].upper() + best[1:]
            ratio = (best_count + 1) / (seen + 1)
            out.append(
                make_span(
                    text,
                    seq.starts[i],
                    seq.ends[i],
                    FAMILY,
                    min(0.9, 0.3 + 0.12 * np.log10(ratio)),
                    f"'{surf}' occurs {fmt_count(seen)} times in the reference counts; the "
                    f"name '{suggestion}', one letter away, occurs {fmt_count(best_count)} times",
                    suggestion,
                )
            )
        return out

    @staticmethod
    def _context_prefers(ev: Evidence, seq: WordSeq, i: int, best: str) -> bool:
        bid = ev.word_id(best)
        obs = alt = 0.0
        if i > 0 and seq.linked[i - 1]:
            obs += float(seq.pair_count[i - 1])
            alt += ev.bigram(seq.keys[i - 1], best)
        if i + 1 < len(seq.keys) and seq.linked[i]:
            obs += float(seq.pair_count[i])
            alt += float(ev.bigram_ids(np.array([bid]), np.array([seq.ids[i + 1]]))[0])
        return alt >= 10 and alt >= 20 * (obs + 1)

    def _lowercased(self, ev: Evidence, text: str, seq: WordSeq) -> list[Span]:
        out: list[Span] = []
        if not len(seq.keys):
            return out
        # Text written all in lower case (reviews, chat) lower-cases names as a habit: only
        # a sentence that capitalises other words mid-sentence is held to the rule.
        if not (seq.capital & ~seq.initial).any():
            return out
        lower = ~seq.capital & ~seq.initial & (seq.uni >= self.lower_min)
        for i in np.nonzero(lower)[0].tolist():
            surf = seq.surface[i]
            if len(surf) < 3 or not surf.isalpha():
                continue
            if (
                text[seq.ends[i] : seq.ends[i] + 1] == "."
                and text[seq.ends[i] + 1 : seq.ends[i] + 2].isalpha()
            ):
                continue  # a host name: "amazon.com"
            ratio = ev.cap_ratio(seq.keys[i])
            if not ratio >= self.lower_cap_min:  # NaN-safe
                continue
            suggestion = surf[:1].upper() + surf[1:]
            out.append(
                make_span(
                    text,
                    seq.starts[i],
                    seq.ends[i],
                    FAMILY,
                    0.3 + 0.5 * (ratio - self.lower_cap_min) / (1 - self.lower_cap_min),
                    f"'{suggestion}' is a name: capitalised in {ratio:.0%} of its "
                    "occurrences in the reference texts",
                    suggestion,
                )
            )
        return out
