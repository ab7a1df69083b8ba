"""Post-stratification weights and response rates per unit.

Respondents are not a simple random sample of the workforce: some units answer
in full, others hardly at all. Post-stratifying on the unit (the cell) makes
weighted estimates describe the workforce of the responding units:

    w_i = N_u / n_u     for respondent i in unit u,

with N_u the registry headcount (``units.csv``: headcount_pns + headcount_pppk by
default, per the spec's ``weights.population``) and n_u the respondents of u in
the same index and wave. The weights of a unit sum to its headcount. Units
without respondents cannot be represented (their coverage is reported);
respondents whose unit is unknown to the registry or has no headcount get a
missing weight and are left out of weighted estimates only.

Reference: Lohr, S. (2022) *Sampling: Design and Analysis*, 3rd ed., ch. 4.4
(post-stratification); Lumley, T. (2010) *Complex Surveys*, ch. 7.

Example
-------
>>> rr = response_rates(respondents, registry, by=["wave"])
>>> respondents["weight"] = unit_weights(respondents, registry, by=["wave"])
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import InputError

def headcount(registry: pd.DataFrame, population: Sequence[str] = ("headcount_pns", "headcount_pppk")) -> pd.Series:
    """Headcount per unit_id: the sum of the population columns present."""
    cols = [c for c in population if c in registry.columns]
    if not cols:
        raise InputError("unit registry has none of the headcount columns", column=population[0],
                         expected=" + ".join(population))
    hc = registry[cols].apply(pd.to_numeric, errors="coerce").sum(axis=1, min_count=1)
    return pd.Series(hc.to_numpy(), index=registry["unit_id"].astype(str), name="headcount")


def unit_weights(df: pd.DataFrame, registry: pd.DataFrame, by: Sequence[str] = ("wave",),
                 population: Sequence[str] = ("headcount_pns", "headcount_pppk")) -> pd.Series:
    """Post-stratification weight per respondent, w = N_unit / n_unit (within ``by``)."""
    hc = headcount(registry, population)
    keys = [*by, "unit_id"]
    n_u = df.groupby(keys, dropna=False, observed=True)["unit_id"].transform("size")
    big_n = df["unit_id"].astype(object).map(hc).astype(float)
    w = big_n / n_u
    w[~(big_n > 0)] = np.nan
    return w.rename("weight")


def response_rates(df: pd.DataFrame, registry: pd.DataFrame, by: Sequence[str] = ("wave",),
                   population: Sequence[str] = ("headcount_pns", "headcount_pppk")) -> pd.DataFrame:
    """Respondents, headcount and response rate per registry unit (every unit of the
    regions that have respondents, including units with none), within ``by``.

    Columns: ``*by, region_id, unit_id, unit_type, headcount, n, response_rate, weight``."""
    hc = headcount(registry, population)
    reg = registry.assign(unit_id=registry["unit_id"].astype(str))[["unit_id", "unit_type", "region_id"]]
    reg = reg.assign(headcount=reg["unit_id"].map(hc).to_numpy())
    n = df.groupby([*by, "unit_id"], dropna=True, observed=True).size().rename("n").reset_index()
    frames = []
    for key, grp in (df.groupby(list(by), dropna=False, observed=True) if by else [((), df)]):
        key = key if isinstance(key, tuple) else (key,)
        regions = grp["region_id"].dropna().unique()
        base = reg[reg["region_id"].isin(regions)].copy()
        for k, v in zip(by, key):
            base[k] = v
        frames.append(base)
    if not frames:
        return pd.DataFrame(columns=[*by, "region_id", "unit_id", "unit_type", "headcount", "n",
                                     "response_rate", "weight"])
    out = pd.concat(frames, ignore_index=True).merge(n, on=[*by, "unit_id"], how="left")
    out["n"] = out["n"].fillna(0).astype(int)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["response_rate"] = np.where(out["headcount"] > 0, out["n"] / out["headcount"], np.nan)
        out["weight"] = np.where((out["n"] > 0) & (out["headcount"] > 0), out["headcount"] / out["n"], np.nan)
    return out[[*by, "region_id", "unit_id", "unit_type", "headcount", "n", "response_rate", "weight"]]
