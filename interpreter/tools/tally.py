"""Commands over many files: a file that fails is reported and the others still run."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import click

from rulerun.dsl.errors import InputOutputError, RulerunError, render_all

INTERNAL = 70


def internal_error(name: str) -> str:
    """The message for a bug in rulerun met while handling the file `name`."""
    return (f"{name}: internal error: this is a bug in rulerun, met while handling this file.\n"
            "Please report it with the command you ran and this file; "
            "run again with `rulerun --debug …` to see the details.")


def debugging() -> bool:
    """Whether `rulerun --debug` was given."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx and (ctx.find_root().params or {}).get("debug"))


class Tally:
    """The exit code of a command over many files: the largest of the files' codes (70 for a bug)."""

    def __init__(self) -> None:
        self.code = 0
        self.failed_files = 0

    def note(self, code: int) -> None:
        """Count an exit code towards the command's."""
        self.code = max(self.code, code)

    def report(self, error: RulerunError) -> None:
        """Print a file's error and count its exit code."""
        click.echo(render_all(error.diagnostics), err=True)
        self.failed_files += 1
        self.note(error.exit_code)

    @contextmanager
    def file(self, name: str) -> Iterator[None]:
        """Handle one file: its error, or a bug it triggers, is reported, and the command goes on."""
        try:
            yield
        except InputOutputError:
            raise  # the output itself failed: nothing more can be reported
        except RulerunError as error:
            self.report(error)
        except (OSError, click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise  # a broken pipe, a failing stream or an exit asked for ends the command
        except Exception:  # noqa: BLE001 - one file's bug must not lose the results of the others
            if debugging():
                import traceback  # only to show an internal error with --debug
                traceback.print_exc()
            click.echo(internal_error(name), err=True)
            self.failed_files += 1
            self.note(INTERNAL)
