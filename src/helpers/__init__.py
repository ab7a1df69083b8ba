"""helpers: the importable package behind the ASN competence-index workspace.

Stages (each a module, each called from one notebook):

- :mod:`helpers.study`    load a study definition (YAML) and its paths
- :mod:`helpers.synth`    generate the synthetic sample study (raw exports)
- :mod:`helpers.clean`    01_clean: readers, codebook mapping, quality rules, cleaning log
- :mod:`helpers.indices`  02_indices: spec-driven composite index engine
- :mod:`helpers.stats`    statistical tests (pingouin-style, tidy DataFrames)
- :mod:`helpers.compare`  03_compare: unit-type and demographic comparisons
- :mod:`helpers.brief`    04_brief: results.json, tables and text of a policy brief
- :mod:`helpers.pipeline` run the notebooks with papermill (cache, execute, kernels, run, verify)
- :mod:`helpers.provenance` input hashes, package versions, the contents of manifest.json
"""

import os as _os

# The workspace parallelises over processes (regions on Dask workers, notebook
# kernels, test workers); BLAS threads on top of them oversubscribe the cores:
# a 16,000 x 25 X'X took 416 ms with OpenBLAS threads on a busy 2-core machine and
# 0.7 ms with one. Set before numpy loads in every process this one starts.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_var, "1")

from importlib.metadata import PackageNotFoundError, version  # noqa: E402 (after the thread settings)

try:
    __version__ = version("helpers")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"
