"""The command line: formats, exit codes and bad input, run as a user would."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
REWRITTEN = str(EXAMPLES / "rewritten_article.txt")
CLEAN = str(EXAMPLES / "clean_article.txt")


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mtdetect.cli", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
    )


def test_version_and_info() -> None:
    out = run("--version")
    assert out.returncode == 0 and out.stdout.decode().startswith("mtdetect ")
    info = run("info")
    assert info.returncode == 0
    assert "model:" in info.stdout.decode()


def test_text_format_brackets_when_piped() -> None:
    out = run("score", REWRITTEN)
    assert out.returncode == 0, out.stderr
    text = out.stdout.decode()
    assert "[[U. K.]]" in text and "\x1b[" not in text
    assert "(suspect)" in text or "(rewritten)" in text


def test_json_jsonl_csv_formats(tmp_path: Path) -> None:
    d = json.loads(run("score", REWRITTEN, "--format", "json").stdout)
    assert d["schema"] == "mtdetect/1" and d["source"] == REWRITTEN
    lines = run("score", REWRITTEN, CLEAN, "-f", "jsonl").stdout.decode().splitlines()
    verdicts = [json.loads(x)["verdict"] for x in lines]
    assert verdicts[0] != "clean" and verdicts[1] != "rewritten"
    out_csv = tmp_path / "r.csv"
    res = run("score", REWRITTEN, CLEAN, "-f", "csv", "-o", str(out_csv))
    assert res.returncode == 0
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text(encoding="utf-8"))))
    assert {r["family"] for r in rows if r["source"] == REWRITTEN} >= {"spacing-artifact"}
    assert next(r for r in rows if r["source"] == CLEAN)["family"] == ""


def test_html_is_self_contained_and_escaped(tmp_path: Path) -> None:
    evil = tmp_path / "evil.txt"
    evil.write_text(
        'The U. K. said <script>alert(1)</script> "quoted" & <img src=x onerror=alert(2)>.',
        encoding="utf-8",
    )
    page_path = tmp_path / "r.html"
    assert run("score", str(evil), REWRITTEN, "-f", "html", "-o", str(page_path)).returncode == 0
    page = page_path.read_text(encoding="utf-8")
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;" in page
    assert page.count("<mark") >= 6
    assert "http://" not in page and "https://" not in page  # nothing external


def test_html_of_many_documents_has_an_overview_and_an_index(tmp_path: Path) -> None:
    """Was: the page of many documents was only the documents, one after another, in input
    order. Now: counts by verdict, the score histogram with the thresholds, and an index of
    the documents by score (their names escaped), each section numbered."""
    d = tmp_path / "docs"
    d.mkdir()
    (d / "a <b>.txt").write_text("The council met on Tuesday to discuss the budget.")
    (d / "b.txt").write_text(Path(REWRITTEN).read_text(encoding="utf-8"))
    (d / "c.txt").write_text("The river rises in the hills and flows to the sea.")
    page_path = tmp_path / "r.html"
    assert run("score", str(d), "-f", "html", "-o", str(page_path), "-q").returncode == 0
    page = page_path.read_text(encoding="utf-8")
    assert "<h2>3 documents</h2>" in page and page.count("<svg") == 1
    assert "suspect threshold" in page and "rewritten threshold" in page
    index = page[page.index("Documents, highest score first") :]
    assert index.index("b.txt") < index.index("a &lt;b&gt;.txt")  # the rewritten one first
    assert "<b>.txt" not in page
    assert "§1 " in page and "§3 " in page
    # One document: no overview.
    assert run("score", str(d / "c.txt"), "-f", "html", "-o", str(page_path)).returncode == 0
    assert "<svg" not in page_path.read_text(encoding="utf-8")


def test_stdin(tmp_path: Path) -> None:
    out = run("score", "-", "-f", "json", stdin=b"It was {good|fine}.")
    assert out.returncode == 0
    assert json.loads(out.stdout)["source"] is None


def test_fail_above_exit_code() -> None:
    low, high = (
        json.loads(run("score", f, "-f", "json").stdout)["score"] for f in (CLEAN, REWRITTEN)
    )
    assert low < high
    cut = f"{(low + high) / 2:.4f}"
    assert run("score", REWRITTEN, "--fail-above", cut, "-q").returncode == 1
    assert run("score", CLEAN, "--fail-above", cut, "-q").returncode == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"  \n\n ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"caf\xe9 au lait", "not valid UTF-8 (bad byte at offset 3)"),
    ],
)
def test_bad_files_give_one_line_errors(tmp_path: Path, content: bytes, message: str) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    out = run("score", str(bad), CLEAN, "-f", "jsonl")
    assert out.returncode == 2
    err = out.stderr.decode()
    assert "Traceback" not in err
    assert f"{bad}: " in err and message in err
    # The good input is still scored.
    assert json.loads(out.stdout.decode().splitlines()[0])["source"] == CLEAN


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    f = tmp_path / "u16.txt"
    f.write_bytes("The U. K. agreed.".encode("utf-16"))
    out = run("score", str(f), "-f", "json")
    assert out.returncode == 0
    assert json.loads(out.stdout)["sentences"][0]["spans"][0]["text"] == "U. K."


def test_missing_file_and_empty_directory(tmp_path: Path) -> None:
    out = run("score", str(tmp_path / "missing.txt"))
    assert out.returncode == 2 and "no such file" in out.stderr.decode()
    empty = tmp_path / "d"
    empty.mkdir()
    out = run("score", str(empty))
    assert out.returncode == 2 and "no text files" in out.stderr.decode()
    assert "Traceback" not in out.stderr.decode()


def test_directory_of_text_files(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("The U. K. agreed.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("All is well here.", encoding="utf-8")
    (tmp_path / "c.bin").write_bytes(b"\x00\x01")
    lines = run("score", str(tmp_path), "-f", "jsonl").stdout.decode().splitlines()
    assert [Path(json.loads(x)["source"]).name for x in lines] == ["a.txt", "b.txt"]


def test_unknown_format_is_a_usage_error() -> None:
    out = run("score", CLEAN, "-f", "pdf")
    assert out.returncode == 2 and "unknown format" in out.stderr.decode()


def test_stdin_terminal_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from mtdetect.inputs import InputError, read_input

    class FakeTTY(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", FakeTTY())
    with pytest.raises(InputError, match="terminal"):
        read_input("-")


def test_info_names_sources_and_licences() -> None:
    out = run("info").stdout.decode()
    assert "Open English WordNet" in out and "CC BY 4.0" in out
    assert "Cabanac" in out


def test_stdin_named_twice_is_refused_once() -> None:
    out = run("score", "-", "-", "-f", "jsonl", stdin=b"It was {good|fine}.")
    assert out.returncode == 2
    assert len(out.stdout.decode().splitlines()) == 1
    assert "more than once" in out.stderr.decode()


def test_audit_unwritable_output_and_report_are_usage_errors(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "text": "The U. K. said so."}\n', encoding="utf-8")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for extra in (
        ["-o", str(blocker / "out")],
        ["-o", str(tmp_path / "o"), "--report", str(blocker / "r.html")],
    ):
        res = run("audit", str(src), *extra, "-q", "--workers", "1")
        assert res.returncode == 2, res.stderr
        assert "Traceback" not in res.stderr.decode()
