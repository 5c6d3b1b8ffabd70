"""The `rulerun` command line: a thin layer over load -> check -> compile -> evaluate -> render."""
from __future__ import annotations

import contextlib
import datetime
import functools
import sys
from contextlib import contextmanager
from pathlib import Path

import click

import rulerun
from rulerun.dsl.errors import Diagnostic, InputOutputError, RulerunError, UsageError, render_all

from .formats import streams
from .tools.tally import Tally

EXIT_CODES = """\b
Exit codes:
  0   success (a "not eligible" decision is a success)
  1   `check` found warnings only, `test` had failing cases, `ask` ran out of input,
      or `batch`/`diff` had cases that could not be decided
  2   a measure file is invalid
  3   a case is invalid
  4   evaluation failed (e.g. division by zero)
  64  a file or option given cannot be used (also unknown options, missing arguments)
  70  internal error: a bug in rulerun
  74  reading or writing failed (a closed or full output, permission denied)
  130 interrupted (Ctrl-C)
  141 the reader of the output went away (a broken pipe)
"""


def _guard(func):
    """Turn rulerun errors into messages and exit codes; never show a traceback unless --debug."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        debug = (ctx.find_root().params or {}).get("debug", False)
        try:
            return func(*args, **kwargs)
        except RulerunError as error:
            click.echo(render_all(error.diagnostics), err=True)
            ctx.exit(error.exit_code)
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            ctx.exit(streams.broken_pipe())
        except OSError as error:  # the system refused a read or write that no reader turned into a message
            click.echo(render_all(streams.failure(error.filename or "a file", error, "read or write").diagnostics),
                       err=True)
            ctx.exit(InputOutputError.exit_code)
        except Exception:  # noqa: BLE001 - the last line of defence
            if debug:
                import traceback
                traceback.print_exc()
            click.echo("internal error: this is a bug in rulerun, not in your files.\n"
                       "Please report it with the command you ran and the files it read; "
                       "run again with `rulerun --debug …` to see the details.", err=True)
            ctx.exit(70)
    return wrapper


class Rulerun(click.Group):
    """The command group: click's usage errors exit 64, not 2 (an invalid measure), and output failures 74."""

    def make_context(self, *args, **kwargs) -> click.Context:
        with _exit_codes():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: click.Context):
        with _exit_codes():
            return super().invoke(ctx)

    def main(self, *args, **kwargs):
        with streams.guarded():
            try:
                result = super().main(*args, **kwargs)
                code = None
            except SystemExit as done:
                code = done.code
            except InputOutputError as error:  # e.g. the help text written to a full disk
                click.echo(render_all(error.diagnostics), err=True)
                code = error.exit_code
            # Output still buffered must reach its reader now, while a failure can still be reported.
            failed = streams.flush_output()
        if failed is not None:
            sys.exit(failed)
        if code is not None:
            sys.exit(code)
        return result


@contextmanager
def _exit_codes():
    """rulerun's exit codes for what click reports itself: a usage error, a broken pipe (e.g. of `--help`)."""
    try:
        yield
    except click.UsageError as error:
        error.exit_code = UsageError.exit_code
        raise
    except BrokenPipeError:
        raise click.exceptions.Exit(streams.broken_pipe()) from None



