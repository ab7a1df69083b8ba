"""Every number a region's brief states, as one JSON-ready dict.

:func:`build_results` reads the processed tables of one region and returns the
``results.json`` document; the text (:mod:`.text`), charts (:mod:`.plots`) and
tables (:mod:`.tables`) of the brief are rendered from this dict only, so the
brief and ``results.json`` cannot disagree. Groups below ``min_cell`` are
suppressed here, before anything is rendered.

Layout (per index in ``indices.<id>``; the headline index is repeated as ``index``)::

    meta            study, region, language, parameters, input fingerprint
    index           overall, ci_low, ci_high, category, areas.<component>, n, target,
                    previous, unit_types, comparison, priority_units, gaps, training, ...
    n               respondents and units of the headline index
    comparison      headline index: per unit type, mean, CI and the types it really differs from
    compliance_20jp share of staff with >= 20 JP a year (when HR records carry it)
    data_quality    raw, clean, rejected by reason, response rate

Example
-------
>>> r = build_results("sample", "kab-kutai-kartanegara")   # doctest: +SKIP
>>> r["index"]["overall"], r["index"]["category"]           # doctest: +SKIP
(2.31..., 'cukup')
"""
from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..indices.engine import categorise
from ..indices.spec import IndexSpec, bounds, disclosures, load_spec
from ..study import Study
from .disclosure import suppress, suppress_small_compliance, suppress_small_region
from .inputs import RegionInputs, as_study, load_region

DEMOGRAPHICS = ("sex", "age_band", "education", "position_type", "status")
AGE_BANDS = ([0, 30, 40, 50, 200], ["<30", "30-39", "40-49", "50+"])
EDU_ORDER = ["SD", "SMP", "SMA", "D1", "D2", "D3", "D4", "S1", "S2", "S3"]
N_PRIORITY = 5
# the post-hoc test stage 03 pairs with each omnibus test (helpers.stats.compare_groups)
POSTHOC_FOR = {"welch": "games_howell", "welch_anova": "games_howell", "anova": "tukey", "kruskal": "dunn"}


def _f(x) -> float | None:
    """A plain float for JSON (None for missing)."""
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def _i(x) -> int | None:
    v = _f(x)
    return None if v is None else int(round(v))


def unit_type_labels(lang: str) -> dict[str, str]:
    import yaml

    from .. import paths

    p = paths.config_dir() / "unit_types.yaml"
    if not p.exists():
        return {}
    data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    return {k: (v.get(lang) or v.get("en") or k) for k, v in data.items()}


def _wave_rows(df: pd.DataFrame, wave) -> pd.DataFrame:
    if "wave" not in df.columns or df.empty:
        return df
    return df[df["wave"].isna()] if wave is None else df[df["wave"] == wave]


def _waves(df: pd.DataFrame) -> list:
    if "wave" not in df.columns:
        return [None]
    w = sorted(pd.unique(df["wave"].dropna()))
    return w or [None]


def _wave_value(w):
    return None if w is None else (int(w) if float(w).is_integer() else float(w))


def _label(spec: IndexSpec, node_id: str, lang: str) -> str:
    lab = spec.node(node_id).label or {}
    return lab.get(lang) or lab.get("en") or node_id


def _band(spec: IndexSpec, value: float | None) -> tuple[str | None, str | None]:
    if value is None or not spec.bands:
        return None, None
    cat = categorise(np.array([value]), spec)[0]
    if cat is None or (isinstance(cat, float) and math.isnan(cat)):
        return None, None
    band = next(b for b in spec.bands if b.id == cat)
    return str(cat), band.label_id if band else None


def mean_ci(values: pd.Series, conf: float = 0.95) -> dict:
    """n, mean, t-based CI of a sample (the same interval stage 02 reports)."""
    v = pd.to_numeric(values, errors="coerce").dropna().to_numpy(float)
    n = len(v)
    if n == 0:
        return {"n": 0, "mean": None, "ci_low": None, "ci_high": None}
    m = float(v.mean())
    if n < 2:
        return {"n": n, "mean": m, "ci_low": None, "ci_high": None}
    from scipy import stats  # imported only here: most briefs take every CI from stages 02-03

    half = stats.t.ppf(0.5 + conf / 2, n - 1) * v.std(ddof=1) / math.sqrt(n)
    return {"n": n, "mean": m, "ci_low": m - half, "ci_high": m + half}


