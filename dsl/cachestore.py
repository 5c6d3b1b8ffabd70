"""The cache folder as a store only this user can write: checked folders and files, entries signed with a key."""
from __future__ import annotations

import errno
import hashlib
import hmac
import os
import stat
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import Diagnostic, render

#: Environment variable naming the cache folder; set it empty to keep no cache.
FOLDER_VARIABLE = "RULERUN_CACHE_DIR"
#: The file in the cache folder holding this user's secret key, which signs every entry.
KEY_NAME = "key"

_MAGIC = b"rulerun cache entry 1\n"
_KEY_BYTES = 32
_MAC_BYTES = hashlib.sha256().digest_size
# Owner checks, O_NOFOLLOW and folder-relative opens are what make the folder trustworthy; without them: no cache.
_SUPPORTED = (hasattr(os, "geteuid") and hasattr(os, "O_NOFOLLOW") and hasattr(os, "O_DIRECTORY")
              and os.open in os.supports_dir_fd and os.mkdir in os.supports_dir_fd)
_OPEN = os.O_NOFOLLOW | os.O_CLOEXEC if _SUPPORTED else 0
_HINT = (f"use a folder that belongs to you and that only you can write (chmod 700), "
         f"or set {FOLDER_VARIABLE} to one; the cache only saves time")
_warned: set[str] = set()


class Refused(Exception):
    """A folder or file of the cache that must not be trusted; the text says why."""


def folder() -> Path | None:
    """Where the cache is kept, or None when it is switched off."""
    chosen = os.environ.get(FOLDER_VARIABLE)
    if chosen is not None:
        return Path(chosen) if chosen.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rulerun"


def enabled() -> bool:
    """True when a cache folder is configured and this system can check who wrote its entries."""
    return _SUPPORTED and folder() is not None


def read(kind: str, name: str) -> bytes | None:
    """The payload of entry `name` of `kind` when this user wrote it with this user's key, else None."""
    with _opened(kind) as place:
        if place is None:
            return None
        shelf, key = place
        data = _read_private(shelf, name, 0o022)
    if data is None or not data.startswith(_MAGIC):
        return None
    mac, payload = data[len(_MAGIC):len(_MAGIC) + _MAC_BYTES], data[len(_MAGIC) + _MAC_BYTES:]
    return payload if hmac.compare_digest(mac, _mac(key, kind, name, payload)) else None


def write(kind: str, name: str, payload: bytes) -> None:
    """Store `payload` as entry `name` of `kind`, whole or not at all, replacing what was there."""
    with _opened(kind) as place:
        if place is None:
            return
        shelf, key = place
        try:
            partial = _write_new(shelf, name, _MAGIC + _mac(key, kind, name, payload) + payload)
            try:
                os.replace(partial, name, src_dir_fd=shelf, dst_dir_fd=shelf)  # also when two processes write at once
            finally:
                _remove(shelf, partial)
        except OSError as error:
            _warn(f"cannot write to the cache folder: {_reason(error)}")


def _mac(key: bytes, kind: str, name: str, payload: bytes) -> bytes:
    # The kind and name are signed too: an entry copied to another name does not verify.
    return hmac.new(key, f"{kind}\0{name}\0".encode() + payload, hashlib.sha256).digest()


@contextmanager
def _opened(kind: str) -> Iterator[tuple[int, bytes] | None]:
    """The checked folder of `kind` (an open descriptor) and the key, or None when the cache is not used."""
    place = folder() if _SUPPORTED else None
    descriptors: list[int] = []
    try:
        found = None
        if place is not None:
            try:
                _make_parents(place)
                descriptors.append(_trusted_folder(str(place), None, "it"))
                key = _key(descriptors[0])
                descriptors.append(_trusted_folder(kind, descriptors[0], f"its folder `{kind}`"))
                found = descriptors[1], key
            except Refused as reason:
                _warn(f"the cache folder is not used: {reason}")
            except OSError as error:
                _warn(f"the cache folder is not used: {_reason(error)}")
        yield found
    finally:
        for descriptor in descriptors:
            os.close(descriptor)


