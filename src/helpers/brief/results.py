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

import math
from pathlib import Path

import numpy as np
import pandas as pd

from .. import catalog
from ..design import FRAMES, design_spec
from ..indices.engine import categorise
from ..indices.spec import IndexSpec, bounds, disclosures, study_spec
from ..stats.clustered import MIN_UNITS
from ..study import Study
from ..vocabulary import AGE_LABELS, EDUCATION, POSTHOC_FOR, unit_types
from .disclosure import suppress, suppress_small_compliance, suppress_small_region
from .inputs import RegionInputs, as_study, load_region

DEMOGRAPHICS = ("sex", "age_band", "education", "position_type", "status")
N_PRIORITY = 5
MIN_GAP_N = 30  # a demographic gap is read only between groups at least this large (report.min_gap_n)


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


def input_fingerprint(study: Study) -> str:
    """First 16 hex of SHA-256 over the SHA-256 of every raw input (the same
    hashes ``manifest.json`` lists), so a reader can tie the brief to its data."""
    from .. import provenance

    return provenance.input_fingerprint(provenance.input_hashes(study))


# ----------------------------------------------------------------------------- per index

def _agg(inp: RegionInputs, idx: str, level: str, wave) -> pd.DataFrame:
    a = inp.table("aggregates")
    if a.empty:
        return a
    a = a[(a["index"] == idx) & (a["level"] == level)]
    return _wave_rows(a, wave)


def _estimate(row) -> dict:
    """An estimate with what a reviewer needs: n, mean, SE, CI, df, design effect, frame."""
    return {"n": _i(row.get("n")), "mean": _f(row.get("mean")), "se": _f(row.get("se")),
            "ci_low": _f(row.get("ci_low")), "ci_high": _f(row.get("ci_high")), "df": _f(row.get("df")),
            "deff": _f(row.get("deff")), "mean_unweighted": _f(row.get("mean_unweighted")),
            "frame": row.get("frame") if isinstance(row.get("frame"), str) else None}


def _overall_and_areas(inp, idx, spec, lang, wave) -> dict:
    comps = ["overall", *spec.components]
    reg = _agg(inp, idx, "region", wave)
    if reg.empty:
        from ..errors import InputError

        raise InputError("aggregates.parquet has no region rows for this index and wave: rerun stage 02",
                         file=catalog.path(inp.study, "aggregates"), column="index",
                         expected=f"{idx} rows for wave {wave}")
    reg = reg.set_index("component")
    rows = {c: _estimate(reg.loc[c]) for c in comps if c in reg.index}
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
        areas[c] = {"label": _label(spec, c, lang), **r, "max": _f(hi),
                    "share_of_max": None if m is None or hi == lo else (m - lo) / (hi - lo),
                    "target": targets.get(c, (None, None))[0],
                    "achievement_pct": targets.get(c, (None, None))[1]}
    o = rows.get("overall", {})
    return {"overall": o.get("mean"), "ci_low": o.get("ci_low"), "ci_high": o.get("ci_high"), "se": o.get("se"),
            "df": o.get("df"), "deff": o.get("deff"), "frame": o.get("frame"),
            "mean_unweighted": o.get("mean_unweighted"), "target": targets.get("overall", (None, None))[0],
            "achievement_pct": targets.get("overall", (None, None))[1], "areas": areas}


def _linked(inp, idx, test: str) -> dict | None:
    """Stage 03's linked-wave row ``test`` (``linked_change``, ``within_person``,
    ``turnover``) for the whole region, overall score."""
    ph = inp.table("compare_posthoc")
    if ph.empty:
        return None
    r = ph[(ph["index"] == idx) & (ph["factor"] == "wave") & (ph["component"] == "overall")
           & (ph["test"] == test) & (ph["subgroup"].fillna("") == "")]
    if r.empty:
        return None
    r = r.iloc[0]
    return {"estimate": _f(r["diff"]), "se": _f(r["se"]), "ci_low": _f(r["ci_low"]), "ci_high": _f(r["ci_high"]),
            "df": _f(r["df"]), "p": _f(r["p"])}


