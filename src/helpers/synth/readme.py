"""The README written next to the generated files."""
from __future__ import annotations

from .hr_export import HR_RATES
from .layout import BALIKPAPAN_ILD_2022, BONTANG_IPASN_2021, KUKAR_IKD_2022_OVERALL, KUKAR_IKD_2023
from .survey import RATES

FILES = {
    "units.csv": "unit registry: `unit_id, unit_name, unit_type, region_id, parent_unit_id, headcount_pns, headcount_pppk, aliases`",
    "kukar_ikd_2023.xlsx": "Kab. Kutai Kartanegara, IKD 2023: LimeSurvey export saved as Excel, 3 title rows, header on row 5, start/end times, answers as `\"3 - Mahir\"`, some NIPs as number cells",
    "bontang_ikd_2023.csv": "Kota Bontang, IKD 2023: Google Forms CSV, `Cap waktu`, grid headers `Area [statement]`, answers as labels (`Mahir`), free-typed education and golongan",
    "samarinda_ikd_2023.sav": "Kota Samarinda, IKD 2023: SPSS with variable and value labels (codes 1-4), `durasi` in seconds",
    "berau_ikd_2023.csv": "Kab. Berau, IKD 2023: Excel CSV in an Indonesian locale: `;`, decimal commas, cp1252, codes 1-4, `Lama Pengisian (menit)`",
    "balikpapan_ild_2022.csv": "Kota Balikpapan, Indeks Literasi Digital 2022: Google Forms CSV, linear scale 1-5",
    "kukar_ikd_2022.csv": "Kab. Kutai Kartanegara, IKD 2022, the earlier wave of the same 94 units: Google Forms CSV, `Cap waktu`, grid headers `Area [statement]`, linear scale 1-4 (numbers), free-typed education and golongan",
    "bontang_ipasn_2021.csv": "Kota Bontang, IP ASN 2021 HR records of every PNS: SIMPEG CSV, `;`, decimal commas, UTF-8 with BOM, old SKP score",
    "paser_ipasn_2022.xlsx": "Kab. Paser, IP ASN 2022 HR records of every PNS: Excel, 2 title rows, header on row 4, 2022 predikat",
}


