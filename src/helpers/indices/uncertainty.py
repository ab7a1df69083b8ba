"""Monte Carlo uncertainty and variance-based sensitivity of a composite index.

The index of every unit, unit type and region is recomputed under ``n`` sampled
combinations of the build choices of the spec's ``uncertainty:`` block
(:class:`helpers.indices.spec.UncertaintySpec`) and of the survey's sampling
uncertainty, as the OECD/JRC Handbook (2008, step 7), Saisana, Saltelli &
Tarantola (2005) and JRC's COINr (``get_sensitivity``) do:

- **weights** of the components: each weight times U(1 - s, 1 + s), or a
  Dirichlet(c * w / sum w) around the spec weights (a points index perturbs the
  dimension maxima, its implicit weights);
- **aggregation**: arithmetic or geometric mean of the components (geometric
  only where every component is strictly positive);
- **normalisation** of the components (only where the spec normalises them):
  the spec's own, min-max over the frame, goalposts at the theoretical bounds;
- **leave one component out** (the index without component j, or none, each
  equally likely);
- **min_share**: the minimum share of answered children of the components
  below the index (the minimum-data rule);
- **survey weights** on or off;
- **sampling**: a Rao-Wu rescaled bootstrap of respondents within units. A
  BKPSDM survey is a census with nonresponse, so units are strata
  (``svydesign(ids = ~1, strata = ~unit, fpc = ~headcount)``): per replicate,
  m_u = n_u - 1 respondents are drawn with replacement in unit u and respondent
  i gets the multiplier

      r_i = 1 - lambda_u + lambda_u * (n_u / m_u) * c_i,  lambda_u = sqrt(1 - f_u),

  with c_i its number of draws and f_u = n_u / N_u (Rao, Wu & Yue 1992; N_u =
  the unit's headcount, the sum of its post-stratification weights). The
  replicate weights are then post-stratified again to each unit's headcount
  (w*_i = r_i w_i N_u / sum_u r_j w_j), which leaves unit-constant weights as
  they are. A unit with one respondent contributes no sampling variance.
- **band edges** (categories only): each inner edge moved by U(-1, 1) times
  ``shift`` times the mean band width.

Per-respondent component scores are computed once per minimum-answered rule
and normalisation (a handful of :func:`helpers.indices.engine.score` calls).
The draws are then evaluated per *group* of respondents sharing a stratum (unit),
an answer pattern (which components are scored) and a survey weight: under a
draw every member of a group has the same denominator (the weights of the
components it answered), minimum-data verdict and weight, so an arithmetic
draw needs only the group's component sums, ``(Z_g . w) / (p_g . w)``, and a
bootstrap replicate its count-weighted sums ``sum c_i z_i`` (one sparse product
per replicate, each replicate's counts drawn once from its own seeded stream).
Only geometric draws need each respondent's index (from per-value exponential
tables). Groups sum to units, unit types and regions through sparse indicator
matrices. The numbers are those of the respondent-by-respondent definition up
to floating-point rounding (``tests/test_uncertainty_groups.py``).

Variance-based sensitivity: the combinations are a Saltelli (2010) design from
SALib (``SALib.sample.sobol``, base sample ``n``, groups: the weight vector is
one input) and ``SALib.analyze.sobol`` gives first-order (Saltelli 2010) and
total-order (Jansen 1999) indices with bootstrap confidence intervals (normal,
``conf_level``) of the region's index and of each unit type's rank. Band edges
change categories only; they are drawn separately and are not in the design.
The uncertainty statistics use the design's N base rows (matrix A).

References
----------
Saisana, M., Saltelli, A. & Tarantola, S. (2005). Uncertainty and sensitivity
analysis techniques as tools for the quality assessment of composite
indicators. *J. R. Stat. Soc. A* 168(2), 307-323.
OECD/JRC (2008). *Handbook on Constructing Composite Indicators*, step 7.
Saltelli, A. et al. (2010). Variance based sensitivity analysis of model
output. *Comput. Phys. Commun.* 181, 259-270.
Rao, J. N. K., Wu, C. F. J. & Yue, K. (1992). Some recent work on resampling
methods for complex surveys. *Survey Methodology* 18(2), 209-217.

Example
-------
>>> res = monte_carlo(scores, load_spec("ikd"), rows=respondents)
>>> res.table.query("level == 'unit_type'")[["group", "rank_median", "rank_p05", "rank_p95"]]
>>> res.sensitivity.query("level == 'region'")[["input", "S1", "ST"]]
"""
from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse, stats

from .engine import score as score_frame
from .spec import IndexSpec, UncertaintySpec, bounds

UNC_COLUMNS = ["index", "wave", "region_id", "level", "group", "n", "baseline_score", "score_median",
               "score_p05", "score_p95", "baseline_rank", "rank_median", "rank_p05", "rank_p95", "n_ranked",
               "baseline_category", "modal_category", "p_modal_category", "n_draws", "seed", "inputs"]
BAND_COLUMNS = ["index", "wave", "region_id", "level", "group", "band", "p"]
SENS_INDEX_COLUMNS = ["index", "wave", "region_id", "level", "group", "output", "input", "S1", "S1_ci_low",
                      "S1_ci_high", "ST", "ST_ci_low", "ST_ci_high", "output_variance", "n_base",
                      "n_evaluations", "seed", "conf_level"]
SAMPLING = "sampling"
#: cells of (respondents x draws or replicates) held at once (32 MB a matrix); bounds
#: memory at national scale while keeping the per-block overhead small
CHUNK_CELLS = 4_000_000
#: geometric draws evaluated together per respondent (a few rows of respondents stay in cache)
GEOMETRIC_BLOCK = 4
#: exponential tables of a geometric draw are used while their rows are at most this share of
#: the respondents (else one exponential per respondent is cheaper)
TABLES_MAX_SHARE = 0.25


@dataclass
class Factor:
    """One uncertain input: ``dims`` columns of the unit-cube design; a discrete
    factor maps u in [0, 1) to ``levels[floor(u * len(levels))]``."""

    name: str
    dims: int = 1
    levels: list | None = None

    def level_index(self, u: np.ndarray) -> np.ndarray:
        return np.minimum((u * len(self.levels)).astype(int), len(self.levels) - 1)


@dataclass
class UncertaintyResult:
    """``table`` (``uncertainty.parquet``), ``bands`` (band probabilities),
    ``sensitivity`` (``sensitivity_indices.parquet``), ``draws`` (the decoded
    combinations of the N uncertainty draws) and the raw matrices for plots."""

    table: pd.DataFrame
    bands: pd.DataFrame
    sensitivity: pd.DataFrame
    draws: pd.DataFrame
    factors: list[Factor] = field(default_factory=list)
    seconds: float = 0.0


# ----------------------------------------------------------------------------- set-up


def _base_weights(spec: IndexSpec) -> np.ndarray:
    kids = spec.root.children
    if spec.root.aggregation == "mean":
        return np.ones(len(kids))
    w = np.array([c.weight for c in kids], dtype=float)
    if spec.root.aggregation == "sum":  # a points index weighs its dimensions by their maxima
        w = w * np.array([bounds(c, spec.scale)[1] for c in kids], dtype=float)
    return w


