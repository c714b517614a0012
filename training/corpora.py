"""Streamed readers for the clean English corpora in the shared data folder.

Each reader yields :class:`CleanDoc` records with the document's fixed split (see
:mod:`training.splits`: by canonical text, so copies of an article share a split) and its
*register*, the kind of prose it is, for per-register false-verdict measurements:

``news``
    Reuters, BBC, ABC, Wikinews, the WMT24 news passages;
``encyclopedic``
    Wikipedia (2015 and 2018 extractions), State Department history essays;
``science``
    ACL abstracts and the OpenStax textbooks;
``informal``
    the WMT24 social-media and speech passages (2024);
``fiction``
    Brown (1961): fiction, essays, hobbies, reviews; mixed, edited prose;
``reports``
    the Beige Book (formulaic economic reports).

Text is lightly cleaned so that it reads as prose: newswire hard wraps are joined, the
trailing "Reuter" signature is dropped, and paragraphs are separated by blank lines.
Documents that are mostly figures (tables) are skipped.

Weights (:data:`CLEAN_SOURCES`) balance the count tables so that Wikipedia (70 M of the 89 M
words) does not swamp news, science and informal prose: each register gets a comparable share
of the weighted words (see ``PROVENANCE.md`` of a build for the realised shares).
"""

from __future__ import annotations

import gzip
import json
import lzma
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from training.splits import split_of_text

__all__ = [
    "CLEAN_SOURCES",
    "REGISTERS",
    "CleanDoc",
    "Source",
    "clean_sample",
    "data_dir",
    "iter_clean",
    "looks_tabular",
]


@dataclass(frozen=True, slots=True)
class Source:
    """A clean corpus: its file (relative to the data folder), count weight and register."""

    file: str
    weight: float
    register: str
    #: Percent of documents in train and dev (the rest is test); WMT24 is too small to count:
    #: it is reserved for tuning and measuring the informal register.
    train: int = 80
    dev: int = 10


_OS = "clean/openstax_{}.jsonl.gz"
#: Source name -> :class:`Source`. Weights: news x2, science x2.5, Wikipedia x0.25, the
#: formulaic Beige Book x0.15; everything else x1 (Brown, whose fiction and dialogue are the
#: nearest to informal prose we have, x3).
CLEAN_SOURCES: dict[str, Source] = {
    "reuters": Source("clean/reuters21578.jsonl", 2.0, "news"),
    "bbc": Source("clean/bbc_news.jsonl", 2.0, "news"),
    "abc": Source("clean/abc_news_nltk.jsonl.gz", 2.0, "news"),
    "wikinews": Source("clean/wikinews_en.jsonl.gz", 2.0, "news"),
    "enwiki": Source("clean/enwiki2015_sample.jsonl.gz", 0.25, "encyclopedic"),
    "enwiki_more": Source("clean/enwiki2015_more.jsonl.xz", 0.25, "encyclopedic"),
    "enwiki2018": Source("clean/enwiki2018_wikitasks.jsonl.xz", 0.25, "encyclopedic"),
    "milestones": Source("clean/state_dept_milestones.jsonl.gz", 1.0, "encyclopedic"),
    "acl": Source("clean/acl_abstracts.jsonl.gz", 2.5, "science"),
    "openstax_amgov": Source(_OS.format("american_government_3e"), 2.5, "science"),
    "openstax_ushistory": Source(_OS.format("us_history"), 2.5, "science"),
    "openstax_worldhistory": Source(_OS.format("world_history"), 2.5, "science"),
    "openstax_psychology": Source(_OS.format("psychology"), 2.5, "science"),
    "openstax_microbiology": Source(_OS.format("microbiology"), 2.5, "science"),
    "openstax_anatomy": Source(_OS.format("anatomy_physiology"), 2.5, "science"),
    "openstax_chemistry": Source(_OS.format("chemistry"), 2.5, "science"),
    "openstax_sociology": Source(_OS.format("sociology"), 2.5, "science"),
    "openstax_astronomy": Source(_OS.format("astronomy"), 2.5, "science"),
    "openstax_physics": Source(_OS.format("university_physics"), 2.5, "science"),
    "openstax_statistics": Source(_OS.format("statistics"), 2.5, "science"),
    "openstax_philosophy": Source(_OS.format("philosophy"), 2.5, "science"),
    "openstax_economics": Source(_OS.format("economics"), 2.5, "science"),
    "brown": Source("clean/brown_1961_nltk.jsonl.gz", 3.0, "fiction"),
    "beigebook": Source("clean/beigebook_1970_2020.jsonl.gz", 0.15, "reports"),
    "wmt24": Source("clean/wmt24_english_sources.jsonl.gz", 0.0, "informal", train=0, dev=50),
}
REGISTERS: tuple[str, ...] = ("news", "encyclopedic", "science", "informal", "fiction", "reports")


