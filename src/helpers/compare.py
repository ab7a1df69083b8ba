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
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .design import (DesignSpec, design_by, design_spec, design_subset, structural_design,
                     workforce_design)
from .errors import InputError
from .stats import WaveComparison, compare_groups, compare_waves
from .stats.clustered import MIN_UNITS, design_comparison, type_comparison
from .stats.compare_groups import make_reading
from .stats.linked import linked_change
from .stats.ranking import RANK_COLUMNS, unit_ranks
from .stats.reliability import icc1
from .vocabulary import EDUCATION, POSTHOC_FOR, age_band, factor_label, unit_types

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
WAVE_FACTOR = "wave"
WAVE_GROUP = "unit_type"  # wave changes are also reported per unit type
# tests whose p_adj here is Holm over raw p of all pairs / subgroups x components
RAW_P_POSTHOC = ("dunn", "paired_units", "mixed_wave")
# the design's columns (helpers.design.workforce_design, structural_design)
DESIGN_COLUMNS = ("region_id", "unit_id", "unit_type", "wave", "weight", "fpc", "ps_cell")
MODEL_COLUMNS = ["region_id", "index", "component", "factor", "kind", "term", "estimate", "se", "z", "p",
                 "ci_low", "ci_high", "n", "n_clusters", "converged"]


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
        d["age_band"] = age_band(d["age"])
    order = unit_types()
    if order:
        extra = sorted(set(d["unit_type"].dropna()) - set(order))
        d["unit_type"] = pd.Categorical(d["unit_type"], categories=order + extra)
    if "education" in d:
        extra = sorted(set(d["education"].dropna().astype(str)) - set(EDUCATION))
        d["education"] = pd.Categorical(d["education"], categories=EDUCATION + extra)
    return d


def compare_frame(scores: pd.DataFrame, index: str, region_id: str, factors=None, min_n: int = 5,
                  alpha: float = 0.05, mixed_factors=("unit_type",), covariates=COVARIATES,
                  design: DesignSpec | None = None, strata: str | None = None,
                  min_units: int = MIN_UNITS) -> list:
    """All comparisons of one region's scores: a list of ((region, index, component, factor), Comparison).

    Primary (``frame = units_replication``): for unit type, the random-intercept
    model's EMM Wald F and EMM contrasts (types with fewer than ``min_units``
    units flagged, not tested); for the other factors (and regions, ``strata =
    "region_id"``), the design-based Wald F and contrasts with units as PSUs.
    Respondent-level tests (ANOVA, Welch, Kruskal, Tukey, Games-Howell, Dunn)
    stay as ``respondent_sensitivity`` rows. Group means and CIs are the
    finite-population design's domain estimates (``frame = finite_population``)."""
    factors = factors or {f: lab for f, lab in FACTORS.items() if f in scores.columns}
    covs = [c for c in covariates if c in scores.columns]
    # only the columns a comparison reads: every test copies and filters its frame,
    # and a text column such as respondent_id (one string per row) was most of that
    used = {*components(scores), *factors, *covs, *DESIGN_COLUMNS, *([strata] if strata else [])}
    scores = scores[[c for c in scores.columns if c in used]]
    out = []
    weights = "weight" if "weight" in scores and scores["weight"].notna().any() else None
    design = design or DesignSpec()
    wdes = workforce_design(scores, design) if weights else None
    sdes = structural_design(scores, strata=strata) if weights else None
    comps = components(scores)
    # domain estimates of every component by every factor, one pass per factor
    by = {f: design_by(wdes, comps, f) for f in factors} if wdes is not None else {}
    for comp in comps:
        icc = _icc(scores, comp)  # one per component: the same for every factor without missing values
        for factor, label in factors.items():
            use_mixed = factor in mixed_factors
            res = compare_groups(scores, comp, factor, cluster="unit_id", weights=weights,
                                 covariates=[c for c in covs if c != factor] if use_mixed else None,
                                 min_n=min_n, alpha=alpha, mixed=use_mixed, label=label,
                                 describe_ci=wdes is None,  # the design supplies the intervals
                                 reading=False,  # tables() writes it from the adjusted p
                                 icc=icc)
            _primary(res, scores, comp, factor, sdes, min_units)
            if factor in by:
                _design_descriptives(res, by[factor][by[factor]["variable"] == comp], scores, comp, factor)
            out.append(((region_id, index, comp, factor), res))
    return out


