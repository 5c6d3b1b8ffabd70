"""Reading the files a user names: regular files only, and never more than a bounded number of bytes."""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from .errors import Diagnostic

#: Largest measure or case file read, in bytes.
MAX_FILE_BYTES = 10 * 1024 * 1024


class FileProblem(Exception):
    """A file that cannot be read; carries a diagnostic naming it."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def _what(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _refuse(mode: int, name: str) -> None:
    what = _what(mode)
    if what is not None:
        message = what if what.startswith("not ") else f"is {what}, not a file"
        raise FileProblem(Diagnostic(message, file=name, hint="give the path of a regular file"))


def _too_large(limit: int, name: str) -> FileProblem:
    return FileProblem(Diagnostic(f"is larger than {limit} bytes, the most rulerun reads from one file",
                                  file=name, hint="split it into smaller files"))


def _problem(error: OSError, name: str) -> FileProblem:
    if isinstance(error, FileNotFoundError):
        return FileProblem(Diagnostic("no such file", file=name, hint="check the path"))
    if isinstance(error, PermissionError):
        return FileProblem(Diagnostic("cannot read the file: permission denied", file=name))
    return FileProblem(Diagnostic(f"cannot read the file: {error.strerror or error}", file=name))


def require_regular(path: Path, name: str | None = None, limit: int | None = None) -> None:
    """Raise FileProblem unless `path` (its symlinks followed) is a regular file of at most `limit` bytes."""
    name = name or str(path)
    try:
        details = os.stat(path)
    except OSError as error:
        raise _problem(error, name) from None
    _refuse(details.st_mode, name)
    if limit is not None and details.st_size > limit:
        raise _too_large(limit, name)


def read_bytes(path: Path, name: str | None = None, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them; FileProblem otherwise."""
    name = name or str(path)
    try:
        # Non-blocking: opening a FIFO must not wait for a writer; the check below refuses it.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as error:
        raise _problem(error, name) from None
    try:
        details = os.fstat(descriptor)  # the file opened, not whatever the path names by now
        _refuse(details.st_mode, name)
        if details.st_size > limit:
            raise _too_large(limit, name)
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            return read_stream(handle, name, limit)
    except OSError as error:
        raise _problem(error, name) from None
    finally:
        os.close(descriptor)


def read_stream(stream: BinaryIO, name: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """At most `limit` bytes from an open stream (a file, standard input); FileProblem when there are more."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit, name)
    return data
