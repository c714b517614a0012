"""Command-line interface: a thin layer over the library.

Exit codes: 0 ok; 1 ``--fail-above`` triggered; 2 usage or input error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from mtdetect._version import __version__


class _PlainHelp:
    """typer shows a type column ("<bool>") beside an option without a metavar, ``--help``
    included; an on/off flag has no value to describe."""

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.metavar = ""
        return option


class _Command(_PlainHelp, TyperCommand):
    """A command whose help shows no ``<bool>`` beside ``--help`` and no ``<list[str]>``
    beside an argument that has a metavar (its help says what it takes)."""

    def format_help(self, ctx, formatter):
        for param in self.params:
            if isinstance(param, TyperArgument) and param.metavar:
                param.display_type_rich = lambda ctx: None
        return super().format_help(ctx, formatter)


class _Group(_PlainHelp, TyperGroup):
    """The top level, likewise."""


app = typer.Typer(
    cls=_Group,
    add_completion=False,
    no_args_is_help=True,
    help="Find the fingerprints of machine translation and article spinners in English text.",
    pretty_exceptions_enable=False,
)

EXIT_OK, EXIT_FAIL_ABOVE, EXIT_ERROR = 0, 1, 2
#: `audit`: every record was an error row (the audit ran, nothing was scored).
EXIT_ALL_FAILED = 1


def _err(msg: str) -> None:
    typer.echo(f"mtdetect: {msg}", err=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mtdetect {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, metavar="", help="Show the version."
        ),
    ] = False,
) -> None:
    """mtdetect command line."""


def _load_detector(model: str | None, trust: bool):
    from mtdetect.loading import load

    try:
        return load(model, trust=trust)
    except (OSError, ValueError) as exc:
        _err(str(exc))
        raise typer.Exit(EXIT_ERROR) from None


@app.command(cls=_Command)
def score(
    paths: Annotated[
        list[str],
        typer.Argument(
            metavar="PATH",
            help="Text files, directories (their .txt, .text and .md files), or - for stdin.",
        ),
    ],
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", metavar="FORMAT", help="text, json, jsonl, csv or html."),
    ] = "text",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write here instead of stdout."),
    ] = None,
    min_strength: Annotated[
        float, typer.Option(min=0.0, max=1.0, metavar="S", help="Hide spans weaker than this.")
    ] = 0.0,
    sensitivity: Annotated[
        str,
        typer.Option(
            metavar="low|default|high",
            help="How readily words are flagged (README, Spans). Never changes a score.",
        ),
    ] = "default",
    fail_above: Annotated[
        float | None,
        typer.Option(
            min=0.0, max=1.0, metavar="SCORE", help="Exit 1 when any document scores above this."
        ),
    ] = None,
    color: Annotated[
        bool | None,
        typer.Option(
            "--color/--no-color",
            metavar="",
            help="Colour in the text format (default: if a terminal).",
        ),
    ] = None,
    model: Annotated[str | None, typer.Option(metavar="PATH", help="Path to a model file.")] = None,
    trust_model: Annotated[
        bool,
        typer.Option(
            "--trust-model", metavar="", help="Allow loading a model from outside the package."
        ),
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", metavar="", help="Only errors on stderr.")
    ] = False,
) -> None:
    """Score documents and show their suspect spans."""
    from mtdetect.audit.language import looks_english
    from mtdetect.inputs import InputError, expand_paths, open_input
    from mtdetect.report import FORMATS
    from mtdetect.report.html import HtmlPage
    from mtdetect.report.stream import DocumentWriter, closing
    from mtdetect.tagger.spans import SENSITIVITIES

    if fmt not in FORMATS:
        _err(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        raise typer.Exit(EXIT_ERROR)
    if sensitivity not in SENSITIVITIES:
        _err(f"unknown sensitivity {sensitivity!r}; choose one of {', '.join(SENSITIVITIES)}")
        raise typer.Exit(EXIT_ERROR)
    detector = _load_detector(model, trust_model)
    use_color = color if color is not None else (output is None and sys.stdout.isatty())
    items = list(expand_paths(paths))
    # JSON: one object for one input, an array for several (whichever of them fail).
    many = len(items) > 1
    sink = _Sink(output)
    thresholds = {"suspect": detector.scorer.suspect_threshold,
                  "rewritten": detector.scorer.rewritten_threshold}  # fmt: skip
    # Every format is written a piece at a time: a file's text is read a block at a time
    # and its sentences go to the writer as they are scored (an HTML page's documents wait
    # in a temporary file until the overview, which needs every score, is written).
    page = HtmlPage(thresholds=thresholds) if fmt == "html" else None
    n_done = errors = 0
    top = -1.0
    for item in _progress(items, enabled=not quiet and len(items) > 1 and sys.stderr.isatty()):
        writer = None
        try:
            if isinstance(item, InputError):
                raise item
            with open_input(item) as doc:
                source = None if doc.source == "<stdin>" else doc.source
                if not quiet and not looks_english(doc.head):
                    _err(
                        f"{doc.source}: warning: does not look like English; mtdetect finds "
                        "the artifacts of English text, so this score means little"
                    )
                if page is None:
                    writer = DocumentWriter(fmt, index=n_done, many=many, color=use_color)
                add = page.add if writer is None else writer.add
                pieces = []
                chunks = doc.chunks()
                for sentences, piece in detector.score_pieces(chunks, min_strength, sensitivity):
                    add(sentences)
                    pieces.append(piece)
        except InputError as exc:  # unreadable, or it changed while it was read
            _err(str(exc))
            errors += 1
            if page is not None:
                page.drop_document()
            if writer is not None:
                writer.close()
            continue
        doc_score = detector.combine_pieces(pieces)
        verdict = detector.verdict(doc_score)
        if page is not None:
            page.end_document(doc_score, verdict, detector.model_name, None, source)
        else:
            for chunk in writer.finish(doc_score, verdict, detector.model_name, None, source):
                sink.write(chunk)
        n_done += 1
        top = max(top, doc_score)
    if n_done:
        for chunk in page.finish() if page is not None else [closing(fmt, many)]:
            sink.write(chunk)
        sink.close()
        if output is not None and not quiet:
            _err(f"wrote {n_done} result(s) to {output}")
    elif page is not None:
        page.close()
    if errors:
        if not quiet:
            _err(f"{errors} input(s) could not be scored")
        raise typer.Exit(EXIT_ERROR)
    if fail_above is not None and top > fail_above:
        raise typer.Exit(EXIT_FAIL_ABOVE)


class _Sink:
    """Standard output, or ``path`` opened on the first write (no file when nothing was
    scored); a write error ends the command with one line."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._fh = None

    def write(self, text: str) -> None:
        try:
            if self.path is None:
                sys.stdout.write(text)
                return
            if self._fh is None:
                self._fh = open(self.path, "w", encoding="utf-8")  # noqa: SIM115
            self._fh.write(text)
        except OSError as exc:
            _err(f"{self.path or 'stdout'}: cannot write ({exc.strerror or exc})")
            raise typer.Exit(EXIT_ERROR) from None

    def close(self) -> None:
        try:
            if self._fh is not None:
                self._fh.close()
            else:
                sys.stdout.flush()
        except OSError as exc:
            _err(f"{self.path or 'stdout'}: cannot write ({exc.strerror or exc})")
            raise typer.Exit(EXIT_ERROR) from None


