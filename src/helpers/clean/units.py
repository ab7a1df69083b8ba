"""Match typed unit names (unit kerja) to the study's unit registry.

Order, per distinct (typed name, region):

1. ``manual``: a person's decision in ``config/unit_aliases/<study>.csv``
   (``raw_name, region_id, unit_id``; region may be blank = any region);
2. ``exact``: identical to the registry's ``unit_name``;
3. ``normalised``: identical after case folding, punctuation removal and
   abbreviation expansion (``"Kec."`` -> ``kecamatan``, ``"PKM"`` -> ``puskesmas``);
4. ``alias``: identical (normalised) to one of the registry's ``aliases``;
5. ``fuzzy``: rapidfuzz ``token_sort_ratio`` against names and aliases, accepted
   only when the best unit scores at least ``threshold`` and beats the next unit
   by ``margin`` points.

Everything else is ``review``: left unmatched (``unit_id`` NA) and listed with
its candidates in ``unit_match_review.csv``; nothing is matched silently below
the threshold. A person fills ``unit_id`` in the review file and saves the rows
as ``config/unit_aliases/<study>.csv``; the next run honours them.

Example
-------
>>> reg = pd.DataFrame({"unit_id": ["u1"], "unit_name": ["Dinas Pendidikan"],
...                     "region_id": ["r"], "aliases": ["Disdik"]})
>>> match_units(pd.DataFrame({"raw_name": ["disdik"], "region_id": ["r"]}), reg)["method"].tolist()
['alias']
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from .. import paths
from ..errors import ConfigError
from ..study import Study, slugify

THRESHOLD = 90.0
MARGIN = 4.0
N_CANDIDATES = 3

#: whole-word abbreviations expanded before comparing (normalised, lower case)
ABBREVIATIONS = {
    "kec": "kecamatan", "kecam": "kecamatan", "pkm": "puskesmas", "pusk": "puskesmas",
    "kab": "kabupaten", "kota": "kota", "sekr": "sekretariat", "sekret": "sekretariat",
    "setda": "sekretariat daerah", "sekda": "sekretariat daerah", "setkab": "sekretariat daerah",
    "setkot": "sekretariat daerah", "setwan": "sekretariat dprd", "sekwan": "sekretariat dprd",
    "din": "dinas", "dis": "dinas", "bdn": "badan", "rs": "rsud", "rumkit": "rsud",
    "satpolpp": "satpol pp", "upt": "upt", "uptd": "upt", "pend": "pendidikan", "kes": "kesehatan",
    "dan": "dan", "&": "dan", "n": "dan",
}

#: phrases with the same meaning, rewritten after abbreviations are expanded
PHRASES = [
    (r"\brumah sakit umum daerah\b|\brumah sakit umum\b|\brumah sakit daerah\b|\brumah sakit\b", "rsud"),
    (r"\bkantor camat\b|\bkantor kecamatan\b|^camat\b", "kecamatan"),
    (r"\bsekretariat dewan( perwakilan rakyat daerah)?\b", "sekretariat dprd"),
    (r"\bsatuan polisi pamong praja\b|\bsatpol pp\b", "satpol pp"),
    (r"^inspektorat (daerah|kota|kabupaten)$", "inspektorat"),
]

REVIEW_COLUMNS = ["raw_name", "region_id", "n_rows", "reason", "best_unit_id", "best_unit_name",
                  "best_score", "candidates", "unit_id"]


def _phrases(keys: pd.Series) -> pd.Series:
    for rx, repl in PHRASES:
        keys = keys.str.replace(rx, repl, regex=True)
    return keys


def normalise_unit_name(names: pd.Series, phrases: bool = True) -> pd.Series:
    """Comparable form of a unit name: lower case, ``&`` -> ``dan``, punctuation to
    spaces, abbreviations expanded, single spaces.

    >>> normalise_unit_name(pd.Series(["Kec. Tenggarong", " PKM  Loa Janan "])).tolist()
    ['kecamatan tenggarong', 'puskesmas loa janan']
    """
    s = (names.astype("string").str.casefold().str.replace("&", " dan ", regex=False)
         .str.replace(r"\([^)]*\)", " ", regex=True)  # "Sekretariat Daerah (Setda)": the name says it
         .str.replace(r"[^\w\s]", " ", regex=True).str.replace(r"\s+", " ", regex=True).str.strip())
    uniq = pd.Series(s.dropna().unique(), dtype="string")
    expanded = pd.Series([" ".join(ABBREVIATIONS.get(w, w) for w in ws) for ws in uniq.str.split(" ")],
                         dtype="string")
    if phrases:
        expanded = _phrases(expanded)
    return s.map(dict(zip(uniq.tolist(), expanded.tolist()))).astype("string")


def manual_aliases_path(study_id: str) -> Path:
    return paths.config_dir() / "unit_aliases" / f"{study_id}.csv"


def load_manual_aliases(path: str | Path, registry: pd.DataFrame) -> pd.DataFrame:
    """A person's mapping file: ``raw_name, region_id, unit_id`` (extra review
    columns ignored; rows with blank ``unit_id`` skipped). Unknown unit ids are an error."""
    path = Path(path)
    if not path.exists():
        return pd.DataFrame(columns=["key", "region_id", "unit_id"])
    from .readers import read_table

    m = read_table(path)
    for col in ("raw_name", "unit_id"):
        if col not in m.columns:
            raise ConfigError("unit alias file lacks a column", file=path, row=1, column=col,
                              expected="raw_name, region_id, unit_id")
    if "region_id" not in m.columns:
        m["region_id"] = pd.NA
    m = m[m["unit_id"].notna()].copy()
    unknown = ~m["unit_id"].isin(registry["unit_id"])
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise ConfigError("unit alias file names a unit not in the registry", file=path,
                          row=int(m.index[i]) + 2, column="unit_id", expected="a registry unit_id",
                          found=m["unit_id"].iloc[i])
    m["key"] = normalise_unit_name(m["raw_name"])
    return m[["key", "region_id", "unit_id"]]


def region_forms(region_names: dict[str, list[str]]) -> dict[str, list[str]]:
    """Region id -> the normalised forms of its names, longest first (what
    :func:`strip_region` cuts). Computed once per run, not per source."""
    return {rid: sorted({f for f in normalise_unit_name(pd.Series(list(n), dtype="string")).dropna() if f},
                        key=len, reverse=True) for rid, n in region_names.items()}


def strip_region(keys: pd.Series, region_ids: pd.Series, region_names: dict[str, list[str]] | None = None,
                 known: set | None = None, forms: dict[str, list[str]] | None = None) -> pd.Series:
    """Remove a trailing region name (``"dinas x kota balikpapan"`` -> ``"dinas x"``).

    ``region_names``: region id -> names and aliases people append to unit names
    (or ``forms``, their :func:`region_forms`, built once by the caller).
    Of the possible cuts, one leaving a ``known`` registry name wins, else the
    longest cut ("Kecamatan Balikpapan Kota Kota Balikpapan" keeps its own "Kota")."""
    forms_by_region = forms if forms is not None else region_forms(region_names or {})
    known = known or set()
    pairs = pd.DataFrame({"key": keys, "region_id": region_ids}).drop_duplicates()
    pending: list[tuple[tuple, list[str]]] = []
    for key, rid in pairs.itertuples(index=False):  # distinct names only: a few thousand
        if pd.isna(key) or pd.isna(rid):
            continue
        cuts = [key[: -len(f) - 1] for f in forms_by_region.get(rid, []) if key.endswith(" " + f)]
        if cuts:
            pending.append(((key, rid), cuts))
    # the phrase rewrites once over every cut (not once per name: each is a regex pass)
    flat = _phrases(pd.Series([c for _, cuts in pending for c in cuts], dtype="string")).tolist()
    best_cut: dict[tuple, str] = {}
    pos = 0
    for pair, cuts in pending:
        mine = flat[pos:pos + len(cuts)]
        pos += len(cuts)
        best_cut[pair] = next((c for c in mine if c in known), mine[0])
    if not best_cut:
        return keys.copy()
    pair = pd.MultiIndex.from_arrays([keys.astype(object), region_ids.astype(object)])
    cut = pd.Series(list(best_cut.values()), index=pd.MultiIndex.from_tuples(list(best_cut)), dtype="string")
    hit = pd.Series(cut.reindex(pair).to_numpy(), index=keys.index, dtype="string")
    return hit.fillna(keys).astype(keys.dtype if keys.dtype == "string" else "string")


def _fuzzy_scores(queries: list[str], choices: list[str]) -> np.ndarray:
    """Best of word-order-insensitive and space-insensitive similarity (0-100):
    ``token_sort_ratio`` handles swapped words, the ratio of the strings without
    spaces handles a space typed in the wrong place (``"Usah aKecil"``)."""
    a = process.cdist(queries, choices, scorer=fuzz.token_sort_ratio, workers=1)
    b = process.cdist([q.replace(" ", "") for q in queries], [c.replace(" ", "") for c in choices],
                      scorer=fuzz.ratio, workers=1)
    return np.maximum(a, b)


class UnitMatcher:
    """The registry side of :func:`match_units`, prepared once per run: the
    normalised names and aliases of every unit, the fuzzy pool per region and
    the region-name forms. ``match(queries)`` then costs only the queries.

    >>> reg = pd.DataFrame({"unit_id": ["u1"], "unit_name": ["Dinas Pendidikan"],
    ...                     "region_id": ["r"], "aliases": ["Disdik"]})
    >>> UnitMatcher(reg).match(pd.DataFrame({"raw_name": ["disdik"], "region_id": ["r"]}))["method"].tolist()
    ['alias']
    """

    def __init__(self, registry: pd.DataFrame, manual: pd.DataFrame | None = None,
                 threshold: float = THRESHOLD, margin: float = MARGIN,
                 region_names: dict[str, list[str]] | None = None):
        self.manual, self.threshold, self.margin = manual, threshold, margin
        # long table of names a unit is known by: (unit_id, region_id, key, kind)
        reg = registry.copy()
        reg["unit_id"] = reg["unit_id"].astype("string")
        al = reg[["unit_id", "region_id", "aliases"]].dropna(subset=["aliases"]).copy()
        al["aliases"] = al["aliases"].astype("string").str.split("|")
        al = al.explode("aliases").rename(columns={"aliases": "name"})
        names = pd.concat([reg[["unit_id", "region_id", "unit_name"]].rename(columns={"unit_name": "name"})
                           .assign(kind="name"), al.assign(kind="alias")], ignore_index=True)
        names["name"] = names["name"].astype("string").str.strip()
        names = names[names["name"].notna() & (names["name"] != "")]
        names["key"] = normalise_unit_name(names["name"])
        # for fuzzy matching, the long forms too ("satuan polisi pamong praja"), so a typo
        # in a long name is compared with the long name
        plain = names.assign(key=normalise_unit_name(names["name"], phrases=False), kind="plain")
        pool = pd.concat([names, plain[plain["key"] != names["key"]]], ignore_index=True)
        self.fuzzy_pool = {"\0": pool, **{str(r): g for r, g in pool.groupby("region_id", sort=False)}}
        names["region_id"] = names["region_id"].astype("string")
        self.names = names
        self.known = set(names["key"])
        self.unit_name = dict(zip(reg["unit_id"], reg["unit_name"]))
        self.forms = region_forms(region_names) if region_names else None

    def match(self, queries: pd.DataFrame) -> pd.DataFrame:
        """See :func:`match_units`."""
        threshold, margin, manual, names, unit_name = (self.threshold, self.margin, self.manual, self.names,
                                                       self.unit_name)
        q = queries[["raw_name", "region_id"]].drop_duplicates().reset_index(drop=True)
        q["raw_name"] = q["raw_name"].astype("string")
        q["region_id"] = q["region_id"].astype("string")
        q["key"] = normalise_unit_name(q["raw_name"])
        out = q.assign(unit_id=pd.Series(pd.NA, index=q.index, dtype="string"),
                       method=pd.Series("review", index=q.index, dtype="string"), score=np.nan,
                       reason=pd.Series(pd.NA, index=q.index, dtype="string"),
                       candidates=pd.Series(pd.NA, index=q.index, dtype="string"))
        out.loc[q["key"].isna() | (q["key"] == ""), "method"] = "missing"

        # a typed name that is not a registry name as it stands may carry the region's
        # name at its end ("Dinas X Kota Balikpapan"): compare without it
        if self.forms:
            stripped = strip_region(q["key"], q["region_id"], known=self.known, forms=self.forms)
            known = q["key"].isin(self.known)
            q["key"] = q["key"].where(known | (stripped == ""), stripped)
            out["key"] = q["key"]
        todo = out["method"] == "review"

        def assign_unique(mask_rows: pd.Series, lookup: pd.DataFrame, on: list[str], method: str) -> None:
            nonlocal todo
            cand = out.loc[todo & mask_rows, ["key", "region_id", "raw_name"]].reset_index()
            if cand.empty or lookup.empty:
                return
            hits = cand.merge(lookup, on=on, how="inner", suffixes=("", "_u"))
            if "region_id_u" in hits.columns:  # NA query region or region-free lookup: keep region match
                same = hits["region_id"].isna() | hits["region_id_u"].isna() | (hits["region_id"] == hits["region_id_u"])
                hits = hits[same.fillna(False)]
            per = hits.groupby("index")["unit_id"].agg(["nunique", "first"])
            one = per[per["nunique"] == 1]
            out.loc[one.index, "unit_id"] = one["first"].astype("string")
            out.loc[one.index, "method"] = method
            out.loc[one.index, "score"] = 100.0
            many = per[per["nunique"] > 1]
            if len(many):
                out.loc[many.index, "reason"] = "ambiguous"
                amb = hits[hits["index"].isin(many.index)].groupby("index")["unit_id"].agg(
                    lambda u: "; ".join(f"{x}:{unit_name.get(x, '')} (100)" for x in dict.fromkeys(u)))
                out.loc[amb.index, "candidates"] = amb
            todo = out["method"] == "review"

        everywhere = pd.Series(True, index=out.index)
        if manual is not None and len(manual):
            m = manual.rename(columns={"region_id": "region_id_u"})
            cand = out.loc[todo, ["key", "region_id"]].reset_index().merge(m, on="key", how="inner")
            ok = cand["region_id_u"].isna() | cand["region_id"].isna() | (cand["region_id"] == cand["region_id_u"])
            cand = cand[ok.fillna(False)].drop_duplicates("index", keep="last")
            out.loc[cand["index"], "unit_id"] = cand["unit_id"].astype("string").to_numpy()
            out.loc[cand["index"], "method"] = "manual"
            out.loc[cand["index"], "score"] = 100.0
            out.loc[cand["index"], "reason"] = pd.NA
            out.loc[cand["index"], "candidates"] = pd.NA
            todo = out["method"] == "review"
        exact = names[names["kind"] == "name"].assign(raw_name=lambda d: d["name"])[["raw_name", "region_id", "unit_id"]]
        assign_unique(everywhere, exact.rename(columns={"region_id": "region_id_u"}), ["raw_name"], "exact")
        by_name = names[names["kind"] == "name"][["key", "region_id", "unit_id"]]
        assign_unique(everywhere, by_name.rename(columns={"region_id": "region_id_u"}), ["key"], "normalised")
        by_alias = names[names["kind"] == "alias"][["key", "region_id", "unit_id"]]
        assign_unique(everywhere, by_alias.rename(columns={"region_id": "region_id_u"}), ["key"], "alias")

        # fuzzy, region by region (a typed name is compared with its own region's units)
        rest = out[todo & out["reason"].isna()]
        # the typed names' long forms, once for every region (the normalisation is per name)
        plain = normalise_unit_name(rest["raw_name"], phrases=False).fillna("") if len(rest) else rest["raw_name"]
        for region, grp in rest.groupby(rest["region_id"].fillna("\0"), sort=False):
            pool = self.fuzzy_pool.get(region, names.iloc[:0])
            if pool.empty:
                out.loc[grp.index, "reason"] = "no_units_in_region"
                continue
            choices = pool["key"].tolist()
            scores = np.maximum(_fuzzy_scores(grp["key"].tolist(), choices),
                                _fuzzy_scores(plain.loc[grp.index].tolist(), choices))
            # best score per unit (a unit may have several names)
            units = pool["unit_id"].to_numpy()
            uids, inv = np.unique(units, return_inverse=True)
            per_unit = np.zeros((scores.shape[0], len(uids)))
            for j in range(len(uids)):  # loop over units (~100), not over rows
                per_unit[:, j] = scores[:, inv == j].max(axis=1)
            order = np.argsort(-per_unit, axis=1)[:, :N_CANDIDATES]
            best = per_unit[np.arange(len(grp)), order[:, 0]]
            second = per_unit[np.arange(len(grp)), order[:, 1]] if len(uids) > 1 else np.zeros(len(grp))
            accept = (best >= threshold) & (best - second >= margin)
            idx = grp.index
            out.loc[idx, "score"] = best
            out.loc[idx[accept], "unit_id"] = uids[order[accept, 0]]
            out.loc[idx[accept], "method"] = "fuzzy"
            reason = np.where(best < threshold, "below_threshold", "ambiguous")
            out.loc[idx[~accept], "reason"] = reason[~accept]
            cands = ["; ".join(f"{uids[k]}:{unit_name.get(uids[k], '')} ({per_unit[i, k]:.0f})" for k in order[i])
                     for i in range(len(grp))]
            out.loc[idx, "candidates"] = pd.Series(cands, index=idx, dtype="string")
        out.loc[out["method"] != "review", "reason"] = pd.NA
        return out.drop(columns="key")


def match_units(queries: pd.DataFrame, registry: pd.DataFrame, manual: pd.DataFrame | None = None,
                threshold: float = THRESHOLD, margin: float = MARGIN,
                region_names: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """Match distinct typed names to registry units (one call: a
    :class:`UnitMatcher` built and used once; a run that matches many files
    builds the matcher once and calls ``match`` per file).

    Parameters
    ----------
    queries : ``raw_name`` and ``region_id`` (NA region = search all regions).
    registry : ``unit_id, unit_name, region_id, aliases`` (``|``-separated).
    manual : output of :func:`load_manual_aliases`.

    Returns
    -------
    One row per distinct (raw_name, region_id): ``unit_id`` (NA unless matched),
    ``method`` (manual/exact/normalised/alias/fuzzy/review/missing), ``score``
    (0-100), ``reason`` (for review rows: ``below_threshold``/``ambiguous``),
    ``candidates`` (``"id:name (score)"`` joined by ``"; "``).
    """
    return UnitMatcher(registry, manual, threshold, margin, region_names).match(queries)


def review_table(matches: pd.DataFrame, counts: pd.DataFrame, registry: pd.DataFrame) -> pd.DataFrame:
    """The rows a person must decide: ``REVIEW_COLUMNS``, with an empty ``unit_id``
    to fill in; saved rows become ``config/unit_aliases/<study>.csv``."""
    r = matches[matches["method"] == "review"].merge(counts, on=["raw_name", "region_id"], how="left")
    first = r["candidates"].fillna("").str.split("; ").str[0]
    r["best_unit_id"] = first.str.extract(r"^([^:]+):", expand=False)
    name = dict(zip(registry["unit_id"].astype("string"), registry["unit_name"]))
    r["best_unit_name"] = r["best_unit_id"].map(name)
    r["best_score"] = r["score"].round(1)
    r["unit_id"] = pd.NA
    return (r.reindex(columns=REVIEW_COLUMNS).sort_values(["region_id", "n_rows", "raw_name"], ascending=[True, False, True])
            .reset_index(drop=True))


# ----------------------------------------------------------------------------------------------
# regions: which study region a cell names, and the region names people append to unit names
REGION_PREFIX = r"^(pemerintah|pemkab|pemkot|pemprov|kabupaten|kab|kota|provinsi|prov)-"


def region_lookup(study: Study) -> dict[str, str]:
    """Slug -> study region id, from each region's id, name and ``aliases`` (study
    file), each also without its kind prefix (``"Pemkab Kukar"`` -> ``kukar``)."""
    out = {}
    raw_regions = {r.get("id") or slugify(r["name"]): r for r in study.raw.get("regions", []) if isinstance(r, dict)}
    for r in study.regions:
        aliases = raw_regions.get(r.id, {}).get("aliases") or []
        for text in (r.id, r.name, *aliases):
            s = slugify(str(text))
            out[s] = r.id
            while True:  # "pemerintah-kabupaten-x" -> "kabupaten-x" -> "x"
                bare = pd.Series([s]).str.replace(REGION_PREFIX, "", regex=True).iloc[0]
                if bare == s:
                    break
                s = bare
                out.setdefault(s, r.id)
    return out


def map_region(cells: pd.Series, lookup: dict[str, str]) -> pd.Series:
    """Region cells -> study region id (NA when the text names no study region)."""
    uniq = pd.Series(cells.dropna().unique(), dtype="string")
    slug = uniq.map(lambda t: slugify(str(t))).astype("string")
    val = slug.map(lookup)
    for _ in range(2):
        slug = slug.str.replace(REGION_PREFIX, "", regex=True)
        val = val.fillna(slug.map(lookup))
    # the distinct cells' ids spread back by position (a dict lookup per row cost more)
    codes = pd.Index(uniq.astype(object)).get_indexer(cells.astype(object))
    return pd.Series(val.astype("string").array.take(codes, allow_fill=True), index=cells.index, name=cells.name)


def region_names(study: Study) -> dict[str, list[str]]:
    """Region id -> the names people append to unit names (name, aliases, bare name)."""
    raw_regions = {r.get("id") or slugify(r["name"]): r for r in study.raw.get("regions", []) if isinstance(r, dict)}
    out = {}
    for r in study.regions:
        names = [r.name, *(raw_regions.get(r.id, {}).get("aliases") or [])]
        bare = [pd.Series([n]).str.replace(r"^(?i:(?:pemerintah|pemkab|pemkot|kabupaten|kab\.?|kota)\s+)+", "",
                                           regex=True).iloc[0] for n in names]
        out[r.id] = list(dict.fromkeys(names + bare + ["Kab. " + b for b in bare] + ["Kota " + b for b in bare]))
    return out


def unit_matchers(study: Study, registry: pd.DataFrame, manual, opts: dict) -> tuple:
    """Unit matchers of the study's regions and of the registry's other regions,
    built once per run (the registry side is the costly part of matching)."""
    inside = registry["region_id"].isin({r.id for r in study.regions})
    uo = opts.get("units", {})
    return (UnitMatcher(registry[inside], manual, threshold=uo.get("threshold", 90), margin=uo.get("margin", 4),
                        region_names=region_names(study)),
            UnitMatcher(registry[~inside]) if (~inside).any() else None)


def match_source_units(uq: pd.DataFrame, inside: UnitMatcher, outside: UnitMatcher | None
                        ) -> tuple[pd.DataFrame, set]:
    """Match a file's typed unit names within the study's regions; names that
    match nothing there but a registry unit of a region outside the study are
    returned apart (``foreign``) so the rows become ``other_region``."""
    m = inside.match(uq)
    foreign: set = set()
    if outside is not None:
        rv = m.loc[m["method"] == "review", ["raw_name"]].assign(region_id=pd.NA)
        if len(rv):
            mo = outside.match(rv)
            foreign = set(mo.loc[mo["unit_id"].notna(), "raw_name"])
            m = m[~(m["raw_name"].isin(foreign) & (m["method"] == "review"))]
    return m, foreign
