"""The four comparison tables from a list of results: Holm families across
components (and pairs), readings rebuilt from the adjusted p-values."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..stats import WaveComparison
from ..stats.compare_groups import READING_COLUMNS, make_reading
from .columns import (DESC_COLUMNS, FACTORS, FINAL_P_POSTHOC, MODEL_COLUMNS, OMNIBUS_COLUMNS, POSTHOC_COLUMNS,
                      RAW_P_POSTHOC, REGION_FACTOR, RESPONDENT_TESTS, UNIT_LEVEL_FACTORS, WAVE_FACTOR)


def _stack(frames: list[pd.DataFrame], keys: list) -> pd.DataFrame:
    """The frames one under the other, each with its key columns first: one
    concatenation and one repeat of the keys (tagging every frame then
    concatenating cost 12 ms a frame, ~100 frames a region). ``keys``: one dict
    per frame, or a list of dicts (one per row) for a frame gathering several results."""
    flat = [k for kk in keys for k in (kk if isinstance(kk, list) else [kk])]
    lens = [n for f, kk in zip(frames, keys) for n in ([1] * len(kk) if isinstance(kk, list) else [len(f)])]
    body = pd.concat(frames, ignore_index=True)
    tags = pd.DataFrame({k: np.repeat(np.asarray([kk[k] for kk in flat], dtype=object), lens)
                         for k in flat[0]})
    return pd.concat([tags, body.drop(columns=[k for k in flat[0] if k in body.columns])], axis=1)


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
    notes, n_om, icc_rows, icc_keys = [], [], [], []

    def flush() -> None:
        if icc_rows:
            models.append(pd.DataFrame(icc_rows))
            km.append(list(icc_keys))
            icc_rows.clear()
            icc_keys.clear()

    for (region, index, comp, factor), res in results:
        keys = {"region_id": region, "index": index, "component": comp, "factor": factor}
        desc.append(res.descriptives)  # a missing subgroup is "" once stacked (one fill, not one a frame)
        kd.append(keys)
        # each result's note and key are set once over the stacked table (an assign per
        # result copied its frame)
        o = res.omnibus if res.ok else pd.DataFrame([{"test": "none", "primary": True}])
        omni.append(o)
        ko.append(keys)
        notes.append("; ".join(res.notes))
        n_om.append(len(o))
        post.append(res.posthoc)
        kp.append(keys)
        if res.model is not None:
            flush()
            models.append(res.model)
            km.append(keys)
        if res.icc is not None:  # consecutive ICC rows gathered into one frame
            i = res.icc.iloc[0]
            icc_rows.append({"kind": "icc", "term": "icc1", "estimate": i["icc1"], "n": i["n"],
                             "n_clusters": i["n_clusters"]})
            icc_keys.append(keys)
    flush()
    omnibus = _stack(omni, ko)
    omnibus["note"] = np.repeat(np.asarray(notes, dtype=object), n_om)
    omnibus["_key"] = np.repeat(np.arange(len(n_om)), n_om)
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
    cols = {c: omnibus[c].to_numpy() for c in READING_COLUMNS if c in omnibus}
    cols["p_adj"] = p_adj
    for (_, res), a, b in zip(results, bounds[:-1], bounds[1:]):
        if res.ok:  # the result's omnibus rows, in its own order
            res.omnibus = res.omnibus.assign(p_adj=p_adj[a:b])
            label = FACTORS.get(res.group, REGION_FACTOR[1] if res.group == "region_id" else res.group)
            if isinstance(res, WaveComparison):
                res.reading_id, res.reading_en = res.make_reading(label, alpha=alpha)
            else:
                rows = {c: v[a:b] for c, v in cols.items()} if len(cols) == len(READING_COLUMNS) + 1 else None
                res.reading_id, res.reading_en = make_reading(res, label, alpha=alpha, rows=rows)
        rid[a:b], ren[a:b] = res.reading_id, res.reading_en
    omnibus["reading_id"], omnibus["reading_en"] = rid, ren
    omnibus["primary"] = omnibus["primary"].fillna(False).astype(bool)
    descriptives = _stack(desc, kd) if desc else pd.DataFrame(columns=DESC_COLUMNS)
    descriptives["group"] = descriptives["group"].astype(str)
    descriptives["subgroup"] = (descriptives["subgroup"].fillna("").astype(str) if "subgroup" in descriptives
                                else pd.Series("", index=descriptives.index, dtype=str))
    if "subgroup" not in posthoc:
        posthoc["subgroup"] = pd.Series("", index=posthoc.index, dtype=str)
    elif len(posthoc):
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
