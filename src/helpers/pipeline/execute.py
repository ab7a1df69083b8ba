"""Executing a notebook with papermill, and reading its failures.

The executed copy is the run log. Parameters a notebook does not declare are
not sent (papermill would only warn and inject them anyway), so the pipeline
can offer a parameter, such as the Dask ``scheduler`` address, to notebooks
that take it without breaking those that do not.
"""
from __future__ import annotations

import importlib
import os
import sys
import threading
import types
from functools import lru_cache
from pathlib import Path

from .. import paths

_IRI = "rfc3987_syntax"
_IRI_LOCK = threading.Lock()


def defer_iri_grammar() -> None:
    """Let ``jsonschema`` import its IRI checker only when a schema checks an IRI.

    nbformat (papermill, nbconvert) validates notebooks with ``jsonschema``, whose
    ``_format`` module imports ``rfc3987_syntax`` eagerly; that module compiles
    ~40 Earley grammars at import: ~2 CPU s in every process that reads a notebook
    (python-jsonschema/jsonschema#1428), more than a whole brief's PDF. No notebook
    schema uses the ``iri`` formats. A stand-in module with the one function
    ``jsonschema`` takes from it (``is_valid_syntax``) loads the real module on
    its first call, so an IRI check, if any ever runs, gives the same answer.
    Does nothing if either module is imported already or ``rfc3987_syntax`` is
    not installed."""
    if _IRI in sys.modules or "jsonschema._format" in sys.modules:
        return
    from importlib.util import find_spec

    if find_spec(_IRI) is None:
        return
    stub = types.ModuleType(_IRI, "stand-in: imports rfc3987_syntax on first use (helpers.pipeline.execute)")

    def is_valid_syntax(term: str, value: str) -> bool:
        with _IRI_LOCK:
            if sys.modules.get(_IRI) is stub:
                del sys.modules[_IRI]
            real = importlib.import_module(_IRI)
            stub.is_valid_syntax = real.is_valid_syntax
        return real.is_valid_syntax(term, value)

    stub.is_valid_syntax = is_valid_syntax
    stub.__asn_deferred__ = True
    sys.modules[_IRI] = stub


defer_iri_grammar()  # before anything in this process imports nbformat

KERNEL = "asn-workspace"
# ipykernel warns on every start that local TCP is unencrypted; on this
# single-user loopback use it is noise that buries the progress output.
KERNEL_ARGS = ["--IPKernelApp.log_level=ERROR"]

#: what a kernel that died (or never came up) looks like in papermill's and
#: jupyter_client's errors: worth one retry in a fresh kernel
KERNEL_DEATH = ("DeadKernelError", "Kernel died", "kernel_info", "Address already in use", "ZMQError",
                "Kernel didn't respond", "RuntimeError: Kernel")


@lru_cache(maxsize=1)
def kernel_name() -> str:
    """The workspace kernel if registered (``make setup`` does), else the
    ``python3`` kernel of the interpreter running this code (looked up once per
    process: the lookup walks every kernel folder)."""
    from jupyter_client.kernelspec import KernelSpecManager

    return KERNEL if KERNEL in KernelSpecManager().find_kernel_specs() else "python3"


def notebook_path(name: str) -> Path:
    return paths.notebooks_dir() / f"{name}.ipynb"


@lru_cache(maxsize=16)
def _declared(path: str, mtime_ns: int) -> frozenset[str]:
    import papermill as pm

    return frozenset(pm.inspect_notebook(path))


def declared_parameters(name: str) -> frozenset[str]:
    """Names in the ``parameters`` cell of ``notebooks/<name>.ipynb``
    (papermill's own reading of it, ``papermill.inspect_notebook``)."""
    p = notebook_path(name)
    return _declared(str(p), p.stat().st_mtime_ns)


def offered(name: str, parameters: dict, optional: dict) -> dict:
    """``parameters`` plus those of ``optional`` the notebook declares (and that
    are not None)."""
    extra = {k: v for k, v in optional.items() if v is not None}
    if not extra:
        return dict(parameters)
    declared = declared_parameters(name)
    return {**parameters, **{k: v for k, v in extra.items() if k in declared}}


def execute_notebook(name: str, output: Path, parameters: dict, save_every_cell: bool = True,
                     **engine_kwargs) -> Path:
    """Execute ``notebooks/<name>.ipynb`` with papermill into ``output``.

    The environment variables that locate the workspace are passed on, so the
    kernel reads and writes the same folders as the caller. ``engine_kwargs``
    go to papermill's engine (e.g. ``km``, an already started kernel).
    ``save_every_cell=False`` writes ``output`` once at the end (or when a cell
    fails) instead of before and after every cell: a brief's notebook carries
    its figures, and 30-odd rewrites with schema validation cost more CPU than
    its export to HTML.
    """
    import papermill as pm

    os.environ.setdefault("ASN_WORKSPACE", str(paths.project_root()))
    output.parent.mkdir(parents=True, exist_ok=True)
    pm.execute_notebook(
        str(notebook_path(name)),
        str(output),
        parameters=parameters,
        kernel_name=kernel_name(),
        cwd=str(paths.notebooks_dir()),
        progress_bar=False,
        log_output=False,
        extra_arguments=KERNEL_ARGS,
        request_save_on_cell_execute=save_every_cell,
        **engine_kwargs,
    )
    return output


def short_error(exc: BaseException) -> str:
    """``"<ename>: <evalue>"`` of a failed cell (papermill) or an exception, one line."""
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    return f"{ename}: {evalue}".strip().splitlines()[0][:300]


def kernel_died(err: str) -> bool:
    return any(k in err for k in KERNEL_DEATH)
