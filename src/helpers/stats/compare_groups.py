"""``compare_groups``: the whole comparison of one outcome across the levels of
one factor, as a brief needs it (descriptives, assumptions, omnibus and post-hoc
tests, ICC and the clustered model, and a plain-language reading)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as sps

from ..errors import InputError
from ..vocabulary import EFFECT_SYMBOLS, POSTHOC_FOR
from ._prep import group_codes, group_order, prepare, shared_groups
from .mixed import mixed_model
from .omnibus import _anova, _kruskal, _levene, _welch
from .posthoc import POSTHOC_COLUMNS, _columns, _dunn, _games_howell, _tukey, stacked
from ..vocabulary import statistic_symbol
from .readings import not_possible, reading
from .reliability import icc1

__all__ = ["OMNIBUS_COLUMNS", "POSTHOC_FOR", "Comparison", "compare_groups", "descriptives"]


OMNIBUS_COLUMNS = ["test", "statistic", "df1", "df2", "p", "p_adj", "effect_name", "effect_size",
                   "n", "k", "primary"]
DESC_COLUMNS = ["group", "n", "n_clusters", "mean", "sd", "se", "ci_low", "ci_high",
                "emm", "emm_ci_low", "emm_ci_high"]


@dataclass
class Comparison:
    """Result of :func:`compare_groups`; every table is a tidy DataFrame."""

    dv: str
    group: str
    cluster: str | None
    descriptives: pd.DataFrame
    assumptions: pd.DataFrame
    omnibus: pd.DataFrame
    posthoc: pd.DataFrame
    icc: pd.DataFrame | None = None
    model: pd.DataFrame | None = None  # fixed effects and variance components, long
    notes: list = field(default_factory=list)
    excluded: list = field(default_factory=list)
    reading_id: str = ""
    reading_en: str = ""
    ok: bool = True  # False when no test could be run (see notes)
    # group, mean: the estimates the primary test compares (EMMs of the mixed model,
    # design-based domain means), restricted to the groups it tested
    primary_means: pd.DataFrame | None = None
    untested: list = field(default_factory=list)  # groups the primary test could not test (and why: notes)
    model_emm: pd.DataFrame | None = None  # EMMs of the primary (unadjusted) mixed model, every group

    @property
    def primary(self) -> pd.Series | None:
        if self.omnibus.empty:
            return None
        return self.omnibus[self.omnibus["primary"]].iloc[0]


def descriptives(df: pd.DataFrame, dv: str, group: str, cluster: str | None = None,
                 weights: str | None = None, conf: float = 0.95, ci: bool = True) -> pd.DataFrame:
    """Per-group n, (weighted) mean, SD and a CI of the mean.

    The SE of a (weighted) mean ybar_w = sum w y / sum w is the linearisation
    se^2 = c / (c - 1) * sum_c (sum_{i in c} w_i (y_i - ybar_w) / sum w)^2 over
    clusters c (CR1 cluster-robust, Cameron & Miller 2015), or over respondents
    when no cluster is given (then it equals s / sqrt(n) for equal weights); the
    CI uses t with (clusters - 1), resp. (n - 1), df. ``ci=False`` gives n, mean and
    SD only (when a survey design supplies the intervals).
    """
    cols = [dv, group] + ([cluster] if cluster else []) + ([weights] if weights else [])
    if not ci:
        return _moments(df, dv, group, cluster, weights)
    d = df[cols].dropna().copy()
    d[dv] = pd.to_numeric(d[dv], errors="coerce")
    d = d.dropna()
    w = d[weights].astype(float).to_numpy() if weights else np.ones(len(d))
    d["__desc_w"] = w
    d["__desc_wy"] = w * d[dv].to_numpy()
    gb = d.groupby(group, observed=True, sort=False)
    sw = gb["__desc_w"].transform("sum")
    mean_w = gb["__desc_wy"].transform("sum") / sw
    d["__desc_e"] = d["__desc_w"] * (d[dv] - mean_w) / sw
    psu = d[cluster] if cluster else pd.Series(np.arange(len(d)), index=d.index)
    psu_sum = d.groupby([d[group], psu], observed=True)["__desc_e"].sum()
    lvl = psu_sum.index.get_level_values(0)
    n_psu = psu_sum.groupby(lvl, observed=True).size()
    ss = (psu_sum**2).groupby(lvl, observed=True).sum()
    se = np.sqrt(n_psu / (n_psu - 1).where(n_psu > 1) * ss)
    out = pd.DataFrame({
        "n": gb.size(), "mean": gb["__desc_wy"].sum() / gb["__desc_w"].sum(), "sd": gb[dv].std(ddof=1),
    })
    out["n_clusters"] = d.groupby(group, observed=True)[cluster].nunique() if cluster else np.nan
    out["se"] = se.reindex(out.index)
    tcrit = sps.t.ppf(0.5 + conf / 2, (n_psu - 1).reindex(out.index).where(lambda s: s > 0))
    out["ci_low"] = out["mean"] - tcrit * out["se"]
    out["ci_high"] = out["mean"] + tcrit * out["se"]
    out = out.reset_index().rename(columns={group: "group"})
    order = group_order(df[group])
    out["__desc_o"] = out["group"].map({g: i for i, g in enumerate(order)})
    out = out.sort_values("__desc_o").drop(columns="__desc_o").reset_index(drop=True)
    for c in ("emm", "emm_ci_low", "emm_ci_high"):
        out[c] = np.nan
    return out[DESC_COLUMNS]


def _moments(df: pd.DataFrame, dv: str, group: str, cluster: str | None, weights: str | None) -> pd.DataFrame:
    """:func:`descriptives` without intervals, from bincounts over the group codes (a
    groupby per statistic cost more than the tests it describes)."""
    y = pd.to_numeric(df[dv], errors="coerce").to_numpy(float)
    keep = ~np.isnan(y) & df[group].notna().to_numpy()
    if cluster:
        keep &= df[cluster].notna().to_numpy()
    w = df[weights].astype(float).to_numpy() if weights else np.ones(len(df))
    keep &= ~np.isnan(w)
    all_codes, labels = group_codes(df[group])
    codes = all_codes[keep].astype(np.intp)
    y, w = y[keep], w[keep]
    k = len(labels)
    n = np.bincount(codes, minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(codes, weights=w * y, minlength=k) / np.bincount(codes, weights=w, minlength=k)
        m = np.bincount(codes, weights=y, minlength=k) / n
        sd = np.sqrt(np.bincount(codes, weights=(y - m[codes]) ** 2, minlength=k) / (n - 1))
    if cluster:
        c = df[cluster]  # the codes number the clusters; only the pairs' count is used
        cl = (c.cat.codes.to_numpy() if isinstance(c.dtype, pd.CategoricalDtype)
              else pd.factorize(c.to_numpy())[0])[keep]
        pairs = np.unique(codes.astype(np.int64) * (cl.max() + 1) + cl)
        n_cl = np.bincount(pairs // (cl.max() + 1), minlength=k)
    present = n > 0
    s = df[group]
    if isinstance(s.dtype, pd.CategoricalDtype):
        grp = pd.Categorical.from_codes(s.cat.categories.get_indexer(pd.Index(labels, dtype=s.cat.categories.dtype)
                                                                     )[present], dtype=s.dtype)
    else:
        grp = np.asarray(labels, dtype=object)[present]
    # one construction in DESC_COLUMNS order (setting each empty column after it cost more)
    return pd.DataFrame({"group": grp, "n": n[present].astype(np.int64),
                         "n_clusters": n_cl[present] if cluster else np.nan, "mean": mean[present],
                         "sd": sd[present], **dict.fromkeys(("se", "ci_low", "ci_high", "emm", "emm_ci_low",
                                                             "emm_ci_high"), np.nan)})


def _assumptions(d: pd.DataFrame, dv: str, group: str, alpha: float, normality: bool = True) -> pd.DataFrame:
    rows = []
    lev = _levene(prepare(d, dv, group, min_n=2, what="levene"), center="median")
    rows.append({"check": "equal_variances", "method": "Brown-Forsythe (Levene, median)",
                 "statistic": lev["statistic"], "p": lev["p"],
                 "ok": bool(lev["p"] >= alpha) if math.isfinite(lev["p"]) else True})
    if not normality:
        return pd.DataFrame(rows)
    g = prepare(d, dv, group, min_n=1, what="assumption checks")
    resid = g.y - g.mean[g.codes]
    skew, kurt = float(sps.skew(resid)), float(sps.kurtosis(resid))
    if len(resid) <= 5000:
        st, p = sps.shapiro(resid)
        method = "Shapiro-Wilk on residuals"
    else:  # Shapiro-Wilk's p is unreliable beyond 5000; D'Agostino-Pearson K^2 instead
        st, p = sps.normaltest(resid)
        method = "D'Agostino-Pearson on residuals"
    rows.append({"check": "normal_residuals", "method": method, "statistic": float(st), "p": float(p),
                 # with large n any deviation is "significant"; judge by shape as well
                 "ok": bool(p >= alpha or (abs(skew) < 1 and abs(kurt) < 3)),
                 "skewness": skew, "excess_kurtosis": kurt})
    ratio = float(g.n.max() / g.n.min())
    rows.append({"check": "balanced_groups", "method": "largest / smallest group size",
                 "statistic": ratio, "p": np.nan, "ok": bool(ratio <= 1.5)})
    return pd.DataFrame(rows)


def _empty(dv, group, cluster, notes, excluded, desc=None) -> Comparison:
    reading_id, reading_en = not_possible("; ".join(notes) if notes else "no comparison possible")
    return Comparison(dv=dv, group=group, cluster=cluster,
                      descriptives=desc if desc is not None else pd.DataFrame(columns=DESC_COLUMNS),
                      assumptions=pd.DataFrame(), omnibus=pd.DataFrame(columns=OMNIBUS_COLUMNS),
                      posthoc=pd.DataFrame(columns=POSTHOC_COLUMNS), notes=notes, excluded=excluded,
                      reading_id=reading_id, reading_en=reading_en, ok=False)


def compare_groups(df: pd.DataFrame, dv: str, group: str, cluster: str | None = None,
                   weights: str | None = None, covariates: list[str] | None = None,
                   min_n: int = 5, alpha: float = 0.05, p_adjust: str = "holm",
                   mixed: bool = True, label: str | None = None, describe_ci: bool = True,
                   reading: bool = True, icc: pd.DataFrame | None = None,
                   normality: bool = True, pairs: bool = True) -> Comparison:
    """Compare ``dv`` across the levels of ``group``.

    Steps: drop rows missing ``dv`` or ``group``; leave out groups with fewer than
    ``min_n`` values (named in ``notes``); descriptives with 95% CIs (cluster-robust
    if ``cluster``; weighted if ``weights``); assumption checks (Brown-Forsythe,
    normality of residuals, size balance); omnibus tests: Welch's ANOVA with
    Games-Howell is primary unless Brown-Forsythe finds no heterogeneity
    (p >= alpha), then the classic ANOVA with Tukey; Kruskal-Wallis with Dunn
    (``p_adjust``) is always reported alongside; with ``cluster``: ICC(1) and a
    random-intercept mixed model (cluster intercept, ``group`` fixed, optional
    ``covariates``) whose estimated marginal means fill ``emm`` columns.

    ``icc``: :func:`~helpers.stats.reliability.icc1` of ``dv`` by ``cluster`` over
    every row with ``dv`` present, computed once by a caller that compares one
    outcome across several factors; used when no row is left out for this factor
    (it is the same number then), else ICC(1) is computed here.
    ``reading=False`` leaves the reading empty, for a caller that rebuilds it from
    adjusted p-values (stage 03). ``normality=False`` keeps only the equal-variance
    check among the assumptions (the one that picks the primary test), for a caller
    that does not report the others (stage 03; its diagnostics refit with them).
    ``pairs=False`` computes no post-hoc pairs (``posthoc`` is empty), for a caller
    with too many groups to compare pair by pair (stage 03's regions of a national study).
    Degenerate input never crashes: a result with ``ok = False`` and a note is
    returned (one group left, constant scores, everything missing).

    Example
    -------
    >>> res = compare_groups(scores, "overall", "unit_type", cluster="unit_id")
    >>> res.omnibus, res.posthoc, res.reading_en
    """
    for c in [dv, group] + ([cluster] if cluster else []) + ([weights] if weights else []) + list(covariates or []):
        if c not in df.columns:
            raise InputError("compare_groups: column not found", column=c,
                             expected=f"one of {list(df.columns)[:15]}")
    notes: list[str] = []
    # only the columns a test reads, and the rows it keeps taken once: the checks below
    # run on arrays (each frame filter of ~36 comparisons a region moved every column)
    d = df[list(dict.fromkeys([dv, group] + ([cluster] if cluster else []) + ([weights] if weights else [])
                              + list(covariates or [])))]
    y = d[dv] if pd.api.types.is_numeric_dtype(d[dv]) else pd.to_numeric(d[dv], errors="coerce")
    has_dv = y.notna().to_numpy()
    n_dv = int(has_dv.sum())
    gs = d[group]
    is_cat = isinstance(gs.dtype, pd.CategoricalDtype)
    if is_cat:
        codes, labels = gs.cat.codes.to_numpy(), gs.cat.categories
    else:
        codes, labels = pd.factorize(gs.to_numpy(), sort=True)
    ok = has_dv & (codes >= 0)
    if not ok.any():
        return _empty(dv, group, cluster, [f"no non-missing values of {dv}"], [])
    sizes = np.bincount(codes[ok], minlength=len(labels))
    seen = sizes > 0  # the groups groupby(observed=True) lists, in its order
    small = np.flatnonzero(seen & (sizes < min_n))
    excluded = [str(labels[i]) for i in small]
    if excluded:
        notes.append(f"groups with fewer than {min_n} respondents left out: "
                     + ", ".join(f"{labels[i]} (n={int(sizes[i])})" for i in small))
        ok &= ~np.isin(codes, small)
    rows = np.flatnonzero(ok)
    kept = seen & (sizes >= min_n)
    d = d.iloc[rows]
    if not pd.api.types.is_numeric_dtype(d[dv]):
        d = d.assign(**{dv: y.to_numpy()[rows]})
    if is_cat:  # the unused categories removed (as cat.remove_unused_categories)
        used = np.flatnonzero(np.bincount(codes[rows], minlength=len(labels)) > 0)
        remap = np.full(len(labels), -1, dtype=np.int8 if len(used) < 127 else np.int64)
        remap[used] = np.arange(len(used))
        d = d.assign(**{group: pd.Categorical.from_codes(remap[codes[rows]], categories=labels[used],
                                                          ordered=gs.cat.ordered)})
    desc = descriptives(d, dv, group, cluster, weights, ci=describe_ci) if len(d) else None
    k = int(kept.sum())
    if k < 2:
        notes.append(f"only {k} group(s) with at least {min_n} respondents; nothing to compare")
        return _empty(dv, group, cluster, notes, excluded, desc)
    yv = d[dv].to_numpy(float)
    if not (yv != yv[0]).any():
        notes.append(f"{dv} is constant ({d[dv].iloc[0]}); nothing to compare")
        return _empty(dv, group, cluster, notes, excluded, desc)

    shared_icc = icc if icc is not None and len(d) == n_dv else None
    with shared_groups(d, dv, group):  # one split of d for the seven tests
        return _compare(d, dv, group, cluster, covariates, alpha, p_adjust, mixed, label, reading, notes,
                        excluded, desc, shared_icc, normality, pairs)


def _compare(d, dv, group, cluster, covariates, alpha, p_adjust, mixed, label, reading, notes, excluded,
             desc, shared_icc, normality=True, pairs=True) -> Comparison:
    assumptions = _assumptions(d, dv, group, alpha, normality)
    homogeneous = bool(assumptions["ok"].to_numpy()[0])
    rows = []
    try:
        # the tests' own array functions on the shared split (their DataFrame wrappers
        # cost more than the tests on a region's frame)
        a = _anova(prepare(d, dv, group, min_n=1, what="anova_oneway"), dv)
        rows.append({**{c: a[c] for c in ("test", "statistic", "df1", "df2", "p", "n", "k")},
                     "effect_name": "omega2", "effect_size": a["omega2"], "eta2": a["eta2"]})
    except InputError as e:
        notes.append(f"ANOVA not computed: {e.message}")
    try:
        w = _welch(prepare(d, dv, group, min_n=2, what="welch_anova"), dv)
        rows.append({**{c: w[c] for c in ("test", "statistic", "df1", "df2", "p", "n", "k")},
                     "effect_name": "omega2", "effect_size": w["omega2"]})
    except InputError as e:
        notes.append(f"Welch ANOVA not computed: {e.message}")
    kw = _kruskal(prepare(d, dv, group, min_n=1, what="kruskal"), dv)
    rows.append({**{c: kw[c] for c in ("test", "statistic", "df1", "df2", "p", "n", "k")},
                 "effect_name": "epsilon2", "effect_size": kw["epsilon2"]})
    tests = {r["test"] for r in rows}
    primary = "anova" if (homogeneous or "welch" not in tests) and "anova" in tests else (
        "welch" if "welch" in tests else "kruskal")
    # the table built once, in its final column order (p_adj = p: one test per family
    # here; compare.run adjusts across areas)
    cols = {c: [r[c] for r in rows] for c in ("test", "statistic", "df1", "df2", "p")}
    cols["p_adj"] = cols["p"]
    cols.update({c: [r[c] for r in rows] for c in ("effect_name", "effect_size", "n", "k")})
    cols["primary"] = [r["test"] == primary for r in rows]
    if any("eta2" in r for r in rows):
        cols["eta2"] = [r.get("eta2", np.nan) for r in rows]
    omnibus = pd.DataFrame(cols)
    if primary == "kruskal":
        notes.append("parametric tests not possible; Kruskal-Wallis is the primary test")
    post = []
    if pairs:
        if primary == "anova":
            post.append(_columns(*_tukey(prepare(d, dv, group, min_n=1, what="tukey_hsd"))))
        elif primary == "welch":
            post.append(_columns(*_games_howell(prepare(d, dv, group, min_n=2, what="games_howell"))))
        post.append(_columns(*_dunn(prepare(d, dv, group, min_n=1, what="dunn"), p_adjust)))
    posthoc = stacked(post) if post else pd.DataFrame(columns=POSTHOC_COLUMNS)

    icc = model = None
    if cluster:
        try:
            icc = shared_icc if shared_icc is not None else icc1(d, dv, cluster)
        except InputError as e:
            notes.append(f"ICC(1) not computed: {e.message}")
        if mixed:
            try:
                fit = mixed_model(d, dv, group, cluster, covariates)
                notes.extend(fit.notes)
                fx = fit.fixed.assign(kind="fixed")
                vc = fit.variance.rename(columns={"component": "term", "variance": "estimate"})
                vc = vc.drop(columns="sd").assign(kind="variance")
                model = pd.concat([fx, vc], ignore_index=True)
                model["n"], model["n_clusters"], model["converged"] = fit.n, fit.n_clusters, fit.converged
                model["icc_adjusted"] = fit.icc
                emm = fit.emm.set_index("group")
                key = desc["group"].astype(str)
                desc["emm"] = key.map(emm["emm"]).to_numpy()
                desc["emm_ci_low"] = key.map(emm["ci_low"]).to_numpy()
                desc["emm_ci_high"] = key.map(emm["ci_high"]).to_numpy()
            except (InputError, np.linalg.LinAlgError, ValueError) as e:
                notes.append(f"mixed model not fitted: {getattr(e, 'message', str(e))}")

    res = Comparison(dv=dv, group=group, cluster=cluster, descriptives=desc, assumptions=assumptions,
                     omnibus=omnibus,
                     posthoc=posthoc, icc=icc, model=model, notes=notes, excluded=excluded)
    if reading:
        res.reading_id, res.reading_en = make_reading(res, label or group, alpha=alpha)
    return res


READING_COLUMNS = ("test", "statistic", "df1", "df2", "effect_size", "effect_name")


def make_reading(res: Comparison, factor_label: str, alpha: float = 0.05,
                 p_col: str = "p_adj", rows: dict | None = None) -> tuple[str, str]:
    """Build the (id, en) reading of a result from its primary test and post-hoc
    pairs; the means named are those the primary test compares. Symbols are the
    briefs' (:data:`helpers.vocabulary.EFFECT_SYMBOLS`, ``F`` / ``H``).

    ``rows``: the result's omnibus columns :data:`READING_COLUMNS` and ``p_col`` as
    arrays, in its row order, when the caller has them (stage 03 reads them once
    from the stacked table, not once per result)."""
    om = res.omnibus
    if om.empty:
        return res.reading_id, res.reading_en
    # arrays, not row selections: stage 03 rebuilds ~250 readings a region, and each
    # selection of a small frame cost more than the reading itself
    first = np.flatnonzero(om["primary"].to_numpy(bool))
    if not len(first):
        return res.reading_id, res.reading_en
    if rows is None:
        rows = {c: om[c].to_numpy() for c in (*READING_COLUMNS, p_col)}
    pr = {c: rows[c][first[0]] for c in (*READING_COLUMNS, p_col)}
    means = res.primary_means if res.primary_means is not None else res.descriptives
    mean = means["mean"].to_numpy(float)
    ok = np.flatnonzero(~np.isnan(mean))
    if not len(ok):
        return res.reading_id, res.reading_en
    groups = means["group"].to_numpy(object)
    i_top, i_bot = ok[np.argmax(mean[ok])], ok[np.argmin(mean[ok])]  # first of ties, as idxmax
    top, bot = {"group": groups[i_top], "mean": mean[i_top]}, {"group": groups[i_bot], "mean": mean[i_bot]}
    ph = res.posthoc
    ci = None
    if len(ph) and pr["test"] != "kruskal":
        a, b = ph["group_a"].to_numpy(object), ph["group_b"].to_numpy(object)
        hit = np.flatnonzero((ph["test"].to_numpy(object) == POSTHOC_FOR.get(pr["test"], "dunn"))
                             & (((a == top["group"]) & (b == bot["group"]))
                                | ((a == bot["group"]) & (b == top["group"]))))
        if len(hit):
            ci = (float(ph["ci_low"].to_numpy(float)[hit[0]]), float(ph["ci_high"].to_numpy(float)[hit[0]]))
    return reading(factor_label, statistic_symbol(pr["test"]), float(pr["statistic"]), float(pr["df1"]),
                   float(pr["df2"]), float(pr[p_col]), float(pr["effect_size"]),
                   EFFECT_SYMBOLS[pr["effect_name"]], (str(top["group"]), float(top["mean"])),
                   (str(bot["group"]), float(bot["mean"])), ci, alpha=alpha)
