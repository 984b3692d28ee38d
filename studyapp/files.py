"""Files the commands (`import -o`, `export -o`, `export --anki`, `export --csv`) and the
app's exports write: whole or not at all.

The text goes to a temporary file beside the target, which then replaces it, so a failure
leaves the target as it was. Only a regular file (with --force) or a new path is replaced:
a device (/dev/full), a FIFO, a folder or a socket is refused rather than replaced by a
regular file. A symbolic link to a regular file is written through: its target gets the new
text and the link stays. A new file gets the mode the umask gives (0666 less the umask); a
replaced one keeps its mode.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from studyapp.errors import StudyappError
from studyapp.i18n import tr


def write_whole(path: Path, content: str | bytes, lang: str, *, force: bool) -> None:
    """Write `content` (text is written as UTF-8, its line ends as they are) to `path` (see
    the module's docstring); StudyappError when refused."""
    target, mode = check_target(path, lang, force=force)
    try:
        handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    except OSError as exc:
        raise cannot_write(lang, path, exc) from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content.encode() if isinstance(content, str) else content)
        os.chmod(temp, mode)
        os.replace(temp, target)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise cannot_write(lang, path, exc) from None


def check_target(path: Path, lang: str, *, force: bool) -> tuple[Path, int]:
    """The file that writing `path` replaces (a link's target) and the mode it will have;
    StudyappError when `path` would be refused. Lets a caller that writes several files
    refuse before it writes any."""
    target = path.resolve() if path.is_symlink() else path
    try:
        existing = target.stat()
    except FileNotFoundError:
        return target, _umask_mode()
    except OSError as exc:
        raise cannot_write(lang, path, exc) from None
    if not stat.S_ISREG(existing.st_mode):
        raise StudyappError(tr(lang, "cli.file_not_regular", path=path))
    if not force:
        raise StudyappError(tr(lang, "cli.file_exists", path=path))
    return target, stat.S_IMODE(existing.st_mode)


def _umask_mode() -> int:
    umask = os.umask(0)  # the only way to read it is to set it
    os.umask(umask)
    return 0o666 & ~umask


def cannot_write(lang: str, path: Path, error: OSError) -> StudyappError:
    """The one-line error for a file or folder that could not be written."""
    return StudyappError(tr(lang, "cli.file_cannot_write", path=path,
                            reason=error.strerror or error))
