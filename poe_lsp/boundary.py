"""The workspace boundary: every file poe-lsp reads from disk or writes goes through here.

A repository is not trusted: it can ship a link where a test file belongs, a linked folder
that leads into the user's home, a FIFO or a device. So a path is resolved (links included)
and must stay inside one of the workspace folders (the editor's root and workspace folders,
the command line's root). Only regular files are read, at most :data:`MAX_FILE_BYTES` of
them, opened so that neither a link swapped in nor a FIFO can get in the way. A file poe-lsp
writes into (a *target*) must not be a link at all; missing folders are made one by one
from the workspace folder down, never through a link; a file is replaced atomically from a
private temporary file. Every refusal is a :class:`Refused` whose message says why and what
to do. The functions block: servers call them through :func:`asyncio.to_thread`.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

MAX_FILE_BYTES = 2 * 1024 * 1024
"""The largest file poe-lsp reads (2 MiB): more is not code to send to a bot."""

_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class Refused(Exception):
    """poe-lsp will not read or write this file; ``message`` says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def path_of_uri(uri: str) -> str:
    """Return the absolute path a ``file:`` URI names; refuse any other URI."""
    parts = urlsplit(uri)
    if parts.scheme.lower() != "file":
        kind = f"a {parts.scheme}: URI" if parts.scheme else "not a URI"
        raise Refused(
            f"Poe works on files saved on disk, and {uri} is {kind}: save it as a file in "
            "the workspace first."
        )
    if parts.netloc not in ("", "localhost"):
        raise Refused(
            f"{uri} is a file on another computer ({parts.netloc}): poe-lsp reads and "
            "writes only local files of the workspace."
        )
    path = unquote(parts.path)
    if "\0" in path:
        raise Refused(
            f"{uri} names no file: its path holds a NUL character (%00). Open the file "
            "from the workspace and try again."
        )
    if not path.startswith("/"):
        raise Refused(f"{uri} is not an absolute file path: open the file from the workspace.")
    return os.path.normpath(path)


