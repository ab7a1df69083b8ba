"""The cross-sectional comparisons of one region x index frame: every component
by every factor, the primary test with units as the replication level beside the
respondent-level tests, group means from the finite-population design."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..design import DesignSpec, design_subset, structural_design, workforce_design
from ..errors import InputError
from ..stats import compare_groups
from ..stats.clustered import MIN_UNITS, design_comparison, type_comparison
from ..stats.reliability import icc1
from .columns import COVARIATES, DESIGN_COLUMNS, FACTORS, UNIT_LEVEL_FACTORS
from .frame import components


def compare_frame(scores: pd.DataFrame, index: str, region_id: str, factors=None, min_n: int = 5,
                  alpha: float = 0.05, mixed_factors=("unit_type",), covariates=COVARIATES,
                  design: DesignSpec | None = None, strata: str | None = None,
                  min_units: int = MIN_UNITS, pairs: bool = True) -> list:
    """All comparisons of one region's scores: a list of ((region, index, component, factor), Comparison).

    Primary (``frame = units_replication``): for unit type, the random-intercept
    model's EMM Wald F and EMM contrasts (types with fewer than ``min_units``
    units flagged, not tested); for the other factors (and regions, ``strata =
    "region_id"``), the design-based Wald F and contrasts with units as PSUs.
    Respondent-level tests (ANOVA, Welch, Kruskal, Tukey, Games-Howell, Dunn)
    stay as ``respondent_sensitivity`` rows. Group means and CIs are the
    finite-population design's domain estimates (``frame = finite_population``).
    ``pairs=False``: the omnibus tests without post-hoc pairs (each result's notes say so)."""
    factors = factors or {f: lab for f, lab in FACTORS.items() if f in scores.columns}
    covs = [c for c in covariates if c in scores.columns]
    # only the columns a comparison reads: every test copies and filters its frame,
    # and a text column such as respondent_id (one string per row) was most of that
    used = {*components(scores), *factors, *covs, *DESIGN_COLUMNS, *([strata] if strata else [])}
    scores = _coded(scores[[c for c in scores.columns if c in used]])
    out = []
    weights = "weight" if "weight" in scores and scores["weight"].notna().any() else None
    design = design or DesignSpec()
    wdes = workforce_design(scores, design) if weights else None
    sdes = structural_design(scores, strata=strata) if weights else None
    comps = components(scores)
    # domain estimates of every component by every factor, one pass per factor
    by = {f: _estimates_by_component(*wdes._by_many_arrays(comps, f)) for f in factors} if wdes is not None else {}
    # each factor's and the units' codes, once (every comparison counts units per group)
    codes = {c: _codes(scores[c]) for c in [*factors, "unit_id"]}
    for comp in comps:
        icc = _icc(scores, comp)  # one per component: the same for every factor without missing values
        for factor, label in factors.items():
            use_mixed = factor in mixed_factors
            res = compare_groups(scores, comp, factor, cluster="unit_id", weights=weights,
                                 covariates=[c for c in covs if c != factor] if use_mixed else None,
                                 min_n=min_n, alpha=alpha, mixed=use_mixed, label=label,
                                 describe_ci=wdes is None,  # the design supplies the intervals
                                 reading=False,  # tables() writes it from the adjusted p
                                 icc=icc, normality=False,  # not reported by stage 03
                                 pairs=pairs)
            _primary(res, scores, comp, factor, sdes, min_units, pairs)
            if not pairs:
                res.notes.append("groups not compared pair by pair (too many pairs)")
            if factor in by:
                _design_descriptives(res, by[factor].get(comp, _NO_ESTIMATES), scores, comp, factor,
                                     codes=(codes[factor], codes["unit_id"]))
            out.append(((region_id, index, comp, factor), res))
    return out


def _coded(scores: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text column (unit ids, sex, position, status, cells) as a
    categorical of its sorted labels: each of the ~30 tests per component filters
    and copies the frame, and a pyarrow string column is re-encoded at every filter
    (a third of stage 03's time). Sorted categories keep every group order as it
    was (sorted labels) and the values are the same text."""
    text = [c for c in scores.columns if not isinstance(scores[c].dtype, pd.CategoricalDtype)
            and not pd.api.types.is_numeric_dtype(scores[c])]
    if not text:
        return scores
    return scores.assign(**{c: pd.Categorical(scores[c]) for c in text})


def _icc(scores: pd.DataFrame, comp: str) -> pd.DataFrame | None:
    """ICC(1) of ``comp`` by unit over the rows with a score, or None when it cannot
    be computed (then each comparison computes it and notes why not)."""
    # the units as their codes (NaN where missing): icc1 numbers the clusters in order of
    # appearance either way, and a categorical's labels were made into objects for it
    y = scores[comp].to_numpy(float)
    u = _codes(scores["unit_id"]).astype(float)
    ok = ~np.isnan(y)
    d = pd.DataFrame({comp: y[ok], "unit_id": np.where(u[ok] >= 0, u[ok], np.nan)})
    try:
        return icc1(d, comp, "unit_id")
    except InputError:
        return None


def _primary(res, scores: pd.DataFrame, comp: str, factor: str, sdes, min_units: int, pairs: bool = True) -> None:
    """Mark the respondent-level tests as sensitivity rows and add the primary test
    (without survey weights no design exists: the respondent-level test stays
    primary, and the note says so)."""
    om, ph = res.omnibus, res.posthoc

    def mark(primary_om=None, primary_ph=None, primary=False) -> None:
        # the respondent-level rows are sensitivity rows; the primary test's rows are
        # appended, and the two columns are set once over the whole frame
        r = np.full(len(om), primary) if primary is not True else om["primary"].to_numpy()
        if primary_om is None:
            res.omnibus = om.assign(primary=r, frame="respondent_sensitivity")
            res.posthoc = ph.assign(frame="respondent_sensitivity")
            return
        # the stacked frames are new: their columns are set in place (assign copied them)
        res.omnibus = pd.concat([om, primary_om], ignore_index=True)
        res.omnibus["primary"] = np.r_[r, np.ones(len(primary_om), bool)]
        res.omnibus["frame"] = ["respondent_sensitivity"] * len(om) + ["units_replication"] * len(primary_om)
        if primary_ph is not None:
            res.posthoc = pd.concat([ph, primary_ph], ignore_index=True)
            res.posthoc["frame"] = ["respondent_sensitivity"] * len(ph) + ["units_replication"] * len(primary_ph)
        else:
            res.posthoc = ph.assign(frame="respondent_sensitivity")

    if not res.ok:
        return mark()

    def keep_respondent_test(why: str) -> None:
        res.notes.append(f"units-as-replication test not possible ({why}); the respondent-level test is shown")
        mark(primary="primary" in om or False)

    f = scores[factor]
    keep = scores[comp].notna().to_numpy() & f.notna().to_numpy()
    if res.excluded:
        if isinstance(f.dtype, pd.CategoricalDtype):  # the excluded labels' codes, not every row as text
            out = np.flatnonzero(np.isin(np.asarray([str(c) for c in f.cat.categories], dtype=object),
                                         res.excluded))
            keep &= ~np.isin(f.cat.codes.to_numpy(), out)
        else:
            keep &= ~f.astype(str).isin(res.excluded).to_numpy()
    # the columns the primary tests read, then the rows (a row filter moves every column)
    d = scores[list(dict.fromkeys([comp, factor, "unit_id", *(["weight"] if "weight" in scores else [])]))]
    d = d.iloc[np.flatnonzero(keep)]
    try:
        if factor in UNIT_LEVEL_FACTORS:
            p = type_comparison(d, comp, factor, "unit_id", min_units=min_units)
            emm = p["emm"][p["emm"]["tested"]]
            res.primary_means = emm.rename(columns={"emm": "mean"})[["group", "mean"]]
            res.model_emm = p["emm"]
            if p["fit"].doubtful:
                res.notes.extend(p["fit"].notes)
        elif sdes is not None:
            p = design_comparison(design_subset(sdes, d.index), d, comp, factor, pairs=pairs)
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
        return mark(pd.DataFrame([{"test": "none"}]))
    mark(p["omnibus"], p["posthoc"])


_EST_COLUMNS = ("estimate", "se", "ci_low", "ci_high", "df", "deff")
_NO_ESTIMATES = ({}, {c: np.empty(0) for c in _EST_COLUMNS})


def _estimates_by_component(names: list, groups: list, est: dict) -> dict:
    """{component: ({group: row}, {column: values})} of the design's domain means of
    every component by one factor (:func:`helpers.design.design_by` as arrays, from
    ``SurveyDesign._by_many_arrays``): what each component x factor reads, split once
    (a frame per component, and a selection of it per column, cost more than the lookups)."""
    var = np.asarray(names, dtype=object)
    groups = np.asarray(groups, dtype=object)
    vals = {c: np.asarray(est[c], dtype=float) for c in _EST_COLUMNS}
    out = {}
    for comp in dict.fromkeys(var):
        at = np.flatnonzero(var == comp)
        out[comp] = ({g: i for i, g in enumerate(groups[at])}, {c: v[at] for c, v in vals.items()})
    return out


def _design_descriptives(res, est: tuple, scores: pd.DataFrame, comp: str, factor: str, codes=None) -> None:
    """Group means and CIs from the finite-population design (``est``: its domain
    estimates of ``comp``, as :func:`_estimates_by_component`), beside the unweighted
    respondent means (``codes``: the factor's and the units' codes, when known)."""
    desc = res.descriptives
    if desc is None or desc.empty:
        return
    # the new columns gathered and set in one construction: a column set on a small
    # frame cost ~2 ms (a region sets ~3,000)
    key = [str(g) for g in desc["group"]]
    cols = {c: desc[c].array for c in desc.columns}  # arrays: no alignment in the construction
    cols["mean_unweighted"] = desc["mean"].array
    pos, vals = est
    at = np.fromiter((pos.get(k, -1) for k in key), dtype=np.intp, count=len(key))  # one lookup for the six
    for col in _EST_COLUMNS:
        v = vals[col]
        cols["mean" if col == "estimate" else col] = (
            v[at] if len(v) and (at >= 0).all() else np.where(at >= 0, np.r_[v, np.nan][at], np.nan))
    cols["frame"] = "finite_population"
    units = _units_per_group(scores, comp, factor, *(codes or ()))
    n_units = [units.get(k) for k in key]
    # as Series.map of the dict: integers, or floats with NaN for a group not counted
    cols["n_units"] = (np.asarray(n_units, dtype=np.int64) if None not in n_units
                       else np.asarray([np.nan if u is None else u for u in n_units], dtype=float))
    untested = set(res.untested)
    cols["tested"] = np.asarray([k not in untested and bool(res.ok) for k in key], dtype=bool)
    if res.model_emm is not None:
        m = res.model_emm
        at = pd.Index(m["group"]).get_indexer(pd.Index(key, dtype=object))  # -1 (not fitted) picks the NaN appended
        for col, src in (("model_emm", "emm"), ("model_emm_ci_low", "ci_low"), ("model_emm_ci_high", "ci_high")):
            cols[col] = np.r_[m[src].to_numpy(float), np.nan][at]
    res.descriptives = pd.DataFrame(cols, index=desc.index)


def _codes(s: pd.Series) -> np.ndarray:
    """Integer codes of a column, -1 where missing."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.codes.to_numpy().astype(np.int64)
    return pd.factorize(s.to_numpy())[0].astype(np.int64)


def _units_per_group(scores: pd.DataFrame, comp: str, factor: str, g: np.ndarray | None = None,
                     u: np.ndarray | None = None) -> dict:
    """{group as text: distinct units among the rows with a ``comp`` score}, over the
    groups present in those rows (a groupby ``nunique``: a group whose rows all lack
    a unit counts 0). ``g``, ``u``: :func:`_codes` of the factor and the units, if known."""
    g = _codes(scores[factor]) if g is None else g
    u = _codes(scores["unit_id"]) if u is None else u
    ok = scores[comp].notna().to_numpy() & (g >= 0)
    g, u = g[ok], u[ok]
    seen = np.unique(g)
    has = u >= 0
    m = int(u.max()) + 1 if has.any() else 1
    pairs = np.unique(g[has] * m + u[has])
    count = np.bincount(pairs // m, minlength=int(seen.max()) + 1 if len(seen) else 0)
    f = scores[factor]
    labels = (f.cat.categories if isinstance(f.dtype, pd.CategoricalDtype)
              else pd.factorize(f.to_numpy())[1])
    return {str(labels[c]): int(count[c]) for c in seen}
