"""Aggregates of respondent scores per region, unit type and unit.

For each group and component, over the n respondents with a score:

- mean, SD (n - 1), SE = SD / sqrt(n), 95 % CI = mean +- t(0.975, n - 1) SE;
- weighted (survey weights w, e.g. post-stratification):
  mean_w = sum w x / sum w, and the linearisation (Taylor) standard error of a
  ratio mean under with-replacement sampling,
  SE_w = sqrt( n / (n - 1) * sum w_i^2 (x_i - mean_w)^2 ) / sum w_i,
  CI_w = mean_w +- t(0.975, n - 1) SE_w
  (Lumley 2010, *Complex Surveys*, 2.3; what R ``survey::svymean`` reports for
  a design with weights only).

Example
-------
>>> agg = aggregate(scores, ["overall", "information"], index="ikd")
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

LEVELS = {"region": "region_id", "unit_type": "unit_type", "unit": "unit_id"}
AGG_COLUMNS = ["index", "wave", "level", "region_id", "group", "component", "n", "mean", "sd", "se",
               "ci_low", "ci_high", "mean_w", "ci_low_w", "ci_high_w"]
CAT_COLUMNS = ["index", "wave", "level", "region_id", "group", "component", "category", "label_id", "label_en",
               "n", "share", "share_w"]
ACH_COLUMNS = ["index", "wave", "level", "region_id", "group", "component", "score", "score_w", "target",
               "achievement", "achievement_pct", "target_source"]


def describe(df: pd.DataFrame, components: Sequence[str], by: Sequence[str], weight: str | None = "weight",
             conf: float = 0.95) -> pd.DataFrame:
    """n, mean, SD, SE, CI (and weighted mean and CI when ``weight`` is a column) per
    group of ``by`` and component; long format, one row per group x component."""
    rows = []
    has_w = weight is not None and weight in df.columns
    keys = list(by)
    for comp in components:
        x = df[comp].astype(float)
        d = df[keys].copy()
        d["x"] = x
        d = d[x.notna()]
        if d.empty:
            continue
        g = d.groupby(keys, dropna=False, observed=True)["x"]
        out = g.agg(n="count", mean="mean", sd="std").reset_index()
        if has_w:
            w = df.loc[d.index, weight].astype(float)
            ok = w.notna() & (w > 0)
            dw = d[ok].assign(w=w[ok], wx=w[ok] * d.loc[ok, "x"])
            gw = dw.groupby(keys, dropna=False, observed=True)
            sums = gw[["w", "wx"]].sum()
            sums["n_w"] = gw.size()
            sums["mean_w"] = sums["wx"] / sums["w"]
            dw = dw.join(sums["mean_w"], on=keys)
            dw["r2"] = (dw["w"] * (dw["x"] - dw["mean_w"])) ** 2
            sums["ss"] = dw.groupby(keys, dropna=False, observed=True)["r2"].sum()
            nw = sums["n_w"].astype(float)
            with np.errstate(divide="ignore", invalid="ignore"):
                sums["se_w"] = np.sqrt(nw / (nw - 1) * sums["ss"]) / sums["w"]
            out = out.merge(sums[["mean_w", "se_w", "n_w"]].reset_index(), on=keys, how="left")
        else:
            out["mean_w"], out["se_w"], out["n_w"] = np.nan, np.nan, np.nan
        out["component"] = comp
        rows.append(out)
    if not rows:
        return pd.DataFrame(columns=[*keys, "component", "n", "mean", "sd", "se", "ci_low", "ci_high",
                                     "mean_w", "ci_low_w", "ci_high_w"])
    res = pd.concat(rows, ignore_index=True)
    n = res["n"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        res["se"] = res["sd"] / np.sqrt(n)
        t = stats.t.ppf(0.5 + conf / 2, np.where(n > 1, n - 1, np.nan))
        tw = stats.t.ppf(0.5 + conf / 2, np.where(res["n_w"] > 1, res["n_w"] - 1, np.nan))
    res["ci_low"], res["ci_high"] = res["mean"] - t * res["se"], res["mean"] + t * res["se"]
    res["ci_low_w"], res["ci_high_w"] = res["mean_w"] - tw * res["se_w"], res["mean_w"] + tw * res["se_w"]
    res["n"] = res["n"].astype(int)
    return res[[*keys, "component", "n", "mean", "sd", "se", "ci_low", "ci_high",
                "mean_w", "ci_low_w", "ci_high_w"]]


def aggregate(scores: pd.DataFrame, components: Sequence[str], index: str,
              levels: Sequence[str] = ("region", "unit_type", "unit"), weight: str | None = "weight",
              conf: float = 0.95) -> pd.DataFrame:
    """``aggregates.parquet`` rows for one index: per wave and region, at each level.

    ``scores`` needs ``wave, region_id, unit_type, unit_id`` and the component columns."""
    frames = []
    for level in levels:
        col = LEVELS[level]
        by = ["wave", "region_id"] + ([] if col == "region_id" else [col])
        # respondents whose unit is unknown count for their region only
        d = describe(scores[scores[col].notna()], components, by, weight=weight, conf=conf)
        d["group"] = d[col].astype(str) if col in d else d["region_id"].astype(str)
        d["level"] = level
        d["index"] = index
        frames.append(d)
    out = pd.concat(frames, ignore_index=True)
    return out[AGG_COLUMNS]


def category_distribution(scores: pd.DataFrame, spec, index: str | None = None,
                          levels: Sequence[str] = ("region", "unit_type", "unit"),
                          weight: str | None = "weight", components: Sequence[str] | None = None) -> pd.DataFrame:
    """Share of respondents in each category band per group (unweighted and weighted).

    Bands apply to ``overall`` and to every component on the same scale as the
    index (IKD areas, ILD pillars; not IP ASN dimensions, whose points have
    their own maxima). Columns: ``index, wave, level, region_id, group, component,
    category, label_id, label_en, n, share, share_w``."""
    from .engine import categorise
    from .spec import bounds

    if not spec.bands:
        return pd.DataFrame(columns=CAT_COLUMNS)
    root_b = bounds(spec.root, spec.scale)
    comps = components or ["overall"] + [c.id for c in spec.root.children if bounds(c, spec.scale) == root_b]
    labels = {b.id: (b.label_id, b.label_en) for b in spec.bands}
    band_ids = [b.id for b in spec.bands]
    frames = []
    for comp in comps:
        cat = scores["category"] if comp == "overall" and "category" in scores else categorise(scores[comp], spec)
        base = scores[["wave", "region_id", "unit_type", "unit_id"]].copy()
        base["category"] = pd.Categorical(cat, categories=[b.id for b in spec.bands])
        base["w"] = scores[weight].astype(float) if weight and weight in scores else np.nan
        base = base[base["category"].notna()]
        for level in levels:
            col = LEVELS[level]
            by = ["wave", "region_id"] + ([] if col == "region_id" else [col])
            sub = base[base[col].notna()]
            g = sub.groupby([*by, "category"], observed=True, dropna=False)
            t = g.agg(n=("category", "size"), w=("w", "sum"))
            # every band for every observed group (zeros included), without the
            # Cartesian product of all keys that observed=False would build
            wide_n = t["n"].unstack("category", fill_value=0).reindex(columns=band_ids, fill_value=0)
            wide_w = t["w"].unstack("category", fill_value=0.0).reindex(columns=band_ids, fill_value=0.0)
            tot_n = wide_n.sum(axis=1)
            tot_w = wide_w.sum(axis=1)
            share = wide_n.div(tot_n, axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                share_w = wide_w.div(tot_w.where(tot_w > 0), axis=0)
            t = pd.concat({"n": wide_n.stack(), "share": share.stack(), "share_w": share_w.stack()},
                          axis=1).reset_index()
            t = t.rename(columns={t.columns[len(by)]: "category"})
            t["group"] = t[col].astype(str)
            t["level"] = level
            t["component"] = comp
            frames.append(t)
    out = pd.concat(frames, ignore_index=True)
    out["category"] = out["category"].astype(str)
    out["label_id"] = out["category"].map(lambda c: labels[c][0])
    out["label_en"] = out["category"].map(lambda c: labels[c][1])
    out["index"] = index or spec.id
    return out[CAT_COLUMNS]


def resolve_targets(spec, study_targets: dict | None, region_id: str) -> dict[str, tuple[float, str]]:
    """Targets per component for a region: the study file's ``targets:`` section
    (``{region: {index: {component: value}}}``) wins over the spec's."""
    out = {k: (float(v), "spec") for k, v in spec.targets.items()}
    region_t = ((study_targets or {}).get(region_id) or {}).get(spec.id) or {}
    for k, v in region_t.items():
        out[k] = (float(v), "study")
    return out


def achievement(aggregates: pd.DataFrame, spec, study_targets: dict | None = None) -> pd.DataFrame:
    """Achievement (capaian) = score / target, per group with a target.

    Columns: ``index, wave, level, region_id, group, component, score, score_w,
    target, achievement, achievement_pct, target_source``.
    Bontang 2021: Kualifikasi 12.13 / 15 = 80.86 %."""
    rows = []
    for region_id, grp in aggregates[aggregates["index"] == spec.id].groupby("region_id"):
        tg = resolve_targets(spec, study_targets, region_id)
        if not tg:
            continue
        sub = grp[grp["component"].isin(tg)].copy()
        sub["target"] = sub["component"].map({c: v[0] for c, v in tg.items()})
        sub["target_source"] = sub["component"].map({c: v[1] for c, v in tg.items()})
        rows.append(sub)
    cols = ACH_COLUMNS
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.concat(rows, ignore_index=True).rename(columns={"mean": "score", "mean_w": "score_w"})
    out["achievement"] = out["score"] / out["target"]
    out["achievement_pct"] = 100 * out["achievement"]
    return out[cols]
