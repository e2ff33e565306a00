"""All-or-nothing file output (SPEC §7, §8): a run that fails or is interrupted writes no partial file."""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from gelato_theory.errors import FieldError

_Target = TypeVar("_Target", bound=str | Path)


class OutputPathError(FieldError):
    """An output path (``field`` names the option, e.g. ``--json``) cannot receive the output."""


#: pseudo file systems where no report belongs
_SYSTEM_ROOTS = (Path("/proc"), Path("/sys"), Path("/dev"))


def check_output_file(field: str, path: str | Path) -> Path:
    """Check before any work that ``path`` can receive a file: a non-empty name, not a folder, not
    under a file or a pseudo file system, in a folder where a file can be created (probed with a
    temporary file that is removed at once). Returns the path; raises OutputPathError."""
    p = _checked(field, path)
    if p.is_dir():
        raise OutputPathError(field, str(path), "must be a file name, not an existing folder")
    _probe(field, str(path), p.parent)
    return p


def check_output_dir(field: str, path: str | Path) -> Path:
    """Like :func:`check_output_file` for a folder that will receive files (created if missing)."""
    p = _checked(field, path)
    if p.exists() and not p.is_dir():
        raise OutputPathError(field, str(path), "must be a folder, not an existing file")
    _probe(field, str(path), p)
    return p


def _checked(field: str, path: str | Path) -> Path:
    if str(path).strip() == "":
        raise OutputPathError(field, str(path), "must be a non-empty path")
    p = Path(path).expanduser().absolute()
    for root in _SYSTEM_ROOTS:
        if p == root or root in p.parents:
            raise OutputPathError(field, str(path), f"must not lie under {root} (a system folder)")
    return p


def _probe(field: str, shown: str, folder: Path) -> None:
    """The nearest existing ancestor of ``folder`` must be a writable folder."""
    anc = folder
    while not anc.exists():
        anc = anc.parent
    if not anc.is_dir():
        raise OutputPathError(field, shown, f"must not lie under the file {anc}")
    try:
        fd, tmp = tempfile.mkstemp(dir=anc, prefix=".gelato-probe.", suffix=".tmp")
    except OSError as exc:
        raise OutputPathError(field, shown, f"must be writable ({anc}: {exc.strerror})") from None
    os.close(fd)
    os.unlink(tmp)


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write one file atomically: a temporary file in the same folder, then ``os.replace``."""
    write_all({path: data})


def write_all(files: Mapping[_Target, str | bytes]) -> None:
    """Write several files all-or-nothing, together.

    Every file is first written to a temporary sibling (creating missing folders); only when all
    are written are they renamed into place. If a rename fails, the files already renamed are put
    back as they were (previous contents restored, new files removed) and the folders this call
    created are removed, so an exception or interrupt leaves every target as it was.
    """
    staged: list[tuple[str, Path]] = []
    created: list[Path] = []
    done: list[tuple[Path, str | None]] = []  # target, backup of its previous contents
    mode = _default_mode()
    try:
        for path, data in files.items():
            p = Path(path)
            if p.is_dir():
                raise IsADirectoryError(21, "Is a directory", str(p))
            created += _make_parents(p.parent)
            fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
            staged.append((tmp, p))
            with os.fdopen(fd, "wb" if isinstance(data, bytes) else "w") as f:
                f.write(data)
            os.chmod(tmp, mode)
        for tmp, p in staged:
            backup = None
            if p.exists():  # keep the previous contents under a second name; p stays in place
                backup = f"{tmp[: -len('.tmp')]}.bak"
                try:
                    os.link(p, backup)
                except OSError:
                    shutil.copy2(p, backup)
            done.append((p, backup))
            os.replace(tmp, p)
        for _, backup in done:
            if backup:
                Path(backup).unlink(missing_ok=True)
        done.clear()
    except BaseException:
        for p, backup in reversed(done):
            if backup:
                os.replace(backup, p)
            else:
                p.unlink(missing_ok=True)
        for d in reversed(created):
            try:
                d.rmdir()
            except OSError:
                pass
        raise
    finally:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return those created, outermost first."""
    missing = []
    d = folder
    while not d.exists():
        missing.append(d)
        d = d.parent
    folder.mkdir(parents=True, exist_ok=True)
    return list(reversed(missing))


def _default_mode() -> int:
    """0o666 less the process umask: what ``open()`` would have given a new file."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def to_json(obj: Any) -> str:
    """Strict JSON text: numpy values become Python ones, non-finite floats the strings 'inf', 'nan'."""
    return json.dumps(_plain(obj), indent=2, allow_nan=False) + "\n"


def _plain(o: Any) -> Any:
    import numpy as np

    if isinstance(o, dict):
        return {str(k): _plain(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_plain(v) for v in o]
    if isinstance(o, np.ndarray):
        return _plain(o.tolist())
    if isinstance(o, np.generic):
        return _plain(o.item())
    if isinstance(o, float) and not math.isfinite(o):
        return str(o)
    return o
