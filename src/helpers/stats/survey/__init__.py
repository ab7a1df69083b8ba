"""Design-based estimation (R's ``survey`` package in Python), tidy DataFrames out.

- :class:`SurveyDesign` (``svydesign``): strata, multistage clusters, weights, fpc;
  Taylor-linearisation variance; ``poststratify``/``rake``/``calibrate``; ``replicate``.
- :class:`ReplicateDesign` (``svrepdesign``): JK1, JKn, bootstrap or user replicate weights.
- Both: ``mean``, ``total``, ``ratio``, ``by``, ``domain_vcov``, ``compare``, ``ttest``,
  ``glm``, ``subset``, ``deff``, ``df``, ``n``.
- :func:`wald_test`: design-based Wald F test of linear contrasts.
"""
from ._estimators import GLM_COLUMNS, PAIR_COLUMNS, RESULT_COLUMNS, DomainComparison, wald_test
from .design import ReplicateDesign, SurveyDesign

__all__ = ["GLM_COLUMNS", "PAIR_COLUMNS", "RESULT_COLUMNS", "DomainComparison", "ReplicateDesign",
           "SurveyDesign", "wald_test"]
