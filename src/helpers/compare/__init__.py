"""Stage 03: compare unit types (and demographic groups, and regions) on every
index and component, for every region of a study; when a region has several
waves of an index, the cross-sectional comparisons use its latest wave and the
change between the two latest waves is added (factor ``wave``, overall and per
unit type, in the ``subgroup`` column).

Reads ``scores_<index>.parquet`` and writes ``compare_descriptives``,
``compare_omnibus``, ``compare_posthoc`` and ``compare_models`` (columns in
``docs/architecture.md``). Multiple testing: Holm across the components
(areas / dimensions + overall) of one region x index x factor x test for the
omnibus p, and across components and pairs for the post-hoc p (Dunn: raw p over
all pairs x components; wave changes: raw p over subgroups x components;
Tukey / Games-Howell: their studentized-range p, already adjusted over pairs, over
components).

Modules: :mod:`.columns` (factors, output columns), :mod:`.frame` (a region x
index frame: components, factors, latest wave), :mod:`.factors` (every component
by every factor), :mod:`.waves` (wave change), :mod:`.units` (league table),
:mod:`.holm` (the tables and their Holm families), :mod:`.run` (a region, a
study, the fan-out), :mod:`.report` (the notebook's overview, region report and
diagnostics).

Example
-------
>>> from helpers.study import load_study
>>> run(load_study("sample"))
"""
from ..stats import compare_groups
from .columns import (COVARIATES, DESC_COLUMNS, DESIGN_COLUMNS, FACTORS, FINAL_P_POSTHOC, META, MODEL_COLUMNS,
                      OMNIBUS_COLUMNS, POSTHOC_COLUMNS, RAW_P_POSTHOC, REGION_FACTOR, REGION_PAIRS_MAX, RESPONDENT_TESTS,
                      UNIT_LEVEL_FACTORS, UNITS_COLUMNS, WAVE_FACTOR, WAVE_GROUP)
from .factors import compare_frame
from .frame import components, latest_wave, prepare_scores
# the tests reach two private helpers through the package
from .holm import _holm_by as _holm_by
from .holm import tables
from .report import diagnostic_figure, diagnostics, load_tables, region_report, study_overview
from .run import _regions_frame as _regions_frame
from .run import compare_region, compare_region_task, run
from .units import rank_units
from .waves import compare_wave_frame

__all__ = [
           "COVARIATES",
           "DESC_COLUMNS",
           "DESIGN_COLUMNS",
           "FACTORS",
           "FINAL_P_POSTHOC",
           "META",
           "MODEL_COLUMNS",
           "OMNIBUS_COLUMNS",
           "POSTHOC_COLUMNS",
           "RAW_P_POSTHOC",
           "REGION_FACTOR",
           "REGION_PAIRS_MAX",
           "RESPONDENT_TESTS",
           "UNITS_COLUMNS",
           "UNIT_LEVEL_FACTORS",
           "WAVE_FACTOR",
           "WAVE_GROUP",
           "compare_frame",
           "compare_groups",
           "compare_region",
           "compare_region_task",
           "compare_wave_frame",
           "components",
           "diagnostic_figure",
           "diagnostics",
           "latest_wave",
           "load_tables",
           "prepare_scores",
           "rank_units",
           "region_report",
           "run",
           "study_overview",
           "tables",
]
