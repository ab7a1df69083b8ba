"""The survey design of a study, declared once in its YAML, and the two designs
every estimate in stages 02-04 inherits (``docs/inference.md``).

A BKPSDM survey invites every civil servant: a **census with nonresponse**. For
figures about the workforce now (the *finite-population* frame) units are
strata, respondents a sample within each unit, the registry headcount N_u is the
finite population correction and the weights are post-stratified to headcounts
by unit (by unit x status where the registry splits PNS / PPPK). That is R's
``postStratify(svydesign(ids = ~1, strata = ~unit, fpc = ~N_u), ~unit + status, ...)``.

For claims that unit types or demographic groups differ *as such* (the
*units-as-replication* frame) the units are the primary sampling units of a
with-replacement design (cluster-robust, degrees of freedom from units), or a
random-intercept model (``helpers.stats.mixed``).

Study YAML (every key optional; the default is shown)::

    design:
      type: census            # census | cluster_sample | replicate
      strata: unit_id         # census: the strata (units)
      poststratify: [unit_id, status]   # cells with registry headcounts
      min_cell_n: 2           # a unit whose status cells have fewer respondents is one cell
      lonely_psu: adjust      # a stratum with one responding PSU (R's survey.lonely.psu); fail | ...
      # cluster_sample: ids: [unit_id], strata: <column>, fpc: [<column of N units>]
      # replicate: method: JK1 | JKn | bootstrap, replicates: 200, seed: 1
      waves: {2022: {...}}    # overrides for one wave

Example
-------
>>> spec = design_spec(load_study("sample"))          # doctest: +SKIP
>>> des = workforce_design(scores_of_one_region_wave, spec)   # doctest: +SKIP
>>> des.mean(["overall"])                              # doctest: +SKIP
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import InputError

DESIGN_TYPES = ("census", "cluster_sample", "replicate")
DESIGN_KEYS = {"type", "strata", "ids", "fpc", "poststratify", "min_cell_n", "replicate", "lonely_psu", "waves"}
LONELY_RULES = ("adjust", "fail", "remove", "certainty", "average")
REPLICATE_METHODS = ("JK1", "JKn", "bootstrap")
# a stratum (unit) with one responding PSU is centred at the grand mean, R's
# options(survey.lonely.psu = "adjust"): conservative, never silently zero
LONELY_PSU = "adjust"
STATUS_OF = {"headcount_pns": "PNS", "headcount_pppk": "PPPK"}  # registry column -> status value
FRAMES = {
    "finite_population": "design-based estimate about this workforce now (strata = units, fpc from headcounts)",
    "units_replication": "units are the replication level (mixed model or cluster-robust, df from units)",
    "respondent_sensitivity": "respondents treated as independent: a sensitivity view only",
}


@dataclass(frozen=True)
class DesignSpec:
    """The declared design of one wave (``design_spec`` merges wave overrides)."""

    type: str = "census"
    strata: str | None = "unit_id"
    ids: tuple[str, ...] = ()
    fpc: tuple[str, ...] = ()
    poststratify: tuple[str, ...] = ("unit_id", "status")
    min_cell_n: int = 2
    replicate: dict = field(default_factory=dict)
    # a stratum with one responding PSU: "adjust" (R's survey.lonely.psu) by default; "fail"
    # stops with the stratum named (for a sample of units, where it signals a design problem)
    lonely_psu: str = "adjust"

    def describe(self, lang: str = "en") -> str:
        """The design in one phrase, for a brief's methods note."""
        ps = " × ".join({"unit_id": "unit"}.get(c, c) for c in self.poststratify) or "-"
        if self.type == "census":
            return (f"census with nonresponse: units as strata, finite population correction from registry "
                    f"headcounts, post-stratified to headcounts by {ps}" if lang == "en" else
                    f"sensus dengan nonrespons: unit kerja sebagai strata, koreksi populasi terbatas dari jumlah "
                    f"pegawai di registri, pasca-stratifikasi ke jumlah pegawai per {ps}")
        if self.type == "cluster_sample":
            return (f"sample of clusters (ids {' > '.join(self.ids)}, strata {self.strata or '-'}, "
                    f"fpc {', '.join(self.fpc) or '-'})" if lang == "en" else
                    f"sampel klaster (id {' > '.join(self.ids)}, strata {self.strata or '-'}, "
                    f"fpc {', '.join(self.fpc) or '-'})")
        return (f"replicate weights ({self.replicate.get('method')}) on the census design" if lang == "en"
                else f"bobot replikasi ({self.replicate.get('method')}) pada desain sensus")