def _icc(scores: pd.DataFrame, comp: str) -> pd.DataFrame | None:
    """ICC(1) of ``comp`` by unit over the rows with a score, or None when it cannot
    be computed (then each comparison computes it and notes why not)."""
    d = scores[[comp, "unit_id"]]
    try:
        return icc1(d[d[comp].notna()], comp, "unit_id")
    except InputError:
        return None


def _primary(res, scores: pd.DataFrame, comp: str, factor: str, sdes, min_units: int) -> None:
    """Mark the respondent-level tests as sensitivity rows and add the primary test
    (without survey weights no design exists: the respondent-level test stays
    primary, and the note says so)."""
    chosen = res.omnibus["primary"].copy() if "primary" in res.omnibus else None
    res.omnibus = res.omnibus.assign(primary=False, frame="respondent_sensitivity")
    res.posthoc = res.posthoc.assign(frame="respondent_sensitivity")
    if not res.ok:
        return

    def keep_respondent_test(why: str) -> None:
        res.notes.append(f"units-as-replication test not possible ({why}); the respondent-level test is shown")
        if chosen is not None:
            res.omnibus["primary"] = chosen.to_numpy()

    keep = scores[comp].notna() & scores[factor].notna()
    if res.excluded:
        keep &= ~scores[factor].astype(str).isin(res.excluded)
    d = scores[keep]
    try:
        if factor in UNIT_LEVEL_FACTORS:
            p = type_comparison(d, comp, factor, "unit_id", min_units=min_units)
            emm = p["emm"][p["emm"]["tested"]]
            res.primary_means = emm.rename(columns={"emm": "mean"})[["group", "mean"]]
            res.model_emm = p["emm"]
            if p["fit"].doubtful:
                res.notes.extend(p["fit"].notes)
        elif sdes is not None:
            p = design_comparison(design_subset(sdes, d.index), d, comp, factor)
            res.primary_means = None  # the design's domain means fill descriptives
        else:
            return keep_respondent_test("no survey weights")
    except (InputError, np.linalg.LinAlgError, ValueError) as e:
        return keep_respondent_test(getattr(e, "message", str(e)))
    for g, why in p["untested"].items():
        res.notes.append(f"{g}: {why}")
    res.untested = list(p["untested"])
    if p["omnibus"]["k"].iloc[0] < 2:
        res.notes.append("fewer than two groups can be tested with units as the replication level")
        res.omnibus = pd.concat([res.omnibus, pd.DataFrame([{"test": "none", "primary": True,
                                                             "frame": "units_replication"}])],
                                ignore_index=True)
        return
    res.omnibus = pd.concat([res.omnibus, p["omnibus"].assign(primary=True, frame="units_replication")],
                            ignore_index=True)
    res.posthoc = pd.concat([res.posthoc, p["posthoc"].assign(frame="units_replication")], ignore_index=True)


def _design_descriptives(res, est: pd.DataFrame, scores: pd.DataFrame, comp: str, factor: str) -> None:
    """Group means and CIs from the finite-population design (``est``: its domain
    estimates), beside the unweighted respondent means."""
    desc = res.descriptives
    if desc is None or desc.empty:
        return
    key = desc["group"].astype(str)
    at = pd.Index(est["group"]).get_indexer(key)  # one lookup for the six columns
    desc = desc.assign(mean_unweighted=desc["mean"])
    for col, src in (("mean", "estimate"), ("se", "se"), ("ci_low", "ci_low"), ("ci_high", "ci_high"),
                     ("df", "df"), ("deff", "deff")):
        v = est[src].to_numpy(float)
        desc[col] = v[at] if len(v) and (at >= 0).all() else np.where(at >= 0, np.r_[v, np.nan][at], np.nan)
    desc["frame"] = "finite_population"
    units = scores.loc[scores[comp].notna(), [factor, "unit_id"]].groupby(factor, observed=True)["unit_id"].nunique()
    desc["n_units"] = key.map({str(k): v for k, v in units.items()}).to_numpy()
    desc["tested"] = ~key.isin(set(res.untested)) & res.ok
    if res.model_emm is not None:
        m = res.model_emm.set_index("group")
        desc["model_emm"] = key.map(m["emm"]).to_numpy()
        desc["model_emm_ci_low"] = key.map(m["ci_low"]).to_numpy()
        desc["model_emm_ci_high"] = key.map(m["ci_high"]).to_numpy()
    res.descriptives = desc


