"""The technical report (03_compare.ipynb): what a reviewer reads first, one
region x index in detail, and the diagnostics of one comparison."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..stats import compare_groups
from ..vocabulary import POSTHOC_FOR
from .columns import FACTORS, WAVE_FACTOR
from .frame import latest_wave, prepare_scores


def load_tables(study) -> dict[str, pd.DataFrame]:
    """The four comparison tables of a study, as written by :func:`run`."""
    out_dir = Path(study.processed_dir)
    return {name: pd.read_parquet(out_dir / f"{name}.parquet") for name in
            ("compare_descriptives", "compare_omnibus", "compare_posthoc", "compare_models", "compare_units")
            if (out_dir / f"{name}.parquet").exists()}


def study_overview(tables_: dict, alpha: float = 0.05) -> dict[str, pd.DataFrame]:
    """What a reviewer reads first when a study has hundreds of regions.

    ``by_factor``: per index x factor, over the regions (overall score, primary
    test): regions compared, tested, significant after Holm (``p_adj < alpha``),
    the median effect size. ``by_region``: per region x index, the primary tests
    (all components and factors), how many are significant after Holm and how many
    were not possible, sorted with the most significant first.
    """
    om = tables_["compare_omnibus"]
    om = om[om["region_id"] != "all"]
    prim = om[om["primary"]].assign(tested=lambda t: t["test"].ne("none"),
                                    significant=lambda t: t["p_adj"].lt(alpha))
    overall = prim[prim["component"] == "overall"]
    by_factor = overall.groupby(["index", "factor"], sort=False).agg(
        regions=("region_id", "nunique"), tested=("tested", "sum"), significant=("significant", "sum"),
        median_effect=("effect_size", "median")).reset_index()
    by_region = prim.groupby(["region_id", "index"], sort=False).agg(
        tests=("tested", "sum"), significant=("significant", "sum"),
        not_possible=("tested", lambda t: int((~t).sum()))).reset_index()
    by_region = by_region.sort_values(["significant", "region_id"], ascending=[False, True], kind="stable")
    return {"by_factor": by_factor, "by_region": by_region.reset_index(drop=True)}


def region_report(tables_: dict, region_id: str, index: str, alpha: float = 0.05) -> dict[str, pd.DataFrame]:
    """What a reviewer reads for one region x index: the primary omnibus test per
    component x factor with its effect size and reading, the post-hoc pairs that are
    real (the primary test's own post-hoc, ``p_adj < alpha``), the mixed-model terms
    of the unit-type model, ICC per component, EMMs next to raw means, and the wave
    change when there is one."""
    sel = {k: v[(v["region_id"] == region_id) & (v["index"] == index)] for k, v in tables_.items()}
    om = sel["compare_omnibus"]
    prim = om[om["primary"]]
    omnibus = prim[["component", "factor", "test", "frame", "statistic", "df1", "df2", "p_adj", "family",
                    "effect_name", "effect_size", "n", "k", "note"]].reset_index(drop=True)
    ph = sel["compare_posthoc"]
    want = prim.assign(ph_test=prim["test"].map(POSTHOC_FOR))[["component", "factor", "ph_test"]]
    pairs = ph.merge(want, left_on=["component", "factor", "test"], right_on=["component", "factor", "ph_test"])
    pairs = pairs[pairs["p_adj"] < alpha].drop(columns=["ph_test", "region_id", "index"])
    mo = sel["compare_models"]
    ut = mo[mo["factor"] == "unit_type"]
    model = ut[ut["kind"].isin(["fixed", "variance"]) & (ut["component"] == "overall")]
    icc = ut[ut["kind"] == "icc"][["component", "estimate", "n", "n_clusters"]].rename(columns={"estimate": "icc1"})
    de = sel["compare_descriptives"]
    emm = de[(de["factor"] == "unit_type")][["component", "group", "n", "mean", "ci_low", "ci_high", "emm",
                                              "emm_ci_low", "emm_ci_high"]].assign(
        adjustment=lambda t: t["emm"] - t["mean"])
    waves = om[om["factor"] == WAVE_FACTOR][["component", "test", "statistic", "df1", "p", "p_adj",
                                             "effect_name", "effect_size", "n", "primary", "reading_en"]]
    wave_changes = ph[(ph["factor"] == WAVE_FACTOR)][["component", "subgroup", "test", "group_b", "group_a",
                                                       "diff", "ci_low", "ci_high", "p_adj", "hedges_g"]]
    sens = om[(om["frame"] == "respondent_sensitivity") & (om["component"] == "overall")][
        ["factor", "test", "statistic", "df1", "df2", "p_adj", "effect_name", "effect_size", "n"]]
    units = tables_.get("compare_units", pd.DataFrame())
    if len(units):
        units = units[(units["region_id"] == region_id) & (units["index"] == index)].head(10)
    return {"omnibus": omnibus, "real_pairs": pairs.reset_index(drop=True),
            "sensitivity": sens.reset_index(drop=True), "units": units.reset_index(drop=True) if len(units) else units,
            "model": model[["term", "kind", "estimate", "se", "z", "p", "ci_low", "ci_high", "n", "n_clusters"]],
            "icc": icc.reset_index(drop=True), "emm_vs_raw": emm.reset_index(drop=True),
            "wave_tests": waves.reset_index(drop=True), "wave_changes": wave_changes.reset_index(drop=True),
            "readings": prim[prim["component"] == "overall"][["factor", "reading_en", "reading_id"]]}


def diagnostics(study, region_id: str, index: str, component: str = "overall", min_n: int | None = None):
    """Refit the unit-type comparison of one region x index x component (latest wave)
    and return (Comparison, residuals frame with ``group``, ``fitted``, ``residual``,
    ``unit_id``) for the diagnostic plots; residuals are from the group means, the
    model behind the ANOVA and its assumption checks."""
    from .. import catalog

    # the region's rows only: the notebook asks for a few regions of a study of hundreds
    name = catalog.scores(index)
    scores = prepare_scores(catalog.read(study, name, region=region_id), catalog.path(study, name))
    frame, _ = latest_wave(scores)
    min_n = int(min_n if min_n is not None else study.option("report", "min_cell", default=5))
    res = compare_groups(frame, component, "unit_type", cluster="unit_id", min_n=min_n, mixed=False,
                         label=FACTORS["unit_type"])
    d = frame[frame[component].notna() & frame["unit_type"].notna()]
    d = d[~d["unit_type"].astype(str).isin(res.excluded)]
    fitted = d.groupby("unit_type", observed=True)[component].transform("mean")
    resid = pd.DataFrame({"group": d["unit_type"].astype(str), "unit_id": d["unit_id"],
                          "fitted": fitted, "residual": d[component] - fitted})
    return res, resid.reset_index(drop=True)


def diagnostic_figure(resid: pd.DataFrame, icc: pd.DataFrame | None = None, title: str = ""):
    """Residual QQ plot, residuals by unit type, and (if given) ICC(1) per component."""
    import matplotlib.pyplot as plt
    from scipy import stats as sps

    n = 3 if icc is not None and len(icc) else 2
    fig, ax = plt.subplots(1, n, figsize=(5 * n, 4))
    r = np.sort(resid["residual"].to_numpy())
    q = sps.norm.ppf((np.arange(1, len(r) + 1) - 0.5) / len(r))
    ax[0].plot(q, r, ".", ms=2)
    ax[0].plot(q, q * r.std(ddof=1) + r.mean(), "k--", lw=1)
    ax[0].set(title="Residual QQ plot", xlabel="normal quantile", ylabel="residual")
    groups = list(dict.fromkeys(resid["group"]))
    ax[1].boxplot([resid.loc[resid["group"] == g, "residual"] for g in groups], showfliers=False)
    ax[1].set_xticks(range(1, len(groups) + 1), groups, rotation=45, ha="right")
    ax[1].axhline(0, color="k", lw=0.5)
    ax[1].set(title="Residuals by unit type", ylabel="residual")
    if n == 3:
        ax[2].barh(icc["component"], icc["icc1"])
        ax[2].set(title="ICC(1) of the unit, per component", xlabel="ICC(1)")
    fig.suptitle(title)
    fig.tight_layout()
    return fig