class Boundary:
    """The workspace folders, and the only ways to read and write files inside them."""

    def __init__(self, roots: Iterable[str | os.PathLike[str]]) -> None:
        self.roots = tuple(os.path.abspath(os.fspath(root)) for root in roots)

    # Reading ------------------------------------------------------------------------

    def read(self, path: str | os.PathLike[str]) -> str | None:
        """Return the text of the regular file at ``path``, ``None`` if nothing is there.

        The path may pass through links, but where it leads must be inside the workspace.
        """
        lexical = _absolute(path)
        real = os.path.realpath(lexical)
        self._inside(lexical, real)
        try:
            before = os.stat(real)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise Refused(f"Cannot read {self.shown(lexical)}: {exc.strerror}.") from None
        _check_readable(self.shown(lexical), before)  # a device is not even opened
        try:
            fd = os.open(real, _READ_FLAGS)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise Refused(f"Cannot read {self.shown(lexical)}: {exc.strerror}.") from None
        try:
            _check_readable(self.shown(lexical), os.fstat(fd))
            data = _read_at_most(fd, MAX_FILE_BYTES + 1)
        finally:
            os.close(fd)
        if len(data) > MAX_FILE_BYTES:
            raise Refused(_too_large(self.shown(lexical)))
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(
                f"{self.shown(lexical)} is not UTF-8 text, so poe-lsp does not read it."
            ) from None

    # Writing ------------------------------------------------------------------------

    def check_target(self, path: str | os.PathLike[str]) -> None:
        """Refuse ``path`` as a file to write into unless it is a regular file (or nothing
        yet) inside the workspace, reached without a link that leads out of it."""
        lexical = _absolute(path)
        shown = self.shown(lexical)
        try:
            info = os.lstat(lexical)
        except FileNotFoundError:
            info = None
        except OSError as exc:
            raise Refused(f"Cannot use {shown}: {exc.strerror}.") from None
        if info is not None and stat.S_ISLNK(info.st_mode):
            destination = _link_text(lexical)
            missing = "" if os.path.exists(lexical) else ", which does not exist"
            raise Refused(
                f"{shown} is a symbolic link (to {destination}{missing}), so poe-lsp does not "
                "read or write it: a link in a repository can point at any of your files. "
                "Replace it with a regular file, or remove it."
            )
        self._inside(lexical, os.path.realpath(lexical))
        if info is not None and not stat.S_ISREG(info.st_mode):
            raise Refused(_not_regular(shown, info.st_mode))

    def create(self, path: str | os.PathLike[str]) -> None:
        """Create ``path`` as an empty file, and the folders missing on the way to it."""
        self.check_target(path)
        folder, name = self._folder(_absolute(path))
        try:
            try:
                fd = os.open(
                    name,
                    os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                    0o666,
                    dir_fd=folder,
                )
            except FileExistsError:
                info = os.stat(name, dir_fd=folder, follow_symlinks=False)
                if not stat.S_ISREG(info.st_mode):
                    raise Refused(_not_regular(self.shown(path), info.st_mode)) from None
            else:
                os.close(fd)
        finally:
            os.close(folder)

    def write(self, path: str | os.PathLike[str], text: str) -> None:
        """Replace (or create) the file at ``path`` with ``text``, atomically.

        The text goes to a private temporary file (an unpredictable name, created
        exclusively) in the same folder, is flushed to disk, gets the file's permissions and
        then replaces the file, so a reader never sees half of it.
        """
        self.check_target(path)
        lexical = _absolute(path)
        real = os.path.realpath(lexical)
        folder_fd, name = self._folder(lexical)
        os.close(folder_fd)
        folder = os.path.dirname(real)
        try:
            mode = stat.S_IMODE(os.stat(real, follow_symlinks=False).st_mode)
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        fd, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".poe-lsp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(text.encode("utf-8"))
                file.flush()
                os.fchmod(file.fileno(), mode)
                os.fsync(file.fileno())
            if os.path.islink(real):  # planted while the text was written
                raise Refused(
                    f"{self.shown(lexical)} became a symbolic link while poe-lsp was writing "
                    "it, so it was left as it is."
                )
            os.replace(temporary, real)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        with contextlib.suppress(OSError):
            _fsync_folder(folder)

    # Helpers ------------------------------------------------------------------------

    def shown(self, path: str | os.PathLike[str]) -> str:
        """Return ``path`` relative to the workspace folder it is in, else as it is."""
        pure = PurePosixPath(os.fspath(path))
        for root in self.roots:
            if pure.is_relative_to(root) and pure != PurePosixPath(root):
                return str(pure.relative_to(root))
        return str(pure)

    def _inside(self, lexical: str, real: str) -> str:
        """Return the workspace folder ``real`` is in; refuse it if it is in none."""
        pure = PurePosixPath(real)
        for root in self.roots:
            resolved = os.path.realpath(root)
            if pure.is_relative_to(resolved):
                return resolved
        shown = self.shown(lexical)
        if not self.roots:
            raise Refused(
                f"poe-lsp reads and writes files only inside a workspace folder, and there is "
                f"none, so it left {shown} alone: open the project's folder as the workspace."
            )
        link = self._link_on_the_way(lexical)
        if link is not None and link != lexical:
            raise Refused(
                f"{shown} is inside {self.shown(link)}, a linked folder that leads out of the "
                f"workspace (to {_link_text(link)}), so poe-lsp does not read or write it. "
                "Replace the link with a real folder."
            )
        if link is not None:
            raise Refused(
                f"{shown} is a symbolic link that leads out of the workspace (to "
                f"{_link_text(link)}), so poe-lsp does not read or write it. Replace it with "
                "a regular file, or remove it."
            )
        folders = ", ".join(self.roots)
        raise Refused(
            f"{shown} is outside the workspace ({folders}), so poe-lsp does not read or write "
            "it: open its project's folder as the workspace (on the command line: --root)."
        )

    def _link_on_the_way(self, lexical: str) -> str | None:
        """Return the first link inside a workspace folder on the way to ``lexical`` (or
        ``lexical`` itself), if there is one."""
        pure = PurePosixPath(lexical)
        roots = [PurePosixPath(root) for root in self.roots]
        for candidate in [*reversed(pure.parents), pure]:
            inside = any(candidate.is_relative_to(root) and candidate != root for root in roots)
            if inside and os.path.islink(candidate):
                return str(candidate)
        return None

    def _folder(self, lexical: str) -> tuple[int, str]:
        """Open the folder ``lexical`` is in, making what is missing from the workspace
        folder down without following a link; return its descriptor and the file's name."""
        real = os.path.realpath(lexical)
        root = self._inside(lexical, real)
        names = PurePosixPath(real).relative_to(root).parts
        if not names:
            raise Refused(f"{self.shown(lexical)} is a workspace folder, not a file.")
        fd = os.open(root, _FOLDER_FLAGS)
        try:
            for name in names[:-1]:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(name, 0o777, dir_fd=fd)
                try:
                    inner = os.open(name, _FOLDER_FLAGS, dir_fd=fd)
                except OSError:
                    raise Refused(
                        f"Cannot make {self.shown(lexical)}: "
                        f"{name} on the way is not a folder (or is a link)."
                    ) from None
                os.close(fd)
                fd = inner
        except BaseException:
            os.close(fd)
            raise
        return fd, names[-1]


def _absolute(path: str | os.PathLike[str]) -> str:
    text = os.fspath(path)
    if "\0" in text:
        raise Refused(f"{text!r} names no file: it holds a NUL character.")
    if not os.path.isabs(text):
        raise Refused(
            f"{text} is not a file on disk (no absolute path): save it in the workspace first."
        )
    return os.path.normpath(text)


def _check_readable(shown: str, info: os.stat_result) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise Refused(_not_regular(shown, info.st_mode))
    if info.st_size > MAX_FILE_BYTES:
        raise Refused(_too_large(shown))


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        try:
            chunk = os.read(fd, min(1 << 16, limit - size))
        except BlockingIOError:  # only a file that is not one blocks
            break
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _not_regular(shown: str, mode: int) -> str:
    if stat.S_ISDIR(mode):
        kind = "a folder"
    elif stat.S_ISFIFO(mode):
        kind = "a named pipe (FIFO)"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a device"
    elif stat.S_ISSOCK(mode):
        kind = "a socket"
    else:
        kind = "not a regular file"
    return (
        f"{shown} is {kind}, not a regular file, so poe-lsp does not read or write it: "
        "replace it with a regular file, or remove it."
    )


def _too_large(shown: str) -> str:
    megabytes = MAX_FILE_BYTES // (1024 * 1024)
    return (
        f"{shown} is larger than {megabytes} MB, so poe-lsp does not read it: split it, or "
        "work on a smaller file."
    )


def _link_text(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"


def _umask() -> int:
    """Return the process's umask.

    Linux tells it in ``/proc/self/status``; elsewhere it can only be read by setting it,
    which briefly changes it for every thread, so that is the fallback only.
    """
    with (
        contextlib.suppress(OSError, ValueError),
        open("/proc/self/status", encoding="ascii") as status,
    ):
        for line in status:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_folder(folder: str) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
