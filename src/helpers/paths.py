"""Where things live. Everything is resolved from the project root, so notebooks
run by papermill (whose working directory is ``notebooks/``) and the command line
see the same folders."""
from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """The workspace root: ``$ASN_WORKSPACE`` if set, else the nearest folder
    above the current directory holding ``pyproject.toml`` and ``config/``,
    else the source checkout this package was installed from."""
    env = os.environ.get("ASN_WORKSPACE")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").exists() and (folder / "config").is_dir():
            return folder
    return Path(__file__).resolve().parents[2]


def config_dir() -> Path:
    return project_root() / "config"


def output_root() -> Path:
    """Where generated outputs go: ``$ASN_OUTPUT_ROOT`` if set (``verify`` reruns
    into a temporary folder this way), else the project root."""
    env = os.environ.get("ASN_OUTPUT_ROOT")
    return Path(env).resolve() if env else project_root()


def raw_dir(study: str) -> Path:
    return project_root() / "data" / "raw" / study


def processed_dir(study: str) -> Path:
    return output_root() / "data" / "processed" / study


def reports_dir(study: str) -> Path:
    return output_root() / "reports" / study


def notebooks_dir() -> Path:
    return project_root() / "notebooks"
