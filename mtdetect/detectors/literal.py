"""``literal-translation`` (best effort): constructions translated word for word.

Two generic signals:

- an article before a name that takes none ("the Europe"): the name is frequent, but
  almost never follows "the" in the reference counts;
- a light verb that the noun does not take ("make a photo" for "take a photo"): the
  verb + article + noun sequence is unseen while the same noun with another light verb
  (in the same tense) is frequent.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mtdetect.detectors.base import make_span
from mtdetect.detectors.ngrams import ARTICLES, FUNCTION_WORDS, document_view, fmt_count
from mtdetect.detectors.substitution import EvidenceDetector
from mtdetect.result import Span
from mtdetect.text import Sentence

__all__ = ["LiteralTranslationDetector"]

FAMILY = "literal-translation"

# Light verbs by form: base, 3rd person, past, -ing, past participle.
_LIGHT_VERBS = (
    ("make", "makes", "made", "making", "made"),
    ("take", "takes", "took", "taking", "taken"),
    ("do", "does", "did", "doing", "done"),
    ("have", "has", "had", "having", "had"),
    ("give", "gives", "gave", "giving", "given"),
    ("get", "gets", "got", "getting", "got"),
    ("put", "puts", "put", "putting", "put"),
)
_FORM_OF: dict[str, tuple[int, int]] = {}
for _v, _forms in enumerate(_LIGHT_VERBS):
    for _slot, _form in enumerate(_forms):
        _FORM_OF.setdefault(_form, (_v, _slot))


class LiteralTranslationDetector(EvidenceDetector):
    """Articles before names that take none, and light verbs the noun does not take."""

    name = "literal"
    family = FAMILY

    name_min = 300.0  # a name must be this frequent for "never after 'the'" to mean much
    the_share_max = 0.003
    verb_alt_min = 25.0
    verb_ratio_min = 25.0

    def detect(self, text: str, sentences: Sequence[Sentence]) -> list[Span]:
        ev = self.evidence
        spans: list[Span] = []
        for seq in document_view(ev, sentences).sequences:
            n = len(seq.keys)
            for i in range(n - 1):
                if not seq.linked[i]:
                    continue
                key = seq.keys[i]
                if key == "the" and seq.capital[i + 1]:
                    spans.extend(self._article_before_name(text, seq, i))
                elif key in _FORM_OF:
                    spans.extend(self._light_verb(text, seq, i))
        return spans

    def _article_before_name(self, text: str, seq, i: int) -> list[Span]:
        ev = self.evidence
        name = seq.keys[i + 1]
        count = float(seq.uni[i + 1])
        if count < self.name_min or not name.isalpha() or name in FUNCTION_WORDS:
            return []
        if i + 2 < len(seq.keys) and seq.linked[i + 1] and seq.capital[i + 2]:
            return []  # "the Europa League": a longer name may take the article
        cap = ev.cap_ratio(name)
        kind = ev.gazetteer_type(name)
        if not (cap >= 0.9 and kind in ("location", None)):
            return []
        seen = float(seq.pair_count[i])
        if seen > count * self.the_share_max:
            return []
        if (
            i + 2 < len(seq.keys)
            and seq.linked[i + 1]
            and ev.trigram("the", name, seq.keys[i + 2]) >= 1
        ):
            return []  # "the Kenya team"
        return [
            make_span(
                text,
                seq.starts[i],
                seq.ends[i + 1],
                FAMILY,
                0.55,
                f"'{seq.surface[i + 1]}' occurs {fmt_count(count)} times in the reference "
                f"counts but only {fmt_count(seen)} times after 'the'",
                seq.surface[i + 1],
            )
        ]

    def _light_verb(self, text: str, seq, i: int) -> list[Span]:
        ev = self.evidence
        v, slot = _FORM_OF[seq.keys[i]]
        j = i + 2
        # Only "verb + article + noun", the noun ending the phrase: without an article the
        # next word is as often a participle or adverb ("got offered", "given once").
        if seq.keys[i + 1] not in ARTICLES or j >= len(seq.keys) or not seq.linked[i + 1]:
            return []
        noun = seq.keys[j]
        if not noun.isalpha() or noun in FUNCTION_WORDS or seq.capital[j]:
            return []
        if j + 1 < len(seq.keys) and seq.linked[j] and seq.keys[j + 1] not in FUNCTION_WORDS:
            return []  # "take a major role": the noun comes later
        alts = [forms[slot] for k, forms in enumerate(_LIGHT_VERBS) if k != v]
        det = seq.keys[i + 1]
        obs = ev.trigram(seq.keys[i], det, noun)
        counts = [ev.trigram(a, det, noun) for a in alts]
        best = int(np.argmax(counts))
        alt = float(counts[best])
        if alt < self.verb_alt_min or (alt + 1) / (obs + 1) < self.verb_ratio_min:
            return []
        phrase_obs = " ".join(seq.surface[i : j + 1])
        suggestion = " ".join([alts[best], *seq.surface[i + 1 : j + 1]])
        return [
            make_span(
                text,
                seq.starts[i],
                seq.ends[j],
                FAMILY,
                min(0.85, 0.2 + 0.15 * np.log10((alt + 1) / (obs + 1))),
                f"'{phrase_obs}' occurs {fmt_count(obs)} times in the reference counts; "
                f"'{suggestion}' occurs {fmt_count(alt)} times",
                suggestion,
            )
        ]