def _has_min_share_nodes(spec: IndexSpec) -> bool:
    return any(n.kind == "group" and n.aggregation != "sum" for c in spec.root.children for n in c.walk())


def _variant(spec: IndexSpec, min_share: float | None, strip_norm: bool) -> IndexSpec:
    """A copy of ``spec`` with the components' minimum-answered share set to
    ``min_share`` (None: as declared) and, with ``strip_norm``, the components'
    normalisation removed (alternatives are applied to the raw scores)."""
    v = copy.deepcopy(spec)
    for c in v.root.children:
        if strip_norm:
            c.normalise = None
        if min_share is not None:
            for n in c.walk():
                if n.kind == "group" and n.aggregation != "sum":
                    n.min_share = float(min_share)
    return v


def _normalised(raw: np.ndarray, spec: IndexSpec, method: str) -> np.ndarray:
    """Apply an alternative normalisation to the components the spec normalises."""
    out = raw.copy()
    for j, c in enumerate(spec.root.children):
        if not c.normalise:
            continue
        x = raw[:, j]
        scale = float(c.normalise.get("scale", 1.0))
        with np.errstate(invalid="ignore", divide="ignore"):
            if method == "minmax":
                lo, hi = np.nanmin(x), np.nanmax(x)
                out[:, j] = (x - lo) / (hi - lo) * scale if hi > lo else np.where(np.isnan(x), np.nan, 0.0)
            elif method == "goalposts":
                raw_node = copy.copy(c)
                raw_node.normalise = None
                lo, hi = bounds(raw_node, spec.scale)
                out[:, j] = np.clip((x - lo) / (hi - lo), 0.0, 1.0) * scale
            elif method == "zscore":
                out[:, j] = (x - np.nanmean(x)) / np.nanstd(x, ddof=1)
    return out


def factors_for(spec: IndexSpec, scores: pd.DataFrame, rows: pd.DataFrame | None = None,
                u: UncertaintySpec | None = None) -> tuple[list[Factor], dict]:
    """The uncertain inputs this spec and these data allow, and the precomputed
    component matrices ``{(min_share level, normalisation level): n x K array}``."""
    u = u or spec.uncertainty
    comps = spec.components
    k = len(comps)
    factors: list[Factor] = []
    if u.weights and k >= 2:
        factors.append(Factor("weights", dims=k))
    normalised = any(c.normalise for c in spec.root.children)
    norm_levels = ["spec"] + [m for m in (u.normalisation or []) if normalised]
    if rows is None or len(norm_levels) < 2:
        norm_levels = ["spec"]
    ms_levels: list = ["spec"]
    if rows is not None and u.min_share and _has_min_share_nodes(spec):
        ms_levels += list(u.min_share)
    base = scores[comps].to_numpy(dtype=float)
    mats: dict = {}
    for i, ms in enumerate(ms_levels):
        if norm_levels == ["spec"]:
            mats[(i, 0)] = base if ms == "spec" else \
                score_frame(rows, _variant(spec, ms, False))[comps].to_numpy(dtype=float)
            continue
        raw = score_frame(rows, _variant(spec, None if ms == "spec" else ms, True))[comps].to_numpy(dtype=float)
        for j, nm in enumerate(norm_levels):
            if nm == "spec":
                mats[(i, j)] = base if ms == "spec" else \
                    score_frame(rows, _variant(spec, ms, False))[comps].to_numpy(dtype=float)
            else:
                mats[(i, j)] = _normalised(raw, spec, nm)
    if len(norm_levels) > 1:
        factors.append(Factor("normalisation", levels=norm_levels))
    if len(ms_levels) > 1:
        factors.append(Factor("min_share", levels=ms_levels))
    base_agg = "geometric" if spec.root.aggregation == "geometric_mean" else "arithmetic"
    aggs = [base_agg] + [a for a in (u.aggregation or []) if a != base_agg]
    if "geometric" in aggs and not _positive(spec, len(norm_levels) > 1):
        aggs = [a for a in aggs if a != "geometric"]
    if len(aggs) > 1:
        factors.append(Factor("aggregation", levels=aggs))
    if u.leave_one_out and k >= 2:
        factors.append(Factor("leave_one_out", levels=[None, *comps]))
    w = scores["weight"].to_numpy(dtype=float) if "weight" in scores else np.full(len(scores), np.nan)
    if u.survey_weights and np.isfinite(w).any():
        factors.append(Factor("survey_weights", levels=[True, False]))
    if u.sampling:
        factors.append(Factor(SAMPLING))
    return factors, {"matrices": mats, "norm_levels": norm_levels, "ms_levels": ms_levels, "aggs": aggs}


def _positive(spec: IndexSpec, renormalised: bool) -> bool:
    """Whether every component's lowest possible score is > 0 (a geometric mean is defined)."""
    if renormalised:  # min-max and goalposts start at 0
        return False
    return all(bounds(c, spec.scale)[0] > 0 for c in spec.root.children)


# ----------------------------------------------------------------------------- entities


def _entities(ids: pd.DataFrame) -> tuple[pd.DataFrame, sparse.csr_matrix]:
    """Every region, unit type and unit of the frame (rows of ``ents``) and the
    sparse indicator matrix G (entities x respondents)."""
    n = len(ids)
    frames, blocks = [], []
    offset = 0
    for level, col in (("region", None), ("unit_type", "unit_type"), ("unit", "unit_id")):
        keys = ["wave", "region_id"] + ([col] if col else [])
        ok = ids[keys].notna().all(axis=1).to_numpy() if col else ids["region_id"].notna().to_numpy()
        sub = ids.loc[ok, keys]
        codes = sub.groupby(keys, sort=True, dropna=False, observed=True).ngroup().to_numpy()
        first = sub.groupby(keys, sort=True, dropna=False, observed=True).head(1)
        first = first.assign(_c=codes[sub.index.get_indexer(first.index)]).sort_values("_c")
        e = pd.DataFrame({"level": level, "wave": first["wave"].to_numpy(),
                          "region_id": first["region_id"].astype(str).to_numpy(),
                          "group": first[col].astype(str).to_numpy() if col else
                          first["region_id"].astype(str).to_numpy()})
        frames.append(e)
        rows_idx = np.flatnonzero(ok)
        blocks.append(sparse.csr_matrix((np.ones(len(rows_idx)), (codes, rows_idx)), shape=(len(e), n)))
        offset += len(e)
    ents = pd.concat(frames, ignore_index=True)
    # ranks: units and unit types within region and wave, regions within wave
    part = ents["level"].astype(str) + "|" + ents["wave"].astype(str) + "|" + \
        np.where(ents["level"] == "region", "", ents["region_id"])
    ents["partition"] = pd.factorize(part)[0]
    return ents, sparse.vstack(blocks).tocsr()


