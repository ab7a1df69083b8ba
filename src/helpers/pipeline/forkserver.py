"""Brief kernels forked from a process that has already imported what a brief needs.

A fresh IPython kernel that imports pandas, matplotlib, seaborn and the brief
modules costs about 3 CPU seconds, more than the brief's own work. Each brief
still gets a kernel process of its own (no state carries over between regions),
but it is a ``fork`` of a *fork server*: one process per Dask worker that has
imported :data:`PRELOAD` once and does nothing else. The child becomes an
ordinary ipykernel (``ipykernel.kernelapp.launch_new_instance``) with the
connection file, folder and environment jupyter_client would have given it, and
jupyter_client drives it through :class:`ForkProvisioner` exactly as a kernel it
started itself (signals to its process group, polling, shutdown).

Copy-on-write makes the fork cheap; the server is single-threaded and holds no
open sockets or event loop when it forks. It reaps its children, so their CPU
time is in its own ``RUSAGE_CHILDREN`` (:func:`server_cpu_seconds`). It exits
when the worker closes its pipe or dies, and its kernels follow it (their
``JPY_PARENT_PID`` is the server).

Run as ``python -m helpers.pipeline.forkserver``: JSON requests on stdin
(``{"args": [...], "env": {...}, "cwd": "..."}``), one JSON answer line each
(``{"pid": N}``) on stdout.
"""
from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from jupyter_client.provisioning.local_provisioner import LocalProvisioner

#: what every brief imports: imported by the fork server, or when a kernel
#: started as a new interpreter starts (IPython's exec_lines), so a failing import
#: here only delays the error to the notebook's own cell
BRIEF_MODULES = ("helpers.brief", "helpers.brief.results", "helpers.brief.render", "helpers.brief.plots", "helpers.brief.tables",
                 "pyarrow.dataset", "pyarrow.parquet", "openpyxl")

#: imported once by the server, so every forked kernel starts with them: the
#: brief modules, the kernel, and what a brief imports on the way (the unit
#: registry's reader pulls in ``helpers.clean`` with pandera and rapidfuzz: ~200
#: modules, 0.4 CPU s in every kernel when they were not preloaded). The kernel's
#: own lazy imports too: ipykernel resolves its debugger class when the kernel
#: object is made (debugpy with its vendored pydevd, ~0.15 CPU s, about a third
#: of a kernel that runs an empty notebook), IPython's history (sqlite3), the
#: storemagic extension, pdb and the completer.
KERNEL_MODULES = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.debugger", "IPython.core.debugger",
                  "IPython.core.completerlib", "IPython.extensions.storemagic", "pdb", "sqlite3",
                  "tornado.platform.asyncio")
PRELOAD = (*BRIEF_MODULES, "helpers.registry", "helpers.clean.readers", "helpers.provenance",
           "matplotlib.backends.backend_agg", "pandas.core.methods.to_dict",
           "pandas.core.arrays.arrow.extension_types", "pyarrow.csv", "openpyxl.packaging.extended",
           *KERNEL_MODULES)


# ----------------------------------------------------------------------------- the server process