def input_fingerprint(study: Study) -> str:
    """First 16 hex of SHA-256 over the SHA-256 of every raw input (the same
    hashes ``manifest.json`` lists), so a reader can tie the brief to its data."""
    from ..pipeline import input_hashes

    h = hashlib.sha256()
    for name, digest in sorted(input_hashes(study).items()):
        h.update(f"{name}={digest}\n".encode())
    return h.hexdigest()[:16]


# ----------------------------------------------------------------------------- per index

def _agg(inp: RegionInputs, idx: str, level: str, wave) -> pd.DataFrame:
    a = inp.table("aggregates")
    if a.empty:
        return a
    a = a[(a["index"] == idx) & (a["level"] == level)]
    return _wave_rows(a, wave)


def _overall_and_areas(inp, idx, spec, lang, wave, sc) -> dict:
    comps = ["overall", *spec.components]
    reg = _agg(inp, idx, "region", wave)
    if reg.empty:  # aggregates absent: the same statistics straight from the scores
        rows = {c: mean_ci(sc[c]) for c in comps if c in sc}
        mean_w = {}
    else:
        reg = reg.set_index("component")
        rows = {c: {"n": _i(reg.at[c, "n"]), "mean": _f(reg.at[c, "mean"]), "ci_low": _f(reg.at[c, "ci_low"]),
                    "ci_high": _f(reg.at[c, "ci_high"])} for c in comps if c in reg.index}
        mean_w = {c: _f(reg.at[c, "mean_w"]) for c in comps if c in reg.index and "mean_w" in reg.columns}
    ach = inp.table("achievement")
    if not ach.empty:
        ach = _wave_rows(ach[(ach["index"] == idx) & (ach["level"] == "region")], wave).set_index("component")
    targets = {c: (_f(ach.at[c, "target"]), _f(ach.at[c, "achievement_pct"]))
               for c in comps if not ach.empty and c in ach.index}
    areas = {}
    for c in spec.components:
        r = rows.get(c, {})
        lo, hi = bounds(spec.node(c), spec.scale)
        m = r.get("mean")
        areas[c] = {"label": _label(spec, c, lang), "n": r.get("n"), "mean": m, "ci_low": r.get("ci_low"),
                    "ci_high": r.get("ci_high"), "mean_w": mean_w.get(c), "max": _f(hi),
                    "share_of_max": None if m is None or hi == lo else (m - lo) / (hi - lo),
                    "target": targets.get(c, (None, None))[0],
                    "achievement_pct": targets.get(c, (None, None))[1]}
    o = rows.get("overall", {})
    return {"overall": o.get("mean"), "ci_low": o.get("ci_low"), "ci_high": o.get("ci_high"),
            "overall_w": mean_w.get("overall"), "target": targets.get("overall", (None, None))[0],
            "achievement_pct": targets.get("overall", (None, None))[1], "areas": areas}


def welch_change(m1: float, se1: float, n1: int, m0: float, se0: float, n0: int,
                 conf: float = 0.95) -> dict:
    """Change ``m1 - m0`` between two independent samples (two survey waves of
    different respondents) with its Welch confidence interval and p-value.

    se_d = sqrt(se1² + se0²); Welch-Satterthwaite
    df = se_d⁴ / (se1⁴ / (n1 - 1) + se0⁴ / (n0 - 1)); CI = d ± t(df) · se_d.
    The same interval as R's ``t.test(x1, x0)`` (Welch 1947, Biometrika 34:28-35),
    computed from the means and standard errors stage 02 stores.

    >>> round(welch_change(2.31, 0.01, 100, 2.16, 0.02, 80)["ci_low"], 3)
    0.106
    """
    from scipy import stats

    d = m1 - m0
    var = se1 ** 2 + se0 ** 2
    if not (var > 0) or n1 < 2 or n0 < 2:
        return {"change": d, "se": None, "ci_low": None, "ci_high": None, "df": None, "p": None}
    df = var ** 2 / (se1 ** 4 / (n1 - 1) + se0 ** 4 / (n0 - 1))
    se = math.sqrt(var)
    half = float(stats.t.ppf(0.5 + conf / 2, df)) * se
    return {"change": d, "se": se, "ci_low": d - half, "ci_high": d + half, "df": float(df),
            "p": float(2 * stats.t.sf(abs(d) / se, df))}