def design_spec(study, wave=None) -> DesignSpec:
    """Parse and check the study's ``design:`` block (for one ``wave``)."""
    raw = study.option("design", default=None) or {}
    where = f"{getattr(study, 'path', 'study file')}: design"
    if not isinstance(raw, dict):
        raise InputError("design must be a mapping", file=where, expected="{type: census, ...}")
    unknown = sorted(set(raw) - DESIGN_KEYS)
    if unknown:
        raise InputError("unknown key in the design block", file=where, column=unknown[0],
                         expected=", ".join(sorted(DESIGN_KEYS)))
    merged = {k: v for k, v in raw.items() if k != "waves"}
    waves = raw.get("waves") or {}
    if wave is not None:
        for k, v in waves.items():
            if str(k) == str(wave) or (_num(k) is not None and _num(k) == _num(wave)):
                merged.update(v or {})
    kind = merged.get("type", "census")
    if kind not in DESIGN_TYPES:
        raise InputError("unknown design type", file=where, column="type", found=kind,
                         expected=" | ".join(DESIGN_TYPES))
    rep = merged.get("replicate") or {}
    if kind == "replicate" and rep.get("method") not in REPLICATE_METHODS:
        raise InputError("replicate design needs a method", file=where, column="replicate.method",
                         found=rep.get("method"), expected=" | ".join(REPLICATE_METHODS))
    lonely = merged.get("lonely_psu", LONELY_PSU)
    if lonely not in LONELY_RULES:
        raise InputError("unknown lonely_psu rule", file=where, column="lonely_psu", found=lonely,
                         expected=" | ".join(LONELY_RULES))
    ids = tuple(merged.get("ids") or (() if kind != "cluster_sample" else ("unit_id",)))
    fpc = merged.get("fpc") or ()
    fpc = (fpc,) if isinstance(fpc, str) else tuple(fpc)
    ps = merged.get("poststratify", ["unit_id", "status"] if kind != "cluster_sample" else [])
    return DesignSpec(type=kind, strata=merged.get("strata", "unit_id" if kind != "cluster_sample" else None),
                      ids=ids, fpc=fpc, poststratify=tuple(ps or ()),
                      min_cell_n=int(merged.get("min_cell_n", 2)), replicate=dict(rep), lonely_psu=lonely)


def _num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


# ----------------------------------------------------------------------------- weights

def population_cells(registry: pd.DataFrame, population: Sequence[str]) -> pd.DataFrame:
    """Registry headcounts per unit x status (``unit_id, status, N``): one row per
    population column (``headcount_pns`` -> PNS, ``headcount_pppk`` -> PPPK)."""
    cols = [c for c in population if c in registry.columns]
    if not cols:
        raise InputError("unit registry has none of the headcount columns", column=population[0],
                         expected=" + ".join(population))
    long = registry.assign(unit_id=registry["unit_id"].astype(str)).melt(
        id_vars="unit_id", value_vars=cols, var_name="col", value_name="N")
    long["status"] = long["col"].map(STATUS_OF).fillna(long["col"])
    long["N"] = pd.to_numeric(long["N"], errors="coerce").fillna(0.0)
    return long[["unit_id", "status", "N"]]


def census_weights(df: pd.DataFrame, registry: pd.DataFrame, spec: DesignSpec,
                   population: Sequence[str] = ("headcount_pns", "headcount_pppk"),
                   by: Sequence[str] = ("wave",)) -> pd.DataFrame:
    """Post-stratification weight, stratum population and cell of every respondent.

    Cells are unit x status when ``status`` is in ``spec.poststratify``, the
    registry gives headcounts per status, and in the unit every status with staff
    has at least ``spec.min_cell_n`` respondents (and no more than its headcount)
    and no respondent's status is unknown; otherwise the unit is one cell
    (collapsed, the standard remedy for sparse cells; Lohr 2022, 8.5.2).
    w_i = N_c / n_c for respondent i in cell c; ``fpc`` = N_u, the unit's
    headcount, raised to n_u where the registry lists fewer staff than answered
    (an outdated registry: the unit is then treated as fully observed).
    Respondents with an unknown unit or a unit without headcount get missing
    weights: the design cannot place them.

    Returns a frame aligned with ``df``: ``weight, fpc, ps_cell``.
    """
    cells = population_cells(registry, population)
    pop_u = cells.groupby("unit_id")["N"].sum()
    keys = [k for k in by if k in df.columns]
    unit = df["unit_id"].astype("string")
    f = pd.DataFrame({k: df[k] for k in keys}, index=df.index)
    f["u"] = unit
    big_u = unit.map(pop_u).astype(float)
    n_u = f.groupby([*keys, "u"], dropna=False, observed=True)["u"].transform("size").astype(float)
    fpc = np.fmax(big_u, n_u).where(big_u > 0)
    cell = unit.copy()
    statuses = list(dict.fromkeys(cells["status"]))
    if "status" in spec.poststratify and "status" in df.columns and len(statuses) > 1:
        f["s"] = df["status"].astype("string")
        counts = f.groupby([*keys, "u"], dropna=False, observed=True)["s"].value_counts(dropna=False).unstack(
            fill_value=0)
        pop = cells.pivot_table(index="unit_id", columns="status", values="N", aggfunc="sum").reindex(
            columns=statuses, fill_value=0)
        pop_rows = pop.reindex(counts.index.get_level_values("u").astype(str)).fillna(0).to_numpy()
        obs = counts.reindex(columns=statuses, fill_value=0).to_numpy()
        others = counts.drop(columns=[c for c in statuses if c in counts.columns]).sum(axis=1).to_numpy()
        staffed = pop_rows > 0
        good = ((obs >= spec.min_cell_n) | ~staffed).all(axis=1) & (obs <= pop_rows).all(axis=1) \
            & (others == 0) & (staffed.sum(axis=1) > 1) & ((obs > 0) | ~staffed).all(axis=1)
        split = pd.Series(good, index=counts.index, name="split").reset_index()
        is_split = f[[*keys, "u"]].merge(split, on=[*keys, "u"], how="left")["split"]
        is_split = pd.Series(is_split.fillna(False).to_numpy(bool), index=df.index)
        cell = cell.where(~is_split, unit + "|" + f["s"])
        big_c = cells.assign(c=cells["unit_id"] + "|" + cells["status"]).set_index("c")["N"]
        big = cell.map(big_c).astype(float).where(is_split, fpc)
    else:
        big = fpc
    n_c = pd.DataFrame({"c": cell, **{k: df[k] for k in keys}}).groupby(
        [*keys, "c"], dropna=False, observed=True)["c"].transform("size").astype(float)
    w = (big / n_c).where(fpc.notna() & unit.notna())
    return pd.DataFrame({"weight": w.astype(float), "fpc": fpc.where(w.notna()).astype(float),
                         "ps_cell": cell.where(w.notna()).astype(object)}, index=df.index)