def readme(summary: dict) -> str:
    cal = summary["calibration"]
    k = cal["kab-kutai-kartanegara"]["ikd"]
    b = cal["kota-bontang"]["ip_asn"]
    lines = [
        "# Sample study: SYNTHETIC data",
        "",
        "**Every record in this folder is synthetic.** No real civil servant, NIP, name or answer",
        "is in it. It was written by `python -m helpers synth` (`helpers.synth.generate`,",
        f"seed {summary['seed']}) to look like what a BKPSDM receives, and to reproduce published",
        "aggregate figures. Do not cite any number from it as a finding about a real region.",
        "",
        "## Files",
        "",
    ]
    for name, desc in FILES.items():
        rows = summary["files"].get(name)
        lines.append(f"- `{name}`: {desc}" + (f" ({rows:,} data rows incl. blank rows)" if rows else ""))
    lines += [
        "- `_truth/faults.csv`: every injected fault, `source_file, source_row, fault, detail`",
        "  (`source_row` is the row a person sees in a spreadsheet, header row included, as",
        "  `helpers.clean.readers` reports it; a row can carry several faults).",
        "- `_truth/units_truth.csv`: the true `unit_id` of every non-blank row (empty for staff",
        "  of regions outside the study). Cleaning never reads `_truth/`; tests do.",
        "",
        "## How it was generated",
        "",
        "- Six regions of Kalimantan Timur (Kutai Kartanegara surveyed twice: IKD 2022 and 2023);",
        "  Kutai Kartanegara has the 94 units of the seed article",
        "  (7 badan, 24 dinas, Satpol PP, Setda, Setwan, 18 kecamatan, 3 RSUD, 18 puskesmas,",
        "  20 UPT pendidikan, Inspektorat) and about 12,500 ASN. Headcounts are synthetic.",
        "- One row per ASN: sex, age, education, golongan, position type and PNS/PPPK depend on",
        "  the unit type; the NIP encodes birth date, TMT CPNS (in a month after the 18th birthday),",
        "  sex digit, sequence; nobody answers a survey that started before their TMT (PPPK hired later).",
        "- Digital competence: person level `g = region + unit type + unit (SD 0.24) + age, education,",
        "  position and status effects + residual (SD 0.80)`; each area adds a person deviation",
        "  (SD 0.45); each item is drawn from a graded-response-like ordinal model with its own",
        "  loading and difficulty. Unit types truly differ (Inspektorat and Setda highest, Satpol PP",
        "  lowest), units cluster, and the areas' Cronbach alphas fall between 0.7 and 0.9.",
        "- IP ASN: education (kualifikasi), training history (leadership, functional, technical JP,",
        "  seminars), SKP score (2021) or predikat (2022), sanctions; scored by the rules in",
        "  docs/architecture.md.",
        "",
        "## Calibration (by construction, on the rows cleaning keeps)",
        "",
        "Intercepts are solved by bisection with every random draw fixed, on the rows that",
        "survive cleaning (faulty rows removed, missing / out-of-range / unknown cells left out):",
        "",
        "| target | published | generated |",
        "|---|---|---|",
    ]
    for a, v in KUKAR_IKD_2023.items():
        lines.append(f"| Kukar IKD 2023 {a} | {v:.2f} | {k[a]:.3f} |")
    lines.append(f"| Kukar IKD 2023 overall (mean of areas) | 2.3 | {k['overall']:.3f} |")
    for d, v in BONTANG_IPASN_2021.items():
        lines.append(f"| Bontang IP ASN 2021 {d} | {v:.2f} | {b[d]:.2f} |")
    lines.append(f"| Bontang IP ASN 2021 total (Sedang) | 71.59 | {b['total']:.2f} |")
    k22 = cal["kab-kutai-kartanegara"].get("ikd_2022")
    if k22:
        lines.append(f"| Kukar IKD 2022 overall (**synthetic, NOT published**) (**) | {KUKAR_IKD_2022_OVERALL:.2f} | {k22['overall']:.3f} |")
        lines.append("| Kukar IKD 2022 areas (**) | - | " + " / ".join(f"{k22[a]:.3f}" for a in KUKAR_IKD_2023) + " |")
    bp = cal["kota-balikpapan"]["ild"]
    for p, v in BALIKPAPAN_ILD_2022.items():
        lines.append(f"| Balikpapan ILD 2022 {p} (*) | {v:.2f} | {bp[p]:.3f} |")
    lines += [
        "",
        "Sources: Kompas.com 3 Nov 2023 (Kukar IKD 2023); Akurasi.id (Bontang IP ASN 2021).",
        "(*) Not a published ASN figure: the national 2022 ILD pillar profile (Kominfo/Katadata)",
        "shifted to Kalimantan Timur's 2022 index of 3.62. Other regions are not calibrated.",
        "(**) Kukar IKD 2022 is a second wave **invented for the sample**: no 2022 IKD figure of",
        "Kutai Kartanegara was published; 2.20 is a plausible level a little below 2023, chosen so",
        "that wave comparisons have something to find. Model: the 2023 workforce minus staff",
        "appointed after the 2022 survey; each person's level lowered by their unit's change",
        "`0.5 x unit effect + N(0, 0.05)` (units strong in 2023 gained most, so unit-level change",
        "correlates with the unit effects); one intercept shift common to all areas gives the",
        "overall 2.20 on the rows cleaning keeps, so the 2023 area profile carries over.",
        "",
        "## Injected faults and their rates",
        "",
        "Survey files (share of a file's respondents; each recorded in `_truth/faults.csv`):",
        "",
        "| fault | rate | what it looks like |",
        "|---|---|---|",
        f"| duplicate | {RATES['duplicate']:.1%} | the same person submitted earlier too; the earlier row is the fault (cleaning keeps the latest); {RATES['changed_answers']:.0%} of them with 1-5 answers changed |",
        f"| speeder | {RATES['speeder']:.1%} | files with durations only (Kukar, Samarinda, Berau): 0.08-0.25 x median duration, random answers; genuine durations are >= 0.5 x median |",
        f"| straightliner | {RATES['straightliner']:.1%} | the same answer on every item (no genuine row is flat across all items) |",
        f"| other_region | {RATES['other_region']:.1%} | staff of another region (in or outside the study) answering this region's survey |",
        f"| blank_row | {RATES['blank_row']:.1%} | an empty row between records |",
        f"| unit_variant | {RATES['unit_variant']:.0%} | unit typed as a registry acronym, abbreviation (`Kec. X`, `PKM X`), in capitals, with the region name, with one typo, or with stray spaces |",
        f"| nip_excel | {RATES['nip_excel']:.1%} | `1.98503E+17`, `1,98503E+17`, 15 significant digits + `000`, or a number cell in .xlsx: unrecoverable |",
        f"| nip_formatted | {RATES['nip_formatted']:.0%} | `19850312 201001 2 003`, dots, an `NIP.` prefix or padding: recoverable |",
        f"| nip_invalid | {RATES['nip_invalid']:.1%} | 17 digits, month 13, sex digit not 1/2, TMT before age 18, letters for digits |",
        f"| missing_items | {RATES['missing_items']:.0%} | one item left blank in each of 1-3 areas |",
        f"| out_of_range | {RATES['out_of_range']:.0%} | numeric files: one item 0, 5/6, 9 or 44/55 |",
        f"| unknown_label | {RATES['unknown_label']:.0%} | labelled files: one answer such as `Tidak tahu`, `Cukup`, `2 atau 3` |",
        f"| whitespace_case | {RATES['whitespace_case']:.0%} | a label in capitals, lower case, or with stray spaces (answer or demographic) |",
        "",
        "HR files: duplicate {duplicate:.1%} (stale earlier record: older unit or fewer JP),".format(**HR_RATES),
        "unit_variant {unit_variant:.0%} (mostly capitals), nip_formatted {nip_formatted:.0%}, nip_excel {nip_excel:.0%},".format(**HR_RATES),
        "nip_invalid {nip_invalid:.1%}, whitespace_case {whitespace_case:.0%}, blank_row {blank_row:.1%}; no missing or out-of-range values.".format(**HR_RATES),
        "",
        "Fault counts in this folder: " + ", ".join(f"{k} {v}" for k, v in summary["faults"].items()) + ".",
        "",
        "Cell-level faults (missing, out-of-range, unknown label, whitespace) and NIP faults are",
        "never put on the two rows of a duplicate pair, so that 'keep the latest complete",
        "submission' is well defined.",
        "",
    ]
    return "\n".join(lines)