def _wave_test(inp, idx, alpha) -> dict | None:
    """Stage 03's primary test of the change between the two latest waves (factor
    ``wave``, overall, whole region), when it ran one."""
    om = inp.table("compare_omnibus")
    if om.empty:
        return None
    om = om[(om["index"] == idx) & (om["factor"] == "wave") & (om["component"] == "overall")]
    if "primary" in om.columns:
        om = om[om["primary"].fillna(False).astype(bool)]
    om = om[om["test"].astype(str) != "none"]
    if om.empty:
        return None
    r = om.iloc[0]
    p = _f(r.get("p_adj")) if _f(r.get("p_adj")) is not None else _f(r.get("p"))
    return {"test": str(r["test"]), "statistic": _f(r.get("statistic")), "df1": _f(r.get("df1")),
            "df2": _f(r.get("df2")), "p": _f(r.get("p")), "p_adj": _f(r.get("p_adj")), "n": _i(r.get("n")),
            "effect_name": None if pd.isna(r.get("effect_name")) else str(r["effect_name"]),
            "effect_size": _f(r.get("effect_size")), "significant": bool(p is not None and p < alpha)}


def _previous(inp, idx, spec, waves, wave, alpha: float = 0.05) -> dict | None:
    """The previous wave of the region (if any) and the change since, with its
    95% CI: Welch on the two waves' region means (the numbers the brief shows);
    significance from stage 03's wave test when it ran one, else from Welch."""
    earlier = [w for w in waves if w is not None and wave is not None and w < wave]
    if not earlier:
        return None
    pw = earlier[-1]
    reg = _agg(inp, idx, "region", pw)
    if reg.empty or "overall" not in set(reg["component"]):
        return None
    reg = reg.set_index("component")
    prev = _f(reg.at["overall", "mean"])
    cat, label = _band(spec, prev)
    out = {"wave": _wave_value(pw), "overall": prev, "category": cat, "category_label": label,
           "areas": {c: _f(reg.at[c, "mean"]) for c in spec.components if c in reg.index},
           "change": None, "change_ci_low": None, "change_ci_high": None, "change_p": None,
           "significant": None, "test": None}
    cur = _agg(inp, idx, "region", wave)
    cur = cur[cur["component"] == "overall"] if not cur.empty else cur
    if not cur.empty and "se" in reg.columns and "se" in cur.columns:
        c = cur.iloc[0]
        args = (_f(c["mean"]), _f(c["se"]), _i(c["n"]), prev, _f(reg.at["overall", "se"]), _i(reg.at["overall", "n"]))
        if all(a is not None for a in args):
            w = welch_change(*args)
            out.update(change=_f(w["change"]), change_ci_low=_f(w["ci_low"]), change_ci_high=_f(w["ci_high"]),
                       change_p=_f(w["p"]), significant=None if w["p"] is None else bool(w["p"] < alpha))
    test = _wave_test(inp, idx, alpha)
    if test:
        out["test"] = test
        out["significant"] = test["significant"]
    return out


def _category_shares(inp, idx, wave) -> dict:
    cat = inp.table("categories")
    if cat.empty:
        return {}
    c = _wave_rows(cat[(cat["index"] == idx) & (cat["level"] == "region") & (cat["component"] == "overall")], wave)
    return {str(k): _f(v) for k, v in zip(c["category"], c["share"])}


