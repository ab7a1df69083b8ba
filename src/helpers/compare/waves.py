"""The change between the two latest waves of one region x index."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError
from ..stats import compare_waves
from ..stats.linked import linked_change
from .columns import FACTORS, WAVE_FACTOR, WAVE_GROUP
from .frame import components


def compare_wave_frame(scores: pd.DataFrame, index: str, region_id: str, min_n: int = 5,
                       alpha: float = 0.05) -> list:
    """Change between the two latest waves of one region, for every component, overall
    and per unit type: a list of ((region, index, component, "wave"), WaveComparison)."""
    weights = "weight" if "weight" in scores and scores["weight"].notna().any() else None
    group = WAVE_GROUP if WAVE_GROUP in scores else None
    out = []
    for comp in components(scores):
        res = compare_waves(scores, comp, "wave", "unit_id", group=group, weights=weights, min_n=min_n,
                            alpha=alpha, label=FACTORS.get(group, group))
        if res.ok and "respondent_id" in scores.columns:
            _add_linked(res, scores, comp, weights)
        out.append(((region_id, index, comp, WAVE_FACTOR), res))
    return out


def _add_linked(res, scores: pd.DataFrame, comp: str, weights: str | None) -> None:
    """The primary wave test: the workforce change with respondents linked by
    pseudonym (:func:`helpers.stats.linked.linked_change`), beside its
    within-person and turnover parts; the unit-means and model tests stay as
    sensitivity rows."""
    try:
        lc = linked_change(scores, comp, "wave", "respondent_id", "unit_id", weights,
                           before=res.before, after=res.after)
    except InputError as e:
        res.notes.append(f"linked change not computed: {e.message}")
        return
    res.omnibus = res.omnibus.assign(primary=False, frame="units_replication")
    om, ph = [], []
    for r in lc.to_dict("records"):
        test = "linked_change" if r["measure"] == "workforce" else r["measure"]
        om.append({"test": test, "statistic": r["statistic"], "df1": r["df"], "df2": np.nan, "p": r["p"],
                   "p_adj": r["p"], "effect_name": "diff", "effect_size": r["estimate"], "n": r["n_after"],
                   "k": 2, "primary": test == "linked_change", "frame": "finite_population",
                   "n_clusters": r["n_linked"], "diff": r["estimate"], "ci_low": r["ci_low"],
                   "ci_high": r["ci_high"]})
        ph.append({"subgroup": "", "test": test, "group_a": str(res.after), "group_b": str(res.before),
                   "diff": r["estimate"], "se": r["se"], "statistic": r["statistic"], "df": r["df"],
                   "p": r["p"], "p_adj": r["p"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                   "frame": "finite_population", "n_a": r["n_after"], "n_b": r["n_before"],
                   "mean_a": r["mean_after"], "mean_b": r["mean_before"], "n_units": r["n_linked"]})
    res.omnibus = pd.concat([res.omnibus, pd.DataFrame(om)], ignore_index=True)
    res.posthoc = pd.concat([res.posthoc.assign(frame="units_replication"), pd.DataFrame(ph)],
                            ignore_index=True)
    w = lc.set_index("measure")
    res.notes.append(f"{int(w.at['workforce', 'n_linked'])} respondents in both waves (linked by pseudonym; "
                     f"r = {w.at['workforce', 'correlation']:.2f})")
    res.linked = lc
