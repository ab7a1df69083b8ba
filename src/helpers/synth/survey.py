"""Survey exports: who answers, what they answer, and the faults real exports
carry. A survey is planned first (respondents, roles, fault masks, timings),
then the area intercepts are calibrated on the rows cleaning will keep, then
responses are drawn and the export rendered in its dialect.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import dialects as D
from . import nipfmt
from .ordinal import AREA_SD, break_straightlines, respond
from .people import age_at

# Fault rates, as shares of a file's respondent rows (documented in the sample README).
RATES = dict(duplicate=0.02, changed_answers=0.40, speeder=0.015, straightliner=0.01,
             other_region=0.01, blank_row=0.003, unit_variant=0.15, nip_excel=0.012,
             nip_formatted=0.03, nip_invalid=0.008, missing_items=0.03, out_of_range=0.01,
             unknown_label=0.01, whitespace_case=0.05)
TYPE_RESPONSE = {"setda": 1.10, "setwan": 1.00, "inspektorat": 1.15, "badan": 1.05, "dinas": 1.00,
                 "satpol_pp": 0.80, "kecamatan": 0.90, "rsud": 0.85, "puskesmas": 0.95,
                 "upt_pendidikan": 0.90}


@dataclass(frozen=True)
class SurveySpec:
    file: str
    region: str
    instrument: str  # ikd_digcomp22 | ild_kominfo
    wave: int
    style: str  # limesurvey | gforms | gforms_ild | spss | locale
    rate: float  # mean response rate
    start: str
    end: str
    item_header: str  # h_text | h_grid | h_spss | h_code
    item_values: str  # num_label ("3 - Mahir") | label ("Mahir") | number
    edu: str
    sex: str
    pos: str
    status: str
    gol: str
    timed: bool  # export records a duration (speeders detectable)
    median_s: float = 840.0
    # an earlier wave of the survey named here: same units, the workforce shifted back
    # (see :mod:`helpers.synth.waves`), overall level calibrated to ``overall``
    earlier_than: str = ""
    overall: float = 0.0

    @property
    def labelled(self) -> bool:
        return self.item_values != "number"


@dataclass
class Plan:
    spec: SurveySpec
    rows: pd.DataFrame  # one row per base record (respondents + other-region rows)
    theta: np.ndarray  # (n, areas)
    eps: np.ndarray  # (n, items)
    keep: np.ndarray  # (n, items) cells that count for calibration
    missing: np.ndarray  # (n, items) cells left empty
    bad: np.ndarray  # (n, items) cells given an out-of-range value or unknown label


def _span(spec: SurveySpec) -> tuple[np.datetime64, int]:
    start = np.datetime64(spec.start, "s")
    days = int((np.datetime64(spec.end, "D") - np.datetime64(spec.start, "D")).astype(int)) + 1
    return start, days


def _times(rng, n: int, spec: SurveySpec, min_day: int = 0) -> np.ndarray:
    start, days = _span(spec)
    day = rng.integers(min_day, days, n)
    # office hours with a tail into the evening (people fill forms at home too)
    sec = ((7.0 + 15.0 * rng.beta(2.0, 3.2, n)) * 3600).astype(int)
    return start + (day * 86400 + sec).astype("timedelta64[s]")


def plan_survey(spec: SurveySpec, pop: pd.DataFrame, items: pd.DataFrame, rng: np.random.Generator,
                size: tuple[int, int] | None = None) -> Plan:
    """Respondents, their roles and fault masks, before any response is drawn.

    ``size = (n_base, n_other)`` fixes the number of the region's respondents and of
    other-region rows (the scale study writes exactly N rows); by default each person
    answers with their unit's response rate and other-region rows are 1 %."""
    # only staff appointed by the survey's first day can answer (a PPPK number carries its
    # appointment month, which must not fall after the submission)
    start = np.datetime64(spec.start, "M").astype(int)
    hired = (pop["tmt_year"].to_numpy() - 1970) * 12 + pop["tmt_month"].to_numpy() - 1 <= start
    here = pop[(pop["region_id"] == spec.region).to_numpy() & hired]
    units = here["unit_id"].unique()
    unit_rate = pd.Series(np.clip(spec.rate * rng.lognormal(0, 0.25, len(units)), 0.08, 0.97), index=units)
    rate = unit_rate.reindex(here["unit_id"]).to_numpy() * here["unit_type"].map(TYPE_RESPONSE).to_numpy()
    p = np.clip(rate, 0, 0.98)
    if size is None:
        base = here[rng.random(len(here)) < p]
        n_other = int(round(RATES["other_region"] * len(base)))
    else:
        # exactly n_base people, drawn without replacement with weights p
        # (Efraimidis & Spirakis 2006: the n largest u ** (1 / p))
        keys = np.log(rng.random(len(here))) / p
        base = here.iloc[np.sort(np.argsort(-keys, kind="stable")[: size[0]])]
        n_other = size[1]
    n_base = len(base)
    others = pop[(pop["region_id"] != spec.region).to_numpy() & hired]
    other = others.iloc[rng.choice(len(others), n_other, replace=False)]
    rows = pd.concat([base, other], ignore_index=True)
    n = len(rows)
    role = np.full(n, "clean", dtype=object)
    role[n_base:] = "other_region"
    u = rng.random(n)
    if spec.timed:
        role[(u < RATES["speeder"]) & (role == "clean")] = "speeder"
    role[(u >= 0.5) & (u < 0.5 + RATES["straightliner"]) & (role == "clean")] = "straightliner"
    rows["role"] = role

    # duplicates: a clean respondent who also sent an earlier submission
    clean_idx = np.flatnonzero(role == "clean")
    dup = rng.choice(clean_idx, int(round(RATES["duplicate"] * n_base)), replace=False)
    rows["dup_src"] = False
    rows.loc[dup, "dup_src"] = True

    # cell faults on clean, non-duplicated rows; disjoint groups of rows
    elig = rng.permutation(np.setdiff1d(clean_idx, dup))
    sizes = [int(round(RATES[k] * n_base)) for k in ("missing_items", "out_of_range", "whitespace_case")]
    miss_rows, bad_rows = elig[: sizes[0]], elig[sizes[0]: sizes[0] + sizes[1]]
    ws_rows = elig[sizes[0] + sizes[1]: sum(sizes)]
    n_items = len(items)
    area_of = items["area_idx"].to_numpy()
    n_areas = area_of.max() + 1
    missing = np.zeros((n, n_items), bool)
    bad = np.zeros((n, n_items), bool)
    # missing: one item in each of 1-3 areas (never a whole area, so no area score is lost)
    k_areas = rng.integers(1, 4, len(miss_rows))
    area_order = np.argsort(rng.random((len(miss_rows), n_areas)), axis=1)
    for j in range(3):
        sel = k_areas > j
        a = area_order[sel, j]
        cols = _random_item_in_area(rng, area_of, a)
        missing[miss_rows[sel], cols] = True
    bad_cols = _random_item_in_area(rng, area_of, rng.integers(0, n_areas, len(bad_rows)))
    bad[bad_rows, bad_cols] = True
    rows["ws"] = False
    rows.loc[ws_rows, "ws"] = True

    # NIP faults on rows outside duplicate pairs
    nip_elig = rng.permutation(np.setdiff1d(np.arange(n), dup))
    s = [int(round(RATES[k] * n_base)) for k in ("nip_excel", "nip_formatted", "nip_invalid")]
    rows["nip_fault"] = ""
    rows.loc[nip_elig[: s[0]], "nip_fault"] = "nip_excel"
    rows.loc[nip_elig[s[0]: s[0] + s[1]], "nip_fault"] = "nip_formatted"
    rows.loc[nip_elig[s[0] + s[1]: sum(s)], "nip_fault"] = "nip_invalid"
    rows["unit_variant"] = rng.random(n) < RATES["unit_variant"]

    # timing
    rows["submitted"] = _times(rng, n, spec)
    rows.loc[dup, "submitted"] = _times(rng, len(dup), spec, min_day=3)
    dur = spec.median_s * np.exp(rng.normal(0, 0.35, n))
    dur = np.maximum(dur, 0.5 * spec.median_s)  # a genuine respondent is never a speeder
    speed = role == "speeder"
    dur[speed] = spec.median_s * rng.uniform(0.08, 0.25, speed.sum())
    rows["duration"] = np.round(dur).astype(int)

    # latent area levels and item noise
    theta = rows["g"].to_numpy()[:, None] + rng.normal(0, AREA_SD, (n, n_areas))
    eps = rng.standard_normal((n, n_items)).astype(np.float32)
    keep = np.repeat((role == "clean")[:, None], n_items, 1) & ~missing & ~bad
    return Plan(spec, rows, theta, eps, keep, missing, bad)


