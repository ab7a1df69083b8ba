"""Reading and writing processed tables: atomic, so a crash never leaves a
half-written file where the previous good one was.

Files are created with the process's umask, like any other tool (``mkstemp``
alone would make every output 0600 and lock out the rest of the group).
Temporary files are named ``.<name>.<pid>.<random>.tmp``; one whose process is
gone (killed with ``kill -9``) is removed the next time that file is written,
or by :func:`remove_stale_temps` over a whole folder.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd

from .errors import InputError

_UMASK_LOCK = threading.Lock()
TEMP_RE = re.compile(r"^\..+\.(\d+)\.[^.]+\.tmp$")


def current_umask() -> int:
    """The process's umask (read by setting and restoring it, under a lock)."""
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _is_stale(p: Path) -> bool:
    m = TEMP_RE.match(p.name)
    return bool(m) and not _pid_alive(int(m.group(1)))


def remove_stale_temps(folder: str | os.PathLike, recursive: bool = True) -> list[Path]:
    """Delete the temporary files and staging folders that a killed run left in
    ``folder`` (those whose writing process no longer exists). Returns them."""
    folder = Path(folder)
    if not folder.exists():
        return []
    found = folder.rglob(".*.tmp") if recursive else folder.glob(".*.tmp")
    removed = []
    for p in found:
        if _is_stale(p):
            try:
                shutil.rmtree(p) if p.is_dir() else p.unlink()
                removed.append(p)
            except OSError:
                pass
    return removed


def ensure_writable_dir(folder: str | os.PathLike) -> Path:
    """Create ``folder`` if needed; a folder one cannot write to is an
    :class:`InputError` naming it, not a bare ``PermissionError``."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except PermissionError as exc:
        raise InputError("cannot create the output folder (permission denied)", file=folder,
                         expected="a folder you can write to; fix its permissions or set "
                                  "ASN_OUTPUT_ROOT to another folder") from exc
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError("cannot write into the output folder (permission denied)", file=folder,
                         expected="a folder you can write to; fix its permissions or set "
                                  "ASN_OUTPUT_ROOT to another folder")
    return folder


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only if the
    block finishes without error. The file gets mode ``0666 & ~umask``."""
    path = Path(path)
    ensure_writable_dir(path.parent)
    for old in path.parent.glob(f".{glob_escape(path.name)}.*.tmp"):
        if _is_stale(old):
            old.unlink(missing_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    except PermissionError as exc:
        raise InputError("cannot write the output file (permission denied)", file=path,
                         expected="a folder you can write to") from exc
    os.fchmod(fd, 0o666 & ~current_umask())
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # a writer that replaced the temp file (e.g. with its own new file) gets the umask too
        os.chmod(tmp_path, 0o666 & ~current_umask())
        try:
            os.replace(tmp_path, path)
        except PermissionError as exc:
            raise InputError("cannot replace the output file (permission denied)", file=path,
                             expected="a file and folder you can write to") from exc
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def glob_escape(name: str) -> str:
    return re.sub(r"([\[\]*?])", r"[\1]", name)


@contextmanager
def staged_folder(folder: str | os.PathLike) -> Iterator[Path]:
    """Write a whole output folder beside ``folder`` and publish it at the end.

    Yields an empty staging folder ``.<name>.<pid>.<random>.tmp`` next to
    ``folder``. When the block succeeds each file written there replaces its
    namesake in ``folder`` (files of ``folder`` not written are kept), in one
    quick pass after all the slow work is done: a kill during the work leaves
    ``folder`` exactly as it was (never a new results.json beside an old
    brief.pdf), and the stale staging folder is removed by the next run.
    """
    folder = Path(folder)
    ensure_writable_dir(folder.parent)
    remove_stale_temps(folder.parent, recursive=False)
    stage = Path(tempfile.mkdtemp(prefix=f".{folder.name}.{os.getpid()}.", suffix=".tmp", dir=folder.parent))
    os.chmod(stage, 0o777 & ~current_umask())
    try:
        yield stage
        ensure_writable_dir(folder)
        for src in sorted(stage.rglob("*")):
            rel = src.relative_to(stage)
            dst = folder / rel
            if src.is_dir():
                dst.mkdir(parents=True, exist_ok=True)
                continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dst)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
def replace_dir(src: str | os.PathLike, dst: str | os.PathLike) -> Path:
    """Move the finished folder ``src`` to ``dst`` (same file system), replacing
    what was there (a folder, or a single file as older runs wrote): the old one
    is moved aside first and removed only once the new one is in place."""
    import shutil

    src, dst = Path(src), Path(dst)
    old = None
    if dst.exists() or dst.is_symlink():
        old = dst.with_name(f".{dst.name}.old-{os.getpid()}")
        if old.exists():
            shutil.rmtree(old) if old.is_dir() else old.unlink()
        os.replace(dst, old)
    try:
        os.replace(src, dst)
    except BaseException:
        if old is not None:
            os.replace(old, dst)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink()
    return dst


def write_parquet(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    with atomic_path(path) as tmp:
        df.to_parquet(tmp, index=False)
    return Path(path)


def write_csv(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False)
    return Path(path)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return None if np.isnan(obj) else float(obj)
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, (pd.Timestamp,)):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _nan_to_none(obj: Any) -> Any:
    if isinstance(obj, float) and obj != obj:
        return None
    if isinstance(obj, dict):
        return {k: _nan_to_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_nan_to_none(v) for v in obj]
    return obj


def write_json(obj: Any, path: str | os.PathLike) -> Path:
    """Write JSON with sorted keys (stable diffs); NaN becomes null."""
    with atomic_path(path) as tmp:
        tmp.write_text(
            json.dumps(_nan_to_none(obj), indent=2, sort_keys=True, ensure_ascii=False,
                       default=_json_default) + "\n",
            encoding="utf-8",
        )
    return Path(path)


def read_json(path: str | os.PathLike) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()