def _wave_test(inp, idx, alpha) -> dict | None:
    """Stage 03's primary test of the change (the linked workforce change), overall."""
    om = inp.table("compare_omnibus")
    if om.empty:
        return None
    om = om[(om["index"] == idx) & (om["factor"] == "wave") & (om["component"] == "overall")]
    om = om[om["primary"].fillna(False).astype(bool) & (om["test"].astype(str) != "none")]
    if om.empty:
        return None
    r = om.iloc[0]
    p = _f(r.get("p_adj")) if _f(r.get("p_adj")) is not None else _f(r.get("p"))
    return {"test": str(r["test"]), "statistic": _f(r.get("statistic")), "df1": _f(r.get("df1")),
            "p": _f(r.get("p")), "p_adj": _f(r.get("p_adj")), "n_linked": _i(r.get("n_clusters")),
            "family": None if pd.isna(r.get("family")) else str(r["family"]),
            "significant": bool(p is not None and p < alpha)}


def _previous(inp, idx, spec, waves, wave, alpha: float = 0.05) -> dict | None:
    """The previous wave of the region and the change since: the workforce change
    with respondents linked across waves (its CI accounts for the overlap), its
    within-person part and the turnover part (stage 03, ``helpers.stats.linked``).
    ``significant`` refers to ``change`` itself (the same test)."""
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
           "change": None, "change_se": None, "change_ci_low": None, "change_ci_high": None, "change_p": None,
           "significant": None, "test": None, "within_person": None, "turnover": None,
           "frame": "finite_population"}
    lc = _linked(inp, idx, "linked_change")
    test = _wave_test(inp, idx, alpha)
    if lc and test and test["test"] == "linked_change":
        out.update(change=lc["estimate"], change_se=lc["se"], change_ci_low=lc["ci_low"],
                   change_ci_high=lc["ci_high"], change_p=test["p_adj"], significant=test["significant"],
                   test=test, within_person=_linked(inp, idx, "within_person"),
                   turnover=_linked(inp, idx, "turnover"))
    return out


def _category_shares(inp, idx, wave) -> dict:
    cat = inp.table("categories")
    if cat.empty:
        return {}
    c = _wave_rows(cat[(cat["index"] == idx) & (cat["level"] == "region") & (cat["component"] == "overall")], wave)
    return {str(k): _f(v) for k, v in zip(c["category"], c["share"])}


def _unit_types(inp, idx, spec, lang, wave, sc, min_cell) -> dict:
    """Per unit type: the finite-population estimate (stage 02) and, from stage 03,
    whether the type could be tested with units as the replication level."""
    labels = unit_types(lang)
    agg = _agg(inp, idx, "unit_type", wave)
    if agg.empty:
        return {}
    agg = suppress(agg, min_cell)
    n_units = sc.groupby("unit_type")["unit_id"].nunique()
    desc = inp.table("compare_descriptives")
    if not desc.empty:
        desc = desc[(desc["index"] == idx) & (desc["factor"] == "unit_type") & (desc["component"] == "overall")
                    & (desc["subgroup"].fillna("") == "")].set_index("group")
    order = list(labels) + sorted(set(agg["group"]) - set(labels))
    by_type = {k: g.set_index("component") for k, g in agg.groupby("group", sort=False)}
    out = {}
    for ut in order:
        g = by_type.get(ut)
        if g is None or g.empty or "overall" not in g.index:
            continue
        o = g.loc["overall"]
        sup = bool(o["suppressed"])
        units = _i(n_units.get(ut, 0))
        row = {"label": labels.get(ut, ut), **_estimate(o), "units": units, "suppressed": sup,
               "areas": {c: _f(g.at[c, "mean"]) if c in g.index else None for c in spec.components},
               "tested": bool(not desc.empty and ut in desc.index and bool(desc.at[ut, "tested"])),
               "single_unit": units == 1}
        if sup:
            row.update(mean=None, ci_low=None, ci_high=None, se=None)
        if not sup and not desc.empty and ut in desc.index:
            row.update(emm=_f(desc.at[ut, "emm"]), emm_ci_low=_f(desc.at[ut, "emm_ci_low"]),
                       emm_ci_high=_f(desc.at[ut, "emm_ci_high"]))
        out[ut] = row
    return out