def _random_item_in_area(rng, area_of: np.ndarray, areas: np.ndarray) -> np.ndarray:
    order = np.argsort(area_of, kind="stable")
    starts = np.searchsorted(area_of[order], np.arange(area_of.max() + 1))
    counts = np.bincount(area_of)
    return order[starts[areas] + np.floor(rng.random(len(areas)) * counts[areas]).astype(int)]


def draw_items(plan: Plan, items: pd.DataFrame, delta: np.ndarray, k: int,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Responses of base rows (int8) plus the earlier duplicate submissions.

    Returns ``(y, y_dup, dup_changed)``: ``y_dup`` are the earlier submissions of
    the rows flagged ``dup_src`` (in that order) and ``dup_changed`` the number of
    answers that differ from the kept, later submission.
    """
    rows = plan.rows
    y = respond(plan.theta, items["area_idx"].to_numpy(), items["a"].to_numpy(),
                items["b"].to_numpy(), delta, plan.eps, k)
    y = break_straightlines(y, k)
    role = rows["role"].to_numpy()
    sp = role == "speeder"
    y[sp] = rng.integers(1, k + 1, (sp.sum(), y.shape[1]))
    st = role == "straightliner"
    y[st] = rng.integers(1, k + 1, st.sum())[:, None]
    src = np.flatnonzero(rows["dup_src"].to_numpy())
    y_dup = y[src].copy()
    changed = np.zeros(len(src), int)
    ch = rng.random(len(src)) < RATES["changed_answers"]
    n_ch = rng.integers(1, 6, len(src)) * ch
    for j in range(5):  # at most five answers revised between the two submissions
        sel = n_ch > j
        col = rng.integers(0, y.shape[1], sel.sum())
        old = y_dup[sel, col]
        step = np.where(rng.random(sel.sum()) < 0.5, -1, 1)
        new = np.clip(old + step, 1, k)
        new = np.where(new == old, old - step, new)
        y_dup[sel, col] = new
    changed = (y_dup != y[src]).sum(1)
    return y, y_dup, changed


# ------------------------------------------------------------------------------------------
# rendering
# ------------------------------------------------------------------------------------------
def _spell(rng, codes: np.ndarray, table: dict) -> np.ndarray:
    out = np.empty(len(codes), dtype=object)
    out[:] = ""
    for code, options in table.items():
        m = codes == code
        if m.any():
            out[m] = np.array(options, dtype=object)[rng.integers(0, len(options), m.sum())]
    return out


def _golongan(rng, gol: np.ndarray, style: str) -> np.ndarray:
    s = pd.Series(gol, dtype="string")
    if style == "slash":
        return s.fillna("").to_numpy(object)
    if style == "compact":
        return s.str.replace("/", "", regex=False).fillna("").to_numpy(object)
    rom = s.str.split("/").str[0]
    letter = s.str.split("/").str[1]
    digit = rom.map({"I": "1", "II": "2", "III": "3", "IV": "4"})
    k = rng.integers(0, 4, len(s))
    out = np.select([k == 0, k == 1, k == 2], [s.to_numpy(object), (rom + " " + letter).to_numpy(object),
                                               (digit + letter).to_numpy(object)],
                    (rom + "-" + letter.str.upper()).to_numpy(object))
    out = pd.Series(out).where(s.notna() & (s != ""), "").to_numpy(object)
    return out


def place_blank_rows(rng, order: np.ndarray, n_blank: int) -> tuple[np.ndarray, np.ndarray]:
    """Scatter ``n_blank`` blank rows between the records (never first or last).

    ``order`` lists the records in export order. Returns the blank mask over all
    export rows and, per record, its 0-based export row."""
    n = len(order)
    total = n + n_blank
    is_blank = np.zeros(total, bool)
    is_blank[np.sort(rng.choice(np.arange(1, total - 1), n_blank, replace=False))] = True
    pos_of = np.empty(n, int)
    pos_of[order] = np.flatnonzero(~is_blank)
    return is_blank, pos_of


def messy_case(rng, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stray whitespace and case: upper, lower, leading/trailing or doubled spaces."""
    s = pd.Series(values, dtype="string")
    k = rng.integers(0, 5, len(s))
    out = np.select([k == 0, k == 1, k == 2, k == 3],
                    [s.str.upper().to_numpy(object), s.str.lower().to_numpy(object),
                     ("  " + s).to_numpy(object), (s + "   ").to_numpy(object)],
                    (" " + s.str.replace(" ", "  ", n=1, regex=False).str.lower() + " ").to_numpy(object))
    return out, np.array(["upper", "lower", "leading_space", "trailing_space", "spaces_and_lower"], object)[k]


def render_survey(plan: Plan, y: np.ndarray, y_dup: np.ndarray, dup_changed: np.ndarray,
                  items: pd.DataFrame, labels: dict, world, rng: np.random.Generator):
    """The export as a DataFrame (canonical field -> cell values, items under their
    raw headers), and per record its faults and true unit.

    Returns ``(table, faults, truth)``: ``table`` in output row order with blank
    rows included (column ``_blank``), ``faults`` rows ``(pos, fault, detail)`` and
    ``truth`` rows ``(pos, unit_id)`` where ``pos`` is the 0-based data row.
    """
    spec, rows = plan.spec, plan.rows
    k = max(labels)
    src = np.flatnonzero(rows["dup_src"].to_numpy())
    n_base = len(rows)
    # earlier duplicate submissions: same person, minutes to days before the kept one
    early = rows.iloc[src].copy()
    early["submitted"] = early["submitted"].to_numpy() - (
        rng.integers(600, 3 * 86400, len(src))).astype("timedelta64[s]")
    early["duration"] = np.round(spec.median_s * np.exp(rng.normal(0, 0.3, len(src)))).astype(int).clip(
        int(0.5 * spec.median_s))
    early["role"] = "dup_early"
    early["ws"] = False
    rec = pd.concat([rows, early], ignore_index=True)
    rec["dup_of"] = -1
    rec.loc[n_base:, "dup_of"] = src
    Y = np.vstack([y, y_dup])
    n = len(rec)
    zeros = np.zeros((len(src), Y.shape[1]), bool)
    miss = np.vstack([plan.missing, zeros])
    is_bad = np.vstack([plan.bad, zeros])

    # --- demographics and identifiers
    when = rec["submitted"].to_numpy()
    f: dict[str, np.ndarray] = {}
    f["nip"] = nipfmt.as_text(rec["nip"].to_numpy())
    nf = rec["nip_fault"].to_numpy()
    detail_nip = np.full(n, "", dtype=object)
    for kind, fn in (("nip_formatted", lambda v: nipfmt.formatted(rng, v)),
                     ("nip_invalid", lambda v: nipfmt.invalid(rng, v)),
                     ("nip_excel", lambda v: nipfmt.excel_text(rng, v, "," if spec.style == "locale" else "."))):
        m = nf == kind
        f["nip"][m], detail_nip[m] = fn(rec["nip"].to_numpy()[m])
    if spec.style == "limesurvey":
        # Excel stored these NIPs as numbers: the cell holds a float, not text
        m = nf == "nip_excel"
        f["nip"][m] = nipfmt.excel_number(rec["nip"].to_numpy()[m]).astype(object)
        detail_nip[m] = "number_cell"
    f["name"] = rec["name"].to_numpy(object)
    f["sex"] = _spell(rng, rec["sex"].to_numpy(), D.SEX_SPELL[spec.sex])
    ages = age_at(rec["birth"].to_numpy(), when)
    f["age"] = ages
    f["birth_year"] = pd.DatetimeIndex(rec["birth"]).year.to_numpy()
    f["education"] = _spell(rng, rec["education"].to_numpy(), D.EDU_SPELL[spec.edu])
    f["golongan"] = _golongan(rng, rec["golongan"].to_numpy(), spec.gol)
    f["position_type"] = _spell(rng, rec["position_type"].to_numpy(), D.POS_SPELL[spec.pos])
    f["status"] = _spell(rng, rec["status"].to_numpy(), D.STATUS_SPELL[spec.status])
    reg_alias = {r.id: list(r.aliases) for r in world.all_regions}
    own = reg_alias[spec.region]
    # most people pick the official name; some type a short form
    f["region"] = np.where(rng.random(n) < 0.75, own[0],
                           np.array(own, dtype=object)[rng.integers(0, len(own), n)])
    oth = rec["role"].to_numpy() == "other_region"
    f["region"][oth] = rec.loc[oth, "region_id"].map(lambda r: reg_alias[r][0]).to_numpy()
    unit_name = world.registry_all.set_index("unit_id")["unit_name"]
    f["unit"] = unit_name.reindex(rec["unit_id"]).to_numpy(object)
    uv = rec["unit_variant"].to_numpy().copy()
    # both submissions of one person carry the same typed unit
    uv[n_base:] = uv[src]
    var, kind = world.pick_unit_variants(rng, rec["unit_id"].to_numpy())
    var[n_base:], kind[n_base:] = var[src], kind[src]
    f["unit"] = np.where(uv, var, f["unit"])
    if spec.style == "gforms":
        f["email"] = _emails(rec["name"].to_numpy(), rec["nip"].to_numpy())
    f["duration_s"] = rec["duration"].to_numpy().astype(float)
    f["duration_min"] = np.round(rec["duration"].to_numpy() / 60, 1)
    f["submitted_at"] = when
    f["started_at"] = when - rec["duration"].to_numpy().astype("timedelta64[s]")

    # --- items
    n_items = Y.shape[1]
    role = rec["role"].to_numpy()
    if spec.labelled:
        lab = np.array([""] + [labels[v] if spec.item_values == "label" else f"{v} - {labels[v]}"
                               for v in range(1, k + 1)], dtype=object)
        cells = lab[Y]
        cells[miss] = ""
        nb = is_bad.sum()
        cells[is_bad] = np.array(D.UNKNOWN_LABELS, dtype=object)[rng.integers(0, len(D.UNKNOWN_LABELS), nb)]
    else:
        cells = Y.astype(float)
        cells[miss] = np.nan
        oor = [0, 5, 9, 44] if k == 4 else [0, 6, 9, 55]
        cells[is_bad] = np.array(oor, float)[rng.integers(0, 4, is_bad.sum())]

    # --- stray whitespace / case on a label
    ws = rec["ws"].to_numpy()
    ws_detail = np.full(n, "", dtype=object)
    label_fields = {"limesurvey": ["sex", "education", "position_type", "status"],
                    "gforms": ["sex", "education", "position_type", "status"],
                    "gforms_ild": ["sex", "education", "position_type", "status"],
                    "spss": ["golongan", "region"], "locale": ["sex", "education", "position_type", "status"]}[spec.style]
    on_item = ws & spec.labelled & (rng.random(n) < 0.5)
    if on_item.any():
        r_idx = np.flatnonzero(on_item)
        c_idx = rng.integers(0, n_items, len(r_idx))
        ok = ~miss[r_idx, c_idx] & ~is_bad[r_idx, c_idx]
        r_idx, c_idx = r_idx[ok], c_idx[ok]
        cells[r_idx, c_idx], how = messy_case(rng, cells[r_idx, c_idx])
        ws_detail[r_idx] = "item " + items["id"].to_numpy(object)[c_idx] + ": " + how
    on_field = ws & (ws_detail == "")
    if on_field.any():
        which = np.array(label_fields, dtype=object)[rng.integers(0, len(label_fields), on_field.sum())]
        r_idx = np.flatnonzero(on_field)
        for fld in label_fields:
            m = r_idx[which == fld]
            m = m[pd.Series(f[fld][m]).astype(str).str.len().to_numpy() > 0]
            if len(m):
                f[fld][m], how = messy_case(rng, f[fld][m].astype(str))
                ws_detail[m] = f"{fld}: " + how

    # --- order: exports list submissions by time; blank rows sit between them
    order = np.argsort(rec["submitted"].to_numpy(), kind="stable")
    n_blank = int(round(RATES["blank_row"] * n_base))
    is_blank, pos_of_rec = place_blank_rows(rng, order, n_blank)

    # --- ground truth (whole arrays: one block of rows per fault)
    dup_of = rec["dup_of"].to_numpy()
    early_i = np.flatnonzero(role == "dup_early")
    later_i = dup_of[early_i]
    item_ids = items["id"].to_numpy(object)
    bad_name = "unknown_label" if spec.labelled else "out_of_range"
    bad_i = np.flatnonzero(is_bad.any(1))
    bad_c = is_bad[bad_i].argmax(1)
    bad_v = cells[bad_i, bad_c]
    bad_txt = (_quoted(bad_v) if spec.labelled else pd.Series(bad_v, dtype=float).astype(int).astype(str).to_numpy(object))
    miss_i = np.flatnonzero(miss.any(1))
    ws_i = np.flatnonzero(ws_detail != "")
    speed_i, flat_i, oth_i, uv_i = (np.flatnonzero(role == "speeder"), np.flatnonzero(role == "straightliner"),
                                    np.flatnonzero(role == "other_region"), np.flatnonzero(uv))
    blocks = [
        _block(pos_of_rec[early_i], "duplicate",
               "superseded by row " + _signed(pos_of_rec[later_i] - pos_of_rec[early_i]) + "; answers changed: "
               + dup_changed[np.searchsorted(src, later_i)].astype(str).astype(object)),
        _block(pos_of_rec[speed_i], "speeder", "duration " + rec["duration"].to_numpy()[speed_i].astype(str).astype(object)
               + f" s (median {spec.median_s:.0f} s)"),
        _block(pos_of_rec[flat_i], "straightliner", "every item = " + Y[flat_i, 0].astype(str).astype(object)),
        _block(pos_of_rec[oth_i], "other_region", "region " + rec["region_id"].to_numpy(object)[oth_i]),
        _block(pos_of_rec[uv_i], "unit_variant", kind[uv_i].astype(object) + ": " + _quoted(var[uv_i])),
        *[_block(pos_of_rec[nf == k_], k_, detail_nip[nf == k_].astype(str).astype(object))
          for k_ in ("nip_excel", "nip_formatted", "nip_invalid")],
        _block(pos_of_rec[miss_i], "missing_items", _joined(miss[miss_i], item_ids)),
        _block(pos_of_rec[bad_i], bad_name, item_ids[bad_c] + " = " + bad_txt),
        _block(pos_of_rec[ws_i], "whitespace_case", ws_detail[ws_i]),
        _block(np.flatnonzero(is_blank), "blank_row", np.full(int(is_blank.sum()), "", dtype=object)),
    ]
    truth_unit = np.where(rec["region_id"].isin([r.id for r in world.regions]), rec["unit_id"], "")
    truth = pd.DataFrame({"pos": pos_of_rec, "unit_id": truth_unit})

    # --- the table in output order
    table = pd.DataFrame({k2: v for k2, v in f.items()})
    table["_record"] = np.arange(n)
    item_cols = items[spec.item_header].tolist()
    table = pd.concat([table, pd.DataFrame(cells, columns=item_cols)], axis=1)
    table = table.iloc[order].reset_index(drop=True)
    out = pd.DataFrame(index=np.arange(len(is_blank)), columns=table.columns, dtype=object)
    out.loc[~is_blank, :] = table.to_numpy(object)
    out["_blank"] = is_blank
    fl = pd.concat(blocks, ignore_index=True)
    return out, fl, truth, item_cols


def _block(pos: np.ndarray, fault: str, detail: np.ndarray) -> pd.DataFrame:
    """Ground-truth rows ``(pos, fault, detail)`` of one fault."""
    return pd.DataFrame({"pos": np.asarray(pos, dtype=int), "fault": fault,
                         "detail": np.asarray(detail, dtype=object)})


def _signed(x: np.ndarray) -> np.ndarray:
    """``+12`` / ``-3`` as text (the ``{:+d}`` format, on a whole array)."""
    x = np.asarray(x, dtype=int)
    return np.where(x >= 0, "+", "-").astype(object) + np.abs(x).astype(str).astype(object)


def _quoted(v: np.ndarray) -> np.ndarray:
    """``repr`` of plain strings (no quote or backslash inside): ``'Kec. Loa Janan'``."""
    return ("'" + pd.Series(v, dtype=object).astype(str) + "'").to_numpy(object)


def _joined(mask: np.ndarray, names: np.ndarray, sep: str = ",") -> np.ndarray:
    """Per row of a boolean matrix, the names of its True columns joined by ``sep``."""
    if not len(mask):
        return np.empty(0, dtype=object)
    r, c = np.nonzero(mask)
    return pd.Series(names[c], index=r).groupby(level=0, sort=True).agg(sep.join).to_numpy(object)


def _emails(names: np.ndarray, nip: np.ndarray) -> np.ndarray:
    base = pd.Series(names, dtype="string").str.split(",").str[0].str.lower()
    base = base.str.replace(r"^dr\. ", "", regex=True).str.replace(r"[^a-z ]", "", regex=True)
    base = base.str.strip().str.replace(" ", ".", regex=False)
    num = pd.Series(np.asarray(nip) % 1000).astype(str)
    dom = np.where(np.asarray(nip) % 3 == 0, "@yahoo.co.id", "@gmail.com")
    return (base + num.to_numpy() + dom).to_numpy(object)
