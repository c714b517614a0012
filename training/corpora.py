"""Streamed readers for the clean English corpora in the shared data folder.

Each reader yields :class:`CleanDoc` records with the document's fixed split (see
:mod:`training.splits`). Text is lightly cleaned so that it reads as prose: newswire hard
wraps are joined, the trailing "Reuter" signature is dropped, and paragraphs are separated
by blank lines.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from training.splits import split_of

__all__ = ["CLEAN_SOURCES", "CleanDoc", "data_dir", "iter_clean", "looks_tabular"]

#: Source name -> (file name, weight in counts). The Beige Book is formulaic: down-weighted.
CLEAN_SOURCES: dict[str, tuple[str, float]] = {
    "reuters": ("clean/reuters21578.jsonl", 1.0),
    "bbc": ("clean/bbc_news.jsonl", 1.0),
    "enwiki": ("clean/enwiki2015_sample.jsonl.gz", 1.0),
    "beigebook": ("clean/beigebook_1970_2020.jsonl.gz", 0.25),
    "brown": ("clean/brown_1961_nltk.jsonl.gz", 1.0),
    "abc": ("clean/abc_news_nltk.jsonl.gz", 1.0),
    "openstax_amgov": ("clean/openstax_american_government_3e.jsonl.gz", 1.0),
    "openstax_ushistory": ("clean/openstax_us_history.jsonl.gz", 1.0),
    "openstax_worldhistory": ("clean/openstax_world_history.jsonl.gz", 1.0),
    "milestones": ("clean/state_dept_milestones.jsonl.gz", 1.0),
}


@dataclass(frozen=True, slots=True)
class CleanDoc:
    source: str
    id: str
    title: str
    text: str
    split: str


def data_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """The shared data folder: ``path``, else ``$MTDETECT_DATA``, else ``../shared/data``."""
    if path is not None:
        return Path(path)
    env = os.environ.get("MTDETECT_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def _open(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


_REUTER_TAIL_RE = re.compile(r"\s*Reuter\s*\Z")
_WRAP_RE = re.compile(r"[ \t]*\n[ \t]*")


def _clean_reuters(text: str) -> str:
    text = _REUTER_TAIL_RE.sub("", text)
    paragraphs = re.split(r"\n(?=    )|\n\s*\n", text)
    return "\n\n".join(_WRAP_RE.sub(" ", p.strip()) for p in paragraphs if p.strip())


def _clean_lines(text: str) -> str:
    return "\n\n".join(p.strip() for p in text.split("\n") if p.strip())


_DIGITS_RE = re.compile(r"\d")


def looks_tabular(text: str) -> bool:
    """True for tables of figures: many digits, few words per line."""
    if not text:
        return True
    digits = len(_DIGITS_RE.findall(text))
    return digits > 0.12 * len(text)


def iter_clean(
    sources: list[str] | None = None,
    split: str | set[str] | None = None,
    root: str | os.PathLike[str] | None = None,
) -> Iterator[CleanDoc]:
    """Stream clean documents of ``sources`` (default all) in the given split(s)."""
    base = data_dir(root)
    wanted = {split} if isinstance(split, str) else split
    for source in sources or list(CLEAN_SOURCES):
        rel, _weight = CLEAN_SOURCES[source]
        path = base / rel
        if not path.exists():
            continue
        with _open(path) as fh:
            for line in fh:
                rec = json.loads(line)
                doc_id = str(rec.get("newid", rec.get("id")))
                text = rec.get("text") or ""
                if not text.strip():
                    continue
                doc_split = split_of(source, doc_id)
                if wanted is not None and doc_split not in wanted:
                    continue
                if source == "reuters":
                    text = _clean_reuters(text)
                elif source != "bbc":
                    text = _clean_lines(text)
                if looks_tabular(text):
                    continue
                yield CleanDoc(source, doc_id, rec.get("title") or "", text, doc_split)
