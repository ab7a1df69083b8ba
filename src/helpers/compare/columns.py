"""Stage 03's vocabulary of columns: the factors compared, what is not a score,
the five output tables' columns and the test groups the Holm families are built from."""
from __future__ import annotations

from ..stats.ranking import RANK_COLUMNS
from ..vocabulary import factor_label

# factor column -> (Indonesian, English) label used in readings (helpers.vocabulary)
FACTORS = {f: (factor_label(f, "id"), factor_label(f, "en"))
           for f in ("unit_type", "sex", "age_band", "education", "position_type", "status")}
REGION_FACTOR = ("region_id", (factor_label("region_id", "id"), factor_label("region_id", "en")))
COVARIATES = ["age", "sex", "education", "position_type", "status"]
# not scores: ids, factors and the design columns (``fpc``, the unit's headcount, is
# numeric and was compared across unit types as if it were a component, inside the
# Holm families of the real components)
META = {"respondent_id", "region_id", "unit_id", "unit_type", "wave", "sex", "age", "age_band",
        "education", "position_type", "status", "weight", "category", "golongan", "fpc", "ps_cell"}

DESC_COLUMNS = ["region_id", "index", "component", "factor", "group", "n", "mean", "sd", "ci_low",
                "ci_high", "emm", "emm_ci_low", "emm_ci_high", "subgroup", "se", "df", "deff", "frame",
                "mean_unweighted", "n_units", "tested", "model_emm", "model_emm_ci_low", "model_emm_ci_high"]
OMNIBUS_COLUMNS = ["region_id", "index", "component", "factor", "test", "statistic", "df1", "df2", "p",
                   "p_adj", "effect_name", "effect_size", "n", "k", "note", "reading_id", "reading_en",
                   "primary", "frame", "family", "n_clusters", "converged", "boundary"]
POSTHOC_COLUMNS = ["region_id", "index", "component", "factor", "test", "group_a", "group_b", "diff", "se",
                   "statistic", "df", "p", "p_adj", "ci_low", "ci_high", "hedges_g", "subgroup", "frame",
                   "family", "effect_name", "effect_size"]
UNITS_COLUMNS = ["region_id", "index", "component", "wave", "unit_id", "unit_type"] + RANK_COLUMNS[1:]
# factors that are a property of the unit: compared with the mixed model's EMMs
UNIT_LEVEL_FACTORS = ("unit_type",)
# post-hoc tests whose p_adj is final as computed (Holm over the pairs of one component)
FINAL_P_POSTHOC = ("emm_contrast", "svy_contrast", "linked_change", "within_person", "turnover")
RESPONDENT_TESTS = ("anova", "welch", "kruskal", "tukey", "games_howell", "dunn")
#: regions compared pair by pair in the regions-against-each-other comparison; a study
#: with more (a national run has ~550: 150,000 pairs, a cost and a table that grow with
#: the square of the regions) gets the omnibus tests and each region's mean and interval,
#: and its regions are placed by the rank intervals of stage 02's uncertainty analysis
REGION_PAIRS_MAX = 24
WAVE_FACTOR = "wave"
WAVE_GROUP = "unit_type"  # wave changes are also reported per unit type
# tests whose p_adj here is Holm over raw p of all pairs / subgroups x components
RAW_P_POSTHOC = ("dunn", "paired_units", "mixed_wave")
# the design's columns (helpers.design.workforce_design, structural_design)
DESIGN_COLUMNS = ("region_id", "unit_id", "unit_type", "wave", "weight", "fpc", "ps_cell")
MODEL_COLUMNS = ["region_id", "index", "component", "factor", "kind", "term", "estimate", "se", "z", "p",
                 "ci_low", "ci_high", "n", "n_clusters", "converged"]
