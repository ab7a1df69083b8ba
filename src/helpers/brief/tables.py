"""``tables.xlsx`` of a brief: the brief's tables as sheets, from the results dict.

Values are numbers (not formatted text) so an analyst can reuse them; suppressed
groups appear with their ``n`` and empty statistics.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..io import atomic_path


def frames(r: dict) -> dict[str, pd.DataFrame]:
    """One DataFrame per sheet."""
    out: dict[str, pd.DataFrame] = {}
    rows, uts, pairs, prio, gaps, train = [], [], [], [], [], []
    for idx, b in r["indices"].items():
        rows.append({"index": idx, "component": "overall", "label": b["name"], "wave": b["wave"],
                     "n": b["n"]["respondents"], "mean": b["overall"], "ci_low": b["ci_low"], "ci_high": b["ci_high"],
                     "se": b.get("se"), "deff": b.get("deff"), "target": b.get("target"),
                     "achievement_pct": b.get("achievement_pct"), "category": b.get("category_label"),
                     "previous": (b.get("previous") or {}).get("overall"),
                     **{k: (b.get("previous") or {}).get(k) for k in ("change", "change_ci_low", "change_ci_high")}})
        for c, a in b["areas"].items():
            rows.append({"index": idx, "component": c, "label": a["label"], "wave": b["wave"], "n": a["n"],
                         "mean": a["mean"], "ci_low": a["ci_low"], "ci_high": a["ci_high"], "se": a.get("se"),
                         "deff": a.get("deff"),
                         "target": a.get("target"), "achievement_pct": a.get("achievement_pct"),
                         "previous": ((b.get("previous") or {}).get("areas") or {}).get(c)})
        for ut, v in b["unit_types"].items():
            uts.append({"index": idx, "unit_type": ut, "label": v["label"], "n": v["n"], "units": v["units"],
                        "suppressed": v["suppressed"], "tested": v.get("tested"), "mean": v["mean"],
                        "se": v.get("se"), "ci_low": v["ci_low"], "ci_high": v["ci_high"], **{f"area_{c}": m for c, m in v["areas"].items()}})
        for p in b["comparison"]["pairs"]:
            pairs.append({"index": idx, **p})
        for u in b.get("priority_units", []):
            prio.append({"index": idx, **u})
        for f, g in (b.get("gaps") or {}).items():
            for name, v in g["groups"].items():
                gaps.append({"index": idx, "factor": f, "group": name, **v,
                             "p_adj": (g.get("test") or {}).get("p_adj")})
        for ut, v in (b.get("training") or {}).items():
            train.append({"index": idx, "unit_type": ut, **v})
    out["index"] = pd.DataFrame(rows)
    out["unit_types"] = pd.DataFrame(uts)
    out["pairs"] = pd.DataFrame(pairs)
    out["priority_units"] = pd.DataFrame(prio)
    out["gaps"] = pd.DataFrame(gaps)
    out["training"] = pd.DataFrame(train)
    out["assumptions"] = pd.DataFrame([{"index": idx, "assumption": a}
                                       for idx, texts in (r.get("assumptions") or {}).items() for a in texts])
    dq = r["data_quality"]
    out["data_quality"] = pd.DataFrame(
        [{"item": k, "value": dq[k]} for k in ("raw", "clean", "rejected", "response_rate")]
        + [{"item": f"rejected:{k}", "value": v} for k, v in dq["rejected_by_reason"].items()])
    if r.get("compliance_20jp"):
        c = r["compliance_20jp"]
        out["compliance_20jp"] = pd.DataFrame(
            [{"group": "region", **{k: c[k] for k in ("n", "share", "ci_low", "ci_high")}}]
            + [{"group": ut, **{k: v.get(k) for k in ("n", "share", "ci_low", "ci_high")}}
               for ut, v in c["unit_types"].items()])
    return out


def write_tables(r: dict, path: Path) -> Path:
    """Write every sheet of :func:`frames` to ``path`` (atomic)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
            for name, df in frames(r).items():
                (df if len(df.columns) else pd.DataFrame({"note": ["none"]})).to_excel(xl, sheet_name=name[:31],
                                                                                       index=False)
    return path