def _primary_tests(inp, idx) -> dict[str, list[dict]]:
    """Stage 03's primary tests of index ``idx`` (``compare_omnibus`` rows marked
    ``primary``) as records by factor, in the table's order: read once per brief,
    which asks for them once per factor and more for the unit types."""
    key = ("primary_tests", idx)
    if key not in inp.derived:
        om = inp.table("compare_omnibus")
        by: dict[str, list[dict]] = {}
        if not om.empty:
            om = om[(om["index"] == idx) & om["primary"].fillna(False).astype(bool)]
            for r in om.to_dict("records"):
                by.setdefault(r["factor"], []).append(r)
        inp.derived[key] = by
    return inp.derived[key]


def _omnibus(inp, idx, factor, alpha) -> dict:
    """The primary test of ``factor`` per component (stage 03 marks it): the
    first row of each component, components in the order they first appear."""
    out = {}
    seen = set()
    for r in _primary_tests(inp, idx).get(factor, []):
        comp = r["component"]
        if pd.isna(comp) or comp in seen:
            continue
        seen.add(comp)
        if str(r["test"]) == "none":  # too few groups / units: stage 03 says why in the note
            continue
        p = _f(r.get("p_adj")) if _f(r.get("p_adj")) is not None else _f(r.get("p"))
        out[str(comp)] = {"test": str(r["test"]), "statistic": _f(r["statistic"]), "df1": _f(r["df1"]),
                          "df2": _f(r["df2"]), "p": _f(r["p"]), "p_adj": _f(r.get("p_adj")),
                          "effect_name": None if pd.isna(r.get("effect_name")) else str(r["effect_name"]),
                          "effect_size": _f(r.get("effect_size")), "n": _i(r.get("n")), "k": _i(r.get("k")),
                          "n_clusters": _i(r.get("n_clusters")),
                          "frame": None if pd.isna(r.get("frame")) else str(r["frame"]),
                          "family": None if pd.isna(r.get("family")) else str(r["family"]),
                          "converged": None if pd.isna(r.get("converged")) else bool(r["converged"]),
                          "boundary": None if pd.isna(r.get("boundary")) else bool(r["boundary"]),
                          "significant": bool(p is not None and p < alpha)}
    return out


def _pairs(inp, idx, factor, component, alpha, unit_types: dict) -> list[dict]:
    """The post-hoc pairs of the primary test (EMM contrasts for unit types)."""
    ph = inp.table("compare_posthoc")
    omni = _omnibus(inp, idx, factor, alpha).get(component)
    if ph.empty or not omni:
        return []
    ph = ph[(ph["index"] == idx) & (ph["factor"] == factor) & (ph["component"] == component)
            & (ph["test"] == POSTHOC_FOR.get(omni["test"]))]
    shown = {k for k, v in unit_types.items() if not v["suppressed"]} if unit_types else None
    out = []
    for r in ph.to_dict("records"):
        a, b = str(r["group_a"]), str(r["group_b"])
        if shown is not None and (a not in shown or b not in shown):
            continue
        p = _f(r.get("p_adj")) if _f(r.get("p_adj")) is not None else _f(r.get("p"))
        out.append({"group_a": a, "group_b": b, "test": str(r["test"]), "diff": _f(r["diff"]), "se": _f(r["se"]),
                    "df": _f(r["df"]), "ci_low": _f(r["ci_low"]), "ci_high": _f(r["ci_high"]), "p_adj": p,
                    "effect_size": _f(r.get("effect_size")), "frame": r.get("frame"),
                    "significant": bool(p is not None and p < alpha)})
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
                       "units": v["units"], "tested": v["tested"], "higher_than": higher, "lower_than": lower}
    untested = [ut for ut, v in unit_types.items() if not v["suppressed"] and not v["tested"]]
    return {"available": bool(omni), "omnibus": omni, "pairs": pairs, "frame": "units_replication",
            "real_differences": [p for p in pairs if p["significant"]], "by_unit_type": by_type,
            "untested": untested, "min_units": MIN_UNITS}


def _pair_higher(p: dict, ut: str) -> bool:
    """Whether ``ut`` scores higher in a pair whose ``diff`` is mean(a) - mean(b)."""
    d = p["diff"] or 0.0
    return d > 0 if p["group_a"] == ut else d < 0