def _unit_types(inp, idx, spec, lang, wave, sc, min_cell) -> dict:
    labels = unit_type_labels(lang)
    comps = ["overall", *spec.components]
    agg = _agg(inp, idx, "unit_type", wave)
    if agg.empty:
        frames = []
        for ut, g in sc.groupby("unit_type"):
            for c in comps:
                frames.append({"group": ut, "component": c, **mean_ci(g[c])})
        agg = pd.DataFrame(frames)
    agg = suppress(agg[["group", "component", "n", "mean", "ci_low", "ci_high"]], min_cell)
    n_units = sc.groupby("unit_type")["unit_id"].nunique()
    desc = inp.table("compare_descriptives")
    if not desc.empty:
        desc = desc[(desc["index"] == idx) & (desc["factor"] == "unit_type") & (desc["component"] == "overall")]
        desc = desc.set_index("group")
    order = list(labels) + sorted(set(agg["group"]) - set(labels))
    out = {}
    for ut in order:
        g = agg[agg["group"] == ut].set_index("component")
        if g.empty or "overall" not in g.index:
            continue
        o = g.loc["overall"]
        sup = bool(o["suppressed"])
        row = {"label": labels.get(ut, ut), "n": _i(o["n"]), "units": _i(n_units.get(ut, 0)),
               "suppressed": sup, "mean": _f(o["mean"]), "ci_low": _f(o["ci_low"]), "ci_high": _f(o["ci_high"]),
               "areas": {c: _f(g.at[c, "mean"]) if c in g.index else None for c in spec.components}}
        if not sup and not desc.empty and ut in desc.index and "emm" in desc.columns:
            row.update(emm=_f(desc.at[ut, "emm"]), emm_ci_low=_f(desc.at[ut, "emm_ci_low"]),
                       emm_ci_high=_f(desc.at[ut, "emm_ci_high"]))
        out[ut] = row
    return out


def _omnibus(inp, idx, factor, alpha) -> dict:
    om = inp.table("compare_omnibus")
    if om.empty:
        return {}
    om = om[(om["index"] == idx) & (om["factor"] == factor)]
    if "primary" in om.columns:  # stage 03 marks the test that fits the data; others are alternatives
        om = om[om["primary"].fillna(False).astype(bool)]
    out = {}
    for comp, g in om.groupby("component", sort=False):
        r = g.iloc[0]
        if str(r["test"]) == "none":  # too few groups / respondents: stage 03 says why in the note
            continue
        p = _f(r.get("p_adj")) if _f(r.get("p_adj")) is not None else _f(r.get("p"))
        out[str(comp)] = {"test": str(r["test"]), "statistic": _f(r["statistic"]), "df1": _f(r["df1"]),
                          "df2": _f(r["df2"]), "p": _f(r["p"]), "p_adj": _f(r.get("p_adj")),
                          "effect_name": None if pd.isna(r.get("effect_name")) else str(r["effect_name"]),
                          "effect_size": _f(r.get("effect_size")), "n": _i(r.get("n")), "k": _i(r.get("k")),
                          "significant": bool(p is not None and p < alpha)}
    return out


def _pairs(inp, idx, factor, component, alpha, unit_types: dict) -> list[dict]:
    ph = inp.table("compare_posthoc")
    if ph.empty:
        return []
    ph = ph[(ph["index"] == idx) & (ph["factor"] == factor) & (ph["component"] == component)]
    tests = list(dict.fromkeys(ph["test"]))
    omni = _omnibus(inp, idx, factor, alpha).get(component)
    if omni and len(tests) > 1:  # the post-hoc test that goes with the primary omnibus test
        want = POSTHOC_FOR.get(omni["test"])
        ph = ph[ph["test"] == (want if want in tests else tests[0])]
    shown = {k for k, v in unit_types.items() if not v["suppressed"]} if unit_types else None
    out = []
    for r in ph.to_dict("records"):
        a, b = str(r["group_a"]), str(r["group_b"])
        if shown is not None and (a not in shown or b not in shown):
            continue
        p = _f(r.get("p_adj")) if _f(r.get("p_adj")) is not None else _f(r.get("p"))
        out.append({"group_a": a, "group_b": b, "test": str(r["test"]), "diff": _f(r["diff"]),
                    "ci_low": _f(r["ci_low"]), "ci_high": _f(r["ci_high"]), "p_adj": p,
                    "hedges_g": _f(r.get("hedges_g")), "significant": bool(p is not None and p < alpha)})
    return out


