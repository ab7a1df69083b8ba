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

Example
-------
>>> from helpers.study import load_study
>>> run(load_study("sample"))
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import paths
from .errors import InputError
from .io import write_parquet
from .stats import WaveComparison, compare_groups, compare_waves, p_adjust
from .stats.compare_groups import make_reading

FACTORS = {  # factor column -> (Indonesian, English) label used in readings
    "unit_type": ("jenis unit", "unit type"),
    "sex": ("jenis kelamin", "sex"),
    "age_band": ("kelompok umur", "age band"),
    "education": ("pendidikan", "education"),
    "position_type": ("jenis jabatan", "position type"),
    "status": ("status kepegawaian", "employment status"),
}
REGION_FACTOR = ("region_id", ("wilayah", "region"))
AGE_BINS = [-np.inf, 30, 40, 50, np.inf]
AGE_LABELS = ["<30", "30-39", "40-49", "50+"]
EDU_ORDER = ["SD", "SMP", "SMA", "D1", "D2", "D3", "D4", "S1", "S2", "S3"]
COVARIATES = ["age", "sex", "education", "position_type", "status"]
META = {"respondent_id", "region_id", "unit_id", "unit_type", "wave", "sex", "age", "age_band",
        "education", "position_type", "status", "weight", "category", "golongan"}

DESC_COLUMNS = ["region_id", "index", "component", "factor", "group", "n", "mean", "sd", "ci_low",
                "ci_high", "emm", "emm_ci_low", "emm_ci_high", "subgroup"]
OMNIBUS_COLUMNS = ["region_id", "index", "component", "factor", "test", "statistic", "df1", "df2", "p",
                   "p_adj", "effect_name", "effect_size", "n", "k", "note", "reading_id", "reading_en",
                   "primary"]
POSTHOC_COLUMNS = ["region_id", "index", "component", "factor", "test", "group_a", "group_b", "diff", "se",
                   "statistic", "df", "p", "p_adj", "ci_low", "ci_high", "hedges_g", "subgroup"]
WAVE_FACTOR = "wave"
WAVE_GROUP = "unit_type"  # wave changes are also reported per unit type
# tests whose p_adj here is Holm over raw p of all pairs / subgroups x components
RAW_P_POSTHOC = ("dunn", "paired_units", "mixed_wave")
MODEL_COLUMNS = ["region_id", "index", "component", "factor", "kind", "term", "estimate", "se", "z", "p",
                 "ci_low", "ci_high", "n", "n_clusters", "converged"]


def unit_type_order() -> list[str]:
    path = paths.config_dir() / "unit_types.yaml"
    try:
        return list(yaml.safe_load(path.read_text(encoding="utf-8")).keys())
    except OSError:
        return []


def components(scores: pd.DataFrame) -> list[str]:
    """``overall`` first, then the component columns (numeric, not metadata)."""
    comps = [c for c in scores.columns if c not in META and c != "overall"
             and pd.api.types.is_numeric_dtype(scores[c])]
    return (["overall"] if "overall" in scores else []) + comps


def prepare_scores(scores: pd.DataFrame, path: Path | str = "scores") -> pd.DataFrame:
    """Check the columns the comparison needs and derive ``age_band``; factors
    become ordered categoricals so tables follow the project's order."""
    need = {"region_id", "unit_id", "unit_type"}
    missing = sorted(need - set(scores.columns))
    if missing:
        raise InputError("scores table lacks columns the comparison needs", file=path, column=missing[0],
                         expected=", ".join(sorted(need)))
    if "overall" not in scores and not components(scores):
        raise InputError("scores table has no score columns", file=path, column="overall",
                         expected="overall and component columns")
    d = scores.copy()
    if "age" in d:
        d["age_band"] = pd.cut(pd.to_numeric(d["age"], errors="coerce"), AGE_BINS, right=False,
                               labels=AGE_LABELS)
    order = unit_type_order()
    if order:
        extra = sorted(set(d["unit_type"].dropna()) - set(order))
        d["unit_type"] = pd.Categorical(d["unit_type"], categories=order + extra)
    if "education" in d:
        extra = sorted(set(d["education"].dropna().astype(str)) - set(EDU_ORDER))
        d["education"] = pd.Categorical(d["education"], categories=EDU_ORDER + extra)
    return d


def _tag(frame: pd.DataFrame, **keys) -> pd.DataFrame:
    frame = frame.copy()
    for k, v in reversed(list(keys.items())):
        frame.insert(0, k, v)
    return frame


def compare_frame(scores: pd.DataFrame, index: str, region_id: str, factors=None, min_n: int = 5,
                  alpha: float = 0.05, mixed_factors=("unit_type",), covariates=COVARIATES) -> list:
    """All comparisons of one region's scores: a list of ((component, factor), Comparison)."""
    factors = factors or {f: lab for f, lab in FACTORS.items() if f in scores.columns}
    covs = [c for c in covariates if c in scores.columns]
    out = []
    weights = "weight" if "weight" in scores and scores["weight"].notna().any() else None
    for comp in components(scores):
        for factor, label in factors.items():
            use_mixed = factor in mixed_factors
            res = compare_groups(scores, comp, factor, cluster="unit_id", weights=weights,
                                 covariates=[c for c in covs if c != factor] if use_mixed else None,
                                 min_n=min_n, alpha=alpha, mixed=use_mixed, label=label)
            out.append(((region_id, index, comp, factor), res))
    return out


