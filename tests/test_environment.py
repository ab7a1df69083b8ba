"""environment.yml (conda) and pyproject.toml (pip) must declare the same dependencies."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _norm(req: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req)
    name = m.group(1).lower().replace("_", "-")
    return name, m.group(2).replace(" ", "")


def _pyproject() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    reqs = data["project"]["dependencies"] + data["project"]["optional-dependencies"]["dev"]
    return dict(_norm(r) for r in reqs)


def _environment() -> tuple[dict[str, str], dict]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps, pip = {}, []
    for d in env["dependencies"]:
        if isinstance(d, dict):
            pip += d.get("pip", [])
        else:
            deps.__setitem__(*_norm(d))
    for r in pip:
        if not r.startswith("-e"):
            deps.__setitem__(*_norm(r))
    return deps, {"pip": pip, "python": deps.pop("python", None), "has_pip": deps.pop("pip", None)}


def test_same_dependencies_and_versions():
    py = _pyproject()
    conda, _ = _environment()
    assert conda == py, (
        f"only in environment.yml: {sorted(set(conda.items()) - set(py.items()))}; "
        f"only in pyproject.toml: {sorted(set(py.items()) - set(conda.items()))}"
    )


def test_environment_installs_the_workspace_editable_on_python_311():
    _, extra = _environment()
    assert "-e ." in extra["pip"]
    assert extra["python"] == "=3.11"