def _comparison(inp, idx, alpha, unit_types) -> dict:
    omni = _omnibus(inp, idx, "unit_type", alpha)
    pairs = _pairs(inp, idx, "unit_type", "overall", alpha, unit_types)
    by_type = {}
    for ut, v in unit_types.items():
        if v["suppressed"]:
            continue
        higher = sorted({p["group_b"] if p["group_a"] == ut else p["group_a"] for p in pairs
                         if p["significant"] and ut in (p["group_a"], p["group_b"])
                         and _pair_higher(p, ut)})
        lower = sorted({p["group_b"] if p["group_a"] == ut else p["group_a"] for p in pairs
                        if p["significant"] and ut in (p["group_a"], p["group_b"])
                        and not _pair_higher(p, ut)})
        by_type[ut] = {"mean": v["mean"], "ci_low": v["ci_low"], "ci_high": v["ci_high"], "n": v["n"],
                       "higher_than": higher, "lower_than": lower}
    return {"available": bool(omni), "omnibus": omni, "pairs": pairs,
            "real_differences": [p for p in pairs if p["significant"]], "by_unit_type": by_type}


def _pair_higher(p: dict, ut: str) -> bool:
    """Whether ``ut`` scores higher in a pair whose ``diff`` is mean(a) - mean(b)."""
    d = p["diff"] or 0.0
    return d > 0 if p["group_a"] == ut else d < 0


def _priority_units(inp, idx, wave, sc, min_cell, region_mean, names, ut_labels) -> list[dict]:
    agg = _agg(inp, idx, "unit", wave)
    if agg.empty:
        rows = [{"group": u, **mean_ci(g["overall"])} for u, g in sc.groupby("unit_id")]
        agg = pd.DataFrame(rows)
    else:
        agg = agg[agg["component"] == "overall"]
    agg = agg[agg["n"] >= min_cell].sort_values(["mean", "group"]).head(N_PRIORITY)
    types = sc.drop_duplicates("unit_id").set_index("unit_id")["unit_type"]
    out = []
    for r in agg.to_dict("records"):
        u = str(r["group"])
        ut = str(types.get(u, ""))
        out.append({"unit_id": u, "unit": names.get(u, u), "unit_type": ut, "unit_type_label": ut_labels.get(ut, ut),
                    "n": _i(r["n"]), "mean": _f(r["mean"]), "ci_low": _f(r["ci_low"]), "ci_high": _f(r["ci_high"]),
                    "below_region": bool(region_mean is not None and _f(r["ci_high"]) is not None
                                         and r["ci_high"] < region_mean)})
    return out


def _gaps(inp, idx, sc, min_cell, alpha, scores_waves: int = 1) -> dict:
    sc = sc.copy()
    if "age" in sc.columns:
        sc["age_band"] = pd.cut(pd.to_numeric(sc["age"], errors="coerce"), AGE_BANDS[0], right=False,
                                labels=AGE_BANDS[1]).astype(object)
    desc = inp.table("compare_descriptives")
    if len(desc) and sc["wave"].nunique(dropna=False) == 1 and scores_waves == 1:
        desc = desc[(desc["index"] == idx) & (desc["component"] == "overall")]
    else:  # stage 03 pools waves; a region with several waves gets the latest wave's own figures
        desc = pd.DataFrame()
    out = {}
    for factor in DEMOGRAPHICS:
        if factor not in sc.columns or sc[factor].dropna().nunique() < 2:
            continue
        d = desc[desc["factor"] == factor] if len(desc) else desc
        if len(d):  # stage 03's descriptives (same t-based CI), when they cover exactly these scores
            rows = [{"group": str(x["group"]), "n": _i(x["n"]), "mean": _f(x["mean"]), "ci_low": _f(x["ci_low"]),
                     "ci_high": _f(x["ci_high"])} for x in d.sort_values("group").to_dict("records")]
        else:
            rows = [{"group": str(g), **mean_ci(g_df["overall"])} for g, g_df in sc.groupby(factor, sort=True)]
        order = {"age_band": AGE_BANDS[1], "education": EDU_ORDER}.get(factor)
        if order:
            rows.sort(key=lambda x: order.index(x["group"]) if x["group"] in order else 99)
        t = suppress(pd.DataFrame(rows), min_cell)
        shown = t[~t["suppressed"]]
        groups = {r["group"]: {"n": _i(r["n"]), "mean": _f(r["mean"]), "ci_low": _f(r["ci_low"]),
                               "ci_high": _f(r["ci_high"]), "suppressed": bool(r["suppressed"])}
                  for r in t.to_dict("records")}
        entry = {"groups": groups, "order": list(groups), "gap": None, "highest": None, "lowest": None}
        if len(shown) >= 2:
            hi, lo = shown.loc[shown["mean"].idxmax()], shown.loc[shown["mean"].idxmin()]
            entry.update(gap=_f(hi["mean"] - lo["mean"]), highest=hi["group"], lowest=lo["group"])
        test = _omnibus(inp, idx, factor, alpha).get("overall")
        entry["test"] = test
        entry["significant"] = bool(test["significant"]) if test else None
        out[factor] = entry
    return out