def _deep(func):
    """Run the command on a deep thread (see rulerun.dsl.deep), inside the command's click context.

    Not for `ask`: Ctrl-C reaches the main thread only, and `ask` answers it itself; its loads and
    evaluations move to a deep thread on their own when they need one.
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from rulerun.dsl.deep import run_deep
        ctx = click.get_current_context()

        def command():
            with ctx.scope(cleanup=False):
                return func(*args, **kwargs)
        return run_deep(command)
    return wrapper


@click.group(cls=Rulerun, epilog=EXIT_CODES, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show Python tracebacks for internal errors.")
@click.version_option(package_name="rulerun")
def main(debug: bool) -> None:
    """rulerun: explainable, exact decisions from YAML subsidy measures."""


def _display(path: Path) -> str:
    """The path as shown in messages and traces: relative to the working folder when inside it."""
    import os
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return relative if not relative.startswith("..") else str(path)


def _measure_path(measure: str, measures_dir: Path) -> Path:
    path = Path(measure)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.exists():
            raise UsageError(f"measure file `{measure}` does not exist")
        return path
    candidate = measures_dir / f"{measure}.yaml"
    if candidate.is_file():
        return candidate
    known = sorted(p.stem for p in measures_dir.glob("*.yaml")) if measures_dir.is_dir() else []
    from rulerun.dsl.names import did_you_mean
    raise UsageError([Diagnostic(
        f"no measure `{measure}`: not a file, and not an id in {measures_dir}/",
        hint=did_you_mean(measure, known) or ("known measures: " + ", ".join(known) if known else None))])


def _input_file(path: Path) -> Path:
    """`path` when it is a regular file: a FIFO or a device would block or never end."""
    from rulerun.dsl.files import FileProblem, require_regular
    try:
        require_regular(path, str(path))
    except FileProblem as problem:
        raise UsageError(problem.diagnostic) from None
    return path


def _date_option(value: str | None) -> datetime.date | None:
    if value is None:
        return None
    from rulerun.interpreter.formats.scalars import Refused, read_date, shown
    try:
        return read_date(value)
    except Refused:
        raise UsageError(Diagnostic(f"--on must be a date written YYYY-MM-DD, not `{shown(value)}`",
                                    hint="e.g. --on 2022-04-28")) from None


MEASURES_OPTION = click.option("--measures", "measures_dir", default="measures", show_default=True,
                               type=click.Path(path_type=Path), help="Folder where measure ids are looked up.")


@main.command()
@click.argument("measure")
@click.argument("case")
@click.option("--on", "on", help="Evaluation date (YYYY-MM-DD); default: the case's `on`, else today.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown", "html"]), default="text",
              show_default=True)
@click.option("--lang", type=click.Choice(["nl", "en"]), default="en", show_default=True)
@click.option("--no-trace", is_flag=True, help="Leave the trace out (JSON and text).")
@click.option("--width", type=click.IntRange(min=20), default=None,
              help="Wrap text reports at this many columns; default: the terminal's width on a terminal, else none.")
@click.option("--audience", type=click.Choice(["analyst", "applicant"]), default="analyst", show_default=True,
              help="analyst: the decision with its trace; applicant: the outcome in words, deadlines, sources.")
@MEASURES_OPTION
@_guard
@_deep
def explain(measure, case, on, fmt, lang, no_trace, width, audience, measures_dir):
    """Decide CASE under MEASURE and explain the decision.

    MEASURE is a measure file or an id in the measures folder; CASE is a YAML or JSON case
    file, or `-` to read it from standard input.
    """
    from rulerun.interpreter.formats import render
    from rulerun.interpreter.formats.boundaries import describe, failed_boundaries, failed_json
    from rulerun.interpreter.formats.labels import Labels
    from rulerun.interpreter.formats.receipt import receipt
    from rulerun.interpreter.formats.sources import Sources
    if audience == "applicant" and fmt == "json":
        raise UsageError(Diagnostic("--audience applicant gives a report to read: text, markdown or html, not json",
                                    hint="leave out --audience for the JSON decision; it is the same for everyone"))
    path = _measure_path(measure, measures_dir)
    loaded = rulerun.load(path, _display(path))
    compiled = loaded.engine
    the_case = rulerun.read_case(case, _display(Path(case)) if case != "-" else None)
    decision = loaded.decide_case(the_case, _date_option(on), trace=not no_trace)
    title = loaded.title.get(lang)
    sources, labels = Sources(compiled.measure), Labels(compiled)
    found = failed_boundaries(compiled, decision)
    if width is None and sys.stdout.isatty():
        import shutil
        width = max(shutil.get_terminal_size().columns, 20)
    changes = {name: describe(b, labels, lang) for name, b in found.items() if b is not None}
    if audience == "applicant":
        from rulerun.interpreter.formats import applicant
        report = applicant.build(decision, compiled, sources, lang, changes, the_case.id)
        if fmt == "text":
            click.echo(applicant.to_text(report, width or 80), nl=False)
        else:
            click.echo({"markdown": applicant.to_markdown, "html": applicant.to_html}[fmt](report), nl=False)
    elif fmt == "json":
        click.echo(render.to_json_text(decision, trace=not no_trace, sources=sources.used(decision),
                                       failed_conditions=failed_json(found, decision, labels),
                                       receipt=receipt(compiled.measure, decision), ident=the_case.id))
    elif fmt == "markdown":
        click.echo(render.to_markdown(decision, title, lang, sources=sources, labels=labels, changes=changes,
                                      ident=the_case.id), nl=False)
    elif fmt == "html":
        click.echo(render.to_html(decision, title, lang, sources=sources, labels=labels, changes=changes,
                                  ident=the_case.id), nl=False)
    else:
        color = sys.stdout.isatty()
        click.echo(render.to_text(decision, title, lang, color=color, sources=sources, labels=labels,
                                  changes=changes, width=width, ident=the_case.id), nl=False, color=color)


def _measure_files(paths: tuple[str, ...], measures_dir: Path, tally: Tally) -> list[Path]:
    """The measure files under PATHS; a path that does not exist is reported, and the others kept."""
    targets = [Path(p) for p in paths] or [measures_dir]
    files: list[Path] = []
    for target in targets:
        if target.is_dir():
            files += sorted(p for p in target.rglob("*.yaml") if _is_measure_file(p))
        elif target.exists():
            files.append(target)
        else:
            tally.report(UsageError(f"`{target}` does not exist"))
    return files


def _is_measure_file(path: Path) -> bool:
    """Measure and definition files, not case files (cases live in `cases/` folders)."""
    return "cases" not in path.parts


ENGINE_OPTION = click.option(
    "--engine", type=click.Choice(["python", "duckdb"]), default="python", show_default=True,
    help="python: the engine itself; duckdb: the measure compiled to one SQL query (needs rulerun[duckdb]).")


@main.command()
@click.argument("paths", nargs=-1)
@MEASURES_OPTION
@ENGINE_OPTION
@click.option("--show-sql", is_flag=True, help="With --engine duckdb: print each measure's SQL query.")
@_guard
@_deep
def check(paths, measures_dir, engine, show_sql):
    """Check measure files: schema, syntax, names, types, cycles, unused items.

    PATHS are measure files or folders (default: the measures folder). Exit 0 only when clean.
    With --engine duckdb, what the SQL back-end cannot compile is an error, with its position.
    """
    from rulerun.dsl.deep import too_deep
    errors = warnings = 0
    tally = Tally()
    for path in _measure_files(paths, measures_dir, tally):
        with tally.file(str(path)):
            try:
                found = rulerun.check(path)
            except (rulerun.MeasureError, RecursionError) as error:
                shown = error.diagnostics if isinstance(error, rulerun.MeasureError) else too_deep(str(path)).diagnostics
                click.echo(render_all(shown), err=True)
                errors += sum(d.severity == "error" for d in shown)
                warnings += sum(d.severity == "warning" for d in shown)
                continue
            if engine == "duckdb" and _is_measure_file(path):
                from rulerun.interpreter.tools.sqlbatch import sql_gaps
                gaps, sql = sql_gaps(path, _display(path))
                if gaps:
                    click.echo(render_all(gaps), err=True)
                    errors += len(gaps)
                    continue
                if show_sql:
                    click.echo(sql)
            if found:
                click.echo(render_all(found), err=True)
                warnings += len(found)
            else:
                click.echo(f"{path}: ok")
    if errors or warnings or tally.failed_files:
        unchecked = f", {tally.failed_files} path(s) not checked" if tally.failed_files else ""
        click.echo(f"{errors} error(s), {warnings} warning(s){unchecked}", err=True)
    tally.note(2 if errors else 1 if warnings else 0)
    sys.exit(tally.code)


@main.command()
@click.argument("measure")
@MEASURES_OPTION
@_guard
@_deep
def schema(measure, measures_dir):
    """Print a JSON Schema of the case files MEASURE accepts."""
    import json
    click.echo(json.dumps(rulerun.load(_measure_path(measure, measures_dir)).schema(), indent=2,
                          ensure_ascii=False))


@main.command(name="list")
@MEASURES_OPTION
@click.option("--lang", type=click.Choice(["nl", "en"]), default="en", show_default=True)
@_guard
@_deep
def list_measures(measures_dir, lang):
    """List the measures in the measures folder with their titles and windows."""
    from rulerun.dsl.loader import load_measure
    from rulerun.dsl.printable import printable
    if not measures_dir.is_dir():
        raise UsageError(f"`{measures_dir}` is not a folder")
    tally = Tally()
    for path in sorted(measures_dir.glob("*.yaml")):
        with tally.file(str(path)):
            m = load_measure(path)
            if m.kind != "measure":
                continue
            window = "always open"
            if m.window:
                window = f"{m.window.start or '…'} – {m.window.end or '…'}"
            # Escaped, not left to click, which drops ANSI sequences silently when not on a terminal.
            click.echo(f"{m.id:<45} {window:<25} {printable(m.title.get(lang))}")
    sys.exit(tally.code)


@main.command(name="test")
@click.argument("paths", nargs=-1)
@click.option("-k", "name_filter", help="Run only cases whose name or file name contains this text.")
@click.option("--coverage", is_flag=True,
              help="Also report which rules, table rows, condition outcomes, parameter values and sources "
                   "the cases exercise, and list what none does.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--lang", type=click.Choice(["nl", "en"]), default="en", show_default=True,
              help="Language of the values in a failing case's details and of the labels in the coverage report.")
@MEASURES_OPTION
@_guard
@_deep
def test_cases(paths, name_filter, coverage, fmt, lang, measures_dir):
    """Run the cases beside each measure (cases/<measure>/*.yaml) and report differences."""
    from rulerun.interpreter.tools.coverage import Tracker, render_text
    from rulerun.interpreter.tools.testing import as_json, explain_difference, run_measure
    tally = Tally()
    files = [p for p in _measure_files(paths, measures_dir, tally) if p.parent.name != "common"]
    results, reports = [], []
    for path in files:
        with tally.file(str(path)):
            compiled = rulerun.load(path, _display(path)).engine
            outcomes = run_measure(path, name_filter, compiled)
            results += outcomes
            if coverage:
                tracker = Tracker(compiled)
                for outcome in outcomes:
                    if outcome.decision is not None:
                        tracker.add(outcome.decision)
                reports.append(tracker.report(lang))
    failed = [o for o in results if not o.passed]
    for outcome in failed:
        tally.note(outcome.exit_code or 1)
    errors = sum(1 for o in failed if o.error is not None)
    if fmt == "json":
        import json
        data = {"passed": len(results) - len(failed), "failed": len(failed) - errors, "errors": errors,
                "failures": [as_json(o) for o in failed]}
        if coverage:
            data["coverage"] = [r.as_json() for r in reports]
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        # The details on standard output with the summary they add up to, each at its line in the case file.
        for outcome in failed:
            click.echo("\n".join(explain_difference(outcome, lang)))
        for report in reports:
            click.echo("\n".join(render_text(report)))
        click.echo(f"{len(results) - len(failed)} passed, {len(failed) - errors} failed"
                   + (f", {errors} error(s)" if errors else ""))
    sys.exit(tally.code)


@main.command()
@click.argument("measure")
@click.argument("case", required=False)
@click.option("--on", "on", help="Evaluation date (YYYY-MM-DD); default: the case's `on`, else today.")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="en", show_default=True)
@click.option("--save", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the facts collected (also when stopped early) to this case file.")
@click.option("--no-trace", is_flag=True, help="End with the decision's summary only.")
@MEASURES_OPTION
@_guard
def ask(measure, case, on, lang, save, no_trace, measures_dir):
    """Ask for the facts a decision still needs, one at a time, then explain it.

    Starts from the facts in CASE (or none) and asks only questions whose answer can still
    change eligibility or the amount: first the date that fixes the rules in force, then the
    facts in the order the measure declares them. Answer `?` when you do not know. Answers may
    be piped, one per line.
    """
    from rulerun.interpreter.tools.ask import check_save, run
    if save is not None:
        check_save(save)
    path = _measure_path(measure, measures_dir)
    loaded = rulerun.load(path, _display(path))
    raw, day, name = {}, None, None
    if case is not None:
        the_case = rulerun.read_case(case, _display(Path(case)))
        loaded.read_facts(the_case.facts, the_case.document, ("facts",))  # positioned errors first
        raw, day, name = the_case.facts or {}, the_case.on, the_case.name
    intake = loaded.intake(raw, _date_option(on) or day, name=name)
    sys.exit(run(intake, measure, lang, save, loaded.title.get(lang), trace=not no_trace))


@main.command()
@click.argument("measure")
@click.argument("input_path", metavar="INPUT", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here (default: stdout); a .parquet file is written as Parquet.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True,
              help="Output format. The input format follows INPUT's extension (.jsonl/.json, .csv or .parquet).")
@click.option("--on", "on", help="Evaluation date for cases without their own `on` (default: today).")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=1, show_default=True,
              help="Worker processes.")
@MEASURES_OPTION
@ENGINE_OPTION
@_guard
@_deep
def batch(measure, input_path, output, fmt, on, jobs, measures_dir, engine):
    """Decide every case in INPUT; stream one decision per case, in input order.

    JSON Lines input has one object per line: {"id": …, "on": …, "facts": {…}}. CSV input has a
    header of dotted fact paths (e.g. dienst.bedrag), plus optional `id` and `on` columns; an
    empty cell is a missing fact, a list fact is given as JSON. Parquet input (with pyarrow
    installed) has the same columns, typed, and records and lists as nested columns. A bad case becomes an error record
    with its line number and the run goes on; a summary goes to stderr, and the exit code is 1 when any case
    failed. A header naming a column that is not a fact, or a column twice, is a usage error (64).
    """
    path = _measure_path(measure, measures_dir)
    compiled = rulerun.load(path, _display(path)).engine
    suffix = _input_file(input_path).suffix.lower()
    day = _date_option(on) or datetime.date.today()
    if engine == "duckdb" and output is not None and output.suffix.lower() in (".parquet", ".pq"):
        from rulerun.interpreter.tools import sqlbatch  # Parquet to Parquet in DuckDB: no Python reader needed
        cases, summary = sqlbatch.sql_parquet(compiled, input_path, output, day)
        click.echo(f"{cases} case(s) decided into {output}", err=True)
        if summary is not None:  # rows the Python engine decided, errors among them: the counts, as without --engine
            click.echo(str(summary), err=True)
        sys.exit(summary.exit_code if summary is not None else 0)
    import csv as csv_module

    from rulerun.interpreter.formats import tables
    from rulerun.interpreter.tools import batch as runner
    if engine == "duckdb":
        import json

        from rulerun.interpreter.tools import sqlbatch
        records = sqlbatch.sql_records(compiled, input_path, day)
        items = None
    elif suffix in JSON_LINES:
        items = runner.read_jsonl(input_path)
    elif suffix == ".csv":
        items = tables.read_csv(input_path, compiled)
    elif suffix in (".parquet", ".pq"):
        items = tables.read_parquet(input_path, compiled)
    else:
        raise UsageError(f"cannot tell the format of `{input_path}`: use a .jsonl, .csv or .parquet file")
    if engine != "duckdb" and output is not None and output.suffix.lower() in (".parquet", ".pq"):
        sys.exit(_batch_parquet(compiled, input_path, items, output, day, jobs, (input_path, path)))
    sink = streams.open_output(output, (input_path, path)) if output else None
    stream = sink or sys.stdout
    summary = runner.Summary()
    try:
        bar = (click.progressbar(length=tables.count_cases(input_path), label="deciding", file=sys.stderr)
               if sys.stderr.isatty() else None)
        with bar or contextlib.nullcontext():
            if fmt == "csv" or items is None:
                columns = runner.csv_columns(compiled)
                writer = csv_module.writer(stream)
                if fmt == "csv":
                    writer.writerow(columns)
                if items is not None:
                    records = runner.decide_all(path, compiled, items, day, jobs)
                for record in records:
                    summary.add(record)
                    if fmt == "csv":
                        writer.writerow(runner.csv_row(record, columns))
                    else:
                        stream.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
                    if bar:
                        bar.update(1)
            else:
                source = input_path if suffix in JSON_LINES else items
                for text, part in runner.decide_jsonl(path, compiled, source, day, jobs):
                    stream.write(text)
                    summary.merge(part)
                    if bar:
                        bar.update(part.cases)
    finally:
        if sink:
            sink.close()
    click.echo(str(summary), err=True)
    sys.exit(summary.exit_code)


def _batch_parquet(compiled, input_path: Path, items, output: Path, day: datetime.date, jobs: int,
                   inputs: tuple[Path, ...]) -> int:
    """`rulerun batch … -o FILE.parquet` on the Python engine: Parquet input read by columns; the exit code."""
    from rulerun.interpreter.formats import tables
    from rulerun.interpreter.formats.parquet_facts import parquet_chunks
    from rulerun.interpreter.formats.parquet_out import ParquetRecords
    from rulerun.interpreter.tools import batch as runner
    if click.get_current_context().get_parameter_source("fmt") is not click.core.ParameterSource.DEFAULT:
        raise UsageError(Diagnostic(f"`{output}` is a Parquet file: --format names JSON Lines or CSV output",
                                    hint="leave out --format, or write to a .jsonl or .csv file"))
    if jobs > 1:
        raise UsageError(Diagnostic("Parquet output is written by one process: --jobs does not apply to it",
                                    hint="leave out --jobs, or write JSON Lines (-o decisions.jsonl) with --jobs"))
    parquet_input = input_path.suffix.lower() in (".parquet", ".pq")
    chunks = parquet_chunks(input_path, compiled) if parquet_input else runner.chunks(items, 8192)
    handle = streams.open_binary_output(output, inputs)
    summary = runner.Summary()
    bar = (click.progressbar(length=tables.count_cases(input_path), label="deciding", file=sys.stderr)
           if sys.stderr.isatty() else None)
    try:
        records = ParquetRecords(compiled.plan, handle)
        try:
            with bar or contextlib.nullcontext():
                for part in runner.decide_parquet(compiled, chunks, day, records):
                    summary.merge(part)
                    if bar:
                        bar.update(part.cases)
        finally:
            records.close()
    except OSError as error:
        raise streams.failure(f"`{output}`", error) from None
    finally:
        handle.close()
    click.echo(str(summary), err=True)
    return summary.exit_code


#: The extensions of JSON Lines input.
JSON_LINES = (".jsonl", ".json", ".ndjson")


@main.command()
@click.argument("old_measure", metavar="OLD_MEASURE")
@click.argument("new_measure", metavar="NEW_MEASURE")
@click.argument("cases", type=click.Path(exists=True, path_type=Path))
@click.option("--on", "on", help="Evaluation date for cases without their own `on` (default: today).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--top", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="How many of the largest changes to show.")
@MEASURES_OPTION
@_guard
@_deep
def diff(old_measure, new_measure, cases, on, fmt, top, measures_dir):
    """Show the impact of an edit: decide CASES under OLD_MEASURE and NEW_MEASURE and compare.

    CASES is a folder of YAML case files, or a .jsonl or .csv file as for `rulerun batch`.
    Reports the changes to the measure first (parameters and their dated versions, rules, table
    rows, facts, the decision), then every changed decision in a category named by its effect and
    the changes that caused it, then the decisions that change, eligibility flips, amount changes,
    the total amount before and after, and the largest changes with the rules whose values changed. A case that
    cannot be read or decided is listed and the others are compared; the exit code is then 1.
    """
    from rulerun.interpreter.tools import batch as runner
    from rulerun.interpreter.tools import impact
    from rulerun.interpreter.formats import tables
    old_path, new_path = _measure_path(old_measure, measures_dir), _measure_path(new_measure, measures_dir)
    old, new = rulerun.load(old_path, _display(old_path)).engine, rulerun.load(new_path, _display(new_path)).engine
    if cases.is_dir():
        items = impact.read_case_folder(cases)
    elif _input_file(cases).suffix.lower() in JSON_LINES:
        items = runner.read_jsonl(cases)
    elif cases.suffix.lower() == ".csv":
        items = tables.read_csv(cases, new)
    else:
        raise UsageError(f"cannot tell the format of `{cases}`: give a folder of case files, a .jsonl or a .csv file")
    result = impact.compare(old, new, items, _date_option(on) or datetime.date.today())
    if fmt == "json":
        import json
        click.echo(json.dumps(impact.as_json(result), indent=2, ensure_ascii=False))
    else:
        click.echo("\n".join(impact.render_text(result, _display(old_path), _display(new_path), top)))
    if result.internal:
        click.echo(f"internal error: {result.internal} case(s) met a bug in rulerun, not in your files; "
                   "please report it with those cases (listed above)", err=True)
    sys.exit(70 if result.internal else 1 if result.errors else 0)


@main.command()
@_guard
def lsp():
    """Serve the Language Server Protocol over standard input and output, for editors.

    Diagnostics, hover, completion, definitions, references, rename, outline, code lenses and
    quick fixes for measure and case files; see docs/editor.md. Needs the `lsp` extra.
    """
    try:
        from rulerun.interpreter.lsp.server import serve
    except ModuleNotFoundError as error:
        if error.name not in ("pygls", "lsprotocol", "cattrs", "attrs") and not (error.name or "").startswith(
                ("pygls.", "lsprotocol.")):
            raise
        raise UsageError(Diagnostic("the language server needs pygls and lsprotocol",
                                    hint="pip install 'rulerun[lsp]'")) from None
    serve()


@main.command()
@MEASURES_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Worker processes, each with its own copy of the measures (default: one per CPU it may use).")
@click.option("--token-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Require `Authorization: Bearer TOKEN` with the token in this file (all but GET /health "
                   "and the workbench's page).")
@click.option("--decision-log", type=click.Path(dir_okay=False, path_type=Path),
              help="Append one JSON line per decision (id, time, measure hash, input hash, outcome) to this file.")
@click.option("--cors-origin", "cors_origins", multiple=True,
              help="Allow browser pages from this origin (repeatable); off by default.")
@click.option("--max-body", type=click.IntRange(1, 1_000_000_000), default=1_000_000, show_default=True,
              help="Largest request body in bytes (for /batch: the longest line).")
@click.option("--max-batch-cases", type=click.IntRange(1, 100_000_000), default=1_000_000, show_default=True,
              help="Most lines (cases) read from one /batch request.")
@click.option("--reload-interval", type=click.FloatRange(0, 3600), default=1.0, show_default=True,
              help="Seconds between looks for changed measure files (0: never).")
@click.option("--edit", is_flag=True, help="Let the workbench (at /) save measure files; read-only otherwise.")
@_guard
def serve(measures_dir, host, port, workers, token_file, decision_log, cors_origins, max_body, max_batch_cases,
          reload_interval, edit):
    """Serve the measures of the measures folder over HTTP (needs `pip install 'rulerun[serve]'`).

    Decide, explain, batch, intake questions and checks, with OpenAPI at /openapi.json. A measure
    file that changes is re-checked and swapped in only when it has no errors. See docs/serve.md.
    """
    try:
        import fastapi  # noqa: F401 - here, so that a missing extra is named before anything starts
        import uvicorn  # noqa: F401

        from rulerun.interpreter.service import server
        from rulerun.interpreter.service.auth import read_token
        from rulerun.interpreter.service.decisions import DecisionLog
        from rulerun.interpreter.service.settings import Settings
    except ImportError as error:
        raise UsageError(Diagnostic(f"`rulerun serve` needs {error.name}, which is not installed",
                                    hint="pip install 'rulerun[serve]'")) from None
    if not measures_dir.is_dir():
        raise UsageError(f"`{measures_dir}` is not a folder")
    if edit and workers is not None and workers > 1:
        # A save reloads the measure in the worker that took it; the others would answer with the
        # version before it until their next look at the folder.
        raise UsageError(Diagnostic("--edit runs one worker: a save reaches only the worker that takes it",
                                    hint="leave out --workers (or give --workers 1) with --edit; serve the "
                                         "saved measures with several workers from a server without --edit"))
    if edit:
        workers = 1
    if token_file is not None:
        read_token(token_file)
    if decision_log is not None:
        DecisionLog(decision_log).close()  # a log that cannot be written is said now, before anything listens
    settings = Settings(measures=str(measures_dir), token_file=str(token_file) if token_file else None,
                        decision_log=str(decision_log) if decision_log else None, max_body=max_body,
                        max_batch_cases=max_batch_cases, reload_interval=reload_interval,
                        cors_origins=tuple(cors_origins), edit=edit)
    server.run(settings, host, port, workers)


@main.command()
@click.argument("folder", required=False, type=click.Path(path_type=Path))
@click.option("--port", type=click.IntRange(0, 65535), default=0,
              help="Port on localhost (default: a free one).")
@click.option("--edit", is_flag=True, help="Let the workbench save measure files; read-only otherwise.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser; only print the address.")
@_guard
def workbench(folder, port, edit, no_browser):
    """Open the analyst's workbench on the measures of FOLDER (default: ./measures) in the browser.

    Edit a measure with its diagnostics as you type, try cases through a form, run the cases
    with coverage by legal source, and see the impact of an edit before saving. Serves on
    localhost only. See docs/workbench.md.
    """
    try:
        import fastapi  # noqa: F401 - here, so that a missing extra is named before anything starts
        import uvicorn  # noqa: F401

        from rulerun.interpreter.service import server
        from rulerun.interpreter.service.settings import Settings
    except ImportError as error:
        raise UsageError(Diagnostic(f"`rulerun workbench` needs {error.name}, which is not installed",
                                    hint="pip install 'rulerun[serve]'")) from None
    folder = folder if folder is not None else Path("measures")
    if not folder.is_dir():
        raise UsageError(Diagnostic(f"`{folder}` is not a folder", hint="give the folder of your measure files"))
    settings = Settings(measures=str(folder), edit=edit)
    server.run(settings, "127.0.0.1", port, 1, on_ready=None if no_browser else _open_browser)


def _open_browser(address: str) -> None:
    import webbrowser
    webbrowser.open(address + "/")
