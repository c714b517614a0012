"""Training documents: detokenised WMT text, and dev documents regrouped into every length."""

from __future__ import annotations

from training.datasets import Doc, detokenize


def test_detokenize():
    assert (
        detokenize('He said " no " , didn \'t he ( 2011 ) ?') == 'He said "no", didn\'t he (2011)?'
    )


def test_vary_lengths_regroups_every_segment_once_with_its_labels() -> None:
    """Train and dev documents become documents of many lengths; every segment is used once
    (dev clean ones ``copies`` times), labels and edit spans still point at the same text,
    and test documents are left as they are."""
    from training.datasets import vary_lengths

    docs = []
    for k in range(30):
        segs = [f"Sentence {k}.{i} of the made-up article." for i in range(8)]
        edits = [(segs[0].index("made-up"), segs[0].index("made-up") + 7, "dropped-word")]
        docs.append(Doc(f"roundtrip:spa:src:{k}:0", "roundtrip", "train", segs, [1] + [0] * 7, 1,
                        {"register": "news", "pivot": "spa"}, edits))  # fmt: skip
        docs.append(Doc(f"clean:src:{k}:0", "clean", "dev", segs, [0] * 8, 0,
                        {"register": "news"}))  # fmt: skip
    docs.append(Doc("clean:t:0", "clean", "test", ["A test sentence."], [0], 0, {}))
    out = vary_lengths(docs, seed=1, copies=2)
    rt = [d for d in out if d.kind == "roundtrip"]
    assert sorted(s for d in rt for s in d.segments) == sorted(
        s for d in docs if d.kind == "roundtrip" for s in d.segments
    )
    assert len({len(d.segments) for d in rt}) > 3  # many lengths, not blocks of eight
    for d in rt:
        for a, b, fam in d.edits:
            assert d.text[a:b] == "made-up" and fam == "dropped-word"
        for seg, lab in zip(d.segments, d.seg_labels, strict=True):
            assert lab == int(seg.endswith(".0 of the made-up article."))
    clean_dev = [s for d in out if d.kind == "clean" and d.split == "dev" for s in d.segments]
    assert len(clean_dev) == 2 * 30 * 8
    assert [d.id for d in out if d.split == "test"] == ["clean:t:0"]