def _training(spec, unit_types, compliance, lang) -> dict:
    out = {}
    cut = compliance.get("unit_types", {}) if compliance else {}
    for ut, v in unit_types.items():
        if v["suppressed"]:
            continue
        share = {}
        for c, m in v["areas"].items():
            lo, hi = bounds(spec.node(c), spec.scale)
            if m is not None and hi > lo:
                share[c] = (m - lo) / (hi - lo)
        if not share:
            continue
        weakest = min(share, key=share.get)
        out[ut] = {"label": v["label"], "weakest_area": weakest, "weakest_label": _label(spec, weakest, lang),
                   "mean": v["areas"][weakest], "share_of_max": share[weakest],
                   "compliance_20jp": (cut.get(ut) or {}).get("share")}
    return out


def _reliability(inp, idx) -> dict:
    rel = inp.table("reliability")
    if rel.empty:
        return {}
    rel = rel[(rel["index"] == idx) & rel["item"].isna()]
    return {str(r["component"]): {"alpha": _f(r["alpha"]), "omega": _f(r.get("omega")), "n": _i(r["n"])}
            for r in rel.to_dict("records")}


def _response(inp, idx, wave) -> dict:
    rr = inp.table("response_rates")
    if rr.empty:
        return {}
    rr = _wave_rows(rr[rr["index"] == idx], wave)
    hc = float(rr["headcount"].sum())
    n = int(rr["n"].sum())
    return {"respondents": n, "headcount": _f(hc), "rate": _f(n / hc) if hc > 0 else None,
            "units_surveyed": int((rr["n"] > 0).sum()), "units_total": len(rr)}


def _models(inp, idx) -> dict:
    """ICC and model name of the clustered model of the overall score, if stage 03 wrote one."""
    m = inp.table("compare_models")
    if m.empty or "index" not in m.columns:
        return {}
    m = m[(m["index"] == idx)]
    if "component" in m.columns:
        m = m[m["component"] == "overall"]
    if "factor" in m.columns:
        m = m[m["factor"] == "unit_type"]
    if m.empty:
        return {}
    if "kind" in m.columns:  # long model table: ICC rows are kind == "icc"
        icc = m[m["kind"] == "icc"]
        out = {"icc": _f(icc["estimate"].iloc[0])} if len(icc) else {}
        if "n_clusters" in icc.columns and len(icc):
            out["n_clusters"] = _i(icc["n_clusters"].iloc[0])
        kinds = [k for k in dict.fromkeys(m["kind"].dropna().astype(str)) if k != "icc"]
        if kinds:
            out["model"] = kinds[0]
        return out
    out = {}
    for col in ("icc", "icc1", "model"):
        if col in m.columns and m[col].notna().any():
            v = m[col].dropna().iloc[0]
            out[col] = _f(v) if col != "model" else str(v)
    return out


