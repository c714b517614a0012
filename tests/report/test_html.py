"""The HTML reports as an attack surface, checked in a real headless browser.

Input full of ``<script>``, ``onerror=`` attributes, ``javascript:`` links and ``</style>``
breakouts (in the text, the file name and the record ids) is rendered by ``mtdetect score
--format html`` and by ``mtdetect audit --report``; Chromium (driven by Playwright) loads the
pages and the test proves from the DOM that no injected script ran, no injected element or
attribute exists, nothing was fetched, the highlights render (one ``mark`` per laid-out
span), and that the page works with JavaScript disabled (tooltips on keyboard focus).
The page is also loaded with its Content-Security-Policy removed: escaping alone must hold.

Skipped only when Chromium or Playwright is missing outside CI; with CI=true it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mtdetect.report import layout_spans
from mtdetect.result import FAMILIES

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() == "true"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]  # fmt: skip

EVIL = [
    "<script>window.__pwned = 1; alert(1)</script>",
    '<img src=x onerror="window.__pwned = 2">',
    '<a href="javascript:window.__pwned = 3">click me</a>',
    "</style><script>window.__pwned = 4</script><style>",
    '"><svg onload="window.__pwned = 5"></svg>',
    "' onmouseover='window.__pwned = 6' x='",
    '<iframe src="https://example.org/"></iframe>',
    "<meta http-equiv=refresh content='0;url=javascript:window.__pwned=7'>",
    "</title><body onload=window.__pwned=8>",
    "&lt;script&gt; <!-- --> ]]> <![CDATA[ x ]]>",
]
TEXT = (
    "The U. K. government said {quick|fast} things, e. g. " + EVIL[0] + " on Tuesday.\n\n"
    "Kenya 's officials rose , traders said. " + " ".join(EVIL[1:5]) + " Then it rained.\n\n"
    "In the www. example. com case " + " ".join(EVIL[5:]) + " nothing else happened."
)
EVIL_NAME = "<img src=x onerror=alert(9)>.txt"  # a legal file name on POSIX


def _browser():
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail("chromium is required in CI (.ci/run installs it)")
        pytest.skip("chromium not installed (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if IN_CI:
            pytest.fail("playwright is required in CI (it is in the test extra)")
        pytest.skip("playwright not installed (pip install playwright)")
    return sync_playwright


@pytest.fixture(scope="module")
def browser():
    sync_playwright = _browser()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    res = subprocess.run([sys.executable, "-m", "mtdetect.cli", *args], capture_output=True,
                         timeout=300, env=env)  # fmt: skip
    assert res.returncode == 0, res.stderr
    return res


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, int]]:
    """The two reports, each with the number of highlights it must show."""
    d = tmp_path_factory.mktemp("html")
    src = d / EVIL_NAME
    src.write_text(TEXT, encoding="utf-8")
    score_html = d / "score.html"
    _cli("score", str(src), "-f", "html", "-o", str(score_html))
    result = json.loads(_cli("score", str(src), "-f", "json").stdout)
    marks = sum(len(_layout(s["spans"])) for s in result["sentences"])
    assert marks >= 3
    corpus = d / "c.jsonl"
    recs = [{"id": e, "text": f"{TEXT} {e}"} for e in EVIL[:3]]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    audit_html = d / "audit.html"
    _cli("audit", str(corpus), "-o", str(d / "out"), "--report", str(audit_html),
         "--workers", "1", "--quiet", "--detail", "sentences", "--no-lang-check")  # fmt: skip
    part = sorted((d / "out").glob("part-*.jsonl"))[0]
    rows = [json.loads(x) for x in part.read_text().splitlines()]
    audit_marks = sum(
        len(_layout(s["spans"])) for r in rows for s in r["result"]["sentences"]
    )  # every record is among the (top 10) worst documents, so every span is shown
    return {"score": (score_html, marks), "audit": (audit_html, audit_marks)}


def _layout(spans: list[dict]) -> list:
    from mtdetect.result import Span

    return layout_spans([Span(**sp) for sp in spans])


_PROBE = """() => {
  const els = Array.from(document.querySelectorAll('*'));
  return {
    pwned: window.__pwned === undefined ? null : window.__pwned,
    title: document.title,
    scripts: document.scripts.length,
    styles: document.querySelectorAll('style').length,
    on_attrs: els.flatMap(e => Array.from(e.attributes).map(a => a.name))
                 .filter(n => n.toLowerCase().startsWith('on')),
    js_links: Array.from(document.querySelectorAll('[href],[src],[action],[formaction]'))
                 .map(e => e.outerHTML.slice(0, 80)),
    foreign: document.querySelectorAll('img,iframe,object,embed,a,form,base,link,meta[http-equiv=refresh]').length,
    svgs: document.querySelectorAll('svg').length,
    marks: document.querySelectorAll('mark').length,
    families: Array.from(document.querySelectorAll('mark')).map(m => m.dataset.family),
    text: document.body.innerText,
  };
}"""


def _load(browser, html_path: Path, *, js: bool = True, strip_csp: bool = False):
    html = html_path.read_text(encoding="utf-8")
    if strip_csp:
        head, sep, rest = html.partition("<meta http-equiv=Content-Security-Policy")
        assert sep
        html = head + rest.split(">", 1)[1]
        html_path = html_path.with_name(html_path.stem + ".nocsp.html")
        html_path.write_text(html, encoding="utf-8")
    ctx = browser.new_context(java_script_enabled=js)
    page = ctx.new_page()
    events: list[str] = []
    page.on("dialog", lambda d: (events.append(f"dialog {d.message}"), d.dismiss()))
    page.on("console", lambda m: events.append(f"console {m.text}"))
    page.on("pageerror", lambda e: events.append(f"pageerror {e}"))
    page.on("request", lambda r: r.url.startswith("file:") or events.append(f"req {r.url}"))
    page.goto(html_path.as_uri())
    page.wait_for_timeout(300)  # give any (injected) timers and loads a chance
    return ctx, page, events


@pytest.mark.parametrize("which", ["score", "audit"])
@pytest.mark.parametrize("strip_csp", [False, True], ids=["csp", "no-csp"])
def test_no_injected_script_runs_and_highlights_render(browser, pages, which, strip_csp) -> None:
    path, marks = pages[which]
    ctx, page, events = _load(browser, path, strip_csp=strip_csp)
    try:
        got = page.evaluate(_PROBE)
    finally:
        ctx.close()
    assert events == [], events  # no alert, no console output, no error, no fetch
    assert got["pwned"] is None
    assert got["title"].startswith("mtdetect")
    assert got["scripts"] == 0 and got["styles"] == 1
    assert got["on_attrs"] == [] and got["js_links"] == [] and got["foreign"] == 0
    assert got["svgs"] == (1 if which == "audit" else 0)  # the histogram only
    assert got["marks"] == marks
    assert set(got["families"]) <= set(FAMILIES)
    # The hostile markup is shown as text, verbatim.
    for e in EVIL[:3]:
        assert e in got["text"]
    if which == "score":
        assert EVIL_NAME in got["text"]


@pytest.mark.parametrize("which", ["score", "audit"])
def test_report_works_without_javascript(browser, pages, which) -> None:
    path, marks = pages[which]
    ctx, page, events = _load(browser, path, js=False)
    try:
        mark = page.locator("mark").first
        tip = mark.locator(".tip")
        assert page.locator("mark").count() == marks
        assert not tip.is_visible()  # explanations appear on demand ...
        page.keyboard.press("Tab")  # ... on keyboard focus (CSS only) ...
        assert tip.is_visible() and tip.inner_text().split()[0] in FAMILIES
        page.mouse.move(0, 0)
        page.locator("mark").nth(marks - 1).hover()  # ... and on hover
        assert page.locator("mark").nth(marks - 1).locator(".tip").is_visible()
    finally:
        ctx.close()
    assert events == [], events


def test_line_breaks_inside_a_sentence_are_shown(browser, tmp_path: Path) -> None:
    """Was: a Markdown table (one sentence over several lines) was flattened onto one line in
    the HTML page."""
    text = (
        "The results are in the table below.\n\n"
        "| region | votes |\n|---|---|\n| north | 120 |\n| south | 95 |\n\n"
        "Turnout was higher than expected."
    )
    src = tmp_path / "table.md"
    src.write_text(text, encoding="utf-8")
    _cli("score", str(src), "--format", "html", "-o", str(tmp_path / "t.html"), "--quiet")
    ctx, page, events = _load(browser, tmp_path / "t.html")
    try:
        shown = page.locator("span.s").nth(1).inner_text()
    finally:
        ctx.close()
    assert shown.splitlines() == ["| region | votes |", "|---|---|", "| north | 120 |",
                                  "| south | 95 |"]  # fmt: skip
    assert events == [], events
