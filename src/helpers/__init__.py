"""helpers: the importable package behind the ASN competence-index workspace.

Stages (each a module, each called from one notebook):

- :mod:`helpers.study`    load a study definition (YAML) and its paths
- :mod:`helpers.synth`    generate the synthetic sample study (raw exports)
- :mod:`helpers.clean`    01_clean: readers, codebook mapping, quality rules, cleaning log
- :mod:`helpers.indices`  02_indices: spec-driven composite index engine
- :mod:`helpers.stats`    statistical tests (pingouin-style, tidy DataFrames)
- :mod:`helpers.compare`  03_compare: unit-type and demographic comparisons
- :mod:`helpers.brief`    04_brief: results.json, tables and text of a policy brief
- :mod:`helpers.pipeline` run the notebooks with papermill, manifest, verify
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("helpers")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"
