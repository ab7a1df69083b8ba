"""02_indices: the spec-driven composite index engine.

- :func:`load_spec`  read and validate ``config/indices/<id>.yaml`` (format: header of ikd.yaml)
- :func:`study_spec`  the spec a study scores an index with (its ``indices_options.specs`` override, else the id's)
- :func:`score`      one score per respondent and component (vectorised)
- :func:`aggregate`  n, mean, SD, SE, 95 % CI, unweighted and weighted, per region / unit type / unit
- :func:`category_distribution`, :func:`achievement`, :func:`reliability`,
  :func:`sensitivity`, :func:`unit_weights`, :func:`response_rates`, :func:`compliance_20jp`
- :func:`run`        the whole stage for a study (writes ``data/processed/<study>/``)
"""
from .aggregate import achievement, aggregate, category_distribution
from .compliance import compliance_20jp
from .engine import categorise, score
from .reliability import reliability
from .run import run
from .sensitivity import rank_intervals, sensitivity
from .spec import IndexSpec, disclosures, load_spec, spec_tree, study_spec
from .weights import response_rates, unit_weights

__all__ = [
           "IndexSpec",
           "achievement",
           "aggregate",
           "categorise",
           "category_distribution",
           "compliance_20jp",
           "disclosures",
           "load_spec",
           "rank_intervals",
           "reliability",
           "response_rates",
           "run",
           "score",
           "sensitivity",
           "spec_tree",
           "study_spec",
           "unit_weights",
]