def latest_wave(scores: pd.DataFrame) -> tuple[pd.DataFrame, list]:
    """The rows of the latest wave and the sorted list of waves present. Cross-sectional
    comparisons use one wave: pooling waves would count the same units twice and mix
    change over time into the differences between groups."""
    if "wave" not in scores or scores["wave"].notna().sum() == 0:
        return scores, []
    waves = sorted(pd.unique(scores["wave"].dropna()))
    return scores[scores["wave"] == waves[-1]], waves


def rank_units(scores: pd.DataFrame, index: str, region_id: str, k: int = 5, min_n: int = 1) -> pd.DataFrame:
    """Empirical-Bayes league table of one region x wave's units on ``overall``
    (:func:`helpers.stats.ranking.unit_ranks`): ``compare_units`` rows."""
    d = scores[scores["overall"].notna() & scores["unit_id"].notna()]
    if d["unit_id"].nunique() < 2:
        return pd.DataFrame(columns=UNITS_COLUMNS)
    r = unit_ranks(d, "overall", "unit_id", k=k)
    first = d.drop_duplicates("unit_id")
    types = pd.Series(first["unit_type"].to_numpy(), index=first["unit_id"].astype(str))
    r = r.rename(columns={"unit": "unit_id"})
    r.insert(0, "unit_type", r["unit_id"].map(types).astype(str))
    wave = d["wave"].dropna().iloc[0] if "wave" in d and d["wave"].notna().any() else np.nan
    for col, val in reversed([("region_id", region_id), ("index", index), ("component", "overall"),
                              ("wave", wave)]):
        r.insert(0, col, val)
    return r[UNITS_COLUMNS]


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


def _stack(frames: list[pd.DataFrame], keys: list[dict]) -> pd.DataFrame:
    """The frames one under the other, each with its key columns first: one
    concatenation and one repeat of the keys (tagging every frame then
    concatenating cost 12 ms a frame, ~100 frames a region)."""
    lens = [len(f) for f in frames]
    body = pd.concat(frames, ignore_index=True)
    tags = pd.DataFrame({k: np.repeat(np.asarray([kk[k] for kk in keys], dtype=object), lens)
                         for k in keys[0]})
    return pd.concat([tags, body.drop(columns=[k for k in keys[0] if k in body.columns])], axis=1)


def _holm_by(p: pd.Series, keys: list[pd.Series]) -> np.ndarray:
    """Holm within each group of ``keys`` (NaN p kept as NaN, not counted), as
    :func:`helpers.stats.p_adjust` on each group: one sort by group and p, then
    the running maximum of p_(i) (m - i + 1) within each group."""
    codes = np.zeros(len(p), dtype=np.int64)
    for k in keys:  # missing keys are a group of their own (groupby dropna=False)
        c, u = pd.factorize(k, use_na_sentinel=False)
        codes = codes * max(len(u), 1) + c
    pv = p.to_numpy(float)
    ok = np.isfinite(pv)
    out = np.full(pv.shape, np.nan)
    if not ok.any():
        return out
    c, q = codes[ok], pv[ok]
    o = np.lexsort((q, c))  # stable: ties keep their order, as p_adjust's mergesort
    cs, qs = c[o], q[o]
    start = np.r_[True, cs[1:] != cs[:-1]]
    first = np.flatnonzero(start)
    size = np.diff(np.r_[first, cs.size])
    grp = np.cumsum(start) - 1
    rank = np.arange(cs.size) - first[grp]
    step = qs * (size[grp] - rank)
    # the running maximum restarts at each group (a family has tens of rows, a region
    # tens of families)
    acc = np.empty_like(step)
    for g0, m in zip(first, size):
        acc[g0:g0 + m] = np.maximum.accumulate(step[g0:g0 + m])
    adj = np.empty_like(acc)
    adj[o] = np.minimum(acc, 1)
    out[np.flatnonzero(ok)] = adj
    return out


