"""Comparisons with units as the replication level: the primary tests behind any
claim that unit types (or demographic groups, or regions) differ *as such*.

- :func:`type_comparison`: a group that is a property of the unit (unit type).
  Random-intercept model ``y ~ group + (1 | unit)`` (REML); omnibus Wald F of
  the estimated marginal means (EMMs) and pairwise EMM contrasts with Holm, on
  units - types degrees of freedom (:func:`helpers.stats.mixed.emm_wald`,
  :func:`~helpers.stats.mixed.emm_contrasts`). A group with fewer than
  ``min_units`` units is fitted (its units inform the variances) but not tested:
  with one unit, "the type" cannot be told apart from that unit's own effect.
- :func:`design_comparison`: a group that varies within units (sex, age band,
  education, ...) or a set of regions: the design-based Wald F test of equal
  domain means and the pairwise contrasts of a design whose primary sampling
  units are the work units (:meth:`helpers.stats.survey.SurveyDesign.compare`).

Both return the same tidy pieces: one omnibus row, post-hoc rows, and the groups
left untested with the reason.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .mixed import emm_contrasts, emm_wald, mixed_model

__all__ = ["MIN_UNITS", "design_comparison", "type_comparison"]

MIN_UNITS = 3  # a type with fewer units is shown and flagged, not tested as a type


def type_comparison(df: pd.DataFrame, dv: str, group: str, cluster: str, min_units: int = MIN_UNITS,
                    p_adjust: str = "holm") -> dict:
    """Compare a unit-level ``group`` with units as the replication level.

    Returns a dict: ``omnibus`` (one row: test ``mixed_emm``, F, df1, df2 = units -
    types, p, effect ``r2_group`` = share of the total model variance between the
    tested groups' EMMs), ``posthoc`` (test ``emm_contrast``: one row per pair of
    tested groups, ``p_adj`` Holm over those pairs), ``emm`` (every group, with
    ``n_clusters`` and ``tested``), ``untested`` ({group: reason}), ``fit``.

    Reference: Hox, Moerbeek & van de Schoot (2018) *Multilevel Analysis*, 3rd
    ed., ch. 3 (tests of level-2 predictors, df = clusters - level-2 parameters);
    Lenth (2016) emmeans, JSS 69(1).

    Example
    -------
    >>> res = type_comparison(scores, "overall", "unit_type", "unit_id")  # doctest: +SKIP
    >>> res["omnibus"], res["posthoc"]                                    # doctest: +SKIP
    """
    fit = mixed_model(df, dv, group, cluster)
    emm = fit.emm.copy()
    emm["group"] = emm["group"].astype(str)
    emm["tested"] = emm["n_clusters"] >= min_units
    untested = {g: f"{int(n)} unit(s) (< {min_units}): not tested as a type"
                for g, n in zip(emm["group"], emm["n_clusters"]) if n < min_units}
    levels = list(emm.loc[emm["tested"], "group"])
    w = emm_wald(fit, levels)
    between = float(np.var(emm.loc[emm["tested"], "emm"].to_numpy(float))) if len(levels) > 1 else np.nan
    total = float(fit.variance["variance"].sum())
    r2 = between / (between + total) if np.isfinite(between) and total > 0 else np.nan
    omnibus = pd.DataFrame([{"test": "mixed_emm", "statistic": w["statistic"], "df1": w["df1"],
                             "df2": w["df2"], "p": w["p"], "p_adj": w["p"], "effect_name": "r2_group",
                             "effect_size": r2, "n": fit.n, "k": w["k"], "n_clusters": fit.n_clusters,
                             "converged": fit.converged, "boundary": fit.boundary}])
    post = emm_contrasts(fit, levels, p_adjust=p_adjust)
    post.insert(0, "test", "emm_contrast")
    return {"omnibus": omnibus, "posthoc": post, "emm": emm, "untested": untested, "fit": fit}


def _n_distinct(s: pd.Series, ok: np.ndarray) -> int:
    """Distinct non-missing values of ``s`` in the rows ``ok`` (a categorical's codes,
    not its labels as objects)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        c = s.cat.codes.to_numpy()[ok]
        return int(np.count_nonzero(np.bincount(c[c >= 0], minlength=1)))
    v = s.to_numpy()[ok]
    return len(pd.unique(v[pd.notna(v)]))


def _codes_in_order(s: pd.Series, ok: np.ndarray) -> np.ndarray:
    """Codes of ``s`` in the rows ``ok``, numbered in order of appearance (as
    ``pd.factorize`` of the values; a categorical through its integer codes)."""
    v = s.cat.codes.to_numpy()[ok] if isinstance(s.dtype, pd.CategoricalDtype) else s.to_numpy()[ok]
    return pd.factorize(v)[0]


def design_comparison(design, frame: pd.DataFrame, dv: str, group: str, p_adjust: str = "holm",
                      pairs: bool = True) -> dict:
    """Design-based Wald F test and pairwise contrasts of the domain means of
    ``group`` (``design``: a :class:`~helpers.stats.survey.SurveyDesign` over
    ``frame``'s rows, e.g. :func:`helpers.design.structural_design`; domains are
    subpopulations: rows outside ``frame`` keep their PSUs in the variance).

    Effect ``eta2_w``: the weighted between-domain share of the weighted total
    sum of squares, sum_g W_g (m_g - m)^2 / sum_i w_i (y_i - m)^2.
    Returns ``omnibus`` (test ``svy_wald``: F = X2 / (k - 1) on (k - 1, PSUs -
    strata) df, Lumley 2010, 5.2), ``posthoc`` (test ``svy_contrast``, Holm; no
    rows with ``pairs=False``).
    """
    # the comparison's arrays, not its tables: this runs ~30 times a region
    cmp = design._compare_arrays(dv, group, p_adjust=p_adjust, pairs=pairs)
    X2, q, F, p, _ = cmp["wald"]
    ok = (frame[dv].notna() & frame[group].notna() & frame["weight"].notna()).to_numpy()
    y, w = frame[dv].to_numpy(float)[ok], frame["weight"].to_numpy(float)[ok]
    m = np.sum(w * y) / np.sum(w)
    # domain totals from bincounts over the group codes (a groupby of the labels as text
    # was most of this function's own time)
    codes = _codes_in_order(frame[group], ok)
    gw, gwy = np.bincount(codes, weights=w), np.bincount(codes, weights=w * y)
    between = float(np.sum(gw * (gwy / gw - m) ** 2))
    tot = float(np.sum(w * (y - m) ** 2))
    omnibus = pd.DataFrame([{"test": "svy_wald", "statistic": F, "df1": q,
                             "df2": cmp["df"], "p": p, "p_adj": p, "effect_name": "eta2_w",
                             "effect_size": between / tot if tot > 0 else np.nan, "n": int(ok.sum()),
                             "k": int(len(cmp["labels"])),
                             "n_clusters": _n_distinct(frame["unit_id"], ok)}])
    labels = np.asarray([str(v) for v in cmp["labels"]], dtype=object)
    pr = cmp["pairs"]
    contrasts = pd.DataFrame({"test": pd.array(["svy_contrast"] * len(cmp["ia"]), dtype="str"),
                              "group_a": pd.array(labels[cmp["ia"]], dtype="str"),
                              "group_b": pd.array(labels[cmp["ib"]], dtype="str"),
                              **{c: pr[c] for c in ("diff", "se", "statistic")},
                              "df": np.full(len(cmp["ia"]), pr["df"], dtype=float),
                              **{c: pr[c] for c in ("p", "p_adj", "ci_low", "ci_high")}})
    return {"omnibus": omnibus, "posthoc": contrasts, "untested": {}}
