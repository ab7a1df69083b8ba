"""Aggregates of respondent scores per region, unit type and unit: finite-population,
design-based estimates of the workforce's mean (``docs/inference.md``).

The design is the study's declared one (:mod:`helpers.design`; default the
census with nonresponse: strata = units, fpc = registry headcounts,
post-stratified by unit x status). For each wave, one design covers the whole
study and every region, unit type and unit is a domain of it (a domain that is
a union of strata has the same estimate and variance as its own design):

- ``mean`` = sum w y / sum w (the weights sum to the headcounts), ``se`` its
  Taylor-linearised standard error with the finite population correction
  (1 - n_h / N_h) of every unit, ``deff`` its design effect against simple
  random sampling (R ``svymean(..., deff = TRUE)``);
- CI = mean +- t(df) se with domain degrees of freedom: respondents minus units
  for a region or unit type, n - 1 for one unit (Korn & Graubard 1999, 5.2);
- ``mean_unweighted`` and ``sd`` describe the respondents as they are.

Respondents the design cannot place (unknown unit, unit without headcount) are
left out of the estimates and counted in ``n_unplaced`` (region rows).

Example
-------
>>> agg = aggregate(scores, ["overall", "information"], index="ikd")
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..design import DesignSpec, placed, workforce_design

LEVELS = {"region": "region_id", "unit_type": "unit_type", "unit": "unit_id"}
AGG_COLUMNS = ["index", "wave", "level", "region_id", "group", "component", "n", "mean", "sd", "se",
               "ci_low", "ci_high", "df", "deff", "frame", "mean_unweighted", "n_unplaced"]
CAT_COLUMNS = ["index", "wave", "level", "region_id", "group", "component", "category", "label_id", "label_en",
               "n", "share", "share_w"]
ACH_COLUMNS = ["index", "wave", "level", "region_id", "group", "component", "score", "target",
               "achievement", "achievement_pct", "target_source"]


def aggregate(scores: pd.DataFrame, components: Sequence[str], index: str,
              levels: Sequence[str] = ("region", "unit_type", "unit"), design=None,
              conf: float = 0.95) -> pd.DataFrame:
    """``aggregates.parquet`` rows for one index: per wave and region, at each level.

    ``scores`` needs ``wave, region_id, unit_type, unit_id, weight, fpc`` and the
    component columns; ``design`` is a :class:`~helpers.design.DesignSpec` or a
    function wave -> DesignSpec (default: the census design)."""
    frames = []
    d = scores.copy()
    d["wave"] = d["wave"] if "wave" in d else np.nan
    for wave, frame in d.groupby("wave", dropna=False, sort=True):
        spec = design(wave) if callable(design) else (design or DesignSpec())
        frames.append(_wave_aggregates(frame, components, levels, spec, conf).assign(wave=wave))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=AGG_COLUMNS)
    out["index"] = index
    return out[AGG_COLUMNS]


def _wave_aggregates(frame: pd.DataFrame, components, levels, spec, conf) -> pd.DataFrame:
    ok = placed(frame)
    des = workforce_design(frame, spec)
    comps = list(components)
    # the descriptive columns of every component in one grouping per level: a
    # group's mean and sd skip its missing scores, as grouping only the scored rows did
    scored = frame.groupby("region_id")[comps].count()
    rows = []
    for level in levels:
        col = LEVELS[level]
        by = ["region_id"] if col == "region_id" else ["region_id", col]
        raw_all = frame.groupby(by, observed=True)[comps].agg(["mean", "std"])
        if level != "unit":
            # units with a score, per group and component (the strata of its df)
            per_unit = ok.groupby([*by, "unit_id"], observed=True)[comps].count()
            strata_all = per_unit.gt(0).groupby(level=by, observed=True).sum()
            strata_all = strata_all.where(strata_all > 0)
        for comp in comps:
            est = des.by(comp, by)
            raw = raw_all[comp]
            est = est.join(raw.rename(columns={"mean": "mean_unweighted", "std": "sd"}), on=by)
            est["component"] = comp
            est["level"] = level
            est["group"] = est[col].astype(str)
            if level == "unit":
                dof = est["n"] - 1.0
            else:
                dof = est["n"] - est.set_index(by).index.map(strata_all[comp]).to_numpy(float)
            est["df"] = np.where(dof > 0, dof, np.nan)
            t = stats.t.ppf(0.5 + conf / 2, est["df"])
            est["ci_low"] = est["estimate"] - t * est["se"]
            est["ci_high"] = est["estimate"] + t * est["se"]
            if level == "region":
                n_scored = scored[comp].where(scored[comp] > 0)
                est["n_unplaced"] = (est["region_id"].map(n_scored) - est["n"]).to_numpy()
            rows.append(est)
    out = pd.concat(rows, ignore_index=True).rename(columns={"estimate": "mean"})
    out["frame"] = "finite_population"
    out["n"] = out["n"].astype(int)
    return out


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
    ids = scores[["wave", "region_id", "unit_type", "unit_id"]].reset_index(drop=True)
    w = scores[weight].to_numpy(dtype=float) if weight and weight in scores else np.full(len(scores), np.nan)
    n_bands = len(band_ids)
    # the groups of each level coded once, in the sorted order of their keys (as a
    # grouping by the key columns returns them)
    coded = {}
    for level in levels:
        col = LEVELS[level]
        by = ["wave", "region_id"] + ([] if col == "region_id" else [col])
        known = ids[col].notna().to_numpy()
        g = ids[known].groupby(by, observed=True, dropna=False, sort=True)
        codes = np.full(len(ids), -1, dtype=np.int64)
        codes[known] = g.ngroup().to_numpy()
        coded[level] = (by, col, codes, g.size().index)
    frames = []
    for comp in comps:
        cat = scores["category"] if comp == "overall" and "category" in scores else categorise(scores[comp], spec)
        band = pd.Categorical(cat, categories=band_ids).codes
        for level in levels:
            by, col, codes, keys = coded[level]
            use = (codes >= 0) & (band >= 0)
            cell = codes[use] * n_bands + band[use]
            n_g = len(keys)
            counts = np.bincount(cell, minlength=n_g * n_bands).reshape(n_g, n_bands)
            # each (group, band)'s weights summed by pandas over its rows in row order,
            # as the grouping by keys and band did
            sums = pd.Series(w[use]).groupby(cell).sum()
            wsum = np.zeros(n_g * n_bands)
            wsum[sums.index.to_numpy()] = sums.to_numpy()
            present = counts.sum(axis=1) > 0
            group_keys = keys[present]
            columns = pd.Index(band_ids, name="category")
            wide_n = pd.DataFrame(counts[present], index=group_keys, columns=columns)
            wide_w = pd.DataFrame(wsum.reshape(n_g, n_bands)[present], index=group_keys, columns=columns)
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

    Columns: ``index, wave, level, region_id, group, component, score (the
    design-based mean), target, achievement, achievement_pct, target_source``.
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
    out = pd.concat(rows, ignore_index=True).rename(columns={"mean": "score"})
    out["achievement"] = out["score"] / out["target"]
    out["achievement_pct"] = 100 * out["achievement"]
    return out[cols]