def index_block(inp: RegionInputs, idx: str, lang: str, min_cell: int, alpha: float,
                compliance: dict | None) -> dict:
    spec = load_spec(inp.study.option("indices_options", "specs", idx, default=idx))
    sc_all = inp.scores[idx]
    waves = _waves(sc_all)
    wave = waves[-1]
    sc = _wave_rows(sc_all, wave)
    block = {"id": idx, "name": spec.name.get(lang) or spec.name.get("en") or idx,
             "wave": _wave_value(wave), "waves": [_wave_value(w) for w in waves],
             "scale": {"min": _f(spec.scale[0]) if spec.scale else None,
                       "max": _f(bounds(spec.root, spec.scale)[1])}}
    block.update(_overall_and_areas(inp, idx, spec, lang, wave, sc))
    block["category"], block["category_label"] = _band(spec, block["overall"])
    block["bands"] = [{"id": b.id, "min": b.min, "max": b.max, "label": b.label_id if lang == "id" else b.label_en}
                      for b in spec.bands]
    block["category_label"] = next((b["label"] for b in block["bands"] if b["id"] == block["category"]), None)
    block["previous"] = _previous(inp, idx, spec, waves, wave, alpha)
    if block["previous"]:
        p = block["previous"]
        if p["change"] is None and block["overall"] is not None and p["overall"] is not None:
            p["change"] = block["overall"] - p["overall"]
        p["category_label"] = next((b["label"] for b in block["bands"] if b["id"] == p["category"]), None)
    valid = sc[sc["overall"].notna()]
    block["n"] = {"respondents": len(valid), "units": int(valid["unit_id"].nunique()),
                  "unit_types": int(valid["unit_type"].nunique())}
    areas = {c: a["share_of_max"] for c, a in block["areas"].items() if a["share_of_max"] is not None}
    block["strongest_area"] = max(areas, key=areas.get) if areas else None
    block["weakest_area"] = min(areas, key=areas.get) if areas else None
    block["category_shares"] = _category_shares(inp, idx, wave)
    block["components"] = list(spec.components)  # reading order (results.json sorts keys)
    block["unit_types"] = _unit_types(inp, idx, spec, lang, wave, sc, min_cell)
    block["unit_type_order"] = list(block["unit_types"])
    block["comparison"] = _comparison(inp, idx, alpha, block["unit_types"])
    block["comparison"]["areas_significant"] = [c for c, o in block["comparison"]["omnibus"].items()
                                                if o["significant"] and c != "overall"]
    block["model"] = _models(inp, idx)
    block["priority_units"] = _priority_units(inp, idx, wave, sc, min_cell, block["overall"], inp.unit_names,
                                              unit_type_labels(lang))
    block["gaps"] = _gaps(inp, idx, sc, min_cell, alpha, scores_waves=len(waves))
    block["gap_order"] = list(block["gaps"])
    block["training"] = _training(spec, block["unit_types"], compliance, lang)
    block["reliability"] = _reliability(inp, idx)
    block["response"] = _response(inp, idx, wave)
    block["weighted"] = bool(sc["weight"].notna().any()) if "weight" in sc.columns else False
    block["points"] = spec.is_points()
    block["by_construction"] = _defining_fields(spec)
    block["disclosures"] = disclosures(spec, lang)
    block["assumptions"] = _assumptions(spec, lang)
    block["assumed_components"] = [a["about"] for a in spec.assumptions if a.get("about") in spec.components]
    return block


def _defining_fields(spec: IndexSpec) -> dict[str, str]:
    """Demographic factors a component is scored from directly (IP ASN Kualifikasi
    is a lookup of ``education``): a gap by such a factor is true by construction,
    not a finding. ``{factor: component id}``."""
    out = {}
    for comp in spec.root.children:
        for n in comp.walk():
            if n.points and n.points.get("field") in DEMOGRAPHICS:
                out[n.points["field"]] = comp.id
    return out


def _assumptions(spec: IndexSpec, lang: str) -> list[str]:
    """The spec's disclosed assumptions (``helpers.indices.disclosures``), each
    prefixed with the component's label instead of its id, for the methods note."""
    out = []
    for a, text in zip(spec.assumptions, disclosures(spec, lang)):
        about = str(a.get("about", ""))
        text = text[len(about) + 2:] if text.startswith(about + ": ") else text
        try:
            about = _label(spec, about, lang)
        except KeyError:
            about = {"categories": "Kategori" if lang == "id" else "Categories"}.get(about, about)
        out.append(f"{about}: {text}")
    return out


# ----------------------------------------------------------------------------- region level

