"""Jupyter kernels for the brief fan-out: forked, and started one brief early.

Starting an IPython kernel and importing pandas, matplotlib and seaborn in it
costs about 3 CPU s, more than the brief itself. Each brief still gets a kernel
process of its own (no state carries over between regions), but:

- on POSIX it is forked from the worker's fork server, which imported
  :data:`.forkserver.BRIEF_MODULES` once (:mod:`.forkserver`; ``ASN_KERNEL_FORK=0`` turns this
  off and starts each kernel as a new interpreter that imports them itself);
- a worker starts the kernel of its *next* brief as soon as the current
  brief's kernel is up (so the two never start at the same time); the next
  kernel boots while the current brief runs and is exported, and papermill then
  executes in a kernel that is already up.

>>> with kernel("python3", cwd, ["--IPKernelApp.log_level=ERROR"], prewarm=True) as km:  # doctest: +SKIP
...     papermill.execute_notebook(src, dst, km=km)
"""
from __future__ import annotations

import atexit
import hashlib
import logging
import os
import sys
from contextlib import contextmanager
from pathlib import Path



def fork_enabled() -> bool:
    return os.name == "posix" and hasattr(os, "fork") and os.environ.get("ASN_KERNEL_FORK", "1") != "0"

log = logging.getLogger(__name__)
_warm: dict = {}  # {"key": ..., "km": AsyncKernelManager}: at most one warm kernel per process


def _key(kernel_name: str, cwd: Path, extra_arguments: list[str]) -> str:
    """A kernel is reusable only if it was started the same way: same kernel,
    folder, arguments and environment (the output root and workspace travel in it)."""
    env = "\n".join(f"{k}={v}" for k, v in sorted(os.environ.items()))
    return hashlib.sha256(f"{kernel_name}\n{cwd}\n{extra_arguments}\n{env}".encode()).hexdigest()


def start(kernel_name: str, cwd: Path, extra_arguments: list[str]):
    """Launch a kernel (returns at once; the kernel boots and imports in its own process).

    The kernel talks over Unix sockets in a folder of its own (``transport="ipc"``),
    not TCP ports: jupyter_client picks TCP ports by binding and releasing them,
    and a kernel started in parallel can take the same port before its owner
    binds it ("Address already in use", papermill #511, jupyter_client #276 /
    #487). Socket files in a private folder cannot collide. Where Unix sockets
    are not available (Windows) it falls back to TCP; a kernel that dies at
    start is then retried by the caller (:func:`helpers.pipeline.run.make_brief`)."""
    import tempfile

    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    # imported here, not at the top: the fork server runs as `python -m
    # helpers.pipeline.forkserver`, which must not find itself imported already
    from .forkserver import BRIEF_MODULES

    preload = "import " + ", ".join(BRIEF_MODULES)
    args = [*extra_arguments, "--HistoryManager.hist_file=:memory:", f"--IPKernelApp.exec_lines={[preload]!r}"]
    if os.name == "posix":
        # short path: a Unix socket path has ~100 characters at most
        sockets = tempfile.mkdtemp(prefix="asnk-", dir="/tmp" if os.path.isdir("/tmp") else None)
        km = AsyncKernelManager(kernel_name=kernel_name, transport="ipc", ip=os.path.join(sockets, "k"))
        km._asn_sockets = sockets
    else:
        km = AsyncKernelManager(kernel_name=kernel_name)
    if fork_enabled():
        import uuid

        from .forkserver import ForkProvisioner

        # set before start_kernel, which then keeps it (jupyter_client makes one only if none is set)
        km.kernel_id = str(uuid.uuid4())
        km.provisioner = ForkProvisioner(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)
    run_sync(km.start_kernel)(extra_arguments=args, cwd=str(cwd))
    return km


def shutdown(km) -> None:
    import shutil

    from jupyter_core.utils import run_sync

    try:
        run_sync(km.shutdown_kernel)(now=True)
    except Exception as exc:  # noqa: BLE001 - already dead: nothing to clean up
        log.debug("kernel shutdown: %s", exc)
    sockets = getattr(km, "_asn_sockets", None)
    if sockets:
        shutil.rmtree(sockets, ignore_errors=True)


def _wait_ready(km, timeout: float = 60) -> None:
    from jupyter_core.utils import run_sync

    kc = km.client()
    kc.start_channels()
    try:
        run_sync(kc.wait_for_ready)(timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - papermill waits again and reports a kernel that never came up
        log.debug("kernel not ready yet: %s", exc)
    finally:
        kc.stop_channels()


def _alive(km) -> bool:
    from jupyter_core.utils import run_sync

    try:
        return bool(run_sync(km.is_alive)())
    except Exception:  # noqa: BLE001 - a kernel that cannot be asked is not usable
        return False


def discard(stop_server: bool = True) -> None:
    """Shut down the warm kernel, if any, and (``stop_server``) this process's
    fork server: at exit, at the end of a run, after a kernel died."""
    old = _warm.pop("km", None)
    _warm.pop("key", None)
    if old is not None:
        shutdown(old)
    if stop_server and "helpers.pipeline.forkserver" in sys.modules:
        sys.modules["helpers.pipeline.forkserver"].stop()


atexit.register(discard)


@contextmanager
def kernel(kernel_name: str, cwd: Path, extra_arguments: list[str], prewarm: bool = False):
    """A started kernel for one notebook: the warm one if it matches, else a new
    one. With ``prewarm`` the next brief's kernel is launched straight away.
    The kernel is shut down on exit."""
    key = _key(kernel_name, cwd, extra_arguments)
    if _warm.get("key") == key and _alive(_warm["km"]):
        km = _warm.pop("km")
        _warm.pop("key")
    else:
        discard(stop_server=False)
        km = start(kernel_name, cwd, extra_arguments)
    if prewarm:
        # the next kernel boots once this one is up, so the two do not compete for
        # the CPU while importing; it then overlaps this brief's run and export
        _wait_ready(km)
        _warm.update(key=key, km=start(kernel_name, cwd, extra_arguments))
    try:
        yield km
    finally:
        shutdown(km)