def _make_parents(place: Path) -> None:
    try:
        place.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next((p for p in reversed(place.parents) if p.exists() and not p.is_dir()), place.parent)
        raise Refused(f"cannot make it: `{blocker}` is not a folder") from None


def _trusted_folder(name: str, parent: int | None, what: str) -> int:
    """Open folder `name` (made 0700 when missing) and check it is a real folder only this user can write."""
    try:
        os.mkdir(name, 0o700, dir_fd=parent)
    except FileExistsError:
        pass
    try:
        descriptor = os.open(name, os.O_RDONLY | os.O_DIRECTORY | _OPEN, dir_fd=parent)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR):
            link = stat.S_ISLNK(os.lstat(name, dir_fd=parent).st_mode)
            raise Refused(f"{what} is a symbolic link" if link else f"{what} is not a folder") from None
        raise
    info = os.fstat(descriptor)  # the folder opened, not whatever the name points to by now
    problem = _untrusted(info, 0o022)
    if problem:
        os.close(descriptor)
        raise Refused(f"{what} {problem}")
    return descriptor


def _untrusted(info: os.stat_result, forbidden: int) -> str | None:
    """Why a file or folder with this status must not be trusted, or None."""
    if info.st_uid != os.geteuid():
        return f"belongs to another user (uid {info.st_uid})"
    if info.st_mode & forbidden:
        return f"can be {'read or written' if forbidden & 0o044 else 'written'} by other users " \
               f"(mode {stat.S_IMODE(info.st_mode):04o})"
    return None


def _key(root: int) -> bytes:
    """This user's secret key, made once (atomically: whole, and the same for processes racing to make it)."""
    key = _read_private(root, KEY_NAME, 0o077)
    if key is not None and len(key) == _KEY_BYTES:
        return key
    fresh = os.urandom(_KEY_BYTES)  # what secrets.token_bytes returns, without importing `random` for it
    partial = _write_new(root, KEY_NAME, fresh)
    try:
        try:
            os.link(partial, KEY_NAME, src_dir_fd=root, dst_dir_fd=root)
        except FileExistsError:  # another process was first, or the key there is unusable
            key = _read_private(root, KEY_NAME, 0o077)
            if key is not None and len(key) == _KEY_BYTES:
                return key
            os.replace(partial, KEY_NAME, src_dir_fd=root, dst_dir_fd=root)
        return fresh
    finally:
        _remove(root, partial)


def _read_private(folder_fd: int, name: str, forbidden: int) -> bytes | None:
    """The bytes of a regular file this user owns, not a link, none of `forbidden` mode bits; else None."""
    try:
        descriptor = os.open(name, os.O_RDONLY | os.O_NONBLOCK | _OPEN, dir_fd=folder_fd)
    except OSError:
        return None  # missing, a symbolic link or unreadable: not an entry to trust
    with os.fdopen(descriptor, "rb") as file:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or _untrusted(info, forbidden):
            return None
        return file.read()


def _write_new(folder_fd: int, name: str, data: bytes) -> str:
    """Write `data` to a new 0600 file beside `name` and return the new file's name."""
    partial = f"{name}.{os.getpid()}.{os.urandom(4).hex()}.partial"
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _OPEN, 0o600, dir_fd=folder_fd)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
    except BaseException:
        _remove(folder_fd, partial)
        raise
    return partial


def _remove(folder_fd: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=folder_fd)
    except FileNotFoundError:
        pass


def _reason(error: OSError) -> str:
    text = error.strerror or str(error)
    return text[:1].lower() + text[1:]


def _warn(message: str) -> None:
    """Say once per process and folder why the cache folder is not (fully) used."""
    place = str(folder())
    if os.path.abspath(place) in _warned:
        return
    _warned.add(os.path.abspath(place))
    print(render(Diagnostic(message, hint=_HINT, severity="warning", file=place)), file=sys.stderr)
