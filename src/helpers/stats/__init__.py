"""Statistics for the comparison stage, pingouin-style: tidy DataFrames in and out.

- omnibus: :func:`anova_oneway`, :func:`welch_anova`, :func:`kruskal`, :func:`levene`
- post hoc (one schema): :func:`tukey_hsd`, :func:`games_howell`, :func:`dunn`
- reliability: :func:`cronbach_alpha`, :func:`mcdonald_omega`, :func:`icc1`
- models: :func:`mixed_model` (random intercept, EMMs)
- the whole comparison: :func:`compare_groups` -> :class:`Comparison`
- design-based estimation (R survey): :class:`SurveyDesign` (mean, total, ratio, by, compare,
  glm, ttest; post-stratify, rake, calibrate, replicate weights)
- two waves of the same units: :func:`compare_waves` -> :class:`WaveComparison`, :func:`unit_change`
"""
from ._prep import p_adjust
from .compare_groups import Comparison, compare_groups, descriptives
from .mixed import MixedFit, mixed_model
from .omnibus import anova_oneway, kruskal, levene, welch_anova
from .posthoc import POSTHOC_COLUMNS, dunn, games_howell, hedges_g, tukey_hsd
from .readings import effect_words
from .reliability import alpha_cluster_ci, cronbach_alpha, icc1, mcdonald_omega
from .survey import ReplicateDesign, SurveyDesign
from .waves import WaveComparison, compare_waves, unit_change

__all__ = [
           "POSTHOC_COLUMNS",
           "Comparison",
           "MixedFit",
           "ReplicateDesign",
           "SurveyDesign",
           "WaveComparison",
           "alpha_cluster_ci",
           "anova_oneway",
           "compare_groups",
           "compare_waves",
           "cronbach_alpha",
           "descriptives",
           "dunn",
           "effect_words",
           "games_howell",
           "hedges_g",
           "icc1",
           "kruskal",
           "levene",
           "mcdonald_omega",
           "mixed_model",
           "p_adjust",
           "tukey_hsd",
           "unit_change",
           "welch_anova",
]