# ----------------------------------------------------------------------------- designs

def placed(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows a design can place (known stratum, weight and fpc)."""
    ok = frame["weight"].notna() & (frame["weight"] > 0)
    if "fpc" in frame.columns:
        ok &= frame["fpc"].notna()
    return frame[ok & frame["unit_id"].notna()]


def workforce_design(frame: pd.DataFrame, spec: DesignSpec | None = None):
    """The finite-population design of one region x wave (``frame`` = its scores
    with ``weight``, ``fpc``, ``ps_cell`` from :func:`census_weights`)."""
    from .stats.survey import SurveyDesign

    spec = spec or DesignSpec()
    d = placed(frame).copy()
    if spec.type == "cluster_sample":
        des = SurveyDesign(d, ids=list(spec.ids), strata=spec.strata, weights="weight",
                           fpc=list(spec.fpc) or None, lonely_psu=spec.lonely_psu)
        return _keep_index(des, d)
    d["unit_id"] = d["unit_id"].astype(str)
    if "fpc" not in d.columns:  # weights without a frame: R's svydesign(ids = ~1, weights = ~w)
        return _keep_index(SurveyDesign(d, weights="weight"), d)
    # weights implied by the fpc (N_u / n_u), then post-stratified to the cells' headcounts
    # (sum of the cell's weights from census_weights) so the variance credits the calibration
    des = SurveyDesign(d, strata=spec.strata or "unit_id", fpc=["fpc"], lonely_psu=spec.lonely_psu)
    if "ps_cell" in d.columns and d["ps_cell"].ne(d["unit_id"]).any():
        des = des.poststratify(["ps_cell"], d.groupby("ps_cell")["weight"].sum())
    if spec.type == "replicate":
        rep = spec.replicate
        kw = {"replicates": int(rep["replicates"])} if "replicates" in rep else {}
        if "seed" in rep:
            kw["seed"] = int(rep["seed"])
        des = des.replicate(rep["method"], **kw)
    return _keep_index(des, d)


def _keep_index(des, d: pd.DataFrame):
    # the design numbers its rows 0..n-1; remember which rows of the caller's frame they are
    des.row_index = d.index
    return des


def structural_design(frame: pd.DataFrame, strata: str | None = None):
    """Units as primary sampling units, with replacement (cluster-robust; df =
    units - strata): the replication level of claims that groups differ as such.
    ``strata`` e.g. ``region_id`` when regions are compared."""
    from .stats.survey import SurveyDesign

    d = placed(frame).copy()
    d["unit_id"] = d["unit_id"].astype(str)
    des = SurveyDesign(d, ids=["unit_id"], strata=strata, weights="weight", nest=strata is not None,
                       lonely_psu=LONELY_PSU)
    return _keep_index(des, d)


def design_subset(des, index) -> object:
    """The design restricted to the rows of ``index`` (a domain: the other rows keep
    their PSUs and strata in the variance)."""
    out = des.subset(np.asarray(des.row_index.isin(index)))
    out.row_index = des.row_index
    return out


def design_by(des, y, domain: str) -> pd.DataFrame:
    """Domain estimates of ``y`` (a column or a list) by ``domain``: ``variable, group,
    estimate, se, ci_low, ci_high, df, deff, n`` (``group`` as text)."""
    out = des.by(y, domain).rename(columns={domain: "group"})
    out["group"] = out["group"].astype(str)
    return out[["variable", "group", "estimate", "se", "ci_low", "ci_high", "df", "deff", "n"]]
