"""The pipeline: stages 01-03 once per study, then one brief per region on Dask.

- :mod:`.cache`    fingerprints and stamps (a rerun does only what changed)
- :mod:`.execute`  executing a notebook with papermill
- :mod:`.kernels`  warm Jupyter kernels for the brief fan-out
- :mod:`.run`      orchestration: :func:`run`, :func:`make_brief`
- :mod:`.verify`   rerun a report from its manifest and compare every number

Provenance (input hashes, manifest contents) lives in :mod:`helpers.provenance`,
which the brief also uses; the Dask client in :mod:`helpers.cluster`.

>>> from helpers import pipeline
>>> summary = pipeline.run("sample", workers=2)                 # doctest: +SKIP
>>> pipeline.verify("reports/sample/kota-bontang").ok             # doctest: +SKIP
True
"""
from __future__ import annotations

from .cache import BRIEF, STAGES, fingerprint, study_config_files
from .execute import kernel_name
from .run import BriefResult, RunSummary, StageResult, brief_parameters, make_brief, rerun_command, run, run_stages
from .verify import VerifyResult, compare_results, flatten_numbers, verify

__all__ = ["BRIEF", "STAGES", "BriefResult", "RunSummary", "StageResult", "VerifyResult", "brief_parameters",
           "compare_results", "fingerprint", "flatten_numbers", "kernel_name", "make_brief", "rerun_command", "run",
           "run_stages", "study_config_files", "verify"]
