"""Input checks and per-group summaries shared by the tests."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError


@dataclass
class Groups:
    """A numeric outcome split by a factor, with the per-group summaries every
    test needs (computed once, vectorised)."""

    y: np.ndarray  # outcome, no missing values
    codes: np.ndarray  # group index of each value, 0..k-1
    labels: list  # group labels in order
    n: np.ndarray
    mean: np.ndarray
    var: np.ndarray  # ddof=1

    def ranks(self) -> tuple[np.ndarray, np.ndarray]:
        """Mid-ranks of ``y`` and the sizes of its tie groups (``np.unique`` counts),
        computed once for the rank tests sharing this split (Kruskal-Wallis and Dunn)."""
        got = self.__dict__.get("_ranks")
        if got is None:
            from scipy import stats as sps

            got = self.__dict__["_ranks"] = (sps.rankdata(self.y), np.unique(self.y, return_counts=True)[1])
        return got

    @property
    def k(self) -> int:
        return len(self.labels)

    @property
    def n_total(self) -> int:
        return int(self.n.sum())


def group_order(s: pd.Series) -> list:
    """Categorical order if the factor is categorical, else sorted labels."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy()
        present = np.bincount(codes[codes >= 0], minlength=len(s.cat.categories)) > 0
        return [c for c, p in zip(s.cat.categories, present) if p]
    return sorted(s.dropna().unique(), key=lambda v: str(v))


def group_codes(s: pd.Series, keep: np.ndarray | None = None) -> tuple[np.ndarray, list]:
    """Codes 0..k-1 of ``s`` over :func:`group_order` of its rows in ``keep`` (all rows
    by default), -1 where missing or outside those groups. A categorical is recoded from
    its own codes (building a new Categorical of it cost more than the tests using it)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        raw = s.cat.codes.to_numpy()
        sel = raw if keep is None else raw[keep]
        cats = s.cat.categories
        present = np.bincount(sel[sel >= 0], minlength=len(cats)) > 0
        lookup = np.full(len(cats) + 1, -1, dtype=np.int64)  # the last entry: code -1
        lookup[:-1][present] = np.arange(int(present.sum()))
        return lookup[raw], [c for c, p in zip(cats, present) if p]
    labels = group_order(s if keep is None else s[keep])
    return pd.Categorical(s, categories=labels).codes.astype(np.int64), labels


# Groups of the frame a caller shares between the tests it runs on it (compare_groups
# runs seven tests on one outcome x factor; each split it again: a tenth of stage 03)
_shared = threading.local()


@contextmanager
def shared_groups(df: pd.DataFrame, dv: str, between: str):
    """Within the block, :func:`prepare` of this very ``df`` x ``dv`` x ``between``
    reuses one split (the checks of each test still apply). The frame must not
    change inside the block."""
    key = (id(df), dv, between)
    cache = getattr(_shared, "groups", None)
    if cache is None:
        cache = _shared.groups = {}
    cache[key] = None
    try:
        yield
    finally:
        cache.pop(key, None)


def prepare(df: pd.DataFrame, dv: str, between: str, min_groups: int = 2, min_n: int = 1,
            what: str = "test") -> Groups:
    """Check the columns and split ``dv`` by ``between`` (rows with either missing
    are dropped). Raises :class:`InputError` for anything a test cannot run on."""
    cache = getattr(_shared, "groups", None)
    key = (id(df), dv, between)
    if cache and key in cache:
        if cache[key] is None:
            cache[key] = _split(df, dv, between, what)
        return _checked(cache[key], between, min_groups, min_n, what)
    return _checked(_split(df, dv, between, what), between, min_groups, min_n, what)


def _checked(g: Groups, between: str, min_groups: int, min_n: int, what: str) -> Groups:
    if (g.n < min_n).any():
        small = [str(lab) for lab, m in zip(g.labels, g.n) if m < min_n]
        raise InputError(f"{what}: groups too small", column=between,
                         expected=f">= {min_n} values per group", found=small)
    if len(g.labels) < min_groups:
        raise InputError(f"{what}: needs at least {min_groups} groups", column=between,
                         expected=f">= {min_groups} groups", found=[str(v) for v in g.labels])
    return g


def _split(df: pd.DataFrame, dv: str, between: str, what: str) -> Groups:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"{what} needs a DataFrame", expected="pandas.DataFrame", found=type(df).__name__)
    for c in (dv, between):
        if c not in df.columns:
            raise InputError(f"{what}: column not found", column=c,
                             expected=f"one of {list(df.columns)[:12]}")
    y = df[dv]
    if not pd.api.types.is_numeric_dtype(y):
        y = pd.to_numeric(y, errors="coerce")
    yv = y.to_numpy(dtype=float, na_value=np.nan)
    g = df[between]
    keep = ~np.isnan(yv) & g.notna().to_numpy()
    if not keep.any():
        raise InputError(f"{what}: no rows with both an outcome and a group", column=dv,
                         expected="at least one non-missing value")
    codes, labels = group_codes(g, keep)
    y, codes = yv[keep], codes[keep]
    n = np.bincount(codes, minlength=len(labels)).astype(float)
    s1 = np.bincount(codes, weights=y, minlength=len(labels))
    mean = s1 / n
    dev = y - mean[codes]
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.bincount(codes, weights=dev**2, minlength=len(labels)) / (n - 1)
    return Groups(y=y, codes=codes, labels=list(labels), n=n, mean=mean, var=var)


def p_adjust(p, method: str = "holm") -> np.ndarray:
    """Adjusted p-values (NaN kept in place), as R's ``p.adjust``.

    holm: p_(i) * (m - i + 1), cumulative max (Holm 1979);
    fdr_bh: p_(i) * m / i, cumulative min from the top (Benjamini & Hochberg 1995);
    bonferroni: p * m; none: p.
    """
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    q = p[ok]
    m = q.size
    if m == 0:
        return out
    if method in ("none", None):
        adj = q
    elif method in ("bonf", "bonferroni"):
        adj = np.minimum(q * m, 1)
    elif method == "holm":
        o = np.argsort(q, kind="mergesort")
        step = np.maximum.accumulate(q[o] * (m - np.arange(m)))
        adj = np.empty(m)
        adj[o] = np.minimum(step, 1)
    elif method in ("fdr_bh", "bh", "BH", "fdr"):
        o = np.argsort(q, kind="mergesort")[::-1]
        step = np.minimum.accumulate(q[o] * m / (m - np.arange(m)))
        adj = np.empty(m)
        adj[o] = np.minimum(step, 1)
    else:
        raise InputError("unknown p-value adjustment", column="p_adjust",
                         expected="'holm', 'fdr_bh', 'bonferroni' or 'none'", found=method)
    out[ok] = adj
    return out