def latest_wave(scores: pd.DataFrame) -> tuple[pd.DataFrame, list]:
    """The rows of the latest wave and the sorted list of waves present. Cross-sectional
    comparisons use one wave: pooling waves would count the same units twice and mix
    change over time into the differences between groups."""
    if "wave" not in scores or scores["wave"].notna().sum() == 0:
        return scores, []
    waves = sorted(pd.unique(scores["wave"].dropna()))
    return scores[scores["wave"] == waves[-1]], waves


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
        out.append(((region_id, index, comp, WAVE_FACTOR), res))
    return out


def tables(results: list, alpha: float = 0.05) -> dict[str, pd.DataFrame]:
    """The four output tables from a list of ((region, index, component, factor), Comparison),
    with Holm adjustment across components (and pairs) and readings rebuilt from the
    adjusted p-values."""
    desc, omni, post, models = [], [], [], []
    for (region, index, comp, factor), res in results:
        keys = {"region_id": region, "index": index, "component": comp, "factor": factor}
        d = res.descriptives if "subgroup" in res.descriptives else res.descriptives.assign(subgroup="")
        desc.append(_tag(d, **keys))
        if res.ok:
            o = _tag(res.omnibus, **keys)
            o["note"] = "; ".join(res.notes)
        else:
            o = pd.DataFrame([{**keys, "test": "none", "note": "; ".join(res.notes), "primary": True}])
        o["_key"] = id(res)
        omni.append(o)
        post.append(_tag(res.posthoc if "subgroup" in res.posthoc else res.posthoc.assign(subgroup=""), **keys))
        if res.model is not None:
            models.append(_tag(res.model, **keys))
        if res.icc is not None:
            i = res.icc.iloc[0]
            models.append(pd.DataFrame([{**keys, "kind": "icc", "term": "icc1", "estimate": i["icc1"],
                                         "n": i["n"], "n_clusters": i["n_clusters"]}]))
    omnibus = pd.concat(omni, ignore_index=True)
    fam = ["region_id", "index", "factor", "test"]
    omnibus["p_adj"] = omnibus.groupby(fam, dropna=False)["p"].transform(lambda s: pd.Series(
        p_adjust(s.to_numpy(), "holm"), index=s.index))
    posthoc = pd.concat(post, ignore_index=True) if post else pd.DataFrame(columns=POSTHOC_COLUMNS)
    if len(posthoc):
        is_dunn = posthoc["test"].isin(RAW_P_POSTHOC)
        src = np.where(is_dunn, posthoc["p"], posthoc["p_adj"])
        posthoc["_src"] = src
        fam_d = ["region_id", "index", "factor", "test"]
        fam_q = fam_d + ["group_a", "group_b"]
        adj = pd.Series(np.nan, index=posthoc.index)
        for cols, mask in ((fam_d, is_dunn), (fam_q, ~is_dunn)):
            sub = posthoc[mask]
            if len(sub):
                adj[sub.index] = sub.groupby(cols, dropna=False, observed=True)["_src"].transform(
                    lambda s: pd.Series(p_adjust(s.to_numpy(), "holm"), index=s.index))
        posthoc["p_adj"] = adj
    # readings from the adjusted p of the primary test
    by_key = {id(res): res for _, res in results}
    omnibus["reading_id"], omnibus["reading_en"] = "", ""
    for key, grp in omnibus.groupby("_key", sort=False):
        res = by_key[key]
        if res.ok:
            res.omnibus = res.omnibus.assign(p_adj=grp.set_index("test").loc[res.omnibus["test"], "p_adj"].to_numpy())
            label = FACTORS.get(res.group, REGION_FACTOR[1] if res.group == "region_id" else res.group)
            if isinstance(res, WaveComparison):
                res.reading_id, res.reading_en = res.make_reading(label, alpha=alpha)
            else:
                res.reading_id, res.reading_en = make_reading(res, label, alpha=alpha)
        omnibus.loc[grp.index, "reading_id"] = res.reading_id
        omnibus.loc[grp.index, "reading_en"] = res.reading_en
    omnibus["primary"] = omnibus["primary"].fillna(False).astype(bool)
    descriptives = pd.concat(desc, ignore_index=True) if desc else pd.DataFrame(columns=DESC_COLUMNS)
    descriptives["group"] = descriptives["group"].astype(str)
    descriptives["subgroup"] = descriptives["subgroup"].fillna("").astype(str)
    if len(posthoc):
        posthoc["subgroup"] = posthoc["subgroup"].fillna("").astype(str)
    model_t = pd.concat(models, ignore_index=True) if models else pd.DataFrame(columns=MODEL_COLUMNS)
    return {
        "compare_descriptives": descriptives.reindex(columns=DESC_COLUMNS),
        "compare_omnibus": omnibus.reindex(columns=OMNIBUS_COLUMNS),
        "compare_posthoc": posthoc.reindex(columns=POSTHOC_COLUMNS).astype({"group_a": str, "group_b": str}),
        "compare_models": model_t.reindex(columns=MODEL_COLUMNS),
    }


