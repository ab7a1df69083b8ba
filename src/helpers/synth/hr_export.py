"""Render IP ASN HR records as a SIMPEG-style export with its usual faults."""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import dialects as D
from . import nipfmt
from .survey import _block, _golongan, _quoted, _signed, _spell, messy_case, place_blank_rows

HR_RATES = dict(duplicate=0.005, unit_variant=0.05, nip_formatted=0.04, nip_excel=0.01,
                nip_invalid=0.005, whitespace_case=0.03, blank_row=0.003)
TYPE_ORDER = ["setda", "setwan", "inspektorat", "badan", "dinas", "satpol_pp", "kecamatan", "rsud",
              "puskesmas", "upt_pendidikan"]


def render_hr(values: pd.DataFrame, spec, world, rng: np.random.Generator):
    """``(table, faults, truth)`` as :func:`helpers.synth.survey.render_survey`."""
    n = len(values)
    as_of = np.datetime64(spec.as_of)
    upd = as_of - rng.integers(1, 200, n).astype("timedelta64[D]")
    rec = values.copy()
    rec["updated"] = upd
    # duplicated records: the same PNS listed twice; the earlier update is stale
    # (an older unit before a transfer, or fewer training hours)
    src = rng.choice(n, int(round(HR_RATES["duplicate"] * n)), replace=False)
    early = rec.iloc[src].copy()
    early["updated"] = early["updated"].to_numpy() - rng.integers(30, 300, len(src)).astype("timedelta64[D]")
    moved = rng.random(len(src)) < 0.5
    same_region = world.registry_all[world.registry_all["region_id"] == spec.region]["unit_id"].to_numpy()
    early.loc[moved, "unit_id"] = same_region[rng.integers(0, len(same_region), moved.sum())]
    early.loc[~moved, "technical_jp"] = np.maximum(0, early.loc[~moved, "technical_jp"] - 8)
    rec["dup_of"] = -1
    early["dup_of"] = src
    rec = pd.concat([rec, early], ignore_index=True)
    m = len(rec)
    is_early = np.arange(m) >= n

    # SIMPEG order: unit type, unit, rank (senior first), NIP; duplicates fall next to each other
    utype = world.registry_all.set_index("unit_id")["unit_type"].reindex(rec["unit_id"]).to_numpy()
    t_rank = pd.Index(TYPE_ORDER).get_indexer(utype)
    key = pd.DataFrame({"t": t_rank, "u": rec["unit_id"].to_numpy(), "g": -pd.Series(rec["golongan"]).str.len().to_numpy(),
                        "nip": rec["nip"].to_numpy(), "upd": rec["updated"].to_numpy()})
    order = key.sort_values(["t", "u", "g", "nip", "upd"], kind="stable").index.to_numpy()

    f: dict[str, np.ndarray] = {}
    f["nip"] = nipfmt.as_text(rec["nip"].to_numpy())
    nip_detail = np.full(m, "", dtype=object)
    fault_of = np.full(m, "", dtype=object)
    dup_pair = np.zeros(m, bool)
    dup_pair[src] = True
    dup_pair[is_early] = True
    elig = rng.permutation(np.flatnonzero(~dup_pair))
    s = [int(round(HR_RATES[k] * n)) for k in ("nip_excel", "nip_formatted", "nip_invalid")]
    fault_of[elig[: s[0]]] = "nip_excel"
    fault_of[elig[s[0]: s[0] + s[1]]] = "nip_formatted"
    fault_of[elig[s[0] + s[1]: sum(s)]] = "nip_invalid"
    nips = rec["nip"].to_numpy()
    mm = fault_of == "nip_formatted"
    f["nip"][mm], nip_detail[mm] = nipfmt.formatted(rng, nips[mm])
    mm = fault_of == "nip_invalid"
    f["nip"][mm], nip_detail[mm] = nipfmt.invalid(rng, nips[mm])
    mm = fault_of == "nip_excel"
    if spec.style == "xlsx":
        f["nip"][mm] = nipfmt.excel_number(nips[mm]).astype(object)
        nip_detail[mm] = "number_cell"
    else:
        f["nip"][mm], nip_detail[mm] = nipfmt.excel_text(rng, nips[mm], ",")
    f["name"] = rec["name"].to_numpy(object)
    f["sex"] = _spell(rng, rec["sex"].to_numpy(), D.SEX_SPELL["short"])
    f["birth_date"] = rec["birth"].to_numpy()
    f["education"] = _spell(rng, rec["education"].to_numpy(), D.EDU_SPELL[spec.edu])
    f["golongan"] = _golongan(rng, rec["golongan"].to_numpy(), "slash")
    f["position_type"] = _spell(rng, rec["position_type"].to_numpy(), D.POS_SPELL["plain"])
    f["status"] = np.full(m, "PNS", dtype=object)
    unit_name = world.registry_all.set_index("unit_id")["unit_name"]
    f["unit"] = unit_name.reindex(rec["unit_id"]).to_numpy(object)
    uv = rng.random(m) < HR_RATES["unit_variant"]
    uv[is_early] = uv[src]
    var, kind = world.pick_unit_variants(rng, rec["unit_id"].to_numpy())
    # HR systems print names in capitals or with the registry acronym, rarely a typo
    upper = pd.Series(f["unit"], dtype="string").str.upper().to_numpy(object)
    use_upper = rng.random(m) < 0.5
    var = np.where(use_upper, upper, var)
    kind = np.where(use_upper, "case", kind)
    # an early record keeps its person's typing only where it is in the same unit; a record
    # from before a transfer is typed for its own (older) unit, so the truth stays that unit
    same = np.flatnonzero(is_early)[~moved]
    var[same], kind[same] = var[src[~moved]], kind[src[~moved]]
    f["unit"] = np.where(uv, var, f["unit"])
    lead = rec["leadership_training"].to_numpy(bool)
    f["leadership_training"] = np.where(
        lead, np.array(D.LEADERSHIP_TRUE, object)[rng.integers(0, len(D.LEADERSHIP_TRUE), m)],
        np.array(D.LEADERSHIP_FALSE, object)[rng.integers(0, len(D.LEADERSHIP_FALSE), m)])
    f["functional_training"] = np.where(rec["functional_training"].to_numpy(bool), "Sudah", "Belum").astype(object)
    f["technical_jp"] = rec["technical_jp"].to_numpy(float)
    f["seminars_2y"] = rec["seminars_2y"].to_numpy(int)
    if spec.kinerja == "skp_score":
        f["skp_score"] = rec["skp_score"].to_numpy(float)
    else:
        f["skp_predikat"] = rec["skp_predikat"].to_numpy(object)
    sp = D.SANCTION_SPELL if spec.sanction == "default" else D.SANCTION_SPELL_PASER
    f["sanction"] = _spell(rng, rec["sanction"].to_numpy(), sp)
    f["submitted_at"] = rec["updated"].to_numpy()

    ws = np.zeros(m, bool)
    ws[elig[sum(s): sum(s) + int(round(HR_RATES["whitespace_case"] * n))]] = True
    ws_detail = np.full(m, "", dtype=object)
    fld_choice = np.array(["education", "sanction", "position_type", "functional_training"], object)
    which = fld_choice[rng.integers(0, len(fld_choice), m)]
    for fld in fld_choice:
        idx = np.flatnonzero(ws & (which == fld))
        if len(idx):
            f[fld][idx], how = messy_case(rng, f[fld][idx].astype(str))
            ws_detail[idx] = f"{fld}: " + how

    n_blank = int(round(HR_RATES["blank_row"] * n))
    is_blank, pos_of = place_blank_rows(rng, order, n_blank)

    early_i = np.flatnonzero(is_early)
    later_i = rec["dup_of"].to_numpy()[early_i]
    uid = rec["unit_id"].to_numpy(object)
    what = np.where(uid[early_i] != uid[later_i], "older unit", "fewer JP").astype(object)
    uv_i, ws_i = np.flatnonzero(uv), np.flatnonzero(ws_detail != "")
    blocks = [
        _block(pos_of[early_i], "duplicate", "superseded by row " + _signed(pos_of[later_i] - pos_of[early_i])
               + " (later update); " + what),
        _block(pos_of[uv_i], "unit_variant", kind[uv_i].astype(object) + ": " + _quoted(var[uv_i])),
        *[_block(pos_of[fault_of == k], k, nip_detail[fault_of == k].astype(str).astype(object))
          for k in ("nip_excel", "nip_formatted", "nip_invalid")],
        _block(pos_of[ws_i], "whitespace_case", ws_detail[ws_i]),
        _block(np.flatnonzero(is_blank), "blank_row", np.full(int(is_blank.sum()), "", dtype=object)),
    ]
    truth = pd.DataFrame({"pos": pos_of, "unit_id": rec["unit_id"].to_numpy()})

    table = pd.DataFrame(f).iloc[order].reset_index(drop=True)
    out = pd.DataFrame(index=np.arange(len(is_blank)), columns=table.columns, dtype=object)
    out.loc[~is_blank, :] = table.to_numpy(object)
    out["_blank"] = is_blank
    return out, pd.concat(blocks, ignore_index=True), truth