def tables(results: list, alpha: float = 0.05) -> dict[str, pd.DataFrame]:
    """The four output tables from a list of ((region, index, component, factor), Comparison),
    with Holm adjustment across components (and pairs) and readings rebuilt from the
    adjusted p-values."""
    desc, omni, post, models = [], [], [], []
    kd, ko, kp, km = [], [], [], []
    for n, ((region, index, comp, factor), res) in enumerate(results):
        keys = {"region_id": region, "index": index, "component": comp, "factor": factor}
        d = res.descriptives if "subgroup" in res.descriptives else res.descriptives.assign(subgroup="")
        desc.append(d)
        kd.append(keys)
        if res.ok:
            o = res.omnibus.assign(note="; ".join(res.notes))
        else:
            o = pd.DataFrame([{"test": "none", "note": "; ".join(res.notes), "primary": True}])
        omni.append(o.assign(_key=n))
        ko.append(keys)
        post.append(res.posthoc if "subgroup" in res.posthoc else res.posthoc.assign(subgroup=""))
        kp.append(keys)
        if res.model is not None:
            models.append(res.model)
            km.append(keys)
        if res.icc is not None:
            i = res.icc.iloc[0]
            models.append(pd.DataFrame([{"kind": "icc", "term": "icc1", "estimate": i["icc1"],
                                         "n": i["n"], "n_clusters": i["n_clusters"]}]))
            km.append(keys)
    omnibus = _stack(omni, ko)
    omnibus["family"] = _omnibus_families(omnibus)
    omnibus["p_adj"] = _holm_by(omnibus["p"], [omnibus["region_id"], omnibus["index"], omnibus["family"]])
    posthoc = _stack(post, kp) if post else pd.DataFrame(columns=POSTHOC_COLUMNS)
    if len(posthoc):
        final = posthoc["test"].isin(FINAL_P_POSTHOC)
        posthoc["family"] = np.where(final, posthoc["factor"] + " pairs of " + posthoc["component"] + " ("
                                     + posthoc["test"] + ", Holm over the pairs)", "")
        is_dunn = posthoc["test"].isin(RAW_P_POSTHOC) & ~final
        src = pd.Series(np.where(is_dunn, posthoc["p"], posthoc["p_adj"]), index=posthoc.index)
        fam_d = ["region_id", "index", "factor", "test"]
        fam_q = fam_d + ["group_a", "group_b"]
        adj = posthoc["p_adj"].where(final).to_numpy(float).copy()
        for cols, mask in ((fam_d, is_dunn), (fam_q, ~is_dunn & ~final)):
            m = mask.to_numpy()
            if m.any():
                sub = posthoc.loc[m, cols]
                adj[m] = _holm_by(src[m], [sub[c] for c in cols])
        posthoc["p_adj"] = adj
    # readings from the adjusted p of the primary test
    p_adj = omnibus["p_adj"].to_numpy()
    bounds = np.flatnonzero(np.r_[True, omnibus["_key"].to_numpy()[1:] != omnibus["_key"].to_numpy()[:-1]])
    bounds = np.r_[bounds, len(omnibus)]
    rid, ren = np.empty(len(omnibus), dtype=object), np.empty(len(omnibus), dtype=object)
    for (_, res), a, b in zip(results, bounds[:-1], bounds[1:]):
        if res.ok:  # the result's omnibus rows, in its own order
            res.omnibus = res.omnibus.assign(p_adj=p_adj[a:b])
            label = FACTORS.get(res.group, REGION_FACTOR[1] if res.group == "region_id" else res.group)
            if isinstance(res, WaveComparison):
                res.reading_id, res.reading_en = res.make_reading(label, alpha=alpha)
            else:
                res.reading_id, res.reading_en = make_reading(res, label, alpha=alpha)
        rid[a:b], ren[a:b] = res.reading_id, res.reading_en
    omnibus["reading_id"], omnibus["reading_en"] = rid, ren
    omnibus["primary"] = omnibus["primary"].fillna(False).astype(bool)
    descriptives = _stack(desc, kd) if desc else pd.DataFrame(columns=DESC_COLUMNS)
    descriptives["group"] = descriptives["group"].astype(str)
    descriptives["subgroup"] = descriptives["subgroup"].fillna("").astype(str)
    if len(posthoc):
        posthoc["subgroup"] = posthoc["subgroup"].fillna("").astype(str)
    model_t = _stack(models, km) if models else pd.DataFrame(columns=MODEL_COLUMNS)
    return {
        "compare_descriptives": descriptives.reindex(columns=DESC_COLUMNS),
        "compare_omnibus": omnibus.reindex(columns=OMNIBUS_COLUMNS),
        "compare_posthoc": posthoc.reindex(columns=POSTHOC_COLUMNS).astype({"group_a": str, "group_b": str}),
        "compare_models": model_t.reindex(columns=MODEL_COLUMNS),
    }


