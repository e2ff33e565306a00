"""All-or-nothing file output (SPEC §7, §8): a run that fails or is interrupted writes no partial file."""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write one file atomically: a temporary file in the same folder, then ``os.replace``."""
    write_all({path: data})


def write_all(files: Mapping[str | Path, str | bytes]) -> None:
    """Write several files so that each appears whole or not at all.

    Every file is first written to a temporary sibling; only when all are written are they renamed
    into place, so an exception or interrupt while writing leaves every target untouched.
    """
    staged: list[tuple[str, Path]] = []
    mode = _default_mode()
    try:
        for path, data in files.items():
            p = Path(path)
            p.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
            staged.append((tmp, p))
            with os.fdopen(fd, "wb" if isinstance(data, bytes) else "w") as f:
                f.write(data)
            os.chmod(tmp, mode)
        for tmp, p in staged:
            os.replace(tmp, p)
    finally:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)


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