def _priority_units(inp, idx, wave, min_cell, names, ut_labels, k: int) -> dict:
    """The units ranked lowest on their empirical-Bayes (shrunken) scores, with
    90% rank intervals and P(among the lowest k); ``robust`` names only those
    robustly low. Each unit's finite-population mean and CI (fpc) beside."""
    ranks = inp.table("compare_units")
    out = {"k": k, "units": [], "robust": [], "method": "empirical_bayes", "robust_p": None}
    if ranks.empty:
        return out
    ranks = _wave_rows(ranks[(ranks["index"] == idx) & (ranks["component"] == "overall")], wave)
    agg = _agg(inp, idx, "unit", wave)
    agg = agg[agg["component"] == "overall"].set_index("group") if not agg.empty else agg
    shown = ranks[ranks["n"] >= min_cell].sort_values(["eb", "unit_id"]).head(k)
    for r in shown.to_dict("records"):
        u = str(r["unit_id"])
        a = agg.loc[u] if not agg.empty and u in agg.index else {}
        ut = str(r["unit_type"])
        out["units"].append({
            "unit_id": u, "unit": names.get(u, u), "unit_type": ut, "unit_type_label": ut_labels.get(ut, ut),
            "n": _i(r["n"]), "eb": _f(r["eb"]), "eb_se": _f(r["eb_se"]), "shrinkage": _f(r["shrinkage"]),
            "rank_median": _f(r["rank_median"]), "rank_low": _i(r["rank_low"]), "rank_high": _i(r["rank_high"]),
            "p_lowest_k": _f(r["p_lowest_k"]), "robust": bool(r["robust_lowest"]),
            "of": int(len(ranks)), **{key: (_estimate(a)[key] if len(a) else None)
                                       for key in ("mean", "se", "ci_low", "ci_high", "frame")}})
    out["robust"] = [u["unit_id"] for u in out["units"] if u["robust"]]
    return out


def _gaps(inp, idx, min_cell, alpha, min_gap_n: int) -> dict:
    """Per demographic factor: the finite-population group means (stage 03's
    descriptives, latest wave), the factor's primary design-based test, and the gap
    between the highest and lowest of the groups with at least ``min_gap_n``
    respondents (extreme small groups are shown, not read as the gap)."""
    desc = inp.table("compare_descriptives")
    if desc.empty:
        return {}
    desc = desc[(desc["index"] == idx) & (desc["component"] == "overall") & (desc["subgroup"].fillna("") == "")]
    out = {}
    for factor in DEMOGRAPHICS:
        d = desc[desc["factor"] == factor]
        if d["group"].nunique() < 2:
            continue
        order = {"age_band": AGE_LABELS, "education": EDUCATION}.get(factor)
        rows = d.to_dict("records")
        if order:
            rows.sort(key=lambda x: order.index(x["group"]) if x["group"] in order else 99)
        t = suppress(pd.DataFrame([{"group": str(x["group"]), **_estimate(x)} for x in rows]), min_cell)
        groups = {r["group"]: {**{k: r[k] for k in ("n", "mean", "se", "ci_low", "ci_high", "deff", "frame")},
                               "suppressed": bool(r["suppressed"])} for r in t.to_dict("records")}
        for g in groups.values():
            if g["suppressed"]:
                g.update(mean=None, se=None, ci_low=None, ci_high=None)
        readable = {g: v for g, v in groups.items() if not v["suppressed"] and (v["n"] or 0) >= min_gap_n}
        entry = {"groups": groups, "order": list(groups), "gap": None, "highest": None, "lowest": None,
                 "min_gap_n": min_gap_n}
        if len(readable) >= 2:
            hi = max(readable, key=lambda g: readable[g]["mean"])
            lo = min(readable, key=lambda g: readable[g]["mean"])
            entry.update(gap=readable[hi]["mean"] - readable[lo]["mean"], highest=hi, lowest=lo)
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


