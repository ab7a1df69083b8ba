"""Where a report comes from: the hashes of its raw inputs, the package
versions and git commit, the contents of ``manifest.json``.

A low module (it imports only :mod:`helpers.paths`, :mod:`helpers.io` and the
standard library), so both the pipeline, which writes the manifest, and the
brief, which prints the input fingerprint, can use it without importing each other.

Raw inputs of a national study are gigabytes and every brief names their
hashes, so :func:`input_hashes` keeps a cache beside the processed tables
(``data/processed/<study>/.stamps/input_hashes.json``: path, size, mtime, SHA-256):
a file whose size and modification time are unchanged is not read again, the
way git's index trusts stat data.

>>> from helpers.study import load_study
>>> hashes = input_hashes(load_study("sample"))                  # doctest: +SKIP
>>> next(iter(hashes))                                            # doctest: +SKIP
'data/raw/sample/units.csv'
"""
from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from . import paths
from .io import atomic_path, sha256_file

#: packages whose versions every manifest records
PACKAGES = ("helpers", "pandas", "numpy", "scipy", "statsmodels", "seaborn", "matplotlib",
            "pyarrow", "papermill", "nbconvert", "weasyprint", "pandera", "rapidfuzz", "dask", "distributed")


def _cache_path(study) -> Path:
    return Path(study.processed_dir) / ".stamps" / "input_hashes.json"


def _read_cache(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def input_hashes(study, cache: bool = True) -> dict[str, str]:
    """``{path relative to the workspace: SHA-256}`` of every raw input of the
    study (``"missing"`` for a file that is not there), registry first.

    With ``cache`` a file whose size and mtime match the cache entry keeps its
    recorded hash; the cache is rewritten (atomically) only when an entry changed."""
    root = paths.project_root()
    store = _cache_path(study)
    known = _read_cache(store) if cache else {}
    out, changed = {}, False
    for f in study.input_files():
        rel = str(f.relative_to(root)) if f.is_relative_to(root) else str(f)
        try:
            st = f.stat()
        except OSError:
            out[rel] = "missing"
            continue
        stat = [st.st_size, st.st_mtime_ns]
        hit = known.get(rel)
        if hit and hit.get("stat") == stat:
            out[rel] = hit["sha256"]
            continue
        out[rel] = sha256_file(f)
        known[rel] = {"stat": stat, "sha256": out[rel]}
        changed = True
    if cache and changed:
        try:
            store.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(store) as tmp:
                tmp.write_text(json.dumps(known, indent=1, sort_keys=True), encoding="utf-8")
        except OSError:  # a read-only processed folder: hashes are still right, only not remembered
            pass
    return out


def input_fingerprint(hashes: dict[str, str]) -> str:
    """First 16 hex of SHA-256 over ``name=digest`` lines of :func:`input_hashes`
    (sorted): one short code that ties a brief to its data."""
    h = hashlib.sha256()
    for name, digest in sorted(hashes.items()):
        h.update(f"{name}={digest}\n".encode())
    return h.hexdigest()[:16]


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in PACKAGES:
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def git_commit() -> str | None:
    """HEAD of the workspace, ``-dirty`` when tracked files have changes; None outside git."""
    try:
        root = paths.project_root()
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, capture_output=True, text=True).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def uncertainty_settings(study) -> dict:
    """N and seed of the index Monte Carlo (helpers.indices.uncertainty), per index."""
    from .indices.uncertainty import manifest_entry

    try:
        return manifest_entry(study)
    except Exception as exc:  # a broken spec already failed stage 02; the manifest still gets written
        return {"error": str(exc)}


def manifest(study, region: str, parameters: dict, *, command: str, verify: str, fingerprint: str,
             started: str, seconds: float, attempts: int, inputs: dict | None = None) -> dict:
    """The contents of a report's ``manifest.json`` (docs/architecture.md)."""
    return {
        "study": study.id,
        "region": region,
        "parameters": parameters,
        "command": command,
        "verify": verify,
        "inputs": inputs if inputs is not None else input_hashes(study),
        "uncertainty": uncertainty_settings(study),
        "config_fingerprint": fingerprint,
        "packages": package_versions(),
        "git_commit": git_commit(),
        "platform": platform.platform(),
        "started": started,
        "finished": now(),
        "duration_s": round(seconds, 3),
        "attempts": attempts,
    }


__all__ = ["PACKAGES", "git_commit", "input_fingerprint", "input_hashes", "manifest", "now",
           "package_versions", "uncertainty_settings"]