def _omnibus_families(om: pd.DataFrame) -> np.ndarray:
    """The multiple-testing family of each omnibus row: one family per brief section
    for the primary tests (unit types: overall and components; demographic
    factors: every factor x component; regions; wave change: components x
    subgroups), per factor x test across components for the sensitivity tests."""
    test = om["test"].astype(object).where(om["test"].notna(), "nan").astype(str)
    factor = om["factor"].astype(object).where(om["factor"].notna(), "nan").astype(str)
    frame = om["frame"] if "frame" in om else pd.Series(np.nan, index=om.index)
    sens = (frame == "respondent_sensitivity").to_numpy() | test.isin(RESPONDENT_TESTS).to_numpy()
    conds = [sens, (factor == WAVE_FACTOR).to_numpy(), (factor == REGION_FACTOR[0]).to_numpy(),
             factor.isin(UNIT_LEVEL_FACTORS).to_numpy()]
    choices = [("sensitivity: " + factor + " x " + test + ", components").to_numpy(object),
               ("wave change: " + test + ", components").to_numpy(object),
               np.full(len(om), "regions: components", dtype=object),
               (factor + ": overall and components").to_numpy(object)]
    return np.select(conds, choices, default="demographic factors: factors x components")


def _options(study, min_n: int | None) -> tuple[int, int]:
    min_n = int(min_n if min_n is not None else study.option("report", "min_cell", default=5))
    return min_n, int(study.option("report", "priority_units", default=5))


def _region_results(frame: pd.DataFrame, study, index: str, region_id: str, min_n: int, alpha: float,
                    n_lowest: int) -> tuple[list, pd.DataFrame, pd.DataFrame]:
    """One region x index: its comparisons, its league table and its latest wave's rows."""
    current, waves = latest_wave(frame)
    design = design_spec(study, waves[-1] if waves else None)
    res = compare_frame(current, index, region_id, min_n=min_n, alpha=alpha, design=design)
    if len(waves) > 1:
        for _, r in res:
            r.notes.insert(0, f"wave {waves[-1]} only (waves present: {', '.join(map(str, waves))})")
        res += compare_wave_frame(frame, index, region_id, min_n=min_n, alpha=alpha)
    return res, rank_units(current, index, region_id, k=n_lowest), current


def _region_tables(results: list, units: list, alpha: float) -> dict[str, pd.DataFrame]:
    out = tables(results, alpha=alpha)
    ranked = [u for u in units if len(u)]
    out["compare_units"] = (pd.concat(ranked, ignore_index=True) if ranked
                            else pd.DataFrame(columns=UNITS_COLUMNS))
    return out


