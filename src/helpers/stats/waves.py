"""Change between two survey waves of the same units.

Two views of the same question, both respecting that respondents are nested in
units:

- design-based: each unit's mean in the earlier and the later wave, and a paired
  t test (and Wilcoxon signed-rank test) of the unit-level changes. Units are the
  independent observations, so the uncertainty includes every reason a unit's
  mean moves between waves (real change, staff turnover, sampling).
- model-based: a random-intercept mixed model ``y ~ wave (+ group + group:wave)
  + (1 | unit)`` on all respondents of both waves, which also uses units surveyed
  in one wave only. It assumes a unit's deviation is the same in both waves, so
  when units change unequally its standard error is too small; that is why the
  paired unit test is the primary test and the model is reported alongside.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as sps

from ..errors import InputError
from ._prep import group_order, p_adjust
from .compare_groups import DESC_COLUMNS, OMNIBUS_COLUMNS, descriptives
from .mixed import _independent_columns, _reml_random_intercept
from .posthoc import POSTHOC_COLUMNS, hedges_g
from .readings import not_possible, wave_reading

__all__ = ["WaveComparison", "compare_waves", "unit_change"]

ALL = ""  # subgroup label of the whole-region rows
CHANGE_COLUMNS = ["subgroup"] + POSTHOC_COLUMNS + ["n_units"]


@dataclass
class WaveComparison:
    """Result of :func:`compare_waves`; tables share the schemas of
    :class:`~helpers.stats.Comparison` plus a ``subgroup`` column."""

    dv: str
    wave: str
    cluster: str
    group: str | None
    before: object
    after: object
    descriptives: pd.DataFrame  # DESC_COLUMNS + subgroup; group = wave label
    omnibus: pd.DataFrame  # whole-region tests of the change (and the group x wave test)
    posthoc: pd.DataFrame  # CHANGE_COLUMNS: the change per subgroup, per method
    model: pd.DataFrame | None = None
    icc: pd.DataFrame | None = None
    notes: list = field(default_factory=list)
    excluded: list = field(default_factory=list)
    reading_id: str = ""
    reading_en: str = ""
    ok: bool = True

    @property
    def primary(self) -> pd.Series | None:
        if self.omnibus.empty or not self.omnibus["primary"].any():
            return None
        return self.omnibus[self.omnibus["primary"]].iloc[0]

    def make_reading(self, label=("jenis unit", "unit type"), alpha: float = 0.05,
                     p_col: str = "p_adj") -> tuple[str, str]:
        """(id, en) reading built from the omnibus rows (``p_col``) and the per-subgroup changes."""
        if not self.ok or self.primary is None:
            return self.reading_id, self.reading_en
        label = label or ("kelompok", "group")
        om = self.omnibus.set_index("test")
        mixed = om.loc["mixed_wave"] if "mixed_wave" in om.index else None
        inter = om.loc["mixed_wave_x_group"] if "mixed_wave_x_group" in om.index else None
        ph = self.posthoc[self.posthoc["test"] == self.primary["test"]]
        ch = ph[ph["subgroup"] != ALL]
        g = ph.loc[ph["subgroup"] == ALL, "hedges_g"]
        return wave_reading(self.before, self.after, self.primary, mixed, inter, ch, label,
                            g=float(g.iloc[0]) if len(g) else float("nan"), alpha=alpha, p_col=p_col)


def _unit_means(d: pd.DataFrame, dv: str, wave: str, cluster: str, before, after,
                min_unit_n: int) -> pd.DataFrame:
    """One row per unit surveyed in both waves with >= min_unit_n respondents each:
    mean_before, mean_after, n_before, n_after (units in their sorted / categorical
    order, as a groupby; from bincounts over the unit codes: a region has ~11 of these
    per component, and the groupby and its unstack cost more than the tests)."""
    c = d[cluster]
    if isinstance(c.dtype, pd.CategoricalDtype):
        codes, labels = c.cat.codes.to_numpy(), c.cat.categories
    else:
        codes, labels = pd.factorize(c.to_numpy(), sort=True)
    w, y = d[wave].to_numpy(), d[dv].to_numpy(float)
    ok = codes >= 0
    k = len(labels)
    sums = {}
    for name, wv in (("before", before), ("after", after)):
        sel = ok & (w == wv)
        n = np.bincount(codes[sel], minlength=k)
        with np.errstate(invalid="ignore", divide="ignore"):
            sums[name] = (n, np.bincount(codes[sel], weights=y[sel], minlength=k) / n)
    (n_b, m_b), (n_a, m_a) = sums["before"], sums["after"]
    if not (n_b > 0).any() or not (n_a > 0).any():  # a wave absent: no column to compare
        return pd.DataFrame(columns=["mean_before", "mean_after", "n_before", "n_after"])
    keep = (n_b > 0) & (n_a > 0) & (n_b >= min_unit_n) & (n_a >= min_unit_n) & ~np.isnan(m_b) & ~np.isnan(m_a)
    return pd.DataFrame({"mean_before": m_b[keep], "mean_after": m_a[keep], "n_before": n_b[keep].astype(float),
                         "n_after": n_a[keep].astype(float)},
                        index=(pd.CategoricalIndex(labels[keep], dtype=c.dtype, name=cluster)
                               if isinstance(c.dtype, pd.CategoricalDtype) else pd.Index(labels[keep], name=cluster)))


def _wave_moments(d: pd.DataFrame, dv: str, wave: str, before, after) -> dict:
    """{wave: (n, mean, variance)} of ``dv`` in the two waves (NaN for a wave with
    no rows), as ``groupby(wave)[dv].agg(["size", "mean", "var"])``."""
    w, y = d[wave].to_numpy(), d[dv].to_numpy(float)
    out = {}
    for wv in (before, after):
        v = y[w == wv]
        out[wv] = (float(len(v)) if len(v) else np.nan, float(v.mean()) if len(v) else np.nan,
                   float(v.var(ddof=1)) if len(v) > 1 else np.nan)
    return out


def _paired(diff: np.ndarray, conf: float) -> dict:
    """Paired t test and Wilcoxon signed-rank test of the differences ``diff``."""
    m = len(diff)
    mean, sd = float(np.mean(diff)), float(np.std(diff, ddof=1)) if m > 1 else np.nan
    se = sd / math.sqrt(m) if m > 1 else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        t = mean / se if se > 0 else np.nan
    p = float(2 * sps.t.sf(abs(t), m - 1)) if np.isfinite(t) else np.nan
    half = float(sps.t.ppf(0.5 + conf / 2, m - 1) * se) if m > 1 else np.nan
    out = {"m": m, "diff": mean, "sd": sd, "se": se, "t": t, "df": float(m - 1), "p": p,
           "ci_low": mean - half, "ci_high": mean + half,
           "d_z": mean / sd if sd and sd > 0 else np.nan, "w": np.nan, "p_w": np.nan, "rbc": np.nan}
    nz = diff[diff != 0]
    if len(nz) >= 2:
        r = sps.rankdata(np.abs(nz))
        w_plus = float(r[nz > 0].sum())
        # matched-pairs rank-biserial r = (W+ - W-) / (W+ + W-) (Kerby 2014)
        out["rbc"] = (2 * w_plus - r.sum()) / r.sum()
        ties = len(np.unique(np.abs(nz))) < len(nz)
        # as R wilcox.test: exact below 50 pairs without ties or zeros, else normal
        # approximation with continuity correction, zeros dropped
        exact = len(nz) < 50 and not ties and len(nz) == m
        res = sps.wilcoxon(nz, zero_method="wilcox", correction=not exact,
                           method="exact" if exact else "approx")
        out["w"], out["p_w"] = w_plus, float(res.pvalue)
    return out


def unit_change(df: pd.DataFrame, dv: str, wave: str, cluster: str, before=None, after=None,
                min_unit_n: int = 1, conf: float = 0.95) -> pd.DataFrame:
    """Paired comparison of unit means between two waves.

    For every unit j surveyed in both waves (>= ``min_unit_n`` respondents in each),
    d_j = mean_after_j - mean_before_j. Paired t test: t = dbar / (s_d / sqrt(m)),
    df = m - 1, CI dbar -+ t_{m-1} s_d / sqrt(m) (Student 1908; R ``t.test(paired = TRUE)``);
    effect size d_z = dbar / s_d (Cohen 1988, eq. 2.3.5). Wilcoxon signed-rank test
    of the d_j (zeros dropped; exact below 50 pairs without ties, else normal with
    continuity correction, as R ``wilcox.test(paired = TRUE)``); ``w`` is V = W+,
    ``rank_biserial`` = (W+ - W-) / (W+ + W-) (Kerby 2014).

    ``before`` / ``after`` default to the two latest waves. Returns one row:
    ``before, after, n_units, diff, sd, se, t, df, p, ci_low, ci_high, d_z, w, p_w,
    rank_biserial``.

    Example
    -------
    >>> unit_change(sleep, "extra", wave="group", cluster="ID")   # t(9) = 4.062, p = .0028
    """
    d, before, after = _check(df, dv, wave, cluster, before, after, [])
    u = _unit_means(d, dv, wave, cluster, before, after, min_unit_n)
    if len(u) < 2:
        raise InputError("unit_change: fewer than two units surveyed in both waves", column=cluster,
                         expected=f">= 2 units with >= {min_unit_n} respondents in waves {before} and {after}",
                         found=len(u))
    r = _paired((u["mean_after"] - u["mean_before"]).to_numpy(float), conf)
    return pd.DataFrame([{"before": before, "after": after, "n_units": r["m"], "diff": r["diff"],
                          "sd": r["sd"], "se": r["se"], "t": r["t"], "df": r["df"], "p": r["p"],
                          "ci_low": r["ci_low"], "ci_high": r["ci_high"], "d_z": r["d_z"],
                          "w": r["w"], "p_w": r["p_w"], "rank_biserial": r["rbc"]}])


def _check(df, dv, wave, cluster, before, after, extra):
    if not isinstance(df, pd.DataFrame):
        raise InputError("compare_waves needs a DataFrame", expected="pandas.DataFrame", found=type(df).__name__)
    for c in [dv, wave, cluster, *extra]:
        if c not in df.columns:
            raise InputError("compare_waves: column not found", column=c,
                             expected=f"one of {list(df.columns)[:15]}")
    # the columns the comparison reads (the region's whole frame, ids and all, was copied)
    d = df[list(dict.fromkeys([dv, wave, cluster, *extra]))].copy()
    d[dv] = pd.to_numeric(d[dv], errors="coerce")
    d = d[d[dv].notna() & d[wave].notna() & d[cluster].notna()]
    waves = sorted(pd.unique(d[wave]))
    if before is None or after is None:
        if len(waves) < 2:
            raise InputError("compare_waves needs two waves with scores", column=wave,
                             expected=">= 2 distinct waves", found=[str(w) for w in waves])
        before, after = waves[-2], waves[-1]
    for w in (before, after):
        if w not in waves:
            raise InputError("compare_waves: wave not in the data", column=wave,
                             expected=f"one of {[str(x) for x in waves]}", found=str(w))
    return d[d[wave].isin([before, after])], before, after


def _wave_model(d: pd.DataFrame, dv: str, wave: str, cluster: str, after, group: str | None,
                levels: list, conf: float):
    """REML fit of y ~ after (+ group + group:after) + (1 | cluster).

    Returns (fixed effects frame, variance frame, change per level frame (level, est, se),
    Wald chi2 and df of the group:after terms, predicted means per level x wave)."""
    y = d[dv].to_numpy(float)
    a = (d[wave] == after).to_numpy(float)
    cols, names = [np.ones(len(d)), a], ["Intercept", f"C({wave})[T.{after}]"]
    if group:
        gc = pd.Categorical(d[group], categories=levels).codes
        for i, lev in enumerate(levels[1:], start=1):
            cols.append((gc == i).astype(float))
            names.append(f"C({group})[T.{lev}]")
        for i, lev in enumerate(levels[1:], start=1):
            cols.append((gc == i) * a)
            names.append(f"C({group})[T.{lev}]:C({wave})[T.{after}]")
    x = np.column_stack(cols)
    keep = _independent_columns(x)
    if not keep[1]:
        raise InputError("wave model: the wave effect is not estimable", column=wave,
                         expected="respondents in both waves")
    x, names = x[:, keep], [n for n, k in zip(names, keep) if k]
    codes, _ = pd.factorize(d[cluster])
    beta, cov, tau2, sigma2, notes, converged, _boundary = _reml_random_intercept(y, x, codes)
    zc = sps.norm.ppf(0.5 + conf / 2)
    se = np.sqrt(np.diag(cov))
    z = beta / se
    fixed = pd.DataFrame({"term": names, "estimate": beta, "se": se, "z": z, "p": 2 * sps.norm.sf(np.abs(z)),
                          "ci_low": beta - zc * se, "ci_high": beta + zc * se})
    variance = pd.DataFrame({"term": [cluster, "residual"], "estimate": [tau2, sigma2]})
    full = list(np.flatnonzero(keep))

    def vec(entries: dict) -> np.ndarray:  # contrast over the kept columns
        v = np.zeros(len(keep))
        for j, w in entries.items():
            v[j] = w
        return v[full] if all(keep[j] for j in entries) else None

    k = len(levels) if group else 1
    rows, pred = [], []
    for i in range(k):
        lev = levels[i] if group else ALL
        base = {0: 1.0} | ({1 + i: 1.0} if group and i > 0 else {})
        post = base | {1: 1.0} | ({k + i: 1.0} if group and i > 0 else {})
        ch = {1: 1.0} | ({k + i: 1.0} if group and i > 0 else {})
        for what, ent in (("before", base), ("after", post), ("change", ch)):
            lv = vec(ent)
            est = float(lv @ beta) if lv is not None else np.nan
            s = float(np.sqrt(lv @ cov @ lv)) if lv is not None else np.nan
            (rows if what == "change" else pred).append({"level": lev, "what": what, "est": est, "se": s})
    chi2 = dfi = np.nan
    if group:
        idx = [j for j, n in enumerate(names) if n.endswith(f":C({wave})[T.{after}]")]
        if idx:
            b = beta[idx]
            chi2 = float(b @ np.linalg.solve(cov[np.ix_(idx, idx)], b))
            dfi = float(len(idx))
    return fixed, variance, pd.DataFrame(rows), (chi2, dfi), pd.DataFrame(pred), notes, converged


def compare_waves(df: pd.DataFrame, dv: str, wave: str, cluster: str, group: str | None = None,
                  before=None, after=None, weights: str | None = None, min_n: int = 5,
                  min_unit_n: int = 1, alpha: float = 0.05, conf: float = 0.95,
                  p_adjust_method: str = "holm", mixed: bool = True,
                  label=("jenis unit", "unit type")) -> WaveComparison:
    """Change of ``dv`` between two waves of the same units, overall and per ``group``.

    Tables (tidy; ``subgroup`` is "" for the whole region, else a level of ``group``):

    - ``descriptives``: per subgroup x wave, n, (weighted) mean, SD, cluster-robust
      95% CI (see :func:`descriptives`) and the model-predicted mean (``emm``).
    - ``omnibus``: the whole-region change: ``paired_units`` (paired t test of unit
      means, primary; effect d_z), ``wilcoxon_units`` (signed-rank test of the
      same, effect rank-biserial r), ``mixed_wave`` (Wald z of the wave effect in
      ``dv ~ wave + (1 | cluster)`` by REML; effect Hedges' g of the respondent
      scores, later minus earlier), and with ``group`` ``mixed_wave_x_group``
      (Wald chi2 with k - 1 df: does the change differ between groups, in
      ``dv ~ group * wave + (1 | cluster)``). For the unit-level tests ``n`` counts
      the units surveyed in both waves; for the model tests, respondents.
    - ``posthoc`` (post-hoc schema, ``group_a`` = later wave, ``group_b`` = earlier,
      so ``diff`` is the change): per subgroup the paired unit-means change and
      the model change with CIs; ``p_adj`` is Holm (``p_adjust_method``) over
      the subgroups of each method.

    Subgroups with fewer than ``min_n`` respondents in either wave are left out
    with a note; degenerate input (one wave, no unit in both waves, constant
    scores) gives ``ok = False`` or a note, not a crash.

    References: Cohen (1988) for d_z; Kerby (2014) for the rank-biserial r;
    Laird & Ware (1982) and lme4 for the random-intercept model (with one response
    per unit and wave and complete pairs, its wave z equals the paired t).

    Example
    -------
    >>> res = compare_waves(scores, "overall", "wave", "unit_id", group="unit_type")
    >>> res.posthoc[res.posthoc["test"] == "paired_units"], res.reading_en
    """
    notes: list[str] = []
    try:
        d, before, after = _check(df, dv, wave, cluster, before, after,
                                  ([group] if group else []) + ([weights] if weights else []))
    except InputError as e:
        if "column not found" in e.message:
            raise
        return _empty(dv, wave, cluster, group, before, after, [e.message])
    if group:
        d = d[d[group].notna()]
    pair = f"{before} -> {after}"
    # group x wave cells too small to compare are left out, named in the notes
    excluded: list[str] = []
    if group:
        size = d.groupby([group, wave], observed=True).size().unstack(wave).reindex(
            columns=[before, after]).fillna(0)
        small = size[(size < min_n).any(axis=1)]
        if len(small):
            excluded = [str(g) for g in small.index]
            notes.append(f"unit types with fewer than {min_n} respondents in wave {before} or {after} "
                         "left out of the per-type changes: "
                         + ", ".join(f"{g} (n={int(r[before])}/{int(r[after])})" for g, r in small.iterrows()))
    sizes = d.groupby(wave).size()
    if (sizes.reindex([before, after]).fillna(0) < min_n).any():
        notes.append(f"fewer than {min_n} respondents in a wave ({pair}); nothing to compare")
        return _empty(dv, wave, cluster, group, before, after, notes)
    if d[dv].nunique() < 2:
        notes.append(f"{dv} is constant; nothing to compare")
        return _empty(dv, wave, cluster, group, before, after, notes)

    dk = d[~d[group].isin(excluded)] if group and excluded else d
    levels = group_order(dk[group]) if group else []
    if group and isinstance(dk[group].dtype, pd.CategoricalDtype):
        dk = dk.assign(**{group: dk[group].astype(object)})
    wave_order = [before, after]
    d = d.assign(_wave=pd.Categorical(d[wave], categories=wave_order))

    # descriptives: whole region, then per subgroup
    desc = [descriptives(d, dv, "_wave", cluster, weights).assign(subgroup=ALL)]
    if group and levels:
        cell = dk[group].astype(str) + "\x1f" + dk[wave].astype(str)
        dd = descriptives(dk.assign(_cell=cell), dv, "_cell", cluster, weights)
        parts = dd["group"].str.split("\x1f", expand=True)
        dd["subgroup"], dd["group"] = parts[0], parts[1]
        dd["_o"] = dd["subgroup"].map({str(g): i for i, g in enumerate(levels)}) * 2 + \
            dd["group"].map({str(before): 0, str(after): 1})
        desc.append(dd.sort_values("_o").drop(columns="_o"))
    desc = pd.concat(desc, ignore_index=True)
    desc["group"] = desc["group"].astype(str)

    # design-based: paired unit means, whole region and per subgroup
    omni, changes = [], []
    n_resp = len(d)
    by_wave = d.groupby("_wave", observed=False)[dv]
    n_w, m_w, v_w = by_wave.size().to_numpy(float), by_wave.mean().to_numpy(), by_wave.var().to_numpy()
    g_all = float(hedges_g(n_w[1], n_w[0], m_w[1], m_w[0], v_w[1], v_w[0]))

    def change_row(sub, test, n_a, n_b, mean_a, mean_b, diff, se, stat, dof, p, lo, hi, g, n_units):
        changes.append({"subgroup": sub, "test": test, "group_a": str(after), "group_b": str(before),
                        "n_a": n_a, "n_b": n_b, "mean_a": mean_a, "mean_b": mean_b, "diff": diff, "se": se,
                        "statistic": stat, "df": dof, "p": p, "p_adj": np.nan, "ci_low": lo,
                        "ci_high": hi, "hedges_g": g, "n_units": n_units})

    subsets = [(ALL, d)] + [(str(lev), dk[dk[group] == lev]) for lev in levels]
    for sub, part in subsets:
        u = _unit_means(part, dv, wave, cluster, before, after, min_unit_n)
        pw = _wave_moments(part, dv, wave, before, after)
        g = float(hedges_g(pw[after][0], pw[before][0], pw[after][1], pw[before][1], pw[after][2],
                           pw[before][2]))
        if len(u) < 2:
            notes.append(f"{'region' if sub == ALL else sub}: fewer than two units surveyed in both waves; "
                         "no paired unit comparison")
            continue
        r = _paired((u["mean_after"] - u["mean_before"]).to_numpy(float), conf)
        change_row(sub, "paired_units", int(u["n_after"].sum()), int(u["n_before"].sum()),
                   float(u["mean_after"].mean()), float(u["mean_before"].mean()), r["diff"], r["se"],
                   r["t"], r["df"], r["p"], r["ci_low"], r["ci_high"], g, r["m"])
        if sub == ALL:
            omni.append({"test": "paired_units", "statistic": r["t"], "df1": r["df"], "df2": np.nan,
                         "p": r["p"], "effect_name": "d_z", "effect_size": r["d_z"], "n": r["m"], "k": 2,
                         "diff": r["diff"], "ci_low": r["ci_low"], "ci_high": r["ci_high"]})
            omni.append({"test": "wilcoxon_units", "statistic": r["w"], "df1": np.nan, "df2": np.nan,
                         "p": r["p_w"], "effect_name": "rank_biserial", "effect_size": r["rbc"], "n": r["m"],
                         "k": 2})
            n_units_both = r["m"]
    if not omni:
        n_units_both = 0

    # model-based
    model = None
    emm_at: dict = {}
    if mixed:
        try:
            fx, vc, ch, _, pred, mnotes, conv = _wave_model(d, dv, wave, cluster, after, None, [], conf)
            notes.extend(mnotes)
            c = ch.iloc[0]
            z = c["est"] / c["se"]
            zc = sps.norm.ppf(0.5 + conf / 2)
            omni.append({"test": "mixed_wave", "statistic": z, "df1": np.nan, "df2": np.nan,
                         "p": float(2 * sps.norm.sf(abs(z))), "effect_name": "hedges_g", "effect_size": g_all,
                         "n": n_resp, "k": 2, "diff": c["est"], "ci_low": c["est"] - zc * c["se"],
                         "ci_high": c["est"] + zc * c["se"]})
            model = pd.concat([fx.assign(kind="fixed"), vc.assign(kind="variance")], ignore_index=True)
            model["n"], model["n_clusters"], model["converged"] = n_resp, d[cluster].nunique(), conv
            parts = [(ch, pred, ALL)]
            if group and len(levels) >= 2:
                _, _, ch2, (chi2, dfi), pred2, _, _ = _wave_model(dk, dv, wave, cluster, after, group, levels, conf)
                if np.isfinite(chi2):
                    omni.append({"test": "mixed_wave_x_group", "statistic": chi2, "df1": dfi, "df2": np.nan,
                                 "p": float(sps.chi2.sf(chi2, dfi)), "effect_name": None, "effect_size": np.nan,
                                 "n": len(dk), "k": len(levels)})
                parts.append((ch2, pred2, None))
            elif group and len(levels) == 1:
                parts.append((ch.assign(level=str(levels[0])), pred.assign(level=str(levels[0])), None))
            for chx, predx, _ in parts:
                for rr in chx.itertuples():
                    sub = str(rr.level)
                    if not np.isfinite(rr.est):
                        continue
                    zz = rr.est / rr.se
                    part = d if sub == ALL else dk[dk[group].astype(str) == sub]
                    pw = _wave_moments(part, dv, wave, before, after)
                    g = float(hedges_g(pw[after][0], pw[before][0], pw[after][1], pw[before][1], pw[after][2],
                                       pw[before][2]))
                    change_row(sub, "mixed_wave", int(pw[after][0]), int(pw[before][0]),
                               pw[after][1], pw[before][1], rr.est, rr.se, zz,
                               np.nan, float(2 * sps.norm.sf(abs(zz))), rr.est - zc * rr.se,
                               rr.est + zc * rr.se, g, part[cluster].nunique())
                # the model's predicted means, set into descriptives once below (a .loc
                # assignment per level x wave cost more than the model)
                pv = predx.pivot(index="level", columns="what", values=["est", "se"])
                for lev in pv.index:
                    for what, wl in (("before", str(before)), ("after", str(after))):
                        est, s = pv.loc[lev, ("est", what)], pv.loc[lev, ("se", what)]
                        emm_at[(str(lev), wl)] = (est, est - zc * s, est + zc * s)
        except (InputError, np.linalg.LinAlgError, ValueError) as e:
            notes.append(f"wave mixed model not fitted: {getattr(e, 'message', str(e))}")
    if emm_at:
        _set_emm(desc, emm_at)

    if not omni:
        notes.append(f"no test of the change possible ({pair})")
        res = _empty(dv, wave, cluster, group, before, after, notes, desc)
        return res
    omnibus = pd.DataFrame(omni)
    omnibus["primary"] = omnibus["test"] == ("paired_units" if "paired_units" in set(omnibus["test"])
                                             else "mixed_wave")
    omnibus["p_adj"] = omnibus["p"]
    omnibus = omnibus[OMNIBUS_COLUMNS + [c for c in omnibus.columns if c not in OMNIBUS_COLUMNS]]
    post = pd.DataFrame(changes, columns=CHANGE_COLUMNS)
    for test, grp in post.groupby("test"):
        sub = grp["subgroup"] != ALL
        post.loc[grp.index[~sub], "p_adj"] = grp.loc[~sub, "p"]
        post.loc[grp.index[sub], "p_adj"] = p_adjust(grp.loc[sub, "p"].to_numpy(), p_adjust_method)
    notes.insert(0, f"waves {pair}; {n_units_both} units surveyed in both waves")
    res = WaveComparison(dv=dv, wave=wave, cluster=cluster, group=group, before=before, after=after,
                         descriptives=desc[DESC_COLUMNS + ["subgroup"]].reset_index(drop=True),
                         omnibus=omnibus, posthoc=post, model=model, notes=notes, excluded=excluded)
    res.reading_id, res.reading_en = res.make_reading(label, alpha=alpha)
    return res


def _set_emm(desc: pd.DataFrame, emm_at: dict) -> None:
    """Set ``emm, emm_ci_low, emm_ci_high`` of the descriptives rows whose (subgroup,
    group) is in ``emm_at`` (values: those three numbers); other rows keep theirs."""
    key = list(zip(desc["subgroup"].astype(object), desc["group"].astype(object)))
    hit = np.asarray([k in emm_at for k in key], dtype=bool)
    if not hit.any():
        return
    vals = np.asarray([emm_at[k] for k, h in zip(key, hit) if h], dtype=float)
    for j, col in enumerate(("emm", "emm_ci_low", "emm_ci_high")):
        v = desc[col].to_numpy(dtype=float, copy=True)
        v[hit] = vals[:, j]
        desc[col] = v


def _empty(dv, wave, cluster, group, before, after, notes, desc=None) -> WaveComparison:
    reading_id, reading_en = not_possible("; ".join(notes) if notes else "no comparison possible", waves=True)
    return WaveComparison(dv=dv, wave=wave, cluster=cluster, group=group, before=before, after=after,
                          descriptives=desc if desc is not None else pd.DataFrame(columns=DESC_COLUMNS + ["subgroup"]),
                          omnibus=pd.DataFrame(columns=OMNIBUS_COLUMNS), posthoc=pd.DataFrame(columns=CHANGE_COLUMNS),
                          notes=list(notes), reading_id=reading_id, reading_en=reading_en, ok=False)
