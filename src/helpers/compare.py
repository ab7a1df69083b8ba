"""Stage 03: compare unit types (and demographic groups, and regions) on every
index and component, for every region of a study.

Reads ``scores_<index>.parquet`` and writes ``compare_descriptives``,
``compare_omnibus``, ``compare_posthoc`` and ``compare_models`` (columns in
``docs/architecture.md``). Multiple testing: Holm across the components
(areas / dimensions + overall) of one region x index x factor x test for the
omnibus p, and across components and pairs for the post-hoc p (Dunn: raw p over
all pairs x components; Tukey / Games-Howell: their studentized-range p, already
adjusted over pairs, over components).

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
from .stats import compare_groups, p_adjust
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
                "ci_high", "emm", "emm_ci_low", "emm_ci_high"]
OMNIBUS_COLUMNS = ["region_id", "index", "component", "factor", "test", "statistic", "df1", "df2", "p",
                   "p_adj", "effect_name", "effect_size", "n", "k", "note", "reading_id", "reading_en",
                   "primary"]
POSTHOC_COLUMNS = ["region_id", "index", "component", "factor", "test", "group_a", "group_b", "diff", "se",
                   "statistic", "df", "p", "p_adj", "ci_low", "ci_high", "hedges_g"]
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


def tables(results: list, alpha: float = 0.05) -> dict[str, pd.DataFrame]:
    """The four output tables from a list of ((region, index, component, factor), Comparison),
    with Holm adjustment across components (and pairs) and readings rebuilt from the
    adjusted p-values."""
    desc, omni, post, models = [], [], [], []
    for (region, index, comp, factor), res in results:
        keys = dict(region_id=region, index=index, component=comp, factor=factor)
        desc.append(_tag(res.descriptives, **keys))
        if res.ok:
            o = _tag(res.omnibus, **keys)
            o["note"] = "; ".join(res.notes)
        else:
            o = pd.DataFrame([{**keys, "test": "none", "note": "; ".join(res.notes), "primary": True}])
        o["_key"] = id(res)
        omni.append(o)
        post.append(_tag(res.posthoc, **keys))
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
        is_dunn = posthoc["test"] == "dunn"
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
            res.reading_id, res.reading_en = make_reading(res, label, alpha=alpha)
        omnibus.loc[grp.index, "reading_id"] = res.reading_id
        omnibus.loc[grp.index, "reading_en"] = res.reading_en
    omnibus["primary"] = omnibus["primary"].fillna(False).astype(bool)
    descriptives = pd.concat(desc, ignore_index=True) if desc else pd.DataFrame(columns=DESC_COLUMNS)
    descriptives["group"] = descriptives["group"].astype(str)
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
        for region_id, frame in scores.groupby("region_id", sort=True, observed=True):
            results += compare_frame(frame, index, str(region_id), min_n=min_n, alpha=alpha)
        if scores["region_id"].nunique() > 1:
            results += compare_frame(scores, index, "all", factors={REGION_FACTOR[0]: REGION_FACTOR[1]},
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