def compare_region(study, region_id: str, min_n: int | None = None, alpha: float = 0.05,
                   scores: dict[str, pd.DataFrame] | None = None) -> dict[str, pd.DataFrame]:
    """Stage 03 for one region: its comparisons on every index of the study.

    Returns the five ``compare_*`` tables restricted to ``region_id`` (empty
    dict when the region has no scores). Every Holm family is within one region
    x index (:func:`tables`), so these rows equal that region's rows of the
    study's tables. ``scores`` ({index: prepared scores of the region}) skips
    reading ``scores_<index>.parquet`` (only the region's rows are read).

    Example
    -------
    >>> compare_region(load_study("sample"), "kota-bontang")["compare_omnibus"]   # doctest: +SKIP
    """
    from . import catalog
    from .study import load_study

    study = load_study(study) if isinstance(study, str) else study
    min_n, n_lowest = _options(study, min_n)
    results, units = [], []
    for index in study.indices:
        if scores is not None:
            frame = scores.get(index)
        else:
            name = catalog.scores(index)
            frame = catalog.read(study, name, region=region_id) if catalog.exists(study, name) else None
            frame = prepare_scores(frame, catalog.path(study, name)) if frame is not None and len(frame) else None
        if frame is None or frame.empty:
            continue
        res, u, _ = _region_results(frame, study, index, region_id, min_n, alpha, n_lowest)
        results += res
        units.append(u)
    return _region_tables(results, units, alpha) if results else {}


