"""Change between two waves whose respondents overlap, linked by pseudonym.

The change of the workforce mean, Delta = m_after - m_before (each a weighted
mean of its wave), mixes the within-person change of those who answered both
waves with turnover (people who answered only one wave). Its variance must
account for the overlap: the same people appear in both means. With u_r,i =
w_r,i (y_r,i - m_r) / W_r the linearised (influence) value of person i in wave
r (0 when absent), the change's influence is D_i = u_after,i - u_before,i, and

    Var(Delta) = sum_h n_h / (n_h - 1) sum_{i in h} (D_i - Dbar_h)^2,

the stratified with-replacement variance of the total of D over persons, strata
= the person's unit (the later wave's unit, or the earlier one for those who
answered only then) x response pattern (both waves, only the later, only the
earlier); df = persons - strata. Without overlap this is exactly the sum of
the two waves' own stratified variances; with complete overlap, the paired
variance. The covariance of the two waves'
means enters through the persons in both (Kish 1965, 12.4; Berger 2004, Journal
of Official Statistics 20:573-591, on overlapping samples). No finite population
correction is applied: the two waves' populations differ (turnover), so this is
conservative where response is high.

Decomposition (every piece a difference of weighted means with the same
linearisation): ``within_person`` = mean over the linked of (y_after - y_before)
(weights of the later wave); ``turnover`` = mean of those only in the later
wave minus mean of those only in the earlier wave ("only" refers to
*respondents*: a person who skipped one wave counts as a newcomer or leaver of
the respondent set, not necessarily of the workforce).

Example
-------
>>> linked_change(scores, "overall", "wave", "respondent_id", "unit_id", "weight")  # doctest: +SKIP
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from ..errors import InputError

__all__ = ["LINKED_COLUMNS", "linked_change"]

LINKED_COLUMNS = ["measure", "estimate", "se", "df", "statistic", "p", "ci_low", "ci_high", "mean_after",
                  "mean_before", "n_after", "n_before", "n_linked", "correlation"]


def linked_change(df: pd.DataFrame, dv: str, wave: str, person: str, unit: str, weights: str | None = None,
                  before=None, after=None, conf: float = 0.95) -> pd.DataFrame:
    """Workforce change, within-person change and turnover effect between two waves.

    Returns one row per ``measure`` (``workforce``, ``within_person``,
    ``turnover``) with ``LINKED_COLUMNS``; ``correlation`` is the Pearson r of
    the linked persons' scores (how much the overlap matters).
    """
    for c in [dv, wave, person, unit] + ([weights] if weights else []):
        if c not in df.columns:
            raise InputError("linked_change: column not found", column=c, expected="a column of the data")
    d = df[[dv, wave, person, unit] + ([weights] if weights else [])].copy()
    d = d[d[dv].notna() & d[person].notna()]
    waves = sorted(d[wave].dropna().unique())
    before = waves[-2] if before is None and len(waves) >= 2 else before
    after = waves[-1] if after is None and waves else after
    if before is None or after is None or before == after:
        raise InputError("linked_change needs two waves", column=wave, expected="two distinct waves")
    d["_w"] = d[weights].astype(float) if weights else 1.0
    d = d[d["_w"].notna() & (d["_w"] > 0)]
    a = d[d[wave] == after].drop_duplicates(person).set_index(person)
    b = d[d[wave] == before].drop_duplicates(person).set_index(person)
    if a.empty or b.empty:
        raise InputError("linked_change: a wave has no respondents", column=wave,
                         expected=f"respondents in {before} and {after}")
    ids = a.index.union(b.index)
    p = pd.DataFrame(index=ids)
    p["ya"], p["wa"] = a[dv].astype(float), a["_w"]
    p["yb"], p["wb"] = b[dv].astype(float), b["_w"]
    # strata: unit x response pattern, so that without overlap the variance is exactly
    # the two waves' own stratified variances, and with full overlap the paired one
    pattern = np.where(p["ya"].notna() & p["yb"].notna(), "both", np.where(p["ya"].notna(), "after", "before"))
    unit_of = a[unit].astype(str).reindex(ids).fillna(b[unit].astype(str).reindex(ids))
    p["h"] = unit_of + "|" + pattern
    p[["wa", "wb"]] = p[["wa", "wb"]].fillna(0.0)
    both = p["ya"].notna() & p["yb"].notna()
    only_a = p["ya"].notna() & p["yb"].isna()
    only_b = p["yb"].notna() & p["ya"].isna()

    def influence(mask, y, w):
        ww = np.where(mask, w, 0.0)
        tot = ww.sum()
        m = np.nansum(ww * np.nan_to_num(y)) / tot if tot > 0 else np.nan
        return m, np.where(mask, ww * (np.nan_to_num(y) - m) / tot, 0.0) if tot > 0 else np.zeros(len(y))

    ya, yb, wa, wb = p["ya"].to_numpy(), p["yb"].to_numpy(), p["wa"].to_numpy(), p["wb"].to_numpy()
    ma, ua = influence(p["ya"].notna().to_numpy(), ya, wa)
    mb, ub = influence(p["yb"].notna().to_numpy(), yb, wb)
    mw, uw = influence(both.to_numpy(), np.where(both, ya - yb, np.nan), wa)
    mwa, _ = influence(both.to_numpy(), ya, wa)
    mwb, _ = influence(both.to_numpy(), yb, wa)
    mn, un = influence(only_a.to_numpy(), ya, wa)
    ml, ul = influence(only_b.to_numpy(), yb, wb)
    h = p["h"].to_numpy()
    n_strata = len(pd.unique(h))
    dof = float(len(p) - n_strata)
    tq = sps.t.ppf(0.5 + conf / 2, dof) if dof > 0 else np.nan
    r = float(np.corrcoef(ya[both], yb[both])[0, 1]) if both.sum() > 2 else np.nan
    rows = []
    for measure, est, infl, m_a, m_b, n_a, n_b in (
            ("workforce", ma - mb, ua - ub, ma, mb, int(p["ya"].notna().sum()), int(p["yb"].notna().sum())),
            ("within_person", mw, uw, mwa, mwb, int(both.sum()), int(both.sum())),
            ("turnover", mn - ml, un - ul, mn, ml, int(only_a.sum()), int(only_b.sum()))):
        se = _stratified_se(infl, h)
        ok = np.isfinite(est) and se > 0
        t = est / se if ok else np.nan
        rows.append({"measure": measure, "estimate": est, "se": se if ok else np.nan, "df": dof,
                     "statistic": t, "p": float(2 * sps.t.sf(abs(t), dof)) if ok else np.nan,
                     "ci_low": est - tq * se if ok else np.nan, "ci_high": est + tq * se if ok else np.nan,
                     "mean_after": m_a, "mean_before": m_b, "n_after": n_a, "n_before": n_b,
                     "n_linked": int(both.sum()), "correlation": r})
    return pd.DataFrame(rows, columns=LINKED_COLUMNS)


def _stratified_se(z: np.ndarray, strata: np.ndarray) -> float:
    """SE of the total of influence values z, strata with replacement; a stratum
    with one person contributes its deviation from the overall mean (R's
    ``survey.lonely.psu = "adjust"``)."""
    from .survey import SurveyDesign

    frame = pd.DataFrame({"z": z, "h": strata})
    des = SurveyDesign(frame, strata="h", lonely_psu="adjust")
    return float(des.total("z")["se"].iloc[0])