def _compliance(inp: RegionInputs, min_cell: int) -> dict | None:
    c = inp.table("compliance_20jp")
    if c.empty:
        return None
    c = _wave_rows(c, _waves(c)[-1])
    reg = c[c["level"] == "region"]
    if reg.empty:
        return None
    r = reg.iloc[0]
    uts = {str(g["group"]): {"n": _i(g["n"]), "share": _f(g["share"]), "ci_low": _f(g["ci_low"]),
                             "ci_high": _f(g["ci_high"])}
           for g in c[c["level"] == "unit_type"].to_dict("records")}
    for v in uts.values():
        v["suppressed"] = (v["n"] or 0) < min_cell
        if v["suppressed"]:
            v.update(share=None, ci_low=None, ci_high=None)
    return {"n": _i(r["n"]), "n_compliant": _i(r["n_compliant"]), "share": _f(r["share"]),
            "ci_low": _f(r["ci_low"]), "ci_high": _f(r["ci_high"]), "threshold_jp": _f(r["threshold_jp"]),
            "unit_types": uts}


def _data_quality(inp: RegionInputs, min_cell: int) -> dict:
    files = (inp.cleaning or {}).get("files", {})
    mine = [s.file for s in inp.study.sources if s.region == inp.region]
    shared = [s.file for s in inp.study.sources if s.region is None]
    raw = kept = rejected = 0
    reasons: dict[str, int] = {}
    used = []
    for f in mine + shared:
        s = files.get(f)
        if not s:
            continue
        used.append(f)
        raw += int(s.get("raw_rows", 0))
        kept += int(s.get("kept", 0))
        rejected += int(s.get("rejected", 0))
        for k, v in (s.get("rejected_by_rule") or {}).items():
            if v:
                reasons[k] = reasons.get(k, 0) + int(v)
    return {"files": used, "shared_files": [f for f in shared if f in used], "raw": raw, "clean": kept,
            "rejected": rejected, "rejected_by_reason": dict(sorted(reasons.items(), key=lambda kv: -kv[1])),
            "available": bool(used)}


def headline_index(study: Study, region: str, available: list[str]) -> str:
    """``report.headline`` of the study file (an index id, or a dict region -> id),
    else the first of the study's indices that the region has."""
    opt = study.option("report", "headline", default=None)
    if isinstance(opt, dict):
        opt = opt.get(region)
    return opt if opt in available else available[0]


def build_results(study: Study | str | Path, region: str, lang: str = "id", min_cell: int = 5,
                  alpha: float = 0.05, index: str | None = None) -> dict:
    """The ``results.json`` document of one region's brief (see the module docstring).
    ``index`` picks the headline index (default: the study's ``report.headline``,
    else the first index the region has)."""
    if lang not in ("id", "en"):
        from ..errors import InputError

        raise InputError("unknown brief language", column="lang", expected="id or en", found=lang)
    study = as_study(study)
    inp = load_region(study, region)
    reg = study.region(region)
    compliance = suppress_small_compliance(_compliance(inp, int(min_cell)), int(min_cell))
    available = [i for i in study.indices if i in inp.scores]
    blocks = {i: index_block(inp, i, lang, int(min_cell), float(alpha), compliance) for i in available}
    # a region below the minimum cell size publishes no statistic of its own (disclosure control)
    blocks = {i: suppress_small_region(b, int(min_cell), lang) for i, b in blocks.items()}
    if index and index not in available:
        from ..errors import InputError

        raise InputError(f"region {region!r} has no scores for the requested headline index",
                         column="index", expected=" or ".join(available), found=index)
    head = index or headline_index(study, region, available)
    hb = blocks[head]
    return {
        "meta": {"study": study.id, "study_title": study.title, "synthetic": bool(study.option("synthetic", default=False)),
                 "region": region, "region_name": reg.name, "province": reg.province, "kind": reg.kind,
                 "lang": lang, "min_cell": int(min_cell), "alpha": float(alpha), "headline_index": head,
                 "indices": available, "input_fingerprint": input_fingerprint(study)},
        "index": hb,
        "indices": blocks,
        "n": dict(hb["n"]),
        "comparison": hb["comparison"]["by_unit_type"],
        "compliance_20jp": compliance,
        "data_quality": {**_data_quality(inp, min_cell), "response_rate": hb["response"].get("rate")},
        # every assumption of every reported index (e.g. the IP ASN Kompetensi point table)
        "assumptions": {i: b["disclosures"] for i, b in blocks.items()},
    }