def _progress(items: list, enabled: bool):
    """``items``, with a progress bar (count, rate, time left) on stderr when ``enabled``."""
    if not enabled:
        yield from items
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("scoring"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=Console(stderr=True)) as bar:  # fmt: skip
        task = bar.add_task("score", total=len(items))
        for item in items:
            yield item
            bar.advance(task)


def _size(value: str) -> int:
    """``64MB``, ``512k``, ``1G`` or a number of bytes."""
    v = value.strip().upper().removesuffix("B")
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(v[-1:], 1)
    try:
        return int(float(v[:-1] if mult > 1 else v) * mult)
    except ValueError:
        raise typer.BadParameter(f"not a size: {value!r}") from None


_FLAG = ""  # no metavar for on/off flags


@app.command(cls=_Command)
def audit(
    inputs: Annotated[
        list[str],
        typer.Argument(
            metavar="INPUT",
            help="Files, directories or globs, or - for standard input: .jsonl/.json/.ndjson, "
            ".csv, .tsv, .txt/.md, .parquet, .warc/.wet, each optionally .gz/.bz2/.xz/.zst "
            "(compression and format are checked by content too).",
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            metavar="DIR",
            help="Output directory (part files, manifest, summary).",
        ),
    ],
    text_field: Annotated[
        str, typer.Option(metavar="FIELD", help="Text field (dots for nested).")
    ] = "text",
    id_field: Annotated[
        str, typer.Option(metavar="FIELD", help="Id field (dots for nested).")
    ] = "id",
    input_format: Annotated[
        str,
        typer.Option(
            metavar="FORMAT",
            help="auto (by content and name), or read every input as jsonl, csv, tsv, txt, "
            "parquet or warc.",
        ),
    ] = "auto",
    detail: Annotated[
        str,
        typer.Option(
            metavar="none|sentences|spans",
            help="Add the full result per row ('result'): all sentences, or those with spans.",
        ),
    ] = "none",
    keep_fields: Annotated[
        bool,
        typer.Option(
            "--keep-fields",
            metavar=_FLAG,
            help="Copy the input record's other fields into the row as columns.",
        ),
    ] = False,
    with_text: Annotated[
        bool, typer.Option("--with-text", metavar=_FLAG, help="Add the text as a column.")
    ] = False,
    with_spans: Annotated[
        bool,
        typer.Option(
            "--with-spans",
            metavar=_FLAG,
            help="Add the spans as a column (a list of structs in Parquet).",
        ),
    ] = False,
    metadata_field: Annotated[
        str | None,
        typer.Option(
            metavar="FIELD", help="Write the input record with the audit under this (dotted) field."
        ),
    ] = None,
    split_dir: Annotated[
        Path | None,
        typer.Option(metavar="DIR", help="Write the records to DIR/kept and DIR/rejected."),
    ] = None,
    split_format: Annotated[
        str,
        typer.Option(
            metavar="input|jsonl|parquet",
            help="Format of the split files (input: the input's own, byte for byte "
            "for JSON Lines and CSV).",
        ),
    ] = "input",
    drop_unscored: Annotated[
        bool,
        typer.Option(
            "--drop-unscored",
            metavar=_FLAG,
            help="Split: reject records that were not scored (empty, not "
            "English, too long), not only the unreadable ones.",
        ),
    ] = False,
    threshold: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            metavar="SCORE",
            help="Split: reject at or above this score (default: the 'rewritten' threshold).",
        ),
    ] = None,
    output_format: Annotated[
        str, typer.Option(metavar="jsonl|csv|parquet", help="Format of the part files.")
    ] = "jsonl",
    max_file_size: Annotated[
        str,
        typer.Option(
            metavar="SIZE", help="Start a new part file (and resume point) past this size."
        ),
    ] = "128MB",
    workers: Annotated[
        int, typer.Option(metavar="N", help="Worker processes (0: all cores).", min=0)
    ] = 0,
    batch_size: Annotated[int, typer.Option(metavar="N", help="Records per batch.", min=1)] = 64,
    shard_size: Annotated[
        str,
        typer.Option(
            metavar="SIZE",
            help="Split large plain JSONL and Parquet files, group .txt files, by this.",
        ),
    ] = "64MB",
    max_chars: Annotated[
        int, typer.Option(metavar="N", help="Records longer than this are error rows.", min=1)
    ] = 1_000_000,
    max_inflate: Annotated[
        float,
        typer.Option(
            metavar="RATIO",
            help="A compressed input may decompress to this many times its size (at least "
            "16 MB); past that it ends with an error row. 0: no cap.",
            min=0.0,
        ),
    ] = 100.0,
    lang_check: Annotated[
        bool, typer.Option(metavar=_FLAG, help="Skip records that are clearly not English.")
    ] = True,
    min_strength: Annotated[
        float, typer.Option(min=0.0, max=1.0, metavar="S", help="Leave weaker spans out of detail.")
    ] = 0.0,
    sensitivity: Annotated[
        str,
        typer.Option(
            metavar="low|default|high",
            help="How readily words are flagged in detail (see score). Never changes a score.",
        ),
    ] = "default",
    limit: Annotated[
        int | None, typer.Option(min=1, metavar="N", help="Audit only the first N records.")
    ] = None,
    sample: Annotated[
        int | None,
        typer.Option(min=1, metavar="N", help="Audit N records drawn at random (see --seed)."),
    ] = None,
    seed: Annotated[int, typer.Option(metavar="N", help="Seed of --sample.")] = 0,
    resume: Annotated[
        bool, typer.Option("--resume", metavar=_FLAG, help="Finish an interrupted audit in DIR.")
    ] = False,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", metavar=_FLAG, help="Replace an earlier audit in DIR.")
    ] = False,
    scheduler: Annotated[
        str | None,
        typer.Option(metavar="ADDRESS", help="Dask scheduler address: run on that cluster."),
    ] = None,
    report: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Write an HTML summary here.")
    ] = None,
    model: Annotated[str | None, typer.Option(metavar="PATH", help="Path to a model file.")] = None,
    trust_model: Annotated[
        bool,
        typer.Option(
            "--trust-model", metavar=_FLAG, help="Allow a model from outside the package."
        ),
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", metavar=_FLAG, help="No progress bar or summary.")
    ] = False,
) -> None:
    """Audit a corpus: one output row per input record, resumable, local or on Dask."""
    from mtdetect.audit import AuditOptions, AuditUsageError, format_summary, run_audit

    opts = AuditOptions(
        text_field=text_field, id_field=id_field, detail=detail, keep_fields=keep_fields,
        with_text=with_text, with_spans=with_spans, metadata_field=metadata_field,
        split_dir=str(split_dir) if split_dir else None, split_format=split_format,
        drop_unscored=drop_unscored, threshold=threshold, output_format=output_format,
        max_file_size=_size(max_file_size), input_format=input_format, max_chars=max_chars,
        max_inflate=max_inflate, lang_check=lang_check, min_strength=min_strength,
        sensitivity=sensitivity, model=model,
        trust_model=trust_model, limit=limit, sample=sample, seed=seed,
    )  # fmt: skip
    try:
        summary = run_audit(
            inputs, output, options=opts, workers=workers or None, batch_size=batch_size,
            shard_bytes=_size(shard_size), resume=resume, overwrite=overwrite,
            scheduler=scheduler, report=report, progress=False if quiet else None,
        )  # fmt: skip
    except AuditUsageError as exc:
        _err(str(exc))
        raise typer.Exit(EXIT_ERROR) from None
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", None)  # AuditTerminated: SIGTERM or SIGHUP
        what = "terminated" if signum else "interrupted"
        _err(f"{what}; finished parts are kept: rerun with --resume to finish {output}")
        raise typer.Exit(128 + signum if signum else 130) from None
    if not quiet:
        typer.echo(format_summary(summary), err=True)
    st = summary.stats
    if st["records"] and st["status"].get("error", 0) == st["records"]:
        # Every row an error (unreadable inputs, a wrong --text-field, paths a cluster's
        # workers cannot open): the audit ran, but nothing was audited.
        _err(
            f"every one of the {st['records']:,} records is an error row: nothing was scored "
            f"(see {Path(output) / '_summary.json'})"
        )
        raise typer.Exit(EXIT_ALL_FAILED)


@app.command(cls=_Command)
def info() -> None:
    """Show the model, tables, versions and licences."""
    import platform

    from mtdetect.loading import load

    detector = load()
    typer.echo(f"mtdetect {__version__} (Python {platform.python_version()})")
    typer.echo(f"model: {detector.model_name}")
    for line in detector.describe():
        typer.echo(line)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
