"""Survey quality rules. Each rule is a function: frame in, :class:`RuleResult` out
(which rows it rejects and the cleaning-log rows it writes). All vectorised.

Rules and their study options (``quality:`` in ``config/studies/<id>.yaml``;
defaults in :data:`DEFAULTS`; every rule has ``enabled`` and most an ``action``
of ``reject`` or ``flag`` = log only):

============== ============ ================================================================
rule code      default      what it finds
============== ============ ================================================================
blank_row      reject       every cell of the raw row empty
duplicate      reject       same person (respondent_id from the NIP) more than once per
                            instrument and wave: keeps the latest *complete* submission
                            (complete = share of items answered >= ``complete_share``),
                            else the latest; the others are rejected. Rows without a
                            usable NIP fall back on a hashed key of ``fallback.fields``
                            (normalised name + birth date/year + sex + unit_id, all
                            present): see :func:`fallback_keys`
speeder        reject       ``duration_s < ratio * median`` of the file (only where a
                            duration or start/end times exist). IPA high-frequency checks
                            and Greszki et al. (2015, POQ 79:471) use 30-50% of the median.
straightliner  reject       the same answer on every item of the grid (``scope: instrument``
                            or per ``area``) with at least ``min_items`` answered
                            (Kim et al. 2019, Soc Sci Comput Rev 37:214)
missing_items  flag         share of missing items in an area above ``max_share``; a row
                            with no item answered at all is rejected (``reject_empty``)
other_region   reject       the respondent's region or unit is not one of the study's
out_of_range / reject cell  handled by :mod:`helpers.clean.codebook`: cell set missing, logged
unknown_label
============== ============ ================================================================
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

LOG_COLUMNS = ["source_file", "source_row", "respondent_id", "column", "old_value", "new_value",
               "rule", "action"]

DEFAULTS: dict[str, dict] = {
    "blank_row": {"enabled": True, "action": "reject"},
    "duplicate": {"enabled": True, "action": "reject", "complete_share": 1.0, "scope": ["instrument", "wave"],
                  "fallback": {"enabled": True, "fields": ["name", "birth", "sex", "unit_id"], "match_nip": False,
                               "max_group": 3, "min_name_letters": 3,
                               "placeholder_names": ["anonim", "anonymous", "tanpa nama", "tidak ada", "nama",
                                                     "test", "tes", "xxx", "na", "n a", "none", "null"]}},
    "speeder": {"enabled": True, "action": "reject", "ratio": 0.3, "min_rows": 20},
    "straightliner": {"enabled": True, "action": "reject", "min_items": 10, "scope": "instrument"},
    "missing_items": {"enabled": True, "action": "flag", "max_share": 0.5, "reject_empty": True},
    "other_region": {"enabled": True, "action": "reject"},
}


#: flat study keys accepted as shorthands: key -> (rule, option)
FLAT_KEYS = {"speeder_ratio": ("speeder", "ratio"), "straightline_min_items": ("straightliner", "min_items"),
             "max_missing_share_area": ("missing_items", "max_share"),
             "unit_match_threshold": ("units", "threshold"), "unit_match_margin": ("units", "margin"),
             "duplicate_keys": ("duplicate", "keys"), "keep": ("duplicate", "keep"),
             "complete_share": ("duplicate", "complete_share"),
             "duplicate_fallback": ("duplicate", "fallback")}


def options(study_quality: dict | None) -> dict[str, dict]:
    """Defaults overlaid with the study's ``quality:`` block (``study.option("quality")``):
    per-rule mappings (``speeder: {ratio: 0.35}``) or the flat shorthands of :data:`FLAT_KEYS`
    (``speeder_ratio: 0.35``)."""
    out = {k: dict(v) for k, v in DEFAULTS.items()}
    out.setdefault("units", {})
    for key, value in (study_quality or {}).items():
        if key in FLAT_KEYS:
            rule, opt = FLAT_KEYS[key]
            out.setdefault(rule, {})[opt] = fallback_options(value) if opt == "fallback" else value
    for rule, opts in (study_quality or {}).items():
        if isinstance(opts, dict):
            out.setdefault(rule, {}).update(opts)
            if rule == "duplicate" and "fallback" in opts:
                out[rule]["fallback"] = fallback_options(opts["fallback"])
        elif isinstance(opts, bool):
            out.setdefault(rule, {})["enabled"] = opts
    return out


@dataclass
class RuleResult:
    rule: str
    reject: pd.Series  # bool per row (False when the action is "flag")
    log: pd.DataFrame
    flagged: int = 0  # rows the rule found, whatever its action
    note: str | None = None
    examples: list = field(default_factory=list)
    found: np.ndarray | None = None  # bool per row: what ``flagged`` counts (None: nothing)


def log_frame(df: pd.DataFrame, mask: pd.Series | np.ndarray, column, old, new, rule: str,
              action: str) -> pd.DataFrame:
    """Cleaning-log rows for the rows in ``mask`` (``old``/``new``/``column`` scalars or
    aligned Series)."""
    mask = np.asarray(mask, dtype=bool)
    idx = np.flatnonzero(mask)

    def pick(v):
        if isinstance(v, np.ndarray):
            return np.asarray(v, dtype=object)[mask]
        if isinstance(v, pd.Series):
            return v.iloc[idx].astype("object").to_numpy()
        return v

    # positions, not labels: a few array takes instead of a frame selection per call
    out = {c: df[c].take(idx).reset_index(drop=True) for c in ("source_file", "source_row", "respondent_id")}
    out.update(column=pick(column), old_value=pick(old), new_value=pick(new), rule=rule, action=action)
    return pd.DataFrame(out, index=pd.RangeIndex(len(idx)))[LOG_COLUMNS]


def _result(rule: str, df: pd.DataFrame, found: pd.Series, opts: dict, column, old, new,
            note: str | None = None) -> RuleResult:
    action = opts.get("action", "reject")
    found = found.fillna(False).astype(bool) if hasattr(found, "fillna") else found
    log = log_frame(df, found, column, old, new, rule, action)
    reject = found if action == "reject" else pd.Series(False, index=df.index)
    return RuleResult(rule, reject, log, int(found.sum()), note, found=np.asarray(found, dtype=bool))


def _off(rule: str, df: pd.DataFrame, note: str) -> RuleResult:
    return RuleResult(rule, pd.Series(False, index=df.index), pd.DataFrame(columns=LOG_COLUMNS), 0, note)


# ----------------------------------------------------------------------------------------------
def blank_rows(df: pd.DataFrame, raw: pd.DataFrame, opts: dict) -> RuleResult:
    """Rows whose raw cells are all empty."""
    if not opts.get("enabled", True):
        return _off("blank_row", df, "disabled")
    found = pd.Series(raw.isna().all(axis=1).to_numpy(), index=df.index)
    return _result("blank_row", df, found, opts, "*", "", "", None)


def speeders(df: pd.DataFrame, opts: dict, eligible: pd.Series | None = None) -> RuleResult:
    """``duration_s < ratio * median(duration_s)`` over the file's eligible rows.

    Formula: speeder_i = d_i < r * median(d), r = ``ratio`` (default 0.3).
    """
    if not opts.get("enabled", True):
        return _off("speeder", df, "disabled")
    if "duration_s" not in df.columns:
        return _off("speeder", df, "rule off: no duration or start/end time columns")
    if df["duration_s"].notna().sum() < opts.get("min_rows", 20):
        return _off("speeder", df, f"rule off: only {int(df['duration_s'].notna().sum())} of {len(df)} rows have "
                                   f"a usable duration (needs {opts.get('min_rows', 20)}; unparseable times are "
                                   "in the cleaning log as bad_datetime)")
    d = df["duration_s"].astype("float64")
    base = d if eligible is None else d.where(eligible)
    med = float(np.nanmedian(base.to_numpy()))
    limit = opts.get("ratio", 0.3) * med
    found = d < limit
    new = pd.Series(f"< {limit:.0f} s ({opts.get('ratio', 0.3)} x median {med:.0f} s)", index=df.index)
    return _result("speeder", df, found, opts, "duration_s", d.round(0).astype("Int64").astype("string"), new,
                   note=f"median {med:.0f} s, limit {limit:.0f} s")


def straightliners(df: pd.DataFrame, raw_items: pd.DataFrame, areas: dict[str, list[str]],
                   opts: dict) -> RuleResult:
    """Same answer on every answered item of the grid, at least ``min_items`` answered.
    ``raw_items`` are the response values before reverse keying (what the person ticked)."""
    if not opts.get("enabled", True):
        return _off("straightliner", df, "disabled")
    min_items = int(opts.get("min_items", 10))
    grids = {"all": list(raw_items.columns)} if opts.get("scope", "instrument") == "instrument" else areas
    found = np.zeros(len(df), dtype=bool)
    value = np.full(len(df), np.nan)
    for cols in grids.values():
        cols = [c for c in cols if c in raw_items.columns]
        if len(cols) < min_items:
            continue
        x = raw_items[cols].to_numpy(dtype="float64", na_value=np.nan)
        n = np.sum(~np.isnan(x), axis=1)
        # fmin/fmax ignore NaN; a row with no answer gives NaN and is not a hit
        lo, hi = np.fmin.reduce(x, axis=1), np.fmax.reduce(x, axis=1)
        hit = (n >= min_items) & (lo == hi)
        value = np.where(hit & ~found, lo, value)
        found |= hit
    found_s = pd.Series(found, index=df.index)
    # the text once per distinct value (a few answer codes), not once per row
    codes, uniq = pd.factorize(value, use_na_sentinel=True)
    text = np.array([f"all items = {v:g}" for v in uniq] + [""], dtype=object)
    new = pd.Series(text[np.where(codes < 0, len(uniq), codes)], index=df.index, dtype=object)
    return _result("straightliner", df, found_s, opts, "items", "", new)


def missing_items(df: pd.DataFrame, items: pd.DataFrame, areas: dict[str, list[str]],
                  opts: dict) -> tuple[RuleResult, RuleResult]:
    """Too many missing items per area (``flag`` by default) and rows with no item
    answered at all (rejected when ``reject_empty``). Returns (area rule, empty rule)."""
    if not opts.get("enabled", True) or items.shape[1] == 0:
        return _off("missing_items", df, "disabled"), _off("no_items", df, "disabled")
    max_share = float(opts.get("max_share", 0.5))
    logs, any_found = [], pd.Series(False, index=df.index)
    na = items.isna().to_numpy(dtype=bool)  # once for every area
    pos = {c: j for j, c in enumerate(items.columns)}
    for area, cols in areas.items():
        cols = [c for c in cols if c in items.columns]
        if not cols:
            continue
        share = na[:, [pos[c] for c in cols]].mean(axis=1)
        hit = pd.Series(share > max_share, index=df.index)
        any_found |= hit
        if hit.any():
            h = hit.to_numpy()
            old = np.full(len(df), None, dtype=object)  # the log's text, for the rows it logs
            old[h] = (pd.Series(share[h] * 100).round(0).astype("Int64").astype("string") + "% missing").to_numpy(
                dtype=object)
            logs.append(log_frame(df, hit, f"area:{area}", old, f"> {max_share:.0%}", "missing_items",
                                  opts.get("action", "flag")))
    empty = pd.Series(na.all(axis=1), index=df.index)
    area_found = any_found & ~empty
    log = pd.concat(logs, ignore_index=True) if logs else pd.DataFrame(columns=LOG_COLUMNS)
    # rows with no answer at all are reported once, by the empty rule
    if empty.any() and len(log):
        empty_rows = set(zip(df.loc[empty, "source_file"], df.loc[empty, "source_row"]))
        log = log[[k not in empty_rows for k in zip(log["source_file"], log["source_row"])]]
    area_res = RuleResult("missing_items", area_found if opts.get("action", "flag") == "reject"
                          else pd.Series(False, index=df.index), log, int(area_found.sum()),
                          found=area_found.to_numpy(dtype=bool))
    empty_opts = {"action": "reject" if opts.get("reject_empty", True) else "flag"}
    empty_res = _result("no_items", df, empty, empty_opts, "items", "", "no item answered")
    return area_res, empty_res


def other_region(df: pd.DataFrame, outside: pd.Series, detail: pd.Series, opts: dict) -> RuleResult:
    """Rows whose region (region column or registry unit) is not a study region."""
    if not opts.get("enabled", True):
        return _off("other_region", df, "disabled")
    return _result("other_region", df, outside, opts, "region", detail, "", None)


def fallback_options(value) -> dict:
    """The duplicate rule's ``fallback`` options: defaults overlaid with a study's
    mapping, or ``enabled`` alone when the study gives a bool."""
    out = dict(DEFAULTS["duplicate"]["fallback"])
    if isinstance(value, bool):
        out["enabled"] = value
    elif isinstance(value, dict):
        out.update(value)
    return out


# academic and religious titles written before a name (gelar depan); titles after
# it (gelar belakang: ", S.Kom., M.Si.") follow a comma and are cut there
_TITLES_BEFORE = r"^(?:(?:prof|dr|drs|dra|ir|hj|h|kh|ns|apt|drg|dr\s?h)\.?\s+)+"


def normalise_names(names: pd.Series) -> pd.Series:
    """Names reduced to what two submissions of one person share: accents removed,
    lower case, titles before the name and everything after the first comma
    (Indonesian degrees, ``"Dr. Siti Aminah, S.Kom., M.Si."`` -> ``"siti aminah"``)
    dropped, punctuation to spaces, spaces collapsed. Unique values are normalised
    once. NA where nothing is left.

    >>> normalise_names(pd.Series(["Dr. Siti  Aminah, S.Kom.", "SITI AMINAH"])).tolist()
    ['siti aminah', 'siti aminah']
    """
    codes, uniq = pd.factorize(names.astype("string"), use_na_sentinel=True)
    u = pd.Series(uniq, dtype="string")
    u = (u.str.normalize("NFKD").str.replace(r"[\u0300-\u036f]", "", regex=True).str.lower()
         .str.split(",", n=1).str[0].str.replace(r"[^a-z\s]", " ", regex=True)
         .str.replace(r"\s+", " ", regex=True).str.strip())
    # titles are matched after punctuation became spaces ("dr. " -> "dr ")
    u = u.str.replace(_TITLES_BEFORE.replace(r"\.?", ""), "", regex=True).str.strip()
    u = u.mask(u == "")
    out = pd.Series(pd.array(np.where(codes >= 0, u.to_numpy(dtype=object, na_value=None)[np.maximum(codes, 0)],
                                      None), dtype="string"), index=names.index)
    return out


def _birth(df: pd.DataFrame) -> pd.Series:
    """Birth as text: the date when known, else the year (NA when neither)."""
    out = pd.Series(pd.NA, index=df.index, dtype="string")
    if "birth_year" in df.columns:
        y = pd.to_numeric(df["birth_year"], errors="coerce").round().astype("Int64")
        out = y.astype("string").where(y.notna(), out)
    if "birth_date" in df.columns:
        d = pd.to_datetime(df["birth_date"], errors="coerce")
        out = d.dt.strftime("%Y-%m-%d").astype("string").where(d.notna(), out)
    return out


def fallback_keys(df: pd.DataFrame, names: pd.Series, eligible: pd.Series, opts: dict) -> pd.Series:
    """A hashed identity for the rows without a usable NIP, to find the same
    person submitting twice (duplicate rule, ``fallback`` options).

    key_i = hash64(normalised name, birth, sex, unit_id, ...) over ``fields``,
    built only when every field is present and non-empty and the name is not a
    placeholder (``placeholder_names``) nor shorter than ``min_name_letters``.
    ``birth`` is the birth date, else the birth year. Keys are computed for
    eligible rows without a usable NIP and, with ``match_nip``, for the NIP rows
    that share their birth, sex and unit (so a copy whose NIP Excel mangled is
    matched with its intact copy). The key exists only in memory: no name is
    written anywhere.

    Returns a ``UInt64`` Series aligned with ``df`` (NA = no key).

    >>> # two rows of "Siti Aminah", 1985, P, unit u1, NIPs unreadable -> one key
    """
    fb = fallback_options(opts.get("fallback", {}))
    keys = pd.Series(pd.NA, index=df.index, dtype="UInt64")
    if not fb.get("enabled", True) or not opts.get("enabled", True):
        return keys
    fields = list(fb.get("fields", []))
    cols: dict[str, pd.Series] = {}
    for f in fields:
        if f == "name":
            continue
        if f == "birth":
            cols[f] = _birth(df)
        elif f in df.columns:
            cols[f] = df[f].astype("string")
        else:
            return keys  # a field this export does not have: no fallback, never a weaker key
    if "name" in fields and names.isna().all():
        return keys
    present = eligible.to_numpy(dtype=bool).copy()
    for c in cols.values():
        present &= (c.notna() & (c.str.strip() != "")).fillna(False).to_numpy(dtype=bool)
    if "name" in fields:
        present &= names.notna().to_numpy()
    no_nip = present & ~df["id_from_nip"].to_numpy(dtype=bool)
    if not no_nip.any():
        return keys
    rows = no_nip
    if fb.get("match_nip", False):
        # NIP rows are candidates only when their non-name fields occur among the
        # NIP-less rows: a cheap isin per field instead of normalising every name
        cand = present & ~no_nip
        for c in cols.values():
            if not cand.any():
                break
            cand &= c.isin(c[no_nip].unique()).to_numpy(dtype=bool)
        rows = no_nip | cand
    idx = df.index[rows]
    parts = {f: c.loc[idx] for f, c in cols.items()}
    if "name" in fields:
        nm = normalise_names(names.loc[idx])
        ok = nm.notna() & (nm.str.replace(" ", "", regex=False).str.len() >= int(fb.get("min_name_letters", 3)))
        ok &= ~nm.isin([str(x).lower() for x in fb.get("placeholder_names", [])])
        parts["name"] = nm
        idx = idx[ok.fillna(False).to_numpy(dtype=bool)]
        parts = {f: c.loc[idx] for f, c in parts.items()}
    if len(idx) == 0:
        return keys
    frame = pd.DataFrame({f: parts[f].astype("string") for f in fields})
    # hash_pandas_object combines the columns' 64-bit hashes: collisions ~ n^2 / 2^65
    keys.loc[idx] = pd.util.hash_pandas_object(frame, index=False, categorize=False).to_numpy()
    return keys


def duplicates(df: pd.DataFrame, eligible: pd.Series, opts: dict, fallback: pd.Series | None = None) -> RuleResult:
    """Same person more than once within ``scope`` (instrument, wave): keep the
    latest complete submission.

    The person is the NIP-based ``respondent_id`` (``id_from_nip``); a row without a
    usable NIP is the person of its ``fallback`` key (:func:`fallback_keys`): the
    NIP respondent with the same key when exactly one has it, else the key itself.
    A key shared by several NIP respondents (ambiguous) or by more than
    ``fallback.max_group`` rows (a placeholder name, most likely) is not merged
    and is logged as a ``flag``.

    Ranking inside a person: complete first (``answered_share >= complete_share``),
    then latest ``submitted_at``, then last file order (``_order``). The kept row's
    source is written in ``new_value`` of every rejected copy, so a reviewer can
    compare; ``column`` names the key used (``respondent_id`` or the fallback
    fields). Rows already rejected by another rule (``eligible`` False) do not compete.
    """
    if not opts.get("enabled", True):
        return _off("duplicate", df, "disabled")
    fb = fallback_options(opts.get("fallback", {}))
    scope = [c for c in opts.get("scope", ["instrument", "wave"]) if c in df.columns]
    from_nip = df["id_from_nip"].to_numpy(dtype=bool)
    person = df["respondent_id"].where(eligible & from_nip)
    flags = []
    by_key = np.zeros(len(df), dtype=bool)
    if fallback is not None and fallback.notna().any():
        has = (fallback.notna() & eligible).to_numpy(dtype=bool)
        k = pd.DataFrame({"key": fallback.to_numpy(), "rid": df["respondent_id"].to_numpy(),
                          **{c: df[c].to_numpy() for c in scope}}).loc[has]
        kn = k[from_nip[has]]
        kx = k[~from_nip[has]]
        gk = ["key", *scope]
        nip_ids = kn.drop_duplicates([*gk, "rid"]).groupby(gk, dropna=False)["rid"].agg(["first", "size"])
        kx = kx.join(nip_ids, on=gk)
        n_nip = kx["size"].fillna(0).to_numpy()
        group_n = kx.groupby(gk, dropna=False)["rid"].transform("size").to_numpy()
        ambiguous = n_nip > 1
        too_many = (n_nip == 0) & (group_n > int(fb.get("max_group", 3)))
        use = ~ambiguous & ~too_many
        pid = np.where(n_nip == 1, kx["first"].astype(object).to_numpy(),
                       "F" + kx["key"].astype("string").to_numpy(dtype=object))
        pos = df.index.get_indexer(kx.index)
        person.iloc[pos[use]] = pid[use]
        by_key[pos[use]] = True
        for m, why in ((ambiguous, "not merged: same name, birth, sex and unit as several NIP respondents"),
                       (too_many, f"not merged: more than {fb.get('max_group', 3)} rows share name, birth, sex "
                                  "and unit (placeholder name?)")):
            if m.any():
                mask = np.zeros(len(df), dtype=bool)
                mask[pos[m]] = True
                flags.append(log_frame(df, mask, "+".join(fb["fields"]), "", why, "duplicate", "flag"))
    cand = person.notna() & person.duplicated(keep=False)
    have = [c for c in ["answered_share", "submitted_at", "_order", *scope] if c in df.columns]
    sub = df.loc[cand, have].copy()
    sub["person"] = person[cand]
    sub["complete"] = sub["answered_share"] >= float(opts.get("complete_share", 1.0)) - 1e-9
    sub["t"] = sub.get("submitted_at", 0)  # NaT sorts first (na_position)
    keys = ["person", *scope]
    sub = sub.sort_values([*keys, "complete", "t", "_order"], na_position="first")
    last = ~sub.duplicated(keys, keep="last")
    dup_idx = sub.index[~last.to_numpy()]
    found = pd.Series(False, index=df.index)
    found[dup_idx] = True
    kept = sub[last.to_numpy()].set_index(keys)["_order"]
    keep_ref = sub.loc[dup_idx, keys].merge(kept.rename("kept").reset_index(), on=keys, how="left")["kept"]
    src = df[["source_file", "source_row"]].copy()
    src.index = df["_order"].to_numpy()
    new = pd.Series("", index=df.index, dtype="object")
    column = pd.Series("respondent_id", index=df.index, dtype="object")
    n_fb = 0
    if len(dup_idx):
        k = keep_ref.to_numpy()
        new[dup_idx] = ("kept " + src.loc[k, "source_file"].astype(str).to_numpy() + " row "
                        + src.loc[k, "source_row"].astype(str).to_numpy())
        # a copy is "by key" when it or its kept copy lacks a usable NIP
        kept_by_key = pd.Series(by_key, index=df["_order"].to_numpy()).loc[k].to_numpy()
        fb_rows = dup_idx[by_key[df.index.get_indexer(dup_idx)] | kept_by_key]
        n_fb = len(fb_rows)
        column[fb_rows] = "+".join(fb["fields"])
        new[fb_rows] = new[fb_rows] + " (same " + ", ".join(fb["fields"]) + "; no usable NIP)"
    res = _result("duplicate", df, found, opts, column, "", new)
    if flags:
        res.log = pd.concat([res.log, *flags], ignore_index=True)
    res.note = f"{n_fb} found by the fallback key (no usable NIP)" if n_fb else None
    return res