def run(study, min_n: int | None = None, alpha: float = 0.05, write: bool = True) -> dict:
    """Compare every region x index x component x factor of a study (plus regions
    against each other when there are several) and write the four tables."""
    t0 = time.perf_counter()
    out_dir = Path(study.processed_dir)
    min_n = int(min_n if min_n is not None else study.option("report", "min_cell", default=5))
    results, missing = [], []
    for index in study.indices:
        path = out_dir / f"scores_{index}.parquet"
        if not path.exists():
            missing.append(index)
            continue
        scores = prepare_scores(pd.read_parquet(path), path)
        latest = []
        for region_id, frame in scores.groupby("region_id", sort=True, observed=True):
            current, waves = latest_wave(frame)
            latest.append(current)
            res = compare_frame(current, index, str(region_id), min_n=min_n, alpha=alpha)
            if len(waves) > 1:
                for _, r in res:
                    r.notes.insert(0, f"wave {waves[-1]} only (waves present: {', '.join(map(str, waves))})")
                res += compare_wave_frame(frame, index, str(region_id), min_n=min_n, alpha=alpha)
            results += res
        if scores["region_id"].nunique() > 1:  # each region's latest wave
            results += compare_frame(pd.concat(latest), index, "all",
                                     factors={REGION_FACTOR[0]: REGION_FACTOR[1]},
                                     min_n=min_n, alpha=alpha, mixed_factors=())
    if not results:
        raise InputError("no scores to compare", file=out_dir,
                         expected="scores_<index>.parquet from stage 02 for: " + ", ".join(study.indices))
    out = tables(results, alpha=alpha)
    if write:
        for name, frame in out.items():
            write_parquet(frame, out_dir / f"{name}.parquet")
    om = out["compare_omnibus"]
    prim = om[om["primary"] & om["test"].ne("none")]
    return {
        "comparisons": len(results),
        "significant_after_holm": int((prim["p_adj"] < alpha).sum()),
        "not_possible": int((om["test"] == "none").sum()),
        "indices_missing": missing,
        "rows": {k: len(v) for k, v in out.items()},
        "seconds": round(time.perf_counter() - t0, 2),
    }


# ---------------------------------------------------------------- technical report (03_compare.ipynb)

POSTHOC_FOR = {"anova": "tukey", "welch": "games_howell", "kruskal": "dunn"}


def load_tables(study) -> dict[str, pd.DataFrame]:
    """The four comparison tables of a study, as written by :func:`run`."""
    out_dir = Path(study.processed_dir)
    return {name: pd.read_parquet(out_dir / f"{name}.parquet") for name in
            ("compare_descriptives", "compare_omnibus", "compare_posthoc", "compare_models")}


def region_report(tables_: dict, region_id: str, index: str, alpha: float = 0.05) -> dict[str, pd.DataFrame]:
    """What a reviewer reads for one region x index: the primary omnibus test per
    component x factor with its effect size and reading, the post-hoc pairs that are
    real (the primary test's own post-hoc, ``p_adj < alpha``), the mixed-model terms
    of the unit-type model, ICC per component, EMMs next to raw means, and the wave
    change when there is one."""
    sel = {k: v[(v["region_id"] == region_id) & (v["index"] == index)] for k, v in tables_.items()}
    om = sel["compare_omnibus"]
    prim = om[om["primary"]]
    omnibus = prim[["component", "factor", "test", "statistic", "df1", "df2", "p_adj", "effect_name",
                    "effect_size", "n", "k", "note"]].reset_index(drop=True)
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
    return {"omnibus": omnibus, "real_pairs": pairs.reset_index(drop=True),
            "model": model[["term", "kind", "estimate", "se", "z", "p", "ci_low", "ci_high", "n", "n_clusters"]],
            "icc": icc.reset_index(drop=True), "emm_vs_raw": emm.reset_index(drop=True),
            "wave_tests": waves.reset_index(drop=True), "wave_changes": wave_changes.reset_index(drop=True),
            "readings": prim[prim["component"] == "overall"][["factor", "reading_en", "reading_id"]]}


def diagnostics(study, region_id: str, index: str, component: str = "overall", min_n: int | None = None):
    """Refit the unit-type comparison of one region x index x component (latest wave)
    and return (Comparison, residuals frame with ``group``, ``fitted``, ``residual``,
    ``unit_id``) for the diagnostic plots; residuals are from the group means, the
    model behind the ANOVA and its assumption checks."""
    path = Path(study.processed_dir) / f"scores_{index}.parquet"
    scores = prepare_scores(pd.read_parquet(path), path)
    frame, _ = latest_wave(scores[scores["region_id"] == region_id])
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
