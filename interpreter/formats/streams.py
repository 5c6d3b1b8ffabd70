"""Standard streams and output files whose failures become input/output errors that name what failed."""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator, NoReturn

from rulerun.dsl.errors import Diagnostic, InputOutputError, UsageError, render_all

STDIN, STDOUT = "standard input", "standard output"


def failure(what: str, error: OSError, verb: str = "write to") -> InputOutputError:
    """The error for a failed read or write of `what`, in the system's words ('No space left on device')."""
    hint = "check the permissions, or write somewhere else" if isinstance(error, PermissionError) else None
    return InputOutputError(Diagnostic(f"cannot {verb} {what}: {error.strerror or error}", hint=hint))


class Guarded:
    """A stream whose failed reads and writes raise InputOutputError; a broken pipe stays a BrokenPipeError."""

    def __init__(self, stream, name: str):
        self._stream = stream
        self._name = name

    def _call(self, verb: str, method: str, *args):
        try:
            return getattr(self._stream, method)(*args)
        except BrokenPipeError:
            raise  # the reader went away: a quiet stop, handled where the command ends
        except OSError as error:
            raise failure(self._name, error, verb) from None

    def write(self, text):
        return self._call("write to", "write", text)

    def writelines(self, lines):
        return self._call("write to", "writelines", lines)

    def flush(self):
        return self._call("write to", "flush")

    def close(self):
        return self._call("write to", "close")

    def read(self, *size):
        return self._call("read", "read", *size)

    def readline(self, *size):
        return self._call("read", "readline", *size)

    def readlines(self, *hint):
        return self._call("read", "readlines", *hint)

    def __iter__(self):
        return iter(self.readline, "")

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __getattr__(self, name):
        return getattr(self._stream, name)


class Closed:
    """Stands in for a standard stream the command was started without (`>&-`, `<&-`)."""

    encoding, errors, closed = "utf-8", "strict", False

    def __init__(self, name: str):
        self._name = name

    def _fail(self, verb: str) -> NoReturn:
        where = "<&-" if self._name == STDIN else ">&-"
        raise InputOutputError(Diagnostic(
            f"cannot {verb} {self._name}: it is closed",
            hint=f"the command was started with {self._name} closed (`{where}`); give it a file or a pipe"))

    def write(self, text):
        self._fail("write to")

    def read(self, *size):
        self._fail("read")

    readline = readlines = read
    writelines = write

    def __iter__(self):
        self._fail("read")

    def flush(self) -> None:
        """Nothing was written, so there is nothing to flush."""

    def isatty(self) -> bool:
        return False

    @property
    def buffer(self) -> "Closed":
        """The byte stream under it, closed as well (readers of bytes fail alike)."""
        return self

    def fileno(self) -> int:
        self._fail("read" if self._name == STDIN else "write to")


class Quiet:
    """Standard error whose failures are dropped: a message that cannot be shown must not change the exit code.

    Standard error is where failures are reported, so a failure of its own has nowhere to go;
    once a write fails (closed, full), it points at the null device and writes nothing more.
    """

    encoding, errors = "utf-8", "strict"

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError("standard error takes text")  # so that click writes text to it
        if self._stream is not None:
            try:
                self._stream.write(text)
            except (OSError, ValueError):
                self._drop()
        return len(text)

    def flush(self) -> None:
        if self._stream is not None:
            try:
                self._stream.flush()
            except (OSError, ValueError):
                self._drop()

    def isatty(self) -> bool:
        try:
            return self._stream is not None and self._stream.isatty()
        except (OSError, ValueError):
            return False

    def _drop(self) -> None:
        """Stop writing; what the stream still holds goes to the null device, so it cannot fail at exit."""
        stream, self._stream = self._stream, None
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
        except (AttributeError, OSError, ValueError):
            pass  # no real file behind it (e.g. under a test runner): nothing will be flushed at exit

    def __getattr__(self, name):
        if self._stream is None:
            raise AttributeError(name)
        return getattr(self._stream, name)


@contextmanager
def guarded() -> Iterator[None]:
    """Standard input and output that report their failures, and a standard error that cannot fail, for one command."""
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin = Guarded(sys.stdin, STDIN) if sys.stdin is not None else Closed(STDIN)
    sys.stdout = Guarded(sys.stdout, STDOUT) if sys.stdout is not None else Closed(STDOUT)
    sys.stderr = Quiet(sys.stderr)
    try:
        yield
    finally:
        sys.stderr.flush()  # here, where a failure is dropped, not at exit, where it would change the exit code
        sys.stdin, sys.stdout, sys.stderr = saved


def flush_output() -> int | None:
    """Flush standard output; None when that works, else the exit code (141 for a closed pipe, else 74)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        return broken_pipe()
    except InputOutputError as error:
        _report(error)
        _discard_output()
        return error.exit_code
    return None


def broken_pipe() -> int:
    """The reader went away (e.g. `| head`): stop quietly, as other command-line tools do; the exit code."""
    _discard_output()
    return 141


def _report(error: InputOutputError) -> None:
    if sys.stderr is not None:
        try:
            sys.stderr.write(render_all(error.diagnostics) + "\n")
            sys.stderr.flush()
        except OSError:
            pass  # standard error failing too leaves only the exit code to tell


def _discard_output() -> None:
    """Point standard output at the null device, so that what is still buffered cannot fail again at exit."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):
        pass  # no real file behind standard output (e.g. under a test runner): nothing will be flushed


def _same_file(one: Path, other: Path) -> bool:
    """Whether two paths name one file (same device and inode), as symlinks and hard links do."""
    try:
        first, second = os.stat(one), os.stat(other)
    except OSError:  # a file that does not exist yet is no input
        return False
    return (first.st_dev, first.st_ino) == (second.st_dev, second.st_ino)


def open_output(path: Path, inputs: tuple[Path, ...] = ()) -> Guarded:
    """An output file opened for writing text, whose failures name the file; never one of `inputs`.

    Opening for writing empties the file at once, so an output that is an input (by any name:
    a symlink or a hard link) would destroy what is still to be read: that is refused.
    """
    _not_an_input(path, inputs)
    try:
        return Guarded(open(path, "w", encoding="utf-8", newline=""), f"`{path}`")
    except OSError as error:
        raise failure(f"`{path}`", error) from None


def open_binary_output(path: Path, inputs: tuple[Path, ...] = ()) -> BinaryIO:
    """An output file opened for writing bytes (Parquet), never one of `inputs`; failing to open it names the file."""
    _not_an_input(path, inputs)
    try:
        return open(path, "wb")
    except OSError as error:
        raise failure(f"`{path}`", error) from None


def _not_an_input(path: Path, inputs: tuple[Path, ...]) -> None:
    for source in inputs:
        if _same_file(path, source):
            raise UsageError(Diagnostic(f"the output `{path}` is the input `{source}`: writing it would destroy "
                                        "the input before it is read", hint="write the output to another file"))