def _reliability(inp, idx, wave) -> dict:
    """Scale reliability of the brief's wave (each respondent counted once), with the
    cluster-bootstrap CI of alpha when stage 02 wrote one."""
    rel = inp.table("reliability")
    if rel.empty:
        return {}
    rel = rel[(rel["index"] == idx) & rel["item"].isna()]
    if "wave" in rel.columns:
        rel = _wave_rows(rel, wave)
    return {str(r["component"]): {"alpha": _f(r["alpha"]), "alpha_ci_low": _f(r.get("alpha_ci_low")),
                                  "alpha_ci_high": _f(r.get("alpha_ci_high")), "omega": _f(r.get("omega")),
                                  "n": _i(r["n"]), "ci_method": r.get("ci_method")}
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
    """ICC of the unit and the state of the unit-type model (overall score): its
    convergence and boundary flags come from the optimiser (stage 03)."""
    m = inp.table("compare_models")
    out = {}
    if not m.empty:
        m = m[(m["index"] == idx) & (m["component"] == "overall") & (m["factor"] == "unit_type")]
        icc = m[m["kind"] == "icc"]
        if len(icc):
            out.update(icc=_f(icc["estimate"].iloc[0]), n_clusters=_i(icc["n_clusters"].iloc[0]))
    om = inp.table("compare_omnibus")
    if not om.empty:
        r = om[(om["index"] == idx) & (om["factor"] == "unit_type") & (om["component"] == "overall")
               & (om["test"] == "mixed_emm")]
        if len(r):
            r = r.iloc[0]
            conv = None if pd.isna(r.get("converged")) else bool(r["converged"])
            bnd = None if pd.isna(r.get("boundary")) else bool(r["boundary"])
            out.update(model="mixed_emm", converged=conv, boundary=bnd, doubtful=bool(conv is False or bnd),
                       note=None if pd.isna(r.get("note")) else str(r["note"]))
    return out


def _uncertainty(inp, idx, wave, priority_units: list[dict]) -> dict:
    """Monte Carlo rank intervals and the input that moves the result most
    (``helpers.indices.uncertainty.brief_summary``; empty without stage 02's table)."""
    from ..indices.uncertainty import brief_summary

    unc = inp.table("uncertainty")
    if unc.empty:
        return {}
    return brief_summary(unc, inp.table("sensitivity_indices"), inp.region, idx, wave,
                         priority_units=[p["unit_id"] for p in priority_units])


def index_block(inp: RegionInputs, idx: str, lang: str, min_cell: int, alpha: float,
                compliance: dict | None) -> dict:
    spec = study_spec(inp.study, idx)
    sc_all = inp.scores[idx]
    waves = _waves(sc_all)
    wave = waves[-1]
    sc = _wave_rows(sc_all, wave)
    block = {"id": idx, "name": spec.name.get(lang) or spec.name.get("en") or idx,
             "wave": _wave_value(wave), "waves": [_wave_value(w) for w in waves],
             "scale": {"min": _f(spec.scale[0]) if spec.scale else None,
                       "max": _f(bounds(spec.root, spec.scale)[1])}}
    block.update(_overall_and_areas(inp, idx, spec, lang, wave))
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
    k = int(inp.study.option("report", "priority_units", default=N_PRIORITY))
    block["priority"] = _priority_units(inp, idx, wave, min_cell, inp.unit_names, unit_types(lang), k)
    block["priority_units"] = block["priority"]["units"]
    block["uncertainty"] = _uncertainty(inp, idx, wave, block["priority_units"])
    min_gap_n = int(inp.study.option("report", "min_gap_n", default=MIN_GAP_N))
    block["gaps"] = _gaps(inp, idx, min_cell, alpha, min_gap_n)
    block["gap_order"] = list(block["gaps"])
    block["training"] = _training(spec, block["unit_types"], compliance, lang)
    block["reliability"] = _reliability(inp, idx, wave)
    block["response"] = _response(inp, idx, wave)
    block["weighted"] = bool(sc["weight"].notna().any()) if "weight" in sc.columns else False
    block["design"] = design_spec(inp.study, wave).describe(lang)
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
                 "indices": available, "input_fingerprint": input_fingerprint(study),
                 "frames": FRAMES, "design": design_spec(study).describe(lang)},
        "index": hb,
        "indices": blocks,
        "n": dict(hb["n"]),
        "comparison": hb["comparison"]["by_unit_type"],
        "compliance_20jp": compliance,
        "data_quality": {**_data_quality(inp, min_cell), "response_rate": hb["response"].get("rate")},
        # every assumption of every reported index (e.g. the IP ASN Kompetensi point table)
        "assumptions": {i: b["disclosures"] for i, b in blocks.items()},
    }