def compare_region_task(region_id: str, study, min_n: int | None, alpha: float) -> dict:
    """:func:`compare_region` for a Dask worker (``study``: a Study or its id; the
    worker reads the region's scores itself from the shared processed folder).

    Warnings are returned with the tables (key ``"warnings"``) rather than
    printed by the worker, so they reach the executed notebook, the run log, as
    they do when stage 03 runs in-process."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tables = compare_region(study, region_id, min_n=min_n, alpha=alpha)
    seen = dict.fromkeys(f"{region_id}: {w.category.__name__}: {w.message}" for w in caught)
    return {**tables, "warnings": list(seen)}


def _regions_frame(study, index: str) -> pd.DataFrame:
    """What the regions-against-each-other comparison reads of ``scores_<index>``:
    the components and the design columns (not the respondent ids, factors and
    covariates it does not use), prepared as :func:`prepare_scores` does. Read once
    by the parent of a distributed run, which also takes its region list from it."""
    import pyarrow.dataset as pads

    from . import catalog

    path = catalog.path(study, catalog.scores(index))
    empty = pads.dataset(path).schema.empty_table().to_pandas()
    cols = [c for c in empty.columns if c in DESIGN_COLUMNS or c in components(empty)]
    return prepare_scores(catalog.read(study, catalog.scores(index), columns=cols), path)


def _ordered(pieces: list[dict], indices: list[str]) -> dict[str, pd.DataFrame]:
    """Concatenate per-region tables in the study's order: index by index, its
    regions in order and the regions-against-each-other rows (``all``) last."""
    out = {}
    rank = {ix: i for i, ix in enumerate(indices)}
    for name in ("compare_descriptives", "compare_omnibus", "compare_posthoc", "compare_models", "compare_units"):
        frames = [p[name] for p in pieces if name in p and len(p[name])]
        if not frames:
            cols = {"compare_descriptives": DESC_COLUMNS, "compare_omnibus": OMNIBUS_COLUMNS,
                    "compare_posthoc": POSTHOC_COLUMNS, "compare_models": MODEL_COLUMNS,
                    "compare_units": UNITS_COLUMNS}[name]
            out[name] = pd.DataFrame(columns=cols)
            continue
        t = pd.concat(frames, ignore_index=True)
        key = pd.DataFrame({"i": t["index"].map(rank), "all": t["region_id"].eq("all"), "r": t["region_id"]})
        out[name] = t.loc[key.sort_values(["i", "all", "r"], kind="stable").index].reset_index(drop=True)
    return out


def run(study, min_n: int | None = None, alpha: float = 0.05, write: bool = True,
        scheduler: str | None = None, workers: int | None = None) -> dict:
    """Compare every region x index x component x factor of a study (plus regions
    against each other when there are several) and write the five tables.

    Per region (:func:`compare_region`): in this process, one region after the
    other, reading each ``scores_<index>.parquet`` once; or, given a Dask
    ``scheduler`` address (or ``workers`` > 1: a LocalCluster of that size), one
    task per region on the cluster (:func:`helpers.cluster.map_regions`), each
    reading its region's rows. The regions-against-each-other comparison needs
    every region's latest wave and runs here (distributed: on the components and design
    columns only, read once, :func:`_regions_frame`)."""
    from . import catalog

    t0 = time.perf_counter()
    out_dir = Path(study.processed_dir)
    min_n, n_lowest = _options(study, min_n)
    indices = [i for i in study.indices if catalog.exists(study, catalog.scores(i))]
    missing = [i for i in study.indices if i not in indices]
    pieces: list[dict] = []
    distributed = bool(scheduler) or (workers is not None and workers > 1)
    if distributed and indices:
        from .cluster import connect, map_regions

        # one read per index in the parent, of the columns its own comparison needs; the
        # region list comes from it (it was read twice, whole, besides each worker's read)
        frames = {index: _regions_frame(study, index) for index in indices}
        regions = sorted(set().union(*(set(f["region_id"].dropna().astype(str)) for f in frames.values())))
        with connect(workers=workers, scheduler=scheduler) as client:
            got = map_regions(client, compare_region_task, regions, study, min_n, alpha, label="03_compare")
        failed = {r: g for r, g in zip(regions, got) if isinstance(g, BaseException)}
        if failed:
            r, e = next(iter(failed.items()))
            raise InputError(f"stage 03 failed for {len(failed)} region(s), first {r}: {type(e).__name__}: {e}",
                             file=out_dir)
        for g in got:
            for message in g.pop("warnings", []):
                warnings.warn(message, RuntimeWarning, stacklevel=2)
        pieces += [g for g in got if g]
    for index in indices:
        if distributed:
            scores = frames[index]
        else:
            path = catalog.path(study, catalog.scores(index))
            scores = prepare_scores(catalog.read(study, catalog.scores(index)), path)
        latest = []
        for region_id, frame in scores.groupby("region_id", sort=True, observed=True):
            if distributed:
                latest.append(latest_wave(frame)[0])
                continue
            res, u, current = _region_results(frame, study, index, str(region_id), min_n, alpha, n_lowest)
            latest.append(current)
            pieces.append(_region_tables(res, [u], alpha))
        if scores["region_id"].nunique() > 1:  # each region's latest wave; regions are strata
            res = compare_frame(pd.concat(latest), index, "all", factors={REGION_FACTOR[0]: REGION_FACTOR[1]},
                                min_n=min_n, alpha=alpha, mixed_factors=(), strata="region_id")
            pieces.append(_region_tables(res, [], alpha))
    if not pieces:
        raise InputError("no scores to compare", file=out_dir,
                         expected="scores_<index>.parquet from stage 02 for: " + ", ".join(study.indices))
    out = _ordered(pieces, indices)
    if write:
        for name, frame in out.items():
            catalog.write(frame, study, name)
    om = out["compare_omnibus"]
    prim = om[om["primary"] & om["test"].ne("none")]
    return {
        # one result per region x index x component x factor, each with its omnibus rows
        "comparisons": int(om[["region_id", "index", "component", "factor"]].drop_duplicates().shape[0]),
        "significant_after_holm": int((prim["p_adj"] < alpha).sum()),
        "not_possible": int((om["test"] == "none").sum()),
        "indices_missing": missing,
        "rows": {k: len(v) for k, v in out.items()},
        "seconds": round(time.perf_counter() - t0, 2),
    }


# ---------------------------------------------------------------- technical report (03_compare.ipynb)

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
    from . import catalog

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
