"""Per-region work on Dask distributed: one code path for a laptop and a cluster.

:func:`connect` gives a ``distributed.Client``: to the scheduler at ``scheduler``
(or Dask's own ``DASK_SCHEDULER_ADDRESS``) when one is named, else to a
``LocalCluster`` of ``workers`` single-threaded worker processes (default: one
per CPU). Every local worker declares the resource ``kernel=1``, so a task that
asks for it (a brief runs a Jupyter kernel) runs at most once per worker at a
time; workers of a real cluster declare it with ``dask worker ADDRESS
--resources kernel=1``. Inputs and outputs are paths: every worker must see the
same workspace (``ASN_WORKSPACE``, ``ASN_OUTPUT_ROOT`` travel with each task).

:func:`map_regions` runs ``fn(region, *args)`` for every region and returns the
results in region order, with a progress bar over regions. A worker that dies
mid-task loses nothing: the scheduler runs its tasks again elsewhere (Dask's
``allowed-failures``). ``fn`` should return its failures as values (a brief's
``BriefResult``) so one region never stops the others; an exception that escapes
``fn`` is retried ``retries`` times, then returned as the region's result.

Example
-------
>>> with connect(workers=2) as client:                          # doctest: +SKIP
...     out = map_regions(client, make_brief_task, ["kota-bontang", "kab-kutai-kartanegara"], "sample")
"""
from __future__ import annotations

import logging
import os
import sys
import uuid
from contextlib import contextmanager
from typing import Callable, Iterator, Sequence

#: environment variables that locate the workspace: sent with every task, so a
#: worker started elsewhere reads and writes the same folders as the caller
WORKSPACE_ENV = ("ASN_WORKSPACE", "ASN_OUTPUT_ROOT")
KERNEL_RESOURCE = {"kernel": 1}


def default_workers() -> int:
    """One worker per CPU this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def connect(workers: int | None = None, scheduler: str | None = None, echo=print) -> Iterator:
    """A Dask client: to ``scheduler`` (or ``$DASK_SCHEDULER_ADDRESS``) if given,
    else to a new ``LocalCluster`` of ``workers`` processes, closed on exit.
    Prints where the dashboard is."""
    import dask
    from distributed import Client, LocalCluster

    address = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or dask.config.get("scheduler-address", None)
    if address:
        client = Client(address)
        try:
            n = len(client.nthreads())
            echo(f"Dask scheduler {address} ({n} worker(s)); dashboard: {client.dashboard_link}")
            yield client
        finally:
            client.close()
        return
    n = workers or default_workers()
    # a dashboard on any free port: two runs on one machine must not fight for :8787
    # (a busy machine stalls the event loop for seconds: no warning for each stall)
    with dask.config.set({"distributed.admin.tick.limit": "30s"}):
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, resources=dict(KERNEL_RESOURCE),
                               dashboard_address="127.0.0.1:0", host="127.0.0.1", silence_logs=logging.ERROR)
    client = Client(cluster)
    try:
        echo(f"Dask LocalCluster of {n} worker(s); dashboard: {client.dashboard_link}")
        yield client
    finally:
        client.close()
        cluster.close()


def _accepts_n_workers(client) -> bool:
    import inspect

    return "n_workers" in inspect.signature(client.scheduler_info).parameters


def has_resource(client, name: str = "kernel") -> bool:
    """True if at least one worker declares resource ``name``."""
    info = client.scheduler_info(n_workers=-1) if _accepts_n_workers(client) else client.scheduler_info()
    return any(name in (w.get("resources") or {}) for w in info.get("workers", {}).values())


def _with_env(fn: Callable, env: dict, region: str, args: tuple):
    """Run ``fn`` on a worker with the caller's workspace variables."""
    os.environ.update(env)
    return fn(region, *args)


def map_regions(client, fn: Callable, regions: Sequence[str], *args, resources: dict | None = None,
                retries: int = 1, progress: bool = True, label: str = "regions",
                on_result: Callable | None = None) -> list:
    """``[fn(region, *args) for region in regions]`` on the cluster, in region order.

    ``resources`` (e.g. ``{"kernel": 1}``) limits how many run at once per worker;
    ignored, with a warning, when no worker declares it (the tasks would wait forever).
    ``on_result(region, result)`` is called as each region finishes (progress)."""
    from distributed import as_completed
    from tqdm.auto import tqdm

    if resources and not all(has_resource(client, r) for r in resources):
        print(f"warning: no Dask worker declares resources {sorted(resources)}; start workers with "
              f"--resources {','.join(f'{k}={v}' for k, v in resources.items())} to run one at a time "
              "per worker", file=sys.stderr)
        resources = None
    env = {k: os.environ[k] for k in WORKSPACE_ENV if k in os.environ}
    run = uuid.uuid4().hex[:8]  # task keys unique per call: a long-lived scheduler must not reuse old results
    futures = {}
    for region in regions:
        fut = client.submit(_with_env, fn, env, region, args, key=f"{getattr(fn, '__name__', 'task')}-{region}-{run}",
                            pure=False, resources=resources, retries=retries)
        futures[fut] = region
    results: dict[str, object] = {}
    bar = tqdm(total=len(futures), desc=label, unit="region", disable=not progress, file=sys.stderr)
    try:
        for fut in as_completed(list(futures)):
            region = futures[fut]
            try:
                res = fut.result()
            except Exception as exc:  # noqa: BLE001 - one region's crash is its result, not the run's
                res = exc
            results[region] = res
            if on_result is not None:
                on_result(region, res)
            bar.set_postfix_str(region)
            bar.update(1)
    finally:
        bar.close()
    return [results[r] for r in regions]