@dataclass(frozen=True, slots=True)
class CleanDoc:
    source: str
    id: str
    title: str
    text: str
    split: str
    register: str = "news"


def data_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """The shared data folder: ``path``, else ``$MTDETECT_DATA``, else ``../shared/data``."""
    if path is not None:
        return Path(path)
    env = os.environ.get("MTDETECT_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def open_text(path: Path):
    """Open a (possibly gzip- or xz-compressed) UTF-8 text file for streamed reading."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    if path.suffix == ".xz":
        return lzma.open(path, "rt", encoding="utf-8")
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


def _register(source: str, rec: dict) -> str:
    if source == "wmt24":
        return {"news": "news", "literary": "fiction"}.get(rec.get("domain", ""), "informal")
    return CLEAN_SOURCES[source].register


def iter_clean(
    sources: list[str] | None = None,
    split: str | set[str] | None = None,
    root: str | os.PathLike[str] | None = None,
    registers: set[str] | None = None,
) -> Iterator[CleanDoc]:
    """Stream clean documents of ``sources`` (default all) in the given split(s)."""
    base = data_dir(root)
    wanted = {split} if isinstance(split, str) else split
    for source in sources or list(CLEAN_SOURCES):
        src = CLEAN_SOURCES[source]
        path = base / src.file
        if not path.exists():
            continue
        with open_text(path) as fh:
            for line in fh:
                rec = json.loads(line)
                doc_id = str(rec.get("newid", rec.get("id")))
                text = rec.get("text") or ""
                if not text.strip():
                    continue
                if source == "reuters":
                    text = _clean_reuters(text)
                elif source != "bbc":
                    text = _clean_lines(text)
                if looks_tabular(text):
                    continue
                doc_split = split_of_text(text, src.train, src.dev)
                if wanted is not None and doc_split not in wanted:
                    continue
                register = _register(source, rec)
                if registers is not None and register not in registers:
                    continue
                yield CleanDoc(source, doc_id, rec.get("title") or "", text, doc_split, register)


def clean_sample(
    split: str,
    limit: int,
    root: str | os.PathLike[str] | None = None,
    share: int = 30,
) -> list[tuple[str, str]]:
    """``(register, text)`` of clean documents of ``split`` in every register: at most ``limit``
    per source (a stable sample of ``share`` in 100), and the WMT22 English originals of
    ``split`` in blocks of eight lines (at most ``2 * limit``). The benchmarks measure clean flags on
    it (test); ``training.train_tagger`` sets the shown sensitivities on it (dev, every
    document: the small registers, fiction and informal, need all their words)."""
    from training.splits import bucket

    out: list[tuple[str, str]] = []
    for source in CLEAN_SOURCES:
        n = 0
        for doc in iter_clean([source], split=split, root=root):
            if source != "wmt24" and bucket(f"bench:{doc.id}") >= share:
                continue
            out.append((doc.register, doc.text))
            n += 1
            if n >= limit:
                break
    from training.datasets import wmt_original_blocks

    # the originals' blocks of this split only, as the classifier's data splits them
    blocks = wmt_original_blocks(data_dir(root), split)
    out.extend(("news (WMT22 English originals)", b) for b in blocks[: 2 * limit])
    return out
