"""Scoring: one row per respondent in, one score per component out.

The spec tree is evaluated bottom-up on whole columns (numpy), never row by
row, so a national run (millions of respondents) scores in seconds.

Aggregation of the children x_1..x_k of a node, over the answered children A
(those that are not missing), with weights w_j:

- ``mean``            sum_A x_j / |A|
- ``weighted_mean``   sum_A w_j x_j / sum_A w_j
- ``geometric_mean``  exp( sum_A w_j ln x_j / sum_A w_j )
- ``sum``             sum_A w_j x_j        (points: IP ASN dimensions and total)

A node is missing when |A| / k < ``min_share`` (OECD/JRC Handbook, 2008, step 3:
"minimum data" rule; ``sum`` nodes default to 1.0 because an unanswered part
would silently count as zero points).

Normalisation of a node's result (Handbook step 5): ``goalposts``
(x - lo) / (hi - lo) * scale clipped to [0, scale]; ``minmax`` over the scored
frame; ``zscore`` over the scored frame.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError
from .spec import IndexSpec, Node, load_spec, point_fields

TRUE_WORDS = {"true", "1", "1.0", "ya", "y", "yes", "sudah", "ada", "t"}
FALSE_WORDS = {"false", "0", "0.0", "tidak", "no", "n", "belum", "tidak ada", "f", "none", "-"}


def _norm_key(v) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return " ".join(str(v).strip().lower().split())


def _mapped(col: pd.Series, table: dict) -> np.ndarray:
    """Map a column through ``{value: number}`` matching case- and space-insensitively.
    Factorises first, so the string work is done once per distinct value."""
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    norm = {_norm_key(k): float(v) for k, v in table.items()}
    per_unique = np.array([norm.get(_norm_key(u), np.nan) for u in uniques] + [np.nan], dtype=float)
    return per_unique[codes]  # code -1 (missing) hits the trailing NaN


def truthy(col: pd.Series) -> np.ndarray:
    """Booleans from bool, 0/1 or yes/no words (Indonesian and English); NaN otherwise."""
    if pd.api.types.is_bool_dtype(col):
        return col.to_numpy(dtype=float, na_value=np.nan)
    table = {**{w: 1.0 for w in TRUE_WORDS}, **{w: 0.0 for w in FALSE_WORDS}}
    return _mapped(col.astype(object), table)


def _column(df: pd.DataFrame, name: str) -> pd.Series:
    if name not in df.columns:
        raise InputError("the records lack a field the index spec scores", column=name,
                         expected=f"a column {name!r} (HR field)")
    return df[name]


def eval_points(rule: dict, df: pd.DataFrame) -> np.ndarray:
    """Points per row for one point table (see the header of config/indices/ip_asn.yaml)."""
    n = len(df)
    missing_pts = np.nan if rule.get("missing") is None else float(rule["missing"])
    default_pts = np.nan if rule.get("default") is None else float(rule["default"])
    if "first_available" in rule:
        out = np.full(n, np.nan)
        # records of one era carry one of the alternatives (2021 HR exports: skp_score
        # only, 2022+: skp_predikat); a table whose field the records lack is skipped,
        # and only when every alternative lacks its field is that an error
        subs = [sub for sub in rule["first_available"] if all(f in df.columns for f in point_fields(sub))]
        if not subs:
            need = sorted({f for sub in rule["first_available"] for f in point_fields(sub)})
            raise InputError("the records lack every field this point table can score", column=need[0],
                             expected="a column among " + ", ".join(repr(f) for f in need) + " (HR field)")
        for sub in subs:
            todo = np.isnan(out)
            if not todo.any():
                break
            out[todo] = eval_points(sub, df)[todo]
        out[np.isnan(out)] = missing_pts
        return out
    if "rules" in rule:
        conds = []
        for r in rule["rules"]:
            ok = np.ones(n, dtype=bool)
            for f, cond in r["when"].items():
                col = _column(df, f)
                if isinstance(cond, bool):
                    ok &= truthy(col) == float(cond)
                elif isinstance(cond, dict):
                    x = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                    if "min" in cond:
                        ok &= x >= cond["min"]
                    if "max" in cond:
                        ok &= x <= cond["max"]
                else:
                    wanted = cond if isinstance(cond, list) else [cond]
                    ok &= _mapped(col.astype(object), {w: 1.0 for w in wanted}) == 1.0
            conds.append(ok)
        return np.select(conds, [float(r["points"]) for r in rule["rules"]], default=default_pts)
    col = _column(df, rule["field"])
    if "lookup" in rule:
        pts = _mapped(col.astype(object), rule["lookup"])
        present = col.notna().to_numpy()
        pts = np.where(present & np.isnan(pts), default_pts, pts)
    else:
        x = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        present = ~np.isnan(x)
        pts = np.select([x >= b["from"] for b in rule["bands"]], [float(b["points"]) for b in rule["bands"]],
                        default=default_pts)
    return np.where(present, pts, missing_pts)


def aggregate_matrix(m: np.ndarray, how: str, w: np.ndarray | None = None,
                     min_share: float = 0.0) -> np.ndarray:
    """Combine the columns of ``m`` (rows = respondents) into one score per row,
    skipping missing cells; rows with too few answered columns become NaN."""
    valid = ~np.isnan(m)
    k = m.shape[1]
    cnt = valid.sum(axis=1)
    w = np.ones(k) if w is None or how == "mean" else np.asarray(w, dtype=float)
    z = np.where(valid, m, 0.0)
    wsum = valid @ w
    with np.errstate(divide="ignore", invalid="ignore"):
        if how in ("mean", "weighted_mean"):
            out = (z @ w) / wsum
        elif how == "geometric_mean":
            out = np.exp((np.log(np.where(valid, m, 1.0)) @ w) / wsum)
        elif how == "sum":
            out = (z @ w).astype(float)
        else:  # validated in spec.py; guard for programmatic use
            raise ValueError(f"unknown aggregation {how!r}")
    out[cnt == 0] = np.nan
    out[cnt < min_share * k - 1e-9] = np.nan
    return out


def _normalise(x: np.ndarray, norm: dict | None) -> np.ndarray:
    if not norm:
        return x
    scale = float(norm.get("scale", 1.0))
    method = norm["method"]
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "goalposts":
            lo, hi = float(norm["lo"]), float(norm["hi"])
            return np.clip((x - lo) / (hi - lo), 0.0, 1.0) * scale
        if np.isnan(x).all():
            return x
        if method == "minmax":
            lo, hi = np.nanmin(x), np.nanmax(x)
            return (x - lo) / (hi - lo) * scale if hi > lo else np.where(np.isnan(x), np.nan, 0.0)
        if method == "zscore":
            return (x - np.nanmean(x)) / np.nanstd(x, ddof=1)
    return x


def item_matrix(df: pd.DataFrame, spec: IndexSpec) -> tuple[np.ndarray, list[str]]:
    """The item columns as floats, out-of-range values set missing and
    reverse-keyed items flipped (x' = min + max - x)."""
    leaves = [n for n in spec.root.leaves() if n.kind == "item"]
    cols = [n.id for n in leaves]
    absent = [c for c in cols if c not in df.columns]
    if absent:
        raise InputError(f"{len(absent)} item column(s) of index {spec.id!r} are missing: "
                         + ", ".join(absent[:8]) + (" ..." if len(absent) > 8 else ""),
                         column=absent[0], expected=f"the items listed in {spec.file or 'the spec'}")
    if not cols:
        return np.empty((len(df), 0)), cols
    x = df[cols].to_numpy(dtype=float, na_value=np.nan)
    if not x.flags.writeable:  # copy-on-write pandas may hand out a read-only view
        x = x.copy()
    scale_of = leaf_scales(spec)
    scales = np.array([scale_of[n.id] for n in leaves], dtype=float)
    lo, hi = scales[:, 0], scales[:, 1]
    x[(x < lo) | (x > hi)] = np.nan
    rev = np.array([n.reverse for n in leaves])
    if rev.any():
        x[:, rev] = (lo + hi)[rev] - x[:, rev]
    return x, cols


def leaf_scales(spec: IndexSpec) -> dict[str, tuple[float, float]]:
    """Scale bounds of every item: the nearest ``scale`` above it wins."""
    out: dict[str, tuple[float, float]] = {}
    stack = [(spec.root, spec.root.scale or spec.scale)]
    while stack:
        node, sc = stack.pop()
        if node.kind == "item":
            out[node.id] = node.scale or sc
        for c in node.children:
            stack.append((c, c.scale or sc))
    return out


def score(df: pd.DataFrame, spec: IndexSpec | str, levels: str = "components") -> pd.DataFrame:
    """Score every row of ``df`` on an index spec.

    Parameters
    ----------
    df : one row per respondent with the spec's item columns (surveys) or HR fields
        (point tables).
    spec : an :class:`IndexSpec` or anything :func:`load_spec` accepts.
    levels : ``"components"`` (overall + the root's children, as in
        ``scores_<index>.parquet``) or ``"all"`` (every group node of the tree).

    Returns
    -------
    DataFrame on ``df.index``: ``overall``, one column per component, ``category``
    (band id of ``overall``; see :func:`categorise`).

    Example
    -------
    >>> s = score(respondents, "ikd")
    >>> s[["overall", "information"]].mean()
    """
    if not isinstance(spec, IndexSpec):
        spec = load_spec(spec)
    x, cols = item_matrix(df, spec)
    col_of = {c: i for i, c in enumerate(cols)}
    keep = {spec.root.id, *spec.components} if levels == "components" else None
    out: dict[str, np.ndarray] = {}

    def ev(node: Node) -> np.ndarray:
        if node.kind == "item":
            v = x[:, col_of[node.id]]
        elif node.kind == "points":
            v = eval_points(node.points, df)
        else:
            kids = node.children
            if all(c.kind == "item" for c in kids):
                m = x[:, [col_of[c.id] for c in kids]]
            else:
                m = np.column_stack([ev(c) for c in kids])
            v = aggregate_matrix(m, node.aggregation, np.array([c.weight for c in kids]), node.min_share)
        v = _normalise(v, node.normalise)
        if node.kind != "item" and (keep is None or node.id in keep):
            out[node.id] = v
        return v

    ev(spec.root)
    order = [spec.root.id] + [n.id for n in spec.root.walk() if n.id in out and n.id != spec.root.id]
    res = pd.DataFrame({k: out[k] for k in order}, index=df.index)
    res["category"] = categorise(res[spec.root.id], spec)
    return res


def categorise(values: pd.Series | np.ndarray, spec: IndexSpec) -> pd.Categorical:
    """Band id per score: the band with the largest ``min`` <= score, after rounding
    the score to ``categories.round`` decimals (so 1.755 with round 2 is 1.76,
    'cukup', as a reader of a two-decimal table would place it). Scores below the
    lowest band and missing scores get no category."""
    v = np.asarray(values, dtype=float)
    ids = [b.id for b in spec.bands]
    if not ids:
        return pd.Categorical([None] * len(v), categories=[])
    if spec.band_round is not None:
        v = np.round(v, spec.band_round)
    mins = np.array([b.min for b in spec.bands])
    idx = np.searchsorted(mins, v, side="right") - 1
    idx[np.isnan(v) | (idx < 0)] = -1
    return pd.Categorical.from_codes(idx, categories=ids)
