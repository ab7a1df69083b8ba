"""Estimators shared by the linearisation and the replicate-weight designs.

Every descriptive statistic here is a ratio of weighted totals R_j = T(a_j) / T(b_j) (a mean:
a = y d, b = d for a domain indicator d; a total: no denominator; a ratio: a = num d,
b = den d). Its linearised variable is z_j = (a_j - R_j b_j) / T(b_j) (Woodruff 1971), whose
weighted total has the variance of R_j; a replicate design recomputes R_j with each set of
replicate weights instead. Domains are subpopulations: rows outside a domain contribute
zeros but keep their PSU and stratum, so the design is never subset (Lumley 2010, sec. 2.4).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from ...errors import InputError
from .._prep import p_adjust as _p_adjust

DEFF_TYPES = ("wor", "replace")
RESULT_COLUMNS = ["variable", "estimate", "se", "ci_low", "ci_high", "df", "deff", "n"]
PAIR_COLUMNS = ["variable", "group_a", "group_b", "n_a", "n_b", "mean_a", "mean_b", "diff", "se",
                "statistic", "df", "p", "p_adj", "ci_low", "ci_high"]
GLM_COLUMNS = ["term", "estimate", "se", "t", "df", "p", "ci_low", "ci_high"]


@dataclass
class DomainComparison:
    """Result of :meth:`compare`: domain means, their covariance, pairs, and the Wald test.

    Attributes
    ----------
    means : one row per domain level (as :meth:`by`).
    vcov : covariance matrix of the domain means (index and columns: the levels).
    pairs : one row per pair of levels (``PAIR_COLUMNS``), ``diff = mean_a - mean_b``.
    wald : one row: ``statistic`` (Wald chi-square), ``df_num`` (k - 1), ``df_den`` (design
        df), ``F`` = statistic / df_num, ``p`` (from F(df_num, df_den)), ``p_chisq``.
    """

    means: pd.DataFrame
    vcov: pd.DataFrame
    pairs: pd.DataFrame
    wald: pd.DataFrame


def wald_test(estimate, vcov, contrasts=None, df=np.inf) -> pd.DataFrame:
    """Design-based Wald test of L theta = 0.

    X2 = (L theta)' (L V L')^{-1} (L theta) with q = rank(L) numerator df; F = X2 / q is
    referred to F(q, df) with df the design degrees of freedom, as R's
    ``regTermTest(method="Wald")`` does (Lumley 2010, sec. 5.2.1). Without ``contrasts``,
    L tests that all k estimates are equal (theta_j - theta_1, j = 2..k).

    Examples
    --------
    >>> import numpy as np
    >>> wald_test(np.array([1.0, 2.0]), np.eye(2) * 0.1, df=30)["df_num"].item()
    1
    """
    X2, q, F, p, p_chisq = _wald(estimate, vcov, contrasts, df)
    return pd.DataFrame({"statistic": [X2], "df_num": [q], "df_den": [df], "F": [F], "p": [p],
                         "p_chisq": [p_chisq]})


def _wald(estimate, vcov, contrasts=None, df=np.inf) -> tuple[float, int, float, float, float]:
    """:func:`wald_test` as numbers: (X2, q, F, p, p of the chi-square)."""
    theta = np.asarray(estimate, dtype=float)
    V = np.asarray(vcov, dtype=float)
    k = theta.size
    if contrasts is None:
        L = np.hstack([-np.ones((k - 1, 1)), np.eye(k - 1)])
    else:
        L = np.atleast_2d(np.asarray(contrasts, dtype=float))
    Lt = L @ theta
    LVL = L @ V @ L.T
    q = int(np.linalg.matrix_rank(LVL))
    X2 = float(Lt @ np.linalg.pinv(LVL) @ Lt)
    F = X2 / q if q else np.nan
    p_chisq = float(stats.chi2.sf(X2, q))
    return X2, q, F, (float(stats.f.sf(F, q, df)) if np.isfinite(df) else p_chisq), p_chisq


def _as_list(y) -> list[str]:
    return [y] if isinstance(y, str) else list(y)


def _tq(level: float, df) -> np.ndarray:
    """The two-sided ``level`` quantile of t(df) (normal for infinite df, NaN for df <= 0),
    elementwise. A design has one or a few distinct df, and scipy's per-call cost was
    most of an estimate (~40 a region): each distinct value is computed once and kept."""
    df = np.asarray(df, dtype=float)
    if df.size == 1:
        return np.full(df.shape, _tq_one(float(level), float(df.ravel()[0])))
    u, inv = np.unique(df, return_inverse=True)
    return np.asarray([_tq_one(float(level), float(v)) for v in u])[inv].reshape(df.shape)


@lru_cache(maxsize=4096)
def _tq_one(level: float, df: float) -> float:
    # the array expression of the formula on one value (same scipy calls, same result)
    d = np.asarray([df])
    q = stats.t.ppf(0.5 + level / 2, np.where(d > 0, d, np.nan))
    return float(np.where(np.isinf(d), stats.norm.ppf(0.5 + level / 2), q)[0])


class Estimators:
    """Mixin: needs ``_data``, ``_w``, ``_domain``, ``_vcov_ratio``, ``_vcov_glm``, ``_degf``."""

    _data: pd.DataFrame
    _w: np.ndarray
    _domain: np.ndarray | None

    # --- basic properties ----------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of rows in the domain (all rows for an unsubsetted design)."""
        return int(self._dom().sum())

    @property
    def df(self) -> float:
        """Design degrees of freedom: PSUs minus strata (replicate designs: rank - 1)."""
        return self._degf(self._dom())

    @property
    def weights(self) -> pd.Series:
        """Analysis weights (after any calibration), aligned with the data."""
        return pd.Series(self._w, index=self._data.index, name="weight")

    def _dom(self) -> np.ndarray:
        n = len(self._data)
        return np.ones(n, dtype=bool) if self._domain is None else self._domain

    def _col(self, name: str) -> pd.Series:
        if name not in self._data.columns:
            raise InputError("column not in the survey data", column=name,
                             expected="one of " + ", ".join(map(str, self._data.columns[:20])))
        return self._data[name]

    def _num(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        s = self._col(name)
        if s.dtype == bool:
            s = s.astype(float)
        if not pd.api.types.is_numeric_dtype(s):
            raise InputError("estimator needs a numeric column", column=name, expected="numbers",
                             found=str(s.dtype))
        v = s.to_numpy(dtype=float)
        ok = np.isfinite(v) & self._dom()
        return np.where(ok, v, 0.0), ok

    def subset(self, mask):
        """The same design restricted to a domain (subpopulation), R's ``subset(design, ...)``.

        Rows outside ``mask`` stay in the design with zero contributions, so standard errors
        keep every PSU and stratum (never a subset of the data).
        """
        m = mask.to_numpy() if isinstance(mask, pd.Series) else np.asarray(mask)
        if m.shape != (len(self._data),):
            raise InputError("subset mask must have one value per row", expected=len(self._data),
                             found=m.shape)
        if m.dtype != bool:
            if pd.isna(m).any():
                raise InputError("subset mask has missing values", expected="True/False")
            m = m.astype(bool)
        out = self._copy()
        out._domain = self._dom() & m
        return out

    # --- the engine ----------------------------------------------------------------------
    def _ratio_engine(self, A, B, D, names, level, deff, df, diag: bool = False):
        cols, V = self._ratio_arrays(A, B, D, level, deff, df, diag=diag)
        return pd.DataFrame({"variable": names, **cols}), V

    def _ratio_arrays(self, A, B, D, level, deff, df, diag: bool = False):
        """:meth:`_ratio_engine` as arrays: ({column: values} of ``RESULT_COLUMNS``
        after ``variable``, V), for callers that build their own table."""
        if deff not in DEFF_TYPES:
            raise InputError("unknown design-effect type", column="deff",
                             expected="'wor' (R deff=TRUE) or 'replace'", found=deff)
        w = self._w
        TA = np.asarray(A.T @ w).ravel()
        if B is None:
            est = TA
            z = A
        else:
            TB = np.asarray(B.T @ w).ravel()
            with np.errstate(divide="ignore", invalid="ignore"):
                est = TA / TB
                if sp.issparse(A):
                    z = (A - B.multiply(est[None, :])).multiply(1.0 / TB[None, :]).tocsc()
                else:
                    z = (A - B * est) / TB
        V = self._vcov_ratio(A, B, est, z, diag=diag)
        v = V if diag else np.diag(V)
        se = np.sqrt(np.clip(v, 0, None))
        # SRS variance of the same estimator, as R's deff=TRUE ('wor') or deff='replace'
        N = np.asarray(D.T @ w).ravel()
        n = np.asarray(D.sum(axis=0)).ravel().astype(float)
        S1 = np.asarray(z.T @ w).ravel()
        zz = z.multiply(z) if sp.issparse(z) else z * z
        S2 = np.asarray(zz.T @ w).ravel()
        with np.errstate(divide="ignore", invalid="ignore"):
            var = n / (n - 1) * (S2 / N - (S1 / N) ** 2)
            vsrs = var * N * (N - n) / n if deff == "wor" else var * N * N / n
            de = v / vsrs
        q = _tq(level, df)
        return {"estimate": est, "se": se, "ci_low": est - q * se, "ci_high": est + q * se,
                "df": np.broadcast_to(np.asarray(df, dtype=float), est.shape), "deff": de,
                "n": n.astype(int)}, V

    # --- descriptive estimators ----------------------------------------------------------
    def _columns(self, y):
        """Names, values (0 where missing or outside the domain), observed indicators and
        design df of the columns ``y``: the inputs of the mean and the total."""
        cols = _as_list(y)
        vals, oks = zip(*(self._num(c) for c in cols))
        D = np.column_stack(oks).astype(float)
        return cols, np.column_stack(vals) * D, D, [self._degf(ok) for ok in oks]

    def mean(self, y, level: float = 0.95, deff: str = "wor") -> pd.DataFrame:
        """Design-based mean of each column in ``y``, as R's ``svymean(..., na.rm=TRUE)``.

        ybar = sum_i w_i y_i / sum_i w_i over the rows with y observed (a domain, so missing
        values never drop PSUs). Linearised variable z_i = d_i (y_i - ybar) / sum_j w_j d_j;
        Var(ybar) = sum_h (1 - n_h/N_h) n_h/(n_h - 1) sum_j (z_hj - zbar_h)^2 with z_hj the
        weighted PSU totals (plus later stages when every stage has an fpc).

        Parameters
        ----------
        y : column name or list of names (numeric or boolean).
        level : confidence level of ``ci_low``/``ci_high`` (t with ``df`` degrees of freedom).
        deff : ``"wor"`` (default, R's ``deff=TRUE``): variance over the variance of simple
            random sampling without replacement of the same number of rows from a population
            of size sum(w); ``"replace"``: over SRS with replacement (R's ``deff="replace"``).

        Returns
        -------
        DataFrame with ``variable, estimate, se, ci_low, ci_high, df, deff, n``; ``df`` is the
        design df of the rows used (R's ``degf`` of the domain design), ``n`` the rows used.

        References
        ----------
        Lumley T (2004). Analysis of complex survey samples. J Stat Softw 9(8).
        Lumley T (2010). Complex Surveys: A Guide to Analysis Using R. Wiley, ch. 2-3.
        Särndal CE, Swensson B, Wretman J (1992). Model Assisted Survey Sampling, ch. 5.

        Examples
        --------
        >>> import pandas as pd
        >>> d = pd.DataFrame({"s": [1, 1, 2, 2], "y": [1.0, 3.0, 2.0, 6.0], "N": [10] * 4})
        >>> SurveyDesign(d, strata="s", fpc="N").mean("y")["estimate"].item()
        3.0
        """
        cols, A, D, df = self._columns(y)
        return self._ratio_engine(A, D, D, cols, level, deff, df)[0]

    def total(self, y, level: float = 0.95, deff: str = "wor") -> pd.DataFrame:
        """Design-based total sum_i w_i y_i (R's ``svytotal(..., na.rm=TRUE)``).

        The linearised variable is y_i itself (zero where missing or outside the domain);
        variance as in :meth:`mean`. Same columns as :meth:`mean`.

        Examples
        --------
        >>> import pandas as pd
        >>> d = pd.DataFrame({"y": [1.0, 2.0, 3.0], "w": [10.0, 10.0, 10.0]})
        >>> SurveyDesign(d, weights="w").total("y")["estimate"].item()
        60.0
        """
        cols, A, D, df = self._columns(y)
        return self._ratio_engine(A, None, D, cols, level, deff, df)[0]

    def ratio(self, num, den, level: float = 0.95, deff: str = "wor") -> pd.DataFrame:
        """Ratio of totals R = T(num) / T(den) (R's ``svyratio``).

        z_i = (num_i - R den_i) / T(den) over rows where both are observed. ``num`` and
        ``den`` are names or equal-length lists (paired). ``variable`` is ``"num/den"``.

        Examples
        --------
        >>> import pandas as pd
        >>> d = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [2.0, 2.0, 2.0]})
        >>> SurveyDesign(d).ratio("a", "b")["estimate"].item()
        1.0
        """
        nums, dens = _as_list(num), _as_list(den)
        if len(nums) != len(dens):
            raise InputError("ratio needs as many numerators as denominators",
                             expected=len(nums), found=len(dens))
        As, Bs, Ds, dfs = [], [], [], []
        for a, b in zip(nums, dens):
            va, oka = self._num(a)
            vb, okb = self._num(b)
            ok = oka & okb
            As.append(va * ok)
            Bs.append(vb * ok)
            Ds.append(ok.astype(float))
            dfs.append(self._degf(ok))
        names = [f"{a}/{b}" for a, b in zip(nums, dens)]
        return self._ratio_engine(np.column_stack(As), np.column_stack(Bs), np.column_stack(Ds),
                                  names, level, deff, dfs)[0]

    def deff(self, y, stat: str = "mean") -> pd.DataFrame:
        """Design effects of means (or totals) of ``y``: both SRS references.

        Returns ``variable, deff`` (R's ``deff=TRUE``, SRS without replacement) and
        ``deff_replace`` (SRS with replacement).
        """
        f = self.mean if stat == "mean" else self.total
        a = f(y)
        b = f(y, deff="replace")
        return pd.DataFrame({"variable": a["variable"], "deff": a["deff"],
                             "deff_replace": b["deff"]})

    # --- domains ---------------------------------------------------------------------------
    def _domain_codes(self, domain) -> tuple[np.ndarray, pd.DataFrame]:
        cols = _as_list(domain)
        for c in cols:
            self._col(c)
        # the codes depend on the data alone, which a subset or a reweighted copy shares:
        # stage 03 asks for the same factor's codes once per component and design
        cache = getattr(self, "_codes_cache", None)
        key = tuple(cols)
        if cache is not None and key in cache:
            return cache[key]
        out = self._domain_codes_of(cols)
        if cache is not None:
            cache[key] = out
        return out

    def _domain_codes_of(self, cols: list) -> tuple[np.ndarray, pd.DataFrame]:
        data = self._data[cols]
        codes = data.groupby(cols, sort=True, observed=True, dropna=True).ngroup().to_numpy()
        codes = np.where(pd.isna(codes), -1, codes).astype(np.intp)
        k = int(codes.max()) + 1 if codes.size else 0
        first = pd.Series(np.arange(codes.size))[codes >= 0].groupby(codes[codes >= 0]).first()
        levels = data.iloc[first.to_numpy()].reset_index(drop=True)
        return codes, levels.iloc[:k]

    def _by_matrices(self, y: str, domain):
        vals, ok = self._num(y)
        codes, levels = self._domain_codes(domain)
        ok = ok & (codes >= 0)
        rows = np.flatnonzero(ok)
        k = len(levels)
        shape = (len(self._data), k)
        D = sp.csc_matrix((np.ones(rows.size), (rows, codes[rows])), shape=shape)
        A = sp.csc_matrix((vals[rows], (rows, codes[rows])), shape=shape)
        return A, D, levels, ok

    def by(self, y, domain, stat: str = "mean", level: float = 0.95,
           deff: str = "wor") -> pd.DataFrame:
        """Estimates in every level of ``domain`` (R's ``svyby``), domains as subpopulations.

        Each level's estimate is the ratio (mean) or total of the rows in that level, with the
        linearised variance taken over the whole design (R's ``svyby(~y, ~g, design,
        svymean)``). ``df`` is the design df of the rows with ``y`` observed.

        Parameters
        ----------
        y : column name or list of names.
        domain : column name or list of names (cross-classification); rows with a missing
            domain value belong to no level.
        stat : ``"mean"`` or ``"total"``.

        Returns
        -------
        DataFrame with ``variable``, the domain column(s), then ``estimate, se, ci_low,
        ci_high, df, deff, n``.

        Examples
        --------
        >>> import pandas as pd
        >>> d = pd.DataFrame({"g": ["a", "a", "b", "b"], "y": [1.0, 3.0, 2.0, 6.0]})
        >>> SurveyDesign(d).by("y", "g")["estimate"].tolist()
        [2.0, 4.0]
        """
        if stat not in ("mean", "total"):
            raise InputError("unknown statistic for by()", column="stat",
                             expected="'mean' or 'total'", found=stat)
        return self._by_many(_as_list(y), domain, stat, level, deff)

    def _stacked_domains(self, ys: list[str], domain):
        """The k domain columns of every y side by side: (A values, D indicators,
        levels, design df per column), column j * k + i for y j and level i, each y
        with its own observed rows and design df."""
        codes, levels = self._domain_codes(domain)
        k, n = len(levels), len(self._data)
        rows_all, cols_all, vals_all, dfs = [], [], [], []
        for j, y in enumerate(ys):
            vals, ok = self._num(y)
            ok = ok & (codes >= 0)
            rows = np.flatnonzero(ok)
            rows_all.append(rows)
            cols_all.append(j * k + codes[rows])
            vals_all.append(vals[rows])
            dfs.append(np.full(k, self._degf(ok)))
        rows, cols = np.concatenate(rows_all), np.concatenate(cols_all)
        shape = (n, k * len(ys))
        D = sp.csc_matrix((np.ones(rows.size), (rows, cols)), shape=shape)
        A = sp.csc_matrix((np.concatenate(vals_all), (rows, cols)), shape=shape)
        return A, D, levels, np.concatenate(dfs) if dfs else np.array([])

    def _by_many(self, ys: list[str], domain, stat, level, deff) -> pd.DataFrame:
        """:meth:`by` of several columns through one pass of the engine: the k domain
        columns of every y side by side (each with its own observed rows and design
        df), so the linearisation and the variance run once, not once per column;
        every column of the result is computed as alone."""
        A, D, levels, dfs = self._stacked_domains(ys, domain)
        k = len(levels)
        names = [y for y in ys for _ in range(k)]
        res, _ = self._ratio_engine(A, D if stat == "mean" else None, D, names, level, deff, dfs, diag=True)
        lv = pd.concat([levels] * len(ys), ignore_index=True) if ys else levels.iloc[:0]
        return pd.concat([res[["variable"]], lv, res.drop(columns="variable")], axis=1)

    def _by_many_arrays(self, ys: list[str], domain: str, level: float = 0.95, deff: str = "wor"):
        """:meth:`by` of the means of several columns by one domain column, as arrays
        (stage 03 reads them per component at once): (names, level labels as text,
        {column: values}), row j * k + i for column j, level i, as :meth:`by` orders them."""
        A, D, levels, dfs = self._stacked_domains(ys, domain)
        k = len(levels)
        out, _ = self._ratio_arrays(A, D, D, level, deff, dfs, diag=True)
        text = [str(v) for v in levels[domain].astype(str)] * len(ys)
        return [y for y in ys for _ in range(k)], text, out

    def _by_one(self, y, domain, stat, level, deff, diag: bool = False):
        A, D, levels, ok = self._by_matrices(y, domain)
        df = self._degf(ok)
        res, V = self._ratio_engine(A, D if stat == "mean" else None, D, [y] * len(levels),
                                    level, deff, df, diag=diag)
        res = pd.concat([res[["variable"]], levels, res.drop(columns="variable")], axis=1)
        return res, V, levels

    def domain_vcov(self, y: str, domain, stat: str = "mean") -> tuple[pd.DataFrame, pd.DataFrame]:
        """Domain estimates of ``y`` and their full covariance matrix.

        The covariance comes from the influence functions of all domain means at once
        (Var of sum_i U_i with U_i = w_i z_i, one column per domain), so contrasts
        c' theta have variance c' V c (R's ``svyby(..., covmat=TRUE)`` + ``svycontrast``).

        Returns
        -------
        (estimates as :meth:`by`, covariance DataFrame indexed by the level labels).
        """
        res, V, levels = self._by_one(y, domain, stat, 0.95, "wor")
        labels = [tuple(r) if len(r) > 1 else r[0] for r in levels.itertuples(index=False)]
        return res, pd.DataFrame(V, index=labels, columns=labels)

    def compare(self, y: str, domain, p_adjust: str = "holm", level: float = 0.95,
                pairs: bool = True) -> DomainComparison:
        """Pairwise differences of domain means and a design-based Wald F test of equality
        (``pairs=False``: the test only, ``pairs`` empty; k domains have k(k-1)/2 pairs).

        diff_ab = m_a - m_b, se_ab = sqrt(V_aa + V_bb - 2 V_ab) from the linearised (or
        replicate) covariance of the domain means, t = diff/se referred to t(df) with df the
        design degrees of freedom (PSUs minus strata); ``p_adj`` by ``p_adjust`` over the
        pairs (Holm by default). The omnibus test is :func:`wald_test` on all k means,
        F = X2/(k-1) on (k-1, df) (Lumley 2010, sec. 5.2; Korn & Graubard 1990).

        Examples
        --------
        >>> import pandas as pd
        >>> d = pd.DataFrame({"g": list("aabbcc"), "y": [1.0, 2, 3, 4, 5, 7]})
        >>> SurveyDesign(d).compare("y", "g").pairs["diff"].tolist()
        [-2.0, -4.5, -2.5]
        """
        c = self._compare_arrays(y, domain, p_adjust, level, pairs)
        res = pd.concat([pd.DataFrame({"variable": [y] * len(c["levels"])}), c["levels"],
                         pd.DataFrame(c["means"])], axis=1)
        labels, ia, ib = c["labels"], c["ia"], c["ib"]
        V = pd.DataFrame(c["V"], index=labels, columns=labels)
        table = pd.DataFrame({"variable": y, "group_a": [labels[i] for i in ia],
                              "group_b": [labels[i] for i in ib], **c["pairs"]}, columns=PAIR_COLUMNS)
        X2, q, F, p, p_chisq = c["wald"]
        wald = pd.DataFrame({"variable": y, "statistic": [X2], "df_num": [q], "df_den": [c["df"]], "F": [F],
                             "p": [p], "p_chisq": [p_chisq]})
        return DomainComparison(means=res, vcov=V, pairs=table, wald=wald)

    def _compare_arrays(self, y: str, domain, p_adjust: str = "holm", level: float = 0.95,
                        pairs: bool = True) -> dict:
        """:meth:`compare` as arrays (stage 03 runs it ~30 times a region, and the
        tables it would build and take apart again cost more than the estimate):
        ``levels`` (the domain levels, a DataFrame), ``labels``, ``means`` ({column:
        values} as :meth:`by`), ``V``, ``df``, pair indices ``ia``/``ib`` into the
        labels, ``pairs`` ({column: values} of ``PAIR_COLUMNS`` from ``n_a``), ``wald``
        (X2, q, F, p, p of the chi-square)."""
        A, D, levels, ok = self._by_matrices(y, domain)
        df_ = self._degf(ok)
        # the means' intervals at 95 % whatever ``level`` (as domain_vcov); ``level`` is the pairs'
        cols, Vm = self._ratio_arrays(A, D, D, 0.95, "wor", df_)
        if levels.shape[1] == 1:
            labels = levels.iloc[:, 0].tolist()
        else:
            labels = [tuple(r) for r in levels.itertuples(index=False)]
        m = cols["estimate"]
        nn = cols["n"]
        df = float(cols["df"][0]) if len(m) else np.nan
        ia, ib = np.triu_indices(len(labels) if pairs else 0, k=1)
        diff = m[ia] - m[ib]
        se = np.sqrt(np.clip(Vm[ia, ia] + Vm[ib, ib] - 2 * Vm[ia, ib], 0, None))
        with np.errstate(divide="ignore", invalid="ignore"):
            t = diff / se
        p = 2 * stats.t.sf(np.abs(t), df) if np.isfinite(df) else 2 * stats.norm.sf(np.abs(t))
        q = _tq(level, df)
        wald = _wald(m, Vm, df=df) if len(labels) > 1 else _wald([np.nan, np.nan], np.eye(2), df=df)
        return {"levels": levels, "labels": labels, "means": cols, "V": Vm, "df": df, "ia": ia, "ib": ib,
                "pairs": {"n_a": nn[ia], "n_b": nn[ib], "mean_a": m[ia], "mean_b": m[ib], "diff": diff,
                          "se": se, "statistic": t, "df": df, "p": p, "p_adj": _p_adjust(p, p_adjust),
                          "ci_low": diff - q * se, "ci_high": diff + q * se},
                "wald": wald}

    # --- models ------------------------------------------------------------------------------
    def _model_frame(self, formula: str):
        import patsy

        try:
            yv, X = patsy.dmatrices(formula, self._data, NA_action="drop",
                                    return_type="dataframe")
        except patsy.PatsyError as e:
            raise InputError(f"cannot build the model matrix: {e}", column=formula) from e
        rows = self._data.index.get_indexer(X.index)
        keep = self._dom()[rows]
        rows = rows[keep]
        yv = yv.to_numpy(dtype=float)[keep]
        if yv.ndim == 2 and yv.shape[1] == 2:
            # a boolean/two-level response: patsy codes both levels; model the second
            yv = yv[:, 1:]
        return yv.ravel(), X.to_numpy(dtype=float)[keep], list(X.columns), rows

    def glm(self, formula: str, family: str = "gaussian", level: float = 0.95) -> pd.DataFrame:
        """Design-based generalised linear model, as R's ``summary(svyglm(...))``.

        Weighted (pseudo-likelihood) estimating equations sum_i w_i x_i (y_i - mu_i) = 0
        (gaussian identity; binomial logit, the quasibinomial fit of R), solved by IRLS. The
        sandwich variance is the design variance of the total of the influence functions
        U_i = w_i (y_i - mu_i) x_i' A^{-1}, A = sum_i w_i v_i x_i x_i' (Binder 1983;
        Lumley 2010, ch. 5). t statistics use the residual df = design df - (p - 1), with
        the design df of the rows in the model (as ``svyglm``).

        Parameters
        ----------
        formula : patsy formula, e.g. ``"api00 ~ ell + meals"``; names with dots as
            ``Q("sch.wide")``. Rows with a missing variable are left out as a domain.
        family : ``"gaussian"`` or ``"binomial"`` (0/1 or boolean response).

        Returns
        -------
        DataFrame with ``term, estimate, se, t, df, p, ci_low, ci_high`` (patsy term names).

        Examples
        --------
        >>> import pandas as pd
        >>> d = pd.DataFrame({"x": [0.0, 1, 2, 3], "y": [1.0, 3, 5, 7]})
        >>> SurveyDesign(d).glm("y ~ x")["estimate"].round(6).tolist()
        [1.0, 2.0]
        """
        if family not in ("gaussian", "binomial"):
            raise InputError("unknown glm family", column="family",
                             expected="'gaussian' or 'binomial'", found=family)
        y, X, names, rows = self._model_frame(formula)
        if family == "binomial" and ((y < 0) | (y > 1)).any():
            raise InputError("binomial glm needs a 0/1 response", column=formula,
                             found=float(y[(y < 0) | (y > 1)][0]))
        w = self._w[rows]
        beta, infl = _irls(X, y, w, family)
        V = self._vcov_glm(X, y, rows, family, beta, infl)
        mask = np.zeros(len(self._data), dtype=bool)
        mask[rows] = True
        df = self._degf(mask) + 1 - X.shape[1]
        se = np.sqrt(np.clip(np.diag(V), 0, None))
        t = beta / se
        p = 2 * stats.t.sf(np.abs(t), df) if df > 0 else np.full(beta.shape, np.nan)
        q = _tq(level, df)
        return pd.DataFrame({"term": names, "estimate": beta, "se": se, "t": t, "df": float(df),
                             "p": p, "ci_low": beta - q * se, "ci_high": beta + q * se},
                            columns=GLM_COLUMNS)

    def ttest(self, y: str, group: str, level: float = 0.95) -> pd.DataFrame:
        """Design-based two-sample t test of the means of ``y`` in two groups (``svyttest``).

        The difference m_b - m_a (second level minus first, as R's ``svyttest(y ~ g)``) is
        the slope of the design-based regression y ~ 1[g = b]; df = design df - 1.

        Returns
        -------
        One row: ``variable, group, group_a, group_b, estimate, se, statistic, df, p,
        ci_low, ci_high``.
        """
        vals, ok = self._num(y)
        g = self._col(group)
        ok = ok & g.notna().to_numpy()
        lv = pd.Series(g[ok].unique())
        lv = lv.sort_values(ignore_index=True) if not isinstance(g.dtype, pd.CategoricalDtype) \
            else pd.Series([c for c in g.cat.categories if c in set(lv)])
        if len(lv) != 2:
            raise InputError("t test needs exactly two groups", column=group, expected=2,
                             found=lv.tolist())
        rows = np.flatnonzero(ok)
        X = np.column_stack([np.ones(rows.size), (g.to_numpy()[rows] == lv[1]).astype(float)])
        yy = vals[rows]
        beta, infl = _irls(X, yy, self._w[rows], "gaussian")
        V = self._vcov_glm(X, yy, rows, "gaussian", beta, infl)
        df = self._degf(ok) - 1
        se = float(np.sqrt(V[1, 1]))
        t = beta[1] / se
        q = float(_tq(level, df))
        return pd.DataFrame({"variable": [y], "group": [group], "group_a": [lv[0]],
                             "group_b": [lv[1]], "estimate": [beta[1]], "se": [se],
                             "statistic": [t], "df": [float(df)],
                             "p": [2 * stats.t.sf(abs(t), df)],
                             "ci_low": [beta[1] - q * se], "ci_high": [beta[1] + q * se]})


def _irls(X, y, w, family, beta=None, tol=1e-10, max_iter=100):
    """Weighted IRLS; returns beta and the unweighted-by-design influence U = e x' A^{-1}."""
    if family == "gaussian":
        WX = X * w[:, None]
        A = X.T @ WX
        beta = np.linalg.solve(A, WX.T @ y)
        r = w * (y - X @ beta)
        return beta, (X * r[:, None]) @ np.linalg.inv(A)
    eta = X @ beta if beta is not None else np.log((y + 0.5) / (1.5 - y))
    beta_old = None
    for _ in range(max_iter):
        mu = 1.0 / (1.0 + np.exp(-eta))
        v = np.clip(mu * (1 - mu), 1e-300, None)
        z = eta + (y - mu) / v
        Wk = w * v
        WX = X * Wk[:, None]
        beta = np.linalg.solve(X.T @ WX, WX.T @ z)
        eta = X @ beta
        if beta_old is not None and np.max(np.abs(beta - beta_old)) <= tol * (np.max(np.abs(beta)) + tol):
            break
        beta_old = beta
    else:
        raise InputError("binomial glm did not converge", expected=f"{max_iter} iterations")
    mu = 1.0 / (1.0 + np.exp(-eta))
    A = X.T @ (X * (w * mu * (1 - mu))[:, None])
    r = w * (y - mu)
    return beta, (X * r[:, None]) @ np.linalg.inv(A)
