"""Survey designs: Taylor linearisation (:class:`SurveyDesign`) and replicate weights
(:class:`ReplicateDesign`), R's ``svydesign`` and ``svrepdesign`` in Python.
"""
from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ...errors import InputError
from . import _calibrate as cal
from . import _variance as var
from ._estimators import Estimators, _irls

REPLICATE_TYPES = ("JK1", "JKn", "bootstrap")


def _with_range_index(df: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise InputError("survey data must be a DataFrame", found=type(df).__name__)
    if isinstance(df.index, pd.RangeIndex) and df.index.start == 0 and df.index.step == 1:
        return df
    return df.set_axis(pd.RangeIndex(len(df)), axis=0)


def _need(df: pd.DataFrame, col: str, what: str) -> pd.Series:
    if col not in df.columns:
        raise InputError(f"{what} column not in the survey data", column=col,
                         expected="one of " + ", ".join(map(str, df.columns[:20])))
    s = df[col]
    if s.isna().any():
        rows = np.flatnonzero(s.isna().to_numpy())[:5]
        raise InputError(f"{what} column has missing values", column=col,
                         expected="a value on every row", found=f"missing at rows {list(rows)}")
    return s


def _check_weights(w: np.ndarray, col: str) -> np.ndarray:
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        rows = np.flatnonzero(bad)[:5]
        raise InputError("weights must be positive numbers", column=col,
                         expected="w > 0 on every row",
                         found=f"{w[rows].tolist()} at rows {rows.tolist()}")
    return w


def _as_list(x) -> list:
    if x is None:
        return []
    return [x] if isinstance(x, str) else list(x)


class SurveyDesign(Estimators):
    """A survey design for design-based (Taylor linearisation) estimation, as R's ``svydesign``.

    Variance of an estimator with influence values U_i (weighted linearised variables):
    stage 1, V_1 = sum_h (1 - n_h/N_h) n_h/(n_h - 1) sum_{j=1}^{n_h} (u_hj - ubar_h)
    (u_hj - ubar_h)', u_hj the total of U over PSU j of stratum h (with replacement when no
    fpc: the factor 1 - n_h/N_h is 1). With an fpc at every stage, the later stages add
    sum over stage-1 units of (n_h/N_h) times the same formula within the unit, recursively
    (R's ``svyrecvar``; Särndal et al. 1992, result 4.3.1; Wolter 2007, ch. 6).

    Parameters
    ----------
    df : the respondents (one row each).
    ids : cluster column per stage, outermost first (None: the rows are the PSUs).
    strata : stratum column of the first stage (None: one stratum).
    weights : sampling-weight column (None: implied by ``fpc`` as prod_s N_s/n_s, else 1).
    fpc : population-size column per stage (a count N, not a fraction; None: sampling with
        replacement). Give one per stage or none. A stratum with N_h = n_h is a census:
        no variance from it (the census-with-nonresponse design of a BKPSDM survey:
        ``strata="unit", fpc="headcount"`` then :meth:`poststratify`).
    nest : PSU ids are only unique within strata (R's ``nest=TRUE``).
    lonely_psu : a stratum with one PSU (and N_h > 1): ``"fail"`` (default, an error on
        construction), ``"remove"``/``"certainty"`` (it contributes no variance),
        ``"adjust"`` (centred at the grand mean of PSU totals), ``"average"`` (the average
        variance of the other strata), as R's ``options(survey.lonely.psu=)``.

    Raises
    ------
    InputError : unknown column, missing design values, non-positive or missing weights, an
        fpc smaller than the number of sampled PSUs of its stratum or not constant within it,
        PSU ids repeated across strata without ``nest=True``, a stratum with one PSU.

    References
    ----------
    Lumley T (2004). Analysis of complex survey samples. J Stat Softw 9(8).
    Lumley T (2010). Complex Surveys: A Guide to Analysis Using R. Wiley.
    Wolter KM (2007). Introduction to Variance Estimation, 2nd ed. Springer.
    Särndal CE, Swensson B, Wretman J (1992). Model Assisted Survey Sampling. Springer.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"unit": ["a"] * 3 + ["b"] * 3, "y": [1.0, 2, 3, 4, 5, 9],
    ...                   "N": [5] * 3 + [4] * 3})
    >>> des = SurveyDesign(d, strata="unit", fpc="N")
    >>> round(des.mean("y")["estimate"].item(), 4), des.df
    (3.7778, 4.0)
    """

    def __init__(self, df: pd.DataFrame, ids=None, strata=None, weights=None, fpc=None,
                 nest: bool = False, lonely_psu: str = "fail"):
        if lonely_psu not in var.LONELY:
            raise InputError("unknown lonely-PSU rule", column="lonely_psu",
                             expected=" | ".join(var.LONELY), found=lonely_psu)
        data = _with_range_index(df)
        n = len(data)
        if n == 0:
            raise InputError("survey data has no rows")
        ids, fpcs = _as_list(ids), _as_list(fpc)
        n_stages = max(1, len(ids))
        if fpcs and len(fpcs) != n_stages:
            raise InputError("give one fpc column per sampling stage (or none)",
                             expected=n_stages, found=fpcs)
        self._data = data
        self._codes_cache = {}  # domain codes of the data, shared by subsets and copies
        self.lonely_psu = lonely_psu
        self.spec = {"ids": ids, "strata": strata, "weights": weights, "fpc": fpcs, "nest": nest}
        if strata is None:
            s_codes, s_labels = np.zeros(n, dtype=np.intp), np.array([1])
        else:
            s_codes, s_labels = pd.factorize(_need(data, strata, "strata"), sort=True)
            s_labels = np.asarray(s_labels).tolist()
        self._strata = s_codes
        self._stages: list[var.Stage] = []
        group, group_labels, mult = s_codes, list(s_labels), np.ones(len(s_labels))
        prob = np.ones(n)
        for s in range(n_stages):
            if ids:
                key = _need(data, ids[s], "cluster id").to_numpy()
            else:
                key = np.arange(n)
            if s == 0 and not nest and ids and strata is not None:
                per = pd.DataFrame({"c": key, "h": s_codes}).groupby("c")["h"].nunique()
                if (per > 1).any():
                    raise InputError("PSU ids repeat across strata", column=ids[0],
                                     expected="ids unique across strata, or nest=True",
                                     found=per[per > 1].index[0])
            if ids:
                kc, kl = pd.factorize(key)
                # one integer per (group, id) pair: factorising int64 is far faster than tuples
                psu, _ = pd.factorize(group.astype(np.int64) * len(kl) + kc, sort=True)
                psu = np.asarray(psu, dtype=np.intp)
                first = np.full(psu.max() + 1, -1, dtype=np.intp)
                first[psu[::-1]] = np.arange(n - 1, -1, -1)
            else:
                psu, first = np.arange(n, dtype=np.intp), np.arange(n, dtype=np.intp)
            psu_group = group[first]
            n_h = np.bincount(psu_group, minlength=len(group_labels))
            N_h = None
            if fpcs:
                N_h = self._stage_fpc(data, fpcs[s], group, group_labels, n_h, s + 1)
                prob = prob * (n_h / N_h)[group]
            st = var.Stage(psu=psu, psu_group=psu_group, n_h=n_h, N_h=N_h, mult=mult,
                           group_labels=group_labels)
            self._stages.append(st)
            if lonely_psu == "fail" and st.lonely.any() and (s == 0 or fpcs):
                h = int(np.flatnonzero(st.lonely)[0])
                where = f"stratum {group_labels[h]!r}" if s == 0 else \
                    f"stage-{s} unit {group_labels[h]!r}"
                raise InputError(f"{where} has only one PSU at stage {s + 1}",
                                 column=strata if s == 0 else ids[s],
                                 expected="at least 2 PSUs per stratum, or lonely_psu= 'adjust',"
                                 " 'remove', 'certainty' or 'average'",
                                 found=f"{int(st.lonely.sum())} stratum/strata with one PSU")
            # the next stage is stratified by this stage's PSUs
            if N_h is not None:
                mult = mult[psu_group] * (n_h / N_h)[psu_group]
            else:
                mult = mult[psu_group]
            group = psu
            group_labels = np.asarray(key[first]).tolist()
        if weights is not None:
            self._w = _check_weights(_need(data, weights, "weights").to_numpy(dtype=float), weights)
        else:
            self._w = 1.0 / prob
        self._psu1 = self._stages[0].psu
        self._steps: list = []
        self._domain = None

    @staticmethod
    def _stage_fpc(data, col, group, labels, n_h, stage) -> np.ndarray:
        s = _need(data, col, "fpc")
        if not pd.api.types.is_numeric_dtype(s):
            raise InputError("fpc must be a population count", column=col, found=str(s.dtype))
        v = s.to_numpy(dtype=float)
        frame = pd.DataFrame({"g": group, "N": v})
        nun = frame.groupby("g")["N"].nunique()
        if (nun > 1).any():
            g = int(nun.index[nun > 1][0])
            raise InputError(f"fpc is not constant within {'stratum' if stage == 1 else 'unit'} "
                             f"{labels[g]!r} at stage {stage}", column=col,
                             expected="one population size per stratum",
                             found=sorted(frame.loc[frame.g == g, "N"].unique().tolist())[:5])
        N = frame.groupby("g")["N"].first().reindex(range(len(n_h))).to_numpy()
        bad = ~(N >= n_h)
        if bad.any():
            g = int(np.flatnonzero(bad)[0])
            raise InputError(f"fpc smaller than the sampled count in "
                             f"{'stratum' if stage == 1 else 'unit'} {labels[g]!r} at stage "
                             f"{stage}", column=col,
                             expected=f"a population size N >= n = {int(n_h[g])} (a count, not a "
                             "sampling fraction)", found=N[g])
        return N

    def __repr__(self) -> str:
        st = self._stages[0]
        return (f"SurveyDesign(n={len(self._data)}, strata={st.n_h.size}, psu={st.psu_group.size}, "
                f"stages={len(self._stages)}, fpc={'yes' if st.N_h is not None else 'no'}, "
                f"calibrated={len(self._steps)}, df={self.df})")

    def _copy(self):
        return copy.copy(self)

    # --- hooks for the estimators --------------------------------------------------------
    def _degf(self, mask: np.ndarray) -> float:
        st = self._stages[0]
        if mask.all():
            return float(st.psu_group.size - st.n_h.size)
        rows = mask & (self._w > 0)
        n_psu = np.count_nonzero(np.bincount(self._psu1[rows], minlength=st.psu_group.size))
        n_str = np.count_nonzero(np.bincount(self._strata[rows], minlength=st.n_h.size))
        return float(n_psu - n_str)

    def _vcov_infl(self, U, diag: bool = False) -> np.ndarray:
        U = var.residualise(self._steps, U)
        return var.recvar(self._stages, U, self.lonely_psu, diag=diag)

    def _vcov_ratio(self, A, B, est, z, diag: bool = False) -> np.ndarray:
        U = z.multiply(self._w[:, None]).tocsc() if sp.issparse(z) else z * self._w[:, None]
        return self._vcov_infl(U, diag=diag)

    def _vcov_glm(self, X, y, rows, family, beta, infl) -> np.ndarray:
        U = np.zeros((len(self._data), X.shape[1]))
        U[rows] = infl
        return self._vcov_infl(U)

    # --- calibration ------------------------------------------------------------------------
    def _weight_matrix(self) -> np.ndarray:
        return self._w[:, None]

    def _with_weights(self, W: np.ndarray, step):
        out = self._copy()
        out._w = W[:, 0].copy()
        out._steps = self._steps + [step]
        return out

    def poststratify(self, cols, population):
        """Post-stratify the weights to known population counts of cells (``postStratify``).

        w*_i = w_i N_c / Nhat_c for the cell c of row i. The variance uses the residuals from
        the cell means: U_i <- U_i - w*_i Ubar_c (Lumley 2010, sec. 7.2; Särndal et al.
        1992, sec. 7.6).

        Parameters
        ----------
        cols : column name or list of names defining the cells.
        population : DataFrame with ``cols`` and one count column (e.g. ``Freq``), a Series
            indexed by the cells, or a dict {cell: N} (cell a tuple for several columns).

        Returns
        -------
        A new design (same class) with calibrated weights.

        Examples
        --------
        >>> import pandas as pd
        >>> d = pd.DataFrame({"g": ["a", "a", "b"], "y": [1.0, 2, 3]})
        >>> SurveyDesign(d).poststratify("g", {"a": 10, "b": 30}).total("y")["estimate"].item()
        105.0
        """
        cols = _as_list(cols)
        for c in cols:
            _need(self._data, c, "post-stratum")
        codes, cells = cal.cell_codes(self._data, cols)
        N = cal.population_counts(cells, cols, population)
        W = self._weight_matrix()
        Wn = cal.poststratify_weights(W, codes, N)
        return self._with_weights(Wn, var.PostStrat(codes, W[:, 0].copy(), Wn[:, 0].copy()))

    def rake(self, margins, tol: float = 1e-8, max_iter: int = 100):
        """Rake the weights to several margins by iterative proportional fitting (``rake``).

        Post-stratify to each margin in turn until every margin total is within ``tol``
        (relative) of its population count; raises :class:`InputError` if it does not
        converge in ``max_iter`` sweeps. Variance: residuals after backfitting on the margins
        (R's ``svyrecvar`` for raked designs; Deville, Särndal & Sautory 1993).

        Parameters
        ----------
        margins : list of ``(cols, population)`` pairs (as in :meth:`poststratify`) or a dict
            {col: population}.

        Examples
        --------
        >>> import pandas as pd
        >>> d = pd.DataFrame({"a": list("xxyy"), "b": list("pqpq"), "y": [1.0, 2, 3, 4]})
        >>> r = SurveyDesign(d).rake([("a", {"x": 10, "y": 30}), ("b", {"p": 20, "q": 20})])
        >>> round(r.total("y")["estimate"].item(), 6)
        120.0
        """
        items = list(margins.items()) if isinstance(margins, dict) else list(margins)
        prepared = []
        for cols, pop in items:
            cols = _as_list(cols)
            for c in cols:
                _need(self._data, c, "raking")
            codes, cells = cal.cell_codes(self._data, cols)
            prepared.append((codes, cal.population_counts(cells, cols, pop)))
        W = self._weight_matrix()
        Wn, after = cal.rake_weights(W, prepared, tol, max_iter)
        step = var.Raking([(codes, a) for (codes, _), a in zip(prepared, after)])
        return self._with_weights(Wn, step)

    def calibrate(self, formula: str, population):
        """Linear (GREG) calibration to population totals of auxiliaries (``calibrate``).

        g_i = 1 + x_i' (sum_j w_j x_j x_j')^{-1} (t_x - sum_j w_j x_j); variance from the
        residuals of the w-weighted regression of the linearised variable on x (Särndal et
        al. 1992, ch. 6; Deville & Särndal 1992).

        Parameters
        ----------
        formula : patsy right-hand side, e.g. ``"~ stype + api99"`` (with an intercept).
        population : dict {patsy column name: total} (e.g. ``{"Intercept": 6194,
            "stype[T.H]": 755, ...}``) or a sequence in the column order of the model matrix.
        """
        import patsy

        X = patsy.dmatrix(formula, self._data, NA_action="raise", return_type="dataframe")
        names = list(X.columns)
        if isinstance(population, dict):
            missing = [c for c in names if c not in population]
            if missing:
                raise InputError("calibration totals lack a model-matrix column", column=missing[0],
                                 expected=names, found=list(population))
            totals = np.array([population[c] for c in names], dtype=float)
        else:
            totals = np.asarray(population, dtype=float)
            if totals.shape != (len(names),):
                raise InputError("calibration totals do not match the model matrix",
                                 expected=names, found=totals.tolist())
        Xv = X.to_numpy(dtype=float)
        W = self._weight_matrix()
        Wn = cal.greg_weights(W, Xv, totals)
        g = Wn[:, 0] / W[:, 0]
        return self._with_weights(Wn, var.Greg(Xv, W[:, 0].copy(), g))

    # --- replicate weights ------------------------------------------------------------------
    def replicate(self, type: str = "JK1", replicates: int = 50, seed=None, mse: bool = False):
        """Replicate-weight version of this design (R's ``as.svrepdesign``).

        ``"JK1"``: unstratified delete-one-PSU jackknife, PSU factors n/(n-1), scale
        (1 - n/N)(n - 1)/n. ``"JKn"``: stratified jackknife, rscales (1 - n_h/N_h)(n_h - 1)/n_h.
        ``"bootstrap"``: Canty & Davison (1999) / R's ``"bootstrap"`` type, ``replicates``
        resamples of n_h PSUs per stratum, scale nbar/((nbar - 1)(R - 1)); ``seed`` fixes it.
        Calibrate the replicate design afterwards (its replicates are then calibrated too).

        Returns
        -------
        :class:`ReplicateDesign` with the same estimator methods.
        """
        if type not in REPLICATE_TYPES:
            raise InputError("unknown replicate type", column="type",
                             expected=" | ".join(REPLICATE_TYPES), found=type)
        if self._steps:
            raise InputError("replicate() needs the uncalibrated design",
                             expected="design.replicate(...).poststratify(...) (calibrate the "
                             "replicate design, so every replicate is calibrated)")
        st = self._stages[0]
        if type == "JK1":
            if st.n_h.size > 1:
                raise InputError("JK1 is for unstratified designs", column="type",
                                 expected="'JKn' for a stratified design")
            A, scale, rscales = var.jk1_factors(st.psu_group.size, float(st.f[0]))
        elif type == "JKn":
            A, scale, rscales = var.jkn_factors(st.psu_group, st.f, self.lonely_psu,
                                                list(st.group_labels))
        else:
            rng = np.random.default_rng(seed)
            A, scale, rscales = var.bootstrap_factors(st.psu_group, st.N_h, replicates, rng)
        degf = float(np.linalg.matrix_rank(A) - 1) if A.shape[1] else 0.0
        rep = self._w[:, None] * A[self._psu1]
        return ReplicateDesign._build(self._data, self._w.copy(), rep, type, scale, rscales, mse,
                                      degf, self._domain)


class ReplicateDesign(Estimators):
    """A replicate-weight design (R's ``svrepdesign``): variance from re-estimation.

    V(theta) = scale * sum_r rscales_r (theta_r - thetabar)^2, theta_r the estimate with the
    r-th replicate weights and thetabar their mean (``mse=True``: the full-sample estimate)
    (Wolter 2007, ch. 4-5; Lumley 2010, sec. 2.3).

    Parameters
    ----------
    df : the respondents.
    weights : full-sample weight column.
    repweights : list of replicate-weight columns (or a regex matched against the columns).
    type : ``"JK1"``, ``"JKn"``, ``"bootstrap"``, ``"BRR"`` or ``"other"``; sets the default
        ``scale`` ((R-1)/R, 1, 1/(R-1), 1/R, 1).
    scale, rscales : overall and per-replicate multipliers (``JKn`` needs ``rscales``).
    mse : centre on the full-sample estimate instead of the replicate mean.
    combined_weights : the replicate columns already include the sampling weights (R's
        default); False multiplies them by ``weights``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"y": [1.0, 2, 3], "w": [1.0] * 3, "r1": [0, 1.5, 1.5],
    ...                   "r2": [1.5, 0, 1.5], "r3": [1.5, 1.5, 0]})
    >>> rd = ReplicateDesign(d, "w", ["r1", "r2", "r3"], type="JK1")
    >>> round(rd.mean("y")["se"].item(), 6)
    0.57735
    """

    def __init__(self, df: pd.DataFrame, weights: str, repweights, type: str = "other",
                 scale=None, rscales=None, mse: bool = False, combined_weights: bool = True):
        data = _with_range_index(df)
        w = _check_weights(_need(data, weights, "weights").to_numpy(dtype=float), weights)
        if isinstance(repweights, str):
            cols = [c for c in data.columns if pd.Series([str(c)]).str.fullmatch(repweights).item()]
        else:
            cols = list(repweights)
        if not cols:
            raise InputError("no replicate-weight columns", column=str(repweights))
        for c in cols:
            _need(data, c, "replicate weights")
        rep = data[cols].to_numpy(dtype=float)
        if not combined_weights:
            rep = rep * w[:, None]
        R = rep.shape[1]
        defaults = {"JK1": (R - 1) / R, "JKn": 1.0, "bootstrap": 1.0 / (R - 1), "BRR": 1.0 / R,
                    "other": 1.0}
        if type not in defaults:
            raise InputError("unknown replicate type", column="type",
                             expected=" | ".join(defaults), found=type)
        if type == "JKn" and rscales is None:
            raise InputError("JKn replicate weights need rscales", column="rscales",
                             expected="(n_h - 1)/n_h for each replicate")
        scale = defaults[type] if scale is None else float(scale)
        rscales = np.ones(R) if rscales is None else np.asarray(rscales, dtype=float)
        if rscales.shape != (R,):
            raise InputError("one rscale per replicate", column="rscales", expected=R,
                             found=rscales.shape)
        degf = float(np.linalg.matrix_rank(rep / w[:, None]) - 1)
        self._init(data, w, rep, type, scale, rscales, mse, degf, None)

    @classmethod
    def _build(cls, data, w, rep, type, scale, rscales, mse, degf, domain):
        obj = cls.__new__(cls)
        obj._init(data, w, rep, type, scale, rscales, mse, degf, domain)
        return obj

    def _init(self, data, w, rep, type, scale, rscales, mse, degf, domain):
        self._data, self._w, self._rep = data, w, rep
        self._codes_cache = {}  # domain codes of the data, shared by subsets and copies
        self.type, self.scale, self.rscales, self.mse = type, scale, rscales, mse
        self._degf_value = degf
        self._domain = domain

    def __repr__(self) -> str:
        return (f"ReplicateDesign(n={len(self._data)}, type={self.type!r}, "
                f"replicates={self._rep.shape[1]}, df={self._degf_value:g})")

    def _copy(self):
        return copy.copy(self)

    @property
    def replicate_weights(self) -> pd.DataFrame:
        """The replicate weights (n x R), columns ``rep_1..rep_R``."""
        return pd.DataFrame(self._rep, index=self._data.index,
                            columns=[f"rep_{i + 1}" for i in range(self._rep.shape[1])])

    def _degf(self, mask) -> float:
        return self._degf_value

    def _var(self, thetas, full):
        return var.svrvar(thetas, full, self.scale, self.rscales, self.mse)

    def _vcov_ratio(self, A, B, est, z, diag: bool = False) -> np.ndarray:
        TA = np.asarray((A.T @ self._rep).T)
        if B is None:
            th = TA
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                th = TA / np.asarray((B.T @ self._rep).T)
        V = self._var(th, est)
        return np.diag(V) if diag else V

    def _vcov_glm(self, X, y, rows, family, beta, infl) -> np.ndarray:
        th = np.empty((self._rep.shape[1], beta.size))
        for r in range(self._rep.shape[1]):
            th[r] = _irls(X, y, self._rep[rows, r], family, beta=beta)[0]
        return self._var(th, beta)

    # --- calibration of every replicate ------------------------------------------------------
    def _weight_matrix(self) -> np.ndarray:
        return np.column_stack([self._w, self._rep])

    def _with_weights(self, W, step):
        out = self._copy()
        out._w, out._rep = W[:, 0].copy(), W[:, 1:].copy()
        return out

    poststratify = SurveyDesign.poststratify
    rake = SurveyDesign.rake
    calibrate = SurveyDesign.calibrate