def _ranks(scores: np.ndarray, partition: np.ndarray) -> np.ndarray:
    """Rank (1 = highest, ties share the lowest rank, as ``method="min"``) of each
    entity within its partition, per column; NaN scores get no rank."""
    out = np.full(scores.shape, np.nan)
    for p in np.unique(partition):
        idx = np.flatnonzero(partition == p)
        s = scores[idx]
        bad = np.isnan(s)
        r = stats.rankdata(np.where(bad, np.inf, -s), axis=0, method="min").astype(float)
        r[bad] = np.nan
        out[idx] = r
    return out


# ----------------------------------------------------------------------------- design


def _problem(factors: list[Factor]) -> dict:
    names, groups = [], []
    for f in factors:
        for d in range(f.dims):
            names.append(f"{f.name}_{d}" if f.dims > 1 else f.name)
            groups.append(f.name)
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names), "groups": groups}


def design(factors: list[Factor], n: int, seed: int, sensitivity: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The unit-cube design: SALib's Saltelli sample (``n * (D + 2)`` rows for D
    inputs, first-order and total-order only) and the row numbers of the base
    matrix A (the uncertainty draws). Without sensitivity only A is evaluated."""
    from SALib.sample import sobol as sobol_sample

    prob = _problem(factors)
    with warnings.catch_warnings():
        # SALib warns when n is not a power of 2 (Sobol' balance); any n is valid for the estimators
        warnings.simplefilter("ignore")
        x = sobol_sample.sample(prob, n, calc_second_order=False, scramble=True, seed=seed)
    d = len(factors)
    a_rows = np.arange(n) * (d + 2)
    if not sensitivity:
        return x[a_rows], np.arange(n)
    return x, a_rows


def _decode(factors: list[Factor], x: np.ndarray, spec: IndexSpec, seed: int) -> dict:
    """Per design row: weights (rows x K), levels of the discrete inputs, replicate seeds."""
    u = spec.uncertainty
    k = len(spec.components)
    w0 = _base_weights(spec)
    out: dict = {"weights": np.tile(w0, (len(x), 1)), "aggregation": np.zeros(len(x), int),
                 "normalisation": np.zeros(len(x), int), "min_share": np.zeros(len(x), int),
                 "leave_one_out": np.zeros(len(x), int), "survey_weights": np.zeros(len(x), int),
                 SAMPLING: None}
    col = 0
    for f in factors:
        block = x[:, col:col + f.dims]
        col += f.dims
        if f.name == "weights":
            if u.weights["method"] == "uniform":
                s = u.weights["spread"]
                out["weights"] = w0 * (1.0 + s * (2.0 * block - 1.0))
            else:  # Dirichlet by inverse-CDF gammas, so the design's u drive it
                alpha = u.weights["concentration"] * w0 / w0.sum()
                g = stats.gamma.ppf(np.clip(block, 1e-12, 1 - 1e-12), alpha)
                out["weights"] = g / g.sum(axis=1, keepdims=True) * w0.sum()
        elif f.name == SAMPLING:
            out[SAMPLING] = (block[:, 0] * 2**32).astype(np.uint64)
        else:
            out[f.name] = f.level_index(block[:, 0])
    assert out["weights"].shape[1] == k
    return out


# ----------------------------------------------------------------------------- evaluation


class _Groups:
    """Respondents of one component matrix grouped by stratum, answer pattern (which
    components are scored) and survey weight. Under a draw, every respondent of a
    group has the same denominator (the weights of the components it answered),
    the same minimum-data verdict and the same survey weight, so an arithmetic
    index summed over a group is (sum of its component rows) . w / (pattern . w):
    without resampling the draws cost per group, not per respondent. A bootstrap
    replicate adds its count-weighted sums sum c_i z_i (one sparse product per
    replicate); a geometric draw needs the index of every respondent."""

    def __init__(self, z: np.ndarray, logz: np.ndarray, v: np.ndarray, stratum: np.ndarray, w: np.ndarray,
                 n_strata: int, lam: np.ndarray, scale: np.ndarray, divisor: np.ndarray | None = None):
        n, k = z.shape
        self.divisor = divisor  # z_ik / divisor_k is the score the weights apply to (points / maxima)
        pattern = (v.astype(np.int64) << np.arange(k, dtype=np.int64)).sum(axis=1)
        w_values, w_code = np.unique(w, return_inverse=True)
        # one integer per (stratum, pattern, weight), ordered as that triple: a 1-D unique
        key = (stratum.astype(np.int64) << k | pattern) * len(w_values) + w_code.ravel()
        uniq, gidx = np.unique(key, return_inverse=True)
        gidx = gidx.ravel()
        g = len(uniq)
        self.g, self.k = g, k
        self.stratum = (uniq // len(w_values)) >> k
        self.pattern = ((((uniq // len(w_values)) & ((1 << k) - 1))[:, None] >> np.arange(k)) & 1).astype(float)
        self.w = w_values[uniq % len(w_values)]
        self.size = np.bincount(gidx, minlength=g).astype(float)
        # row-compressed with the respondents in stratum order, so a group's members are
        # near each other: one matrix-vector product per draw or replicate, each reading a
        # contiguous row (scipy copies a transposed multi-column operand first)
        self.M = sparse.csr_matrix((np.ones(n), (gidx, np.arange(n))), shape=(g, n))
        self.Z = self.gsum(z.T)  # G x K sums of the zero-filled component scores
        # one row per group and component (its scores) and one per group (its size): a
        # replicate's count-weighted sums sum c_i z_i are this matrix times its counts
        rows = (gidx[:, None] * (k + 1) + np.arange(k + 1)[None, :]).ravel()
        data = np.concatenate([z, np.ones((n, 1))], axis=1).ravel()
        cols = np.repeat(np.arange(n), k + 1)
        keep = data != 0
        self.Y = sparse.csr_matrix((data[keep], (rows[keep], cols[keep])), shape=(g * (k + 1), n))
        # draws x respondents layouts: a draw's row is contiguous for the group sums
        self.logz, self.v, self.pattern_code = logz, v, pattern
        self._tables: list | None = None
        self.S_g = sparse.csr_matrix((np.ones(g), (self.stratum, np.arange(g))), shape=(n_strata, g))
        self.lam, self.scale = lam[self.stratum], scale[self.stratum]

    def geometric(self, wk: np.ndarray) -> np.ndarray:
        """Draws x respondents: the weighted geometric mean exp(sum_k w_k log z_ik /
        sum_k v_ik w_k) of each respondent's components under each draw (NaN where the
        denominator is 0).

        A component takes few distinct values (a mean of a few items on a short
        scale), so the exponential is taken per distinct (answer pattern, pair of
        components' values) and the index is the product of the pairs' factors,
        exp(a + b) = exp(a) exp(b): two or three look-ups per respondent instead of
        an exponential (numpy's float64 exp costs ~10 ns a value without AVX-512).
        Without such repetition the exponential is taken per respondent."""
        if self._tables is None:
            self._tables = self._pair_tables()
        pats, tables = self._tables
        with np.errstate(invalid="ignore", divide="ignore"):
            if not tables:
                return np.exp((wk.T @ self.logz.T) / (wk.T @ self.v.T))
            den = pats @ wk  # patterns x draws
            x = None
            for cols, code, values, pat in tables:
                factor = np.exp((values @ wk[cols]) / den[pat]).T  # draws x distinct
                f = np.take(np.ascontiguousarray(factor), code, axis=1)
                if x is None:
                    x = f
                else:
                    x *= f
        return x

    def _pair_tables(self) -> tuple[np.ndarray, list]:
        """(patterns x K, [(component pair, code per respondent, distinct values x 2,
        pattern of each distinct row)]); no tables when they would not be much
        smaller than the respondents."""
        n, k = self.logz.shape
        pcodes, pat = np.unique(self.pattern_code, return_inverse=True)
        pats = ((pcodes[:, None] >> np.arange(k)) & 1).astype(float)
        tables, total = [], 0
        for lo in range(0, k, 2):
            cols = list(range(lo, min(lo + 2, k)))
            key = pat.astype(np.int64)
            for c in cols:
                values, code = np.unique(self.logz[:, c], return_inverse=True)
                key = key * len(values) + code.ravel()
            uniq, first, code = np.unique(key, return_index=True, return_inverse=True)
            tables.append((cols, code.ravel().astype(np.intp), self.logz[first][:, cols],
                           pat[first]))
            total += len(uniq)
        if total > TABLES_MAX_SHARE * n:
            return pats, []
        return pats, tables

    def gsum(self, x: np.ndarray) -> np.ndarray:
        """Groups x rows: the sums of each row of ``x`` (rows x respondents) over each group."""
        return np.stack([self.M @ r for r in x], axis=1) if len(x) else np.zeros((self.g, 0))

    def sums(self, wk: np.ndarray, den: np.ndarray, geometric: bool, counts: np.ndarray | None = None,
             inv: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Per group and draw (weights ``wk``, K x c; ``den`` = pattern . w): the sum of
        r_i x_i over its respondents (x_i the index, NaN where ``den`` is 0) and the
        sum of r_i, the bootstrap multipliers of the draws' replicates (draw j uses
        row ``inv[j]`` of ``counts``, replicates x respondents, each replicate once;
        None: r_i = 1)."""
        c = wk.shape[1]
        boot = counts is not None
        if geometric:  # a few draws x respondents at a time: the arrays stay in cache
            plain, drawn = np.empty((self.g, c)), np.empty((self.g, c))
            for lo in range(0, c, GEOMETRIC_BLOCK):
                hi = min(lo + GEOMETRIC_BLOCK, c)
                x = self.geometric(wk[:, lo:hi])
                plain[:, lo:hi] = self.gsum(x)
                if boot:
                    x *= counts[inv[lo:hi]]
                    drawn[:, lo:hi] = self.gsum(x)
        else:
            wz = wk if self.divisor is None else wk / self.divisor[:, None]
            plain = self.Z @ wz
        if not boot:
            with np.errstate(invalid="ignore", divide="ignore"):
                return (plain if geometric else plain / den), np.repeat(self.size[:, None], c, axis=1)
        if geometric:
            cnt = self.gsum(counts)[:, inv]
        else:
            yc = np.stack([self.Y @ r for r in counts], axis=1).reshape(self.g, self.k + 1, len(counts))[:, :, inv]
            drawn = np.einsum("gkc,kc->gc", yc[:, :self.k], wz)
            cnt = yc[:, self.k]
        keep, drawn_w = (1.0 - self.lam)[:, None], (self.lam * self.scale)[:, None]
        num = keep * plain + drawn_w * drawn
        with np.errstate(invalid="ignore", divide="ignore"):
            return (num if geometric else num / den), keep * self.size[:, None] + drawn_w * cnt


class _Evaluator:
    """Scores of every entity under design rows, vectorised over respondents.

    Respondents are sorted by stratum (wave, region, unit, unit type), so each
    stratum is a contiguous block; sums go respondents -> strata (sparse S)
    -> entities (sparse H, every entity is a union of strata)."""

    def __init__(self, spec: IndexSpec, scores: pd.DataFrame, pre: dict, factors: list[Factor], seed: int):
        self.spec, self.pre, self.factors, self.seed = spec, pre, factors, seed
        ids = scores[["wave", "region_id", "unit_type", "unit_id"]].reset_index(drop=True)
        strat = ids.astype(object).where(ids.notna(), "\x00unknown")
        codes = strat.groupby(["wave", "region_id", "unit_id", "unit_type"], sort=True).ngroup().to_numpy()
        self.order = np.argsort(codes, kind="stable")
        self.ids = ids.iloc[self.order].reset_index(drop=True)
        self.n = n = len(ids)
        ents, g = _entities(self.ids)
        self.ents = ents
        c = codes[self.order]
        starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]]) if n else np.zeros(0, int)
        sizes = np.diff(np.r_[starts, n])
        self.S = sparse.csr_matrix((np.ones(n), (np.repeat(np.arange(len(starts)), sizes), np.arange(n))),
                                   shape=(len(starts), n))
        self.H = sparse.csr_matrix((g @ self.S.T) > 0, dtype=float)
        w = scores["weight"].to_numpy(dtype=float)[self.order] if "weight" in scores else np.full(n, np.nan)
        self.w_weighted = np.where(np.isfinite(w), w, 0.0)
        # a frame without any usable weight is unweighted throughout
        self.weighted_default = bool(np.isfinite(w).any())
        big_n = np.asarray(self.S @ self.w_weighted).ravel()
        fpc = bool((spec.uncertainty.sampling or {}).get("fpc", True))
        f = np.where((big_n > 0) & fpc, np.minimum(sizes / np.where(big_n > 0, big_n, 1.0), 1.0), 0.0)
        m = sizes - 1
        lam = np.where(m > 0, np.sqrt(1.0 - f), 0.0)
        self.lam_s, self.scale_s = lam, np.where(m > 0, sizes / np.maximum(m, 1), 0.0)
        self.stratum_i = np.repeat(np.arange(len(starts)), sizes)
        self._group_cache: dict = {}
        self.slot_start = np.repeat(starts[m > 0], m[m > 0])
        self.slot_size = np.repeat(sizes[m > 0], m[m > 0])
        # unit-constant weights need no re-post-stratification (the multipliers sum to n_u)
        wu = self.w_weighted
        self.const_w = bool(np.allclose(wu, np.repeat(np.asarray(self.S @ wu).ravel() / np.maximum(sizes, 1),
                                                      sizes)))
        root = spec.root
        self.root_min_share = root.min_share
        self.points = root.aggregation == "sum"
        kids = root.children
        self.hi = np.array([bounds(c, spec.scale)[1] for c in kids], dtype=float)
        self.total = float((self.hi * np.array([c.weight for c in kids])).sum())
        # per component matrix: zero-filled scores, their logs (geometric), answered indicator
        self.mats, self.raw = {}, {}
        for key, mat in pre["matrices"].items():
            mat = mat[self.order]
            if self.points:
                # the group sums add the raw points (integers stay exact, so equal unit means
                # stay equal and tie in the ranks) and divide the weights by the maxima instead
                self.raw[key] = np.where(np.isnan(mat), 0.0, mat)
                mat = mat / self.hi
            valid = ~np.isnan(mat)
            with np.errstate(divide="ignore"):
                self.mats[key] = (np.where(valid, mat, 0.0), np.log(np.where(valid & (mat > 0), mat, 1.0)),
                                  valid.astype(float))

    # -- one chunk of draws --------------------------------------------------
    def index(self, dec: dict, rows: np.ndarray) -> np.ndarray:
        """Respondent x draw matrix of the index (NaN: not enough components)."""
        out = np.empty((self.n, len(rows)))
        W = dec["weights"][rows].copy()
        loo = dec["leave_one_out"][rows]
        dropped = loo > 0
        W[np.flatnonzero(dropped), loo[dropped] - 1] = 0.0
        aggs = self.pre["aggs"]
        keys = np.stack([dec["min_share"][rows], dec["normalisation"][rows], dec["aggregation"][rows]], axis=1)
        for key in np.unique(keys, axis=0):
            cols = np.flatnonzero((keys == key).all(axis=1))
            z, logz, v = self.mats[(int(key[0]), int(key[1]))]
            wk = W[cols].T  # K x c
            geometric = aggs[int(key[2])] == "geometric"
            with np.errstate(invalid="ignore", divide="ignore"):
                x = ((logz if geometric else z) @ wk) / (v @ wk)
            if geometric:
                np.exp(x, out=x)
            if self.points:
                x *= self.total
            inc = (wk > 0).astype(float)
            answered = v @ inc
            need = self.root_min_share * inc.sum(axis=0) - 1e-9
            x[(answered == 0) | (answered < need)] = np.nan
            out[:, cols] = x
        return out

    def counts(self, seeds: np.ndarray) -> np.ndarray:
        """Seeds x respondents: how often each respondent is drawn in the replicate
        of each seed (m_u = n_u - 1 draws with replacement within unit u)."""
        counts = np.empty((len(seeds), self.n))
        for j, s in enumerate(seeds):
            # slot_start + floor(u * slot_size), without temporaries
            u = np.random.default_rng([self.seed, int(s)]).random(len(self.slot_start))
            u *= self.slot_size
            pick = u.astype(np.int64)
            pick += self.slot_start
            counts[j] = np.bincount(pick, minlength=self.n)
        return counts

    def _groups(self, key: tuple) -> _Groups:
        if key not in self._group_cache:
            z, logz, v = self.mats[key]
            self._group_cache[key] = _Groups(self.raw.get(key, z), logz, v, self.stratum_i, self.w_weighted,
                                             self.S.shape[0], self.lam_s, self.scale_s,
                                             self.hi if self.points else None)
        return self._group_cache[key]

    def entity_scores(self, dec: dict, rows: np.ndarray, resample: bool = True,
                      counts: np.ndarray | None = None, col: np.ndarray | None = None) -> np.ndarray:
        """Entities x draws: the (replicate-)weighted mean index of every entity.

        Per draw, respondent i of unit (stratum) u carries om_i = b_i r_i (b_i its
        survey weight or 1, r_i its bootstrap multiplier) and the entity's score is
        sum om_i x_i / sum om_i over its respondents with an index. With r_i =
        1 - lambda_u + lambda_u s_u c_i, a group's sums are (1 - lambda) times its
        plain sums plus lambda s times its count-weighted sums (a sparse product
        with the replicate's counts ``counts[col]``, one row per seed); only
        geometric draws need the index of each respondent."""
        n_d = len(rows)
        ns = self.S.shape[0]
        W = dec["weights"][rows].copy()
        loo = dec["leave_one_out"][rows]
        dropped = loo > 0
        W[np.flatnonzero(dropped), loo[dropped] - 1] = 0.0
        sw = dec["survey_weights"][rows]  # level 0: weighted (when the frame has weights)
        weighted = (sw == 0) & self.weighted_default
        boot = resample and dec[SAMPLING] is not None and len(self.slot_start) > 0
        if boot and counts is None:
            seeds, col = np.unique(dec[SAMPLING][rows], return_inverse=True)
            counts = self.counts(seeds)
        a, b = np.zeros((ns, n_d)), np.zeros((ns, n_d))
        t, t_star = np.zeros((ns, n_d)), np.zeros((ns, n_d))
        aggs = self.pre["aggs"]
        keys = np.stack([dec["min_share"][rows], dec["normalisation"][rows], dec["aggregation"][rows]], axis=1)
        for key in np.unique(keys, axis=0):
            cols = np.flatnonzero((keys == key).all(axis=1))
            gr = self._groups((int(key[0]), int(key[1])))
            geometric = aggs[int(key[2])] == "geometric"
            wk = W[cols].T  # K x c
            inc = (wk > 0).astype(float)
            den = gr.pattern @ wk
            answered = gr.pattern @ inc
            need = self.root_min_share * inc.sum(axis=0) - 1e-9
            ok = (den != 0) & (answered != 0) & ~(answered < need)
            base = np.where(weighted[cols][None, :], gr.w[:, None], 1.0)  # G x c
            if boot:
                used, inv = np.unique(col[cols], return_inverse=True)
                x_sum, r_sum = gr.sums(wk, den, geometric, counts[used], inv)
            else:
                x_sum, r_sum = gr.sums(wk, den, geometric)
            x_g = np.where(ok, x_sum, 0.0)
            if self.points:
                x_g *= self.total
            om = base * r_sum
            S_g = gr.S_g
            a[:, cols] = S_g @ (base * x_g)
            b[:, cols] = S_g @ np.where(ok, om, 0.0)
            t[:, cols] = S_g @ (base * gr.size[:, None])
            t_star[:, cols] = S_g @ om
        if boot and not self.const_w:  # re-post-stratify each replicate to the headcounts
            with np.errstate(invalid="ignore", divide="ignore"):
                phi = np.where(t_star > 0, t / t_star, 0.0)
            a, b = a * phi, b * phi
        num, den = self.H @ a, self.H @ b
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / den, np.nan)

    def chunk(self) -> int:
        return max(1, min(512, CHUNK_CELLS // max(self.n, 1)))

    def blocks(self, dec: dict, n_eval: int):
        """(rows, counts, col) for every draw: the draws of a block of bootstrap seeds
        together, so each replicate's counts are drawn once (the rows of a Saltelli
        block share two replicates; the uncertainty draws and the design's A rows
        may share some); ``counts[col[j]]`` is the replicate of draw ``rows[j]``."""
        if dec[SAMPLING] is None or not len(self.slot_start):
            step = self.chunk()
            for lo in range(0, n_eval, step):
                yield np.arange(lo, min(lo + step, n_eval)), None, None
            return
        seeds, inv = np.unique(dec[SAMPLING][:n_eval], return_inverse=True)
        order = np.argsort(inv, kind="stable")
        sorted_inv = inv[order]
        step = self.chunk()
        for lo in range(0, len(seeds), step):
            hi = min(lo + step, len(seeds))
            r = order[np.searchsorted(sorted_inv, lo):np.searchsorted(sorted_inv, hi)]
            yield r, self.counts(seeds[lo:hi]), inv[r] - lo


# ----------------------------------------------------------------------------- sensitivity


class _Estimators:
    """SALib's first- and total-order estimators (``SALib.analyze.sobol.first_order``
    and ``total_order``, the same operations) for one pair of base samples A, B
    (rows first; any trailing axes, e.g. bootstrap resamples x outputs); the
    variance of f over A and B, and SALib's constant-output test, are shared by
    every input and both estimators."""

    def __init__(self, a: np.ndarray, b: np.ndarray):
        y = np.r_[a, b]
        self.a, self.b = a, b
        self.constant = np.ptp(y) <= np.finfo(float).eps
        self.var = np.var(y, axis=0)

    def _ratio(self, num: np.ndarray) -> np.ndarray:
        if self.constant:
            return np.zeros(self.var.shape, dtype=np.float64)
        return np.divide(num, self.var, out=np.zeros_like(self.var, dtype=np.float64),
                         where=self.var > np.finfo(float).eps)

    def first_order(self, ab: np.ndarray) -> np.ndarray:
        return self._ratio(np.mean(self.b * (ab - self.a), axis=0))

    def total_order(self, ab: np.ndarray) -> np.ndarray:
        return self._ratio(0.5 * np.mean((self.a - ab) ** 2, axis=0))


def sobol_indices(problem: dict, y: np.ndarray, resamples: int = 200, conf_level: float = 0.95,
                  seed: int | None = None) -> pd.DataFrame:
    """First- and total-order Sobol' indices of the outputs ``y`` evaluated on
    SALib's Saltelli design (``calc_second_order=False``): one row per output
    column and input (group), columns ``output, input, S1, S1_ci_low, S1_ci_high,
    ST, ST_ci_low, ST_ci_high, output_variance``.

    With base matrices A, B and A_B^(i) (A with input i taken from B), each
    output standardised (mean 0, SD 1) as SALib does,

        S1_i = mean(f(B) (f(A_B^i) - f(A))) / V        (Saltelli et al. 2010)
        ST_i = mean((f(A) - f(A_B^i))^2) / (2 V)        (Jansen 1999)

    with V the variance of f over A and B: the expressions of SALib's estimator
    functions (``SALib.analyze.sobol.first_order`` / ``total_order``), applied to
    all outputs at once, with V (which does not depend on i) computed once per
    sample instead of once per input and estimator. Intervals as ``SALib.analyze.sobol.analyze``: the same
    bootstrap of the N base rows (``resamples``, seeded like SALib), estimate
    -+ z SD. An output that never varies gets NaN indices.

    Example (Ishigami, a = 7, b = 0.1: S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244)
    -------
    >>> x = SALib.sample.sobol.sample(problem, 2**13, calc_second_order=False)
    >>> sobol_indices(problem, ishigami(x))
    """
    names = list(dict.fromkeys(problem.get("groups") or problem["names"]))
    d = len(names)
    y = np.asarray(y, dtype=float)
    y = y[:, None] if y.ndim == 1 else y
    n_out = y.shape[1]
    if len(y) % (d + 2):
        raise ValueError(f"{len(y)} outputs do not fit a Saltelli design of {d} inputs (n * (d + 2) rows)")
    n = len(y) // (d + 2)
    var = y.var(axis=0)
    ok = np.isfinite(y).all(axis=0) & (var > 1e-24)
    sd = np.where(ok, np.sqrt(np.where(ok, var, 1.0)), 1.0)
    ys = np.where(ok, (y - np.nanmean(y, axis=0)) / sd, 0.0).reshape(n, d + 2, n_out)
    a, ab, b = ys[:, 0], ys[:, 1:d + 1], ys[:, d + 1]
    rng = np.random.default_rng(seed).integers if seed else np.random.randint
    r = rng(n, size=(n, resamples))
    z = stats.norm.ppf(0.5 + conf_level / 2)
    rows = []
    point, boot = _Estimators(a, b), _Estimators(a[r], b[r])
    for j in range(d):
        s1, st = point.first_order(ab[:, j]), point.total_order(ab[:, j])
        ab_r = ab[r, j]
        s1_sd = boot.first_order(ab_r).std(axis=0, ddof=1)
        st_sd = boot.total_order(ab_r).std(axis=0, ddof=1)
        rows.append(pd.DataFrame({"output": np.arange(n_out), "input": names[j], "S1": s1,
                                  "S1_ci_low": s1 - z * s1_sd, "S1_ci_high": s1 + z * s1_sd, "ST": st,
                                  "ST_ci_low": st - z * st_sd, "ST_ci_high": st + z * st_sd,
                                  "output_variance": var}))
    out = pd.concat(rows, ignore_index=True).sort_values(["output"], kind="stable").reset_index(drop=True)
    bad = ~ok[out["output"].to_numpy()]
    out.loc[bad, ["S1", "S1_ci_low", "S1_ci_high", "ST", "ST_ci_low", "ST_ci_high"]] = np.nan
    return out


# ----------------------------------------------------------------------------- driver


def _band_codes(values: np.ndarray, spec: IndexSpec, edges: np.ndarray | None) -> np.ndarray:
    """Band index per cell (-1: no band); ``edges`` (draws x inner edges) shifts the
    inner band edges per column."""
    v = np.round(values, spec.band_round) if spec.band_round is not None else values
    mins = np.array([b.min for b in spec.bands])
    if edges is None:
        edges = np.tile(mins[1:], (values.shape[1], 1))
    code = (v[:, :, None] >= edges[None, :, :]).sum(axis=2)
    code[(v < mins[0]) | np.isnan(v)] = -1
    return code


def monte_carlo(scores: pd.DataFrame, spec: IndexSpec, rows: pd.DataFrame | None = None,
                u: UncertaintySpec | None = None) -> UncertaintyResult:
    """Uncertainty of every region, unit type and unit of ``scores`` (a
    ``scores_<index>.parquet`` frame) under the spec's ``uncertainty:`` block.

    Parameters
    ----------
    scores : one row per respondent: ``wave, region_id, unit_type, unit_id,
        weight`` and the component columns.
    spec : the index spec (its ``uncertainty`` block, or ``u``).
    rows : the respondents ``scores`` was computed from (same order); needed to
        vary the minimum-answered rule and the normalisation. Without it those
        choices are held at the spec's.

    Returns
    -------
    :class:`UncertaintyResult`; ``table`` has per entity the baseline (the
    spec's choices, no resampling) and the median and 5th / 95th percentiles
    of score and rank over the ``n`` draws (rank 1 = highest; units and unit
    types ranked within region and wave, regions within the wave).
    """
    import time

    t0 = time.perf_counter()
    u = u or spec.uncertainty
    if u is not spec.uncertainty:
        spec = copy.copy(spec)
        spec.uncertainty = u
    scores = scores.reset_index(drop=True)
    factors, pre = factors_for(spec, scores, rows, u)
    ev = _Evaluator(spec, scores, pre, factors, u.seed)
    ents = ev.ents
    ne = len(ents)
    keep_all = ents["level"].isin(["region", "unit_type"]).to_numpy()
    sens_on = bool(u.sensitivity and factors)
    # the uncertainty draws (the A matrix of a Saltelli design of size n), then the
    # Saltelli design of the sensitivity indices (base sensitivity_n) after them
    x = design(factors, u.n, u.seed, False)[0] if factors else np.zeros((u.n, 0))
    a_rows = np.arange(u.n)
    if sens_on:
        x = np.vstack([x, design(factors, u.sensitivity_n, u.seed, True)[0]])
    dec = _decode(factors, x, spec, u.seed)
    n_eval = len(x)
    s_a = np.empty((ne, u.n))
    s_all = np.empty((int(keep_all.sum()), n_eval - u.n))
    for r, counts, col in ev.blocks(dec, n_eval):
        s = ev.entity_scores(dec, r, counts=counts, col=col)
        in_a = r < u.n
        s_a[:, r[in_a]] = s[:, in_a]
        s_all[:, r[~in_a] - u.n] = s[keep_all][:, ~in_a]
    # the spec's own choices without resampling
    base_dec = {k: (np.zeros(1, int) if isinstance(v, np.ndarray) and v.ndim == 1 else v)
                for k, v in dec.items()}
    base_dec["weights"] = _base_weights(spec)[None, :]
    base_dec[SAMPLING] = None
    baseline = ev.entity_scores(base_dec, np.zeros(1, int), resample=False)[:, 0]
    rank_a = _ranks(s_a, ents["partition"].to_numpy())
    rank_base = _ranks(baseline[:, None], ents["partition"].to_numpy())[:, 0]
    n_valid = ev.H @ (ev.S @ np.isfinite(ev.index(base_dec, np.zeros(1, int))[:, 0]).astype(float))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # entities never scored: all-NaN rows
        q = np.nanquantile(s_a, [0.5, 0.05, 0.95], axis=1)
        qr = np.nanquantile(rank_a, [0.5, 0.05, 0.95], axis=1, method="inverted_cdf") \
            if np.isfinite(rank_a).any() else np.full((3, ne), np.nan)
    n_ranked = pd.Series(np.isfinite(rank_base)).groupby(ents["partition"].to_numpy()).transform("sum").to_numpy()
    inputs = ",".join([f.name for f in factors] + (["band_edges"] if u.band_edges and spec.bands else []))
    table = ents[["level", "wave", "region_id", "group"]].copy()
    table.insert(0, "index", spec.id)
    table["n"] = n_valid.astype(int)
    table["baseline_score"] = baseline
    table["score_median"], table["score_p05"], table["score_p95"] = q
    table["baseline_rank"] = rank_base
    table["rank_median"], table["rank_p05"], table["rank_p95"] = qr
    table["n_ranked"] = n_ranked.astype(int)

    bands = pd.DataFrame(columns=BAND_COLUMNS)
    table["baseline_category"] = None
    table["modal_category"] = None
    table["p_modal_category"] = np.nan
    if spec.bands:
        edges = None
        if u.band_edges:
            mins = np.array([b.min for b in spec.bands])
            width = float(np.mean(np.diff(mins))) if len(mins) > 1 else 0.0
            rng = np.random.default_rng([u.seed, 7])
            edges = mins[1:] + u.band_edges["shift"] * width * (2 * rng.random((len(a_rows), len(mins) - 1)) - 1)
        codes = _band_codes(s_a, spec, edges)
        ids = [b.id for b in spec.bands]
        scored = (codes >= 0).sum(axis=1)
        probs = np.stack([(codes == i).sum(axis=1) for i in range(len(ids))], axis=1) / np.maximum(scored, 1)[:, None]
        probs[scored == 0] = np.nan
        base_code = _band_codes(baseline[:, None], spec, None)[:, 0]
        table["baseline_category"] = [ids[c] if c >= 0 else None for c in base_code]
        has = scored > 0
        modal = np.where(has, np.nanargmax(np.where(has[:, None], probs, 0.0), axis=1), -1)
        table["modal_category"] = [ids[c] if c >= 0 else None for c in modal]
        table["p_modal_category"] = np.where(has, probs[np.arange(ne), np.maximum(modal, 0)], np.nan)
        bands = table[["index", "wave", "region_id", "level", "group"]].loc[np.repeat(np.arange(ne), len(ids))] \
            .reset_index(drop=True)
        bands["band"] = ids * ne
        bands["p"] = probs.ravel()
    table["n_draws"] = len(a_rows)
    table["seed"] = u.seed
    table["inputs"] = inputs

    sens = pd.DataFrame(columns=SENS_INDEX_COLUMNS)
    if sens_on:
        kept = ents[keep_all].reset_index(drop=True)
        rank_all = _ranks(s_all, kept["partition"].to_numpy())
        region = (kept["level"] == "region").to_numpy()
        y = np.where(region[:, None], s_all, rank_all).T  # evaluations x outputs
        sens = sobol_indices(_problem(factors), y, u.ci_resamples, u.conf_level, seed=u.seed)
        meta = kept.loc[sens["output"].to_numpy(), ["wave", "region_id", "level", "group"]].reset_index(drop=True)
        sens = pd.concat([meta, sens.reset_index(drop=True)], axis=1)
        sens["output"] = np.where(sens["level"] == "region", "score", "rank")
        sens.insert(0, "index", spec.id)
        sens["n_base"], sens["n_evaluations"] = u.sensitivity_n, n_eval - u.n
        sens["seed"], sens["conf_level"] = u.seed, u.conf_level
        sens = sens[SENS_INDEX_COLUMNS]

    draws = pd.DataFrame({"draw": np.arange(len(a_rows))})
    for f in factors:
        if f.name == "weights":
            wts = dec["weights"][a_rows]
            for j, c in enumerate(spec.components):
                draws[f"w_{c}"] = wts[:, j] / wts.sum(axis=1)
        elif f.name == SAMPLING:
            draws["replicate"] = dec[SAMPLING][a_rows].astype("int64")
        else:
            draws[f.name] = [f.levels[i] for i in dec[f.name][a_rows]]
    res = UncertaintyResult(table[UNC_COLUMNS], bands, sens, draws, factors)
    res.seconds = time.perf_counter() - t0
    return res


# ----------------------------------------------------------------------------- brief


def _num(v):
    return None if v is None or (isinstance(v, float) and not np.isfinite(v)) or pd.isna(v) else float(v)


def _entity(r: dict) -> dict:
    return {"n": int(r["n"]),
            "score": {"baseline": _num(r["baseline_score"]), "median": _num(r["score_median"]),
                      "p05": _num(r["score_p05"]), "p95": _num(r["score_p95"])},
            "rank": {"baseline": _num(r["baseline_rank"]), "median": _num(r["rank_median"]),
                     "p05": _num(r["rank_p05"]), "p95": _num(r["rank_p95"]), "of": int(r["n_ranked"])},
            "category": {"baseline": r["baseline_category"], "modal": r["modal_category"],
                         "p_modal": _num(r["p_modal_category"])}}


def _driver(s: pd.DataFrame, build_only: bool) -> dict | None:
    """The input with the largest total-order index. Over several outputs (the
    unit types' ranks) the indices are averaged with the outputs' variances as
    weights: the total-order index of the summed rank variance (Gamboa, Janon,
    Klein & Lagnoux 2014); its interval averages the bounds the same way (a
    conservative approximation)."""
    if build_only:
        s = s[s["input"] != SAMPLING]
    s = s[s["ST"].notna()]
    if s.empty:
        return None
    cols = ("S1", "ST", "ST_ci_low", "ST_ci_high")
    v = s["output_variance"].clip(lower=0).to_numpy(dtype=float)
    # per input, on arrays: the same np.average as a groupby-apply, without its
    # per-group frames (a brief asks for four drivers); inputs sorted, as groupby sorts
    codes, inputs = pd.factorize(s["input"], sort=True)
    arrays = {c: s[c].to_numpy() for c in cols}
    agg = []
    for k in range(len(inputs)):
        at = np.flatnonzero(codes == k)
        w = v[at]
        agg.append({c: np.average(arrays[c][at], weights=w) if w.sum() > 0 else s[c].iloc[at].mean() for c in cols})
    k_top = inputs.get_loc(pd.Series([a["ST"] for a in agg], index=inputs).idxmax())
    return {"input": str(inputs[k_top]), **{c: _num(agg[k_top][c]) for c in cols},
            "n_outputs": int((s["output_variance"].to_numpy()[codes == k_top] > 0).sum())}


def brief_summary(unc: pd.DataFrame, sens: pd.DataFrame, region: str, index: str, wave=None,
                  priority_units: list[str] | None = None, n_priority: int = 5) -> dict:
    """The uncertainty figures a region's brief states, JSON-ready.

    Parameters
    ----------
    unc, sens : ``uncertainty.parquet`` and ``sensitivity_indices.parquet`` (all
        regions, or at least ``region``; region ranks need every region).
    region, index : the brief's region and index; ``wave`` (default: the
        region's latest) the wave reported.
    priority_units : unit ids whose rank intervals the brief shows (default:
        the ``n_priority`` units with the worst median rank).

    Returns
    -------
    dict with keys

    - ``index, wave, n_draws, seed, inputs`` (the varied inputs, in design order);
    - ``region``: ``{n, score: {baseline, median, p05, p95}, rank: {baseline,
      median, p05, p95, of}, category: {baseline, modal, p_modal}}`` (rank among
      the study's regions in that wave; the 90 % intervals are p05-p95);
    - ``unit_types``: ``{unit_type: <same shape>}``, ranks within the region;
    - ``priority_units``: ``{unit_id: <same shape>}``;
    - ``drivers``: ``region_index`` and ``unit_type_ranks`` (the input with the
      largest total-order index, any input) and ``region_index_build`` /
      ``unit_type_ranks_build`` (build choices only, sampling excluded), each
      ``{input, S1, ST, ST_ci_low, ST_ci_high, n_outputs}`` or None;
    - ``regions``: ``{region_id: {median, p05, p95, baseline}}`` ranks of every
      region of the study in that wave (the study summary's rank intervals).

    Example
    -------
    >>> brief_summary(unc, sens, "kab-kutai-kartanegara", "ikd")["unit_types"]["kecamatan"]["rank"]
    {'baseline': 9.0, 'median': 9.0, 'p05': 8.0, 'p95': 10.0, 'of': 10}
    """
    u = unc[(unc["index"] == index)]
    mine = u[u["region_id"] == region]
    if mine.empty:
        return {}
    if wave is None:
        wave = sorted(mine["wave"].dropna().unique())[-1]
    mine = mine[mine["wave"] == wave]
    reg = mine[mine["level"] == "region"]
    if reg.empty:
        return {}
    r0 = reg.iloc[0]
    units = mine[mine["level"] == "unit"]
    if priority_units is None:
        pick = units.sort_values(["rank_median", "baseline_rank"], ascending=False).head(n_priority)
    else:
        pick = units[units["group"].isin([str(p) for p in priority_units])]
    s = sens[(sens["index"] == index) & (sens["region_id"] == region) & (sens["wave"] == wave)] \
        if len(sens) else sens
    s_reg = s[s["level"] == "region"] if len(s) else s
    s_ut = s[s["level"] == "unit_type"] if len(s) else s
    regions = u[(u["level"] == "region") & (u["wave"] == wave)]
    return {
        "index": index, "wave": wave.item() if hasattr(wave, "item") else wave,
        "n_draws": int(r0["n_draws"]), "seed": int(r0["seed"]),
        "inputs": [x for x in str(r0["inputs"]).split(",") if x],
        "region": _entity(r0.to_dict()),
        "unit_types": {str(r["group"]): _entity(r) for r in
                       mine[mine["level"] == "unit_type"].sort_values("rank_median").to_dict("records")},
        "priority_units": {str(r["group"]): _entity(r) for r in pick.to_dict("records")},
        "drivers": {"region_index": _driver(s_reg, False) if len(s_reg) else None,
                    "region_index_build": _driver(s_reg, True) if len(s_reg) else None,
                    "unit_type_ranks": _driver(s_ut, False) if len(s_ut) else None,
                    "unit_type_ranks_build": _driver(s_ut, True) if len(s_ut) else None},
        "regions": {str(r["group"]): {"baseline": _num(r["baseline_rank"]), "median": _num(r["rank_median"]),
                                      "p05": _num(r["rank_p05"]), "p95": _num(r["rank_p95"])}
                    for r in regions.to_dict("records")},
    }


def stage_tables(scores: pd.DataFrame, spec: IndexSpec, rows: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Stage 02's uncertainty tables of one index: ``uncertainty``,
    ``uncertainty_bands`` and ``sensitivity_indices`` (file stems in
    ``data/processed/<study>/``). Each row carries ``n_draws`` / ``n_base`` and
    ``seed``, so the brief's results.json (and its manifest) can state them."""
    res = monte_carlo(scores, spec, rows=rows)
    return {"uncertainty": res.table, "uncertainty_bands": res.bands, "sensitivity_indices": res.sensitivity}


def manifest_entry(study) -> dict:
    """``{index: {n, seed, sensitivity, ci_resamples, conf_level}}`` of the study's
    index specs, for a report's ``manifest.json`` (the same values are in every
    row of ``uncertainty.parquet`` and in ``results.json``)."""
    from .spec import study_spec

    out = {}
    for ix in study.indices:
        u = study_spec(study, ix).uncertainty
        out[ix] = {"n": u.n, "seed": u.seed, "sensitivity": u.sensitivity, "ci_resamples": u.ci_resamples,
                   "conf_level": u.conf_level}
    return out