def _reap(*_):
    """Collect every finished child (their exit adds their CPU time to ours)."""
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _child(req: dict, proto: tuple[int, int], start_cwd: str) -> None:
    """In the forked child: become the kernel. Never returns."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the kernel waits for its own subprocesses
        os.setsid()  # its own process group: jupyter_client signals the group
        for fd in proto:
            os.close(fd)
        os.chdir(req["cwd"])
        env = dict(req["env"])
        env["JPY_PARENT_PID"] = str(os.getppid())  # ipykernel exits when the server does
        os.environ.clear()
        os.environ.update(env)
        if sys.path and sys.path[0] == start_cwd:
            sys.path[0] = req["cwd"]
        # ipykernel read JPY_PARENT_PID when the server imported it: say it again
        args = [*req["args"], f"--IPKernelApp.parent_handle={os.getppid()}"]
        sys.argv = ["ipykernel_launcher", *args]
        from ipykernel.kernelapp import launch_new_instance

        launch_new_instance(argv=args)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - printed for the worker's log, then the child exits
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _warm_caches() -> None:
    """Fill the caches a brief's first figure and first Parquet read would fill
    in every kernel (the font files, the glyphs at the figures' resolution,
    pyarrow's lazily loaded readers). Nothing the brief computes is kept:
    the figure is closed and no rcParams change."""
    try:
        import io

        import matplotlib
        import numpy as np
        import pandas as pd
        from matplotlib.figure import Figure
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        fig = Figure(figsize=(2, 1), dpi=150)
        FigureCanvasAgg(fig)
        fig.text(0.1, 0.5, "0123456789,.-% AaBbKkRrSsTtUu", family="DejaVu Sans", weight="bold")
        fig.text(0.1, 0.2, "0123456789,.-% AaBbKkRrSsTtUu", family="DejaVu Sans")
        fig.canvas.draw()
        from PIL import Image

        Image.init()  # Pillow imports its format plugins on the first save
        Image.fromarray(np.asarray(fig.canvas.buffer_rgba())[..., 0]).save(io.BytesIO(), format="png")
        buf = io.BytesIO()
        pd.DataFrame({"region_id": ["a"], "x": [1.0]}).to_parquet(buf)
        pd.read_parquet(io.BytesIO(buf.getvalue()), filters=[("region_id", "in", ["a"])])
        del matplotlib
    except Exception as exc:  # noqa: BLE001 - only a warm-up
        print(f"forkserver: warm-up failed: {exc}", file=sys.stderr)


def serve() -> None:
    """The server loop: import :data:`PRELOAD`, then fork one kernel per request."""
    import importlib

    # the protocol runs on private copies of stdin/stdout; fd 1 then points at
    # stderr, so a stray print (here or in a kernel) cannot corrupt an answer
    proto_in, proto_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - the kernel's own import then reports it
            print(f"forkserver: preloading {name} failed: {exc}", file=sys.stderr)
    _warm_caches()
    # the preloaded objects are never collected: keeping them out of the
    # collector's scans spares every kernel the time and the copy-on-write of
    # pages the collector would touch
    gc.freeze()
    signal.signal(signal.SIGCHLD, _reap)
    start_cwd = os.getcwd()
    children: set[int] = set()
    with os.fdopen(proto_in, "r", encoding="utf-8") as rd, os.fdopen(proto_out, "w", encoding="utf-8") as wr:
        print(json.dumps({"ready": os.getpid()}), file=wr, flush=True)
        for line in rd:
            req = json.loads(line)
            pid = os.fork()
            if pid == 0:
                _child(req, (rd.fileno(), wr.fileno()), start_cwd)
            children.add(pid)
            print(json.dumps({"pid": pid}), file=wr, flush=True)
    for pid in children:  # the worker went away: so do its kernels
        try:
            os.killpg(pid, signal.SIGTERM)
        except OSError:
            pass


# ----------------------------------------------------------------------------- the worker's side

class ForkServer:
    """A running fork server (one per worker process, started on first use)."""

    def __init__(self, cwd: str | Path, env: dict | None = None):
        # -Xfrozen_modules=off as ipykernel's kernel spec starts a kernel: the server preloads
        # the kernel's debugger, which otherwise warns on the run's terminal that it may miss breakpoints
        self.proc = subprocess.Popen([sys.executable, "-Xfrozen_modules=off", "-m", "helpers.pipeline.forkserver"],
                                     cwd=str(cwd),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
                                     env=env if env is not None else os.environ.copy())
        self._lock = threading.Lock()
        self._ready = False

    def _answer(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"Kernel fork server exited (code {self.proc.poll()})")
        return json.loads(line)

    def spawn(self, args: list[str], env: dict, cwd: str) -> int:
        """Fork a kernel with ipykernel arguments ``args``; returns its pid."""
        with self._lock:
            if not self._ready:
                self._answer()  # {"ready": pid}: the preload finished
                self._ready = True
            self.proc.stdin.write(json.dumps({"args": args, "env": env, "cwd": str(cwd)}) + "\n")
            self.proc.stdin.flush()
            return int(self._answer()["pid"])

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001 - a server that will not stop is killed
            self.proc.kill()
            self.proc.wait()


def _state(pid: int) -> str | None:
    """The process state letter from /proc (``Z`` zombie), None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


class ForkedProcess:
    """The ``subprocess.Popen`` surface jupyter_client's provisioner uses, for a
    kernel that is the fork server's child, not ours."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None and _state(self.pid) in (None, "Z", "X"):
            self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


_server: dict = {}  # {"key": ..., "server": ForkServer}: one per process


def _code_stamp() -> str:
    """Changes when any module of the package changes: a server must not fork
    kernels with code older than the files (a long-lived worker, a developer's edit)."""
    pkg = Path(__file__).resolve().parents[1]
    latest = max((p.stat().st_mtime_ns for p in pkg.rglob("*.py")), default=0)
    return f"{sys.executable}:{latest}"


def server(cwd: str | Path) -> ForkServer:
    key = (str(cwd), _code_stamp())
    srv = _server.get("server")
    if srv is None or _server.get("key") != key or not srv.alive():
        stop()
        srv = _server["server"] = ForkServer(cwd)
        _server["key"] = key
    return srv


def stop() -> None:
    """Stop this process's fork server, if any."""
    srv = _server.pop("server", None)
    _server.pop("key", None)
    if srv is not None:
        srv.close()


def server_cpu_seconds() -> float:
    """CPU seconds of the fork server and of the kernels it has reaped (from
    /proc; 0 without a server): what ``RUSAGE_CHILDREN`` of the worker misses
    while the server runs."""
    srv = _server.get("server")
    if srv is None or not srv.alive():
        return 0.0
    try:
        f = Path(f"/proc/{srv.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # fields 14-17 of stat (utime, stime, cutime, cstime), counted after the ")" from field 3
    return sum(int(x) for x in f[11:15]) / os.sysconf("SC_CLK_TCK")


def usable(argv: list[str]) -> list[str] | None:
    """The ipykernel arguments of a kernel command this server can fork
    (``<this python> [flags] -m ipykernel_launcher ARGS``), else None."""
    if os.name != "posix" or not hasattr(os, "fork") or len(argv) < 3:
        return None
    try:
        same = os.path.samefile(argv[0], sys.executable)
    except OSError:
        return None
    if not same:
        return None
    for i in range(1, len(argv) - 1):
        if argv[i] == "-m" and argv[i + 1] == "ipykernel_launcher":
            return list(argv[i + 2:])
    return None


class ForkProvisioner(LocalProvisioner):
    """jupyter_client's LocalProvisioner whose ``launch_kernel`` asks the fork
    server instead of ``Popen`` (any other kernel command is launched as usual)."""

    async def launch_kernel(self, cmd: list[str], **kwargs):
        args = usable(cmd)
        if args is None:
            return await super().launch_kernel(cmd, **kwargs)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        env = dict(kwargs.get("env") or os.environ)
        pid = server(cwd).spawn(args, env, cwd)
        self.process = ForkedProcess(pid)
        self.pid = self.pgid = pid
        self.cwd = cwd
        return self.connection_info


if __name__ == "__main__":
    serve()
