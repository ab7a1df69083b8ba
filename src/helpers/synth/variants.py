"""How people type a unit name: abbreviations, registry acronyms, case, region
suffixes, typos, stray spaces. One list of variants per unit is drawn once;
rows then pick from it (so typing variants costs nothing per row)."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

_ABBREV = [  # (pattern, replacement) giving the abbreviations seen in practice
    (r"^Kecamatan (.+)$", [r"Kec. \1", r"Kantor Camat \1", r"Kec \1"]),
    (r"^Puskesmas (.+)$", [r"PKM \1", r"Pusk. \1", r"UPT Puskesmas \1"]),
    (r"^UPT Pendidikan Kecamatan (.+)$", [r"UPT Pend. Kec. \1", r"UPT Pendidikan Kec. \1"]),
    (r"^RSUD (.+)$", [r"RS \1", r"Rumah Sakit Umum Daerah \1"]),
    (r"^Dinas (.+)$", [r"Dis. \1", r"Dinas \1"]),
    (r"^Badan (.+)$", [r"Bdn. \1"]),
    (r"^Sekretariat Daerah$", ["Sekretariat Daerah (Setda)", "Sekda"]),
    (r"^Sekretariat DPRD$", ["Sekretariat Dewan", "Sekretariat DPRD (Setwan)"]),
    (r"^Satuan Polisi Pamong Praja$", ["Satpol-PP", "SATPOL PP"]),
    (r"^Inspektorat Daerah$", ["Inspektorat Kabupaten", "Inspektorat Kota"]),
]


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()


def _typo(rng: np.random.Generator, s: str) -> str:
    """One keyboard slip in the second half of the name (first letters are
    usually right): deletion, transposition, doubling or a neighbour key."""
    i = int(rng.integers(len(s) // 2, len(s) - 1))
    op = int(rng.integers(0, 4))
    if op == 0:
        return s[:i] + s[i + 1:]
    if op == 1:
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    if op == 2:
        return s[:i] + s[i] + s[i:]
    near = {"a": "s", "e": "r", "i": "o", "o": "i", "n": "m", "m": "n", "s": "a", "r": "e", "t": "y", "u": "y"}
    c = s[i].lower()
    return s[:i] + near.get(c, c) + s[i + 1:]


def unit_variants(rng: np.random.Generator, units: pd.DataFrame, short: dict[str, str],
                  long: dict[str, str]) -> pd.DataFrame:
    """``unit_id, variant, kind`` for every unit of ``units`` (one region or several).

    A variant is kept only if, within its region, it is not another unit's name
    or alias and its closest canonical name (fuzzy) is still the right unit, so
    the ground truth stays fair to a careful matcher.
    """
    out = []
    for rid, g in units.groupby("region_id", sort=False):
        names = g["unit_name"].tolist()
        taken = {_norm(n) for n in names}
        for al in g["aliases"].fillna(""):
            taken |= {_norm(a) for a in al.split("|") if a}
        norm_names = [_norm(n) for n in names]
        for uid, name, aliases in zip(g["unit_id"], names, g["aliases"].fillna("")):
            own = {_norm(name)} | {_norm(a) for a in aliases.split("|") if a}
            cands: list[tuple[str, str]] = []
            for a in [a for a in aliases.split("|") if a]:
                cands += [(a, "alias"), (a.upper(), "alias")]
            cands += [(name.upper(), "case"), (name.lower(), "case")]
            for pat, reps in _ABBREV:
                if re.match(pat, name):
                    cands += [(re.sub(pat, r, name), "abbrev") for r in reps if re.sub(pat, r, name) != name]
            cands += [(f"{name} {short[rid]}", "region_suffix"), (f"{name} {long[rid]}", "region_suffix")]
            for _ in range(3):
                cands.append((_typo(rng, name), "typo"))
            cands.append(("  " + name.lower() + " ", "whitespace"))
            cands.append((name.replace(" ", "  ", 1) + " ", "whitespace"))
            seen = set()
            for v, kind in cands:
                nv = _norm(v)
                if v == name or v in seen or (nv in taken and nv not in own):
                    continue
                if kind == "typo":
                    best = process.extractOne(nv, norm_names, scorer=fuzz.ratio)
                    if best is None or norm_names[best[2]] != _norm(name) or best[1] < 85:
                        continue
                seen.add(v)
                out.append((uid, v, kind))
    return pd.DataFrame(out, columns=["unit_id", "variant", "kind"])


def pick_variants(rng: np.random.Generator, variants: pd.DataFrame, unit_ids: np.ndarray):
    """A random variant (and its kind) for each unit id in ``unit_ids``."""
    v = variants.reset_index(drop=True)
    starts = v.groupby("unit_id", sort=False).indices
    first = pd.Series({k: idx[0] for k, idx in starts.items()})
    count = pd.Series({k: len(idx) for k, idx in starts.items()})
    f = first.reindex(unit_ids).to_numpy()
    c = count.reindex(unit_ids).to_numpy()
    pos = f + np.floor(rng.random(len(unit_ids)) * c).astype(int)
    return v["variant"].to_numpy()[pos], v["kind"].to_numpy()[pos]
