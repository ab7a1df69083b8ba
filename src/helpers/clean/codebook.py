"""Instrument codebooks: raw columns -> items and fields, labels -> values.

A codebook is YAML under ``config/instruments/<id>.yaml`` (format in
docs/architecture.md). A new questionnaire needs a codebook, not code:

- ``items``: ``id, area, competence, text, aliases, pattern, reverse``; a raw
  header maps to an item by its id, any alias (ignoring case and spacing) or
  ``pattern`` (a regular expression searched in the header, case-insensitive).
- ``responses``: value -> labels. A cell matches ignoring case, spacing and a
  leading ``"3 - "``; numeric strings (``"3"``, ``"3,0"``) are values as they are.
- ``fields``: canonical name -> ``aliases``, ``pattern``, ``personal``,
  ``values`` (canonical -> labels), ``type`` (``text|number|bool|datetime``),
  ``required``. Sex, education, golongan, status and position type also have
  built-in label sets (below) that the codebook's ``values`` extend.

Example
-------
>>> cb = load_codebook("ikd_digcomp22")                       # doctest: +SKIP
>>> cb.map_headers(["Cap waktu", "NIP", "1.1.1 Saya ..."])     # doctest: +SKIP
{'Cap waktu': 'submitted_at', 'NIP': 'nip', '1.1.1 Saya ...': 'ikd_1_1_1'}
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from .. import paths
from ..errors import ConfigError, InputError

# ----------------------------------------------------------------------------------------------
# built-in demographic label sets (keys are compared after _norm_code: upper case, no spaces,
# dots, dashes, slashes or brackets)
# ----------------------------------------------------------------------------------------------
EDUCATION = {
    "SD": ["SD", "MI", "Sekolah Dasar", "SR", "Tidak tamat SD", "Primary"],
    "SMP": ["SMP", "SLTP", "MTs", "Sekolah Menengah Pertama", "SLTP/Sederajat", "SMP Sederajat",
            "Junior high school"],
    "SMA": ["SMA", "SLTA", "SMK", "MA", "STM", "SMEA", "SPK", "SMU", "Sekolah Menengah Atas", "SMA/SMK",
            "SLTA/Sederajat", "SMA Sederajat", "SLTA Sederajat",
            "Sekolah Menengah Kejuruan", "Senior high school", "High school"],
    "D1": ["D1", "DI", "D-I", "Diploma 1", "Diploma I", "Diploma Satu"],
    "D2": ["D2", "DII", "D-II", "Diploma 2", "Diploma II", "Diploma Dua"],
    "D3": ["D3", "DIII", "D-III", "Diploma 3", "Diploma III", "Diploma Tiga", "Ahli Madya", "Sarjana Muda"],
    "D4": ["D4", "DIV", "D-IV", "Diploma 4", "Diploma IV", "Diploma Empat", "Sarjana Terapan",
           "Sarjana Sains Terapan", "Applied bachelor"],
    "S1": ["S1", "S-1", "Strata 1", "Strata I", "Strata Satu", "Sarjana", "Bachelor", "Bachelor's degree"],
    "S2": ["S2", "Strata 2", "Strata II", "Strata Dua", "Magister", "Master", "Master's degree", "Pascasarjana"],
    "S3": ["S3", "Strata 3", "Strata III", "Strata Tiga", "Doktor", "Doctor", "Doktoral", "PhD", "Doctorate"],
}
SEX = {"L": ["L", "Laki-laki", "Laki laki", "Lelaki", "Pria", "Male", "M", "Man"],
       "P": ["P", "Perempuan", "Wanita", "Female", "F", "Woman"]}
STATUS = {"PNS": ["PNS", "Pegawai Negeri Sipil", "CPNS", "Civil servant"],
          "PPPK": ["PPPK", "P3K", "Pegawai Pemerintah dengan Perjanjian Kerja", "Contract civil servant"]}
POSITION = {
    "struktural": ["Struktural", "Jabatan Struktural", "JPT", "JPT Pratama", "JPT Madya",
                   "Jabatan Pimpinan Tinggi", "Administrator", "Pengawas", "Eselon", "Structural"],
    "fungsional": ["Fungsional", "Jabatan Fungsional", "JF", "JFT", "Fungsional Tertentu", "Functional"],
    "pelaksana": ["Pelaksana", "Jabatan Pelaksana", "JFU", "Fungsional Umum", "Staf", "Staff", "Executor"],
}
BOOL = {True: ["Ya", "Y", "Yes", "Sudah", "Pernah", "True", "1", "Benar", "Ada"],
        False: ["Tidak", "T", "No", "N", "Belum", "Belum pernah", "Tidak pernah", "False", "0", "Tidak ada"]}
BUILTIN_VALUES = {"sex": SEX, "education": EDUCATION, "status": STATUS, "position_type": POSITION}
DEFAULT_TYPES = {"submitted_at": "datetime", "started_at": "datetime", "duration_s": "number",
                 "duration_min": "number", "birth_year": "number", "birth_date": "datetime",
                 "age": "number", "skp_score": "number", "technical_jp": "number",
                 "seminars_2y": "number", "leadership_training": "bool", "functional_training": "bool"}
GOLONGAN_RE = r"^(?:.*\()?\s*(IV|III|II|I|4|3|2|1)\s*[/\-. ]?\s*([A-Ea-e])\s*\)?$"
ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV", "I": "I", "II": "II", "III": "III", "IV": "IV"}
GOLONGAN_MAX = {"I": "d", "II": "d", "III": "d", "IV": "e"}


def by_unique(cells: pd.Series, decode) -> list[pd.Series]:
    """Apply ``decode`` (Series of distinct values -> one or more aligned Series)
    once per distinct cell and spread the results back: exports repeat a few
    labels millions of times, so this is what keeps the mapping fast."""
    codes, uniq = pd.factorize(cells, use_na_sentinel=True)
    outs = decode(pd.Series(np.asarray(uniq, dtype=object), dtype="string"))
    outs = outs if isinstance(outs, tuple) else (outs,)
    res = []
    for o in outs:
        arr = pd.array(o)
        taken = arr.take(codes, allow_fill=True)  # -1 (missing cell) -> NA
        res.append(pd.Series(taken, index=cells.index))
    return res


def _factorize_cells(block: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Every cell of ``block``, column after column, as a code into the distinct
    texts (``-1``: missing), hashed in Arrow (a Python object per cell cost more
    than decoding the labels)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if block.shape[1] == 0:
        return np.array([], dtype=np.int64), []
    chunks = []
    for c in block.columns:
        a = pa.array(block[c].astype("string").array)
        a = a.cast(pa.large_string()) if a.type != pa.large_string() else a
        chunks += a.chunks if isinstance(a, pa.ChunkedArray) else [a]
    enc = pc.dictionary_encode(pa.chunked_array(chunks, type=pa.large_string()).combine_chunks())
    codes = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, enc.dictionary.to_pylist()


def _norm_text(s: pd.Series) -> pd.Series:
    """Case-folded, single-spaced text for header and label comparison."""
    return (s.astype("string").str.casefold().str.replace(r"[\s\u00a0]+", " ", regex=True)
            .str.strip().str.strip(" .:;"))


def _norm_code(s: pd.Series) -> pd.Series:
    """Upper-case code with spaces and punctuation removed: ``"S-1"`` -> ``"S1"``."""
    return s.astype("string").str.upper().str.replace(r"[\s.\-_/()'’]+", "", regex=True)


def norm_label(s: pd.Series) -> pd.Series:
    """Response label as compared: case-folded, single-spaced, without a leading
    ``"3 - "``, ``"3. "``, ``"(3)"`` or ``"3="`` value prefix."""
    t = _norm_text(s)
    return t.str.replace(r"^\(?\d+\s*[\)\-–.:=]\s*(?=\D|$)", "", regex=True).str.strip()


@dataclass(frozen=True)
class FieldSpec:
    name: str
    aliases: tuple[str, ...] = ()
    pattern: str | None = None
    personal: bool = False
    type: str = "text"
    required: bool = False
    values: dict = field(default_factory=dict)  # canonical -> [labels]
    format: str | None = None  # strftime format of a datetime field ("%d/%m/%Y %H:%M")


@dataclass
class Codebook:
    """A loaded, validated instrument codebook (see module docstring)."""

    id: str
    kind: str
    index: str | None
    scale_min: float | None
    scale_max: float | None
    responses: dict  # value -> [labels]
    items: pd.DataFrame  # id, area, competence, text, reverse, aliases (tuple), pattern
    fields: dict[str, FieldSpec]
    file: Path | None = None
    raw: dict = field(default_factory=dict)

    # -------------------------------------------------------------------------------------
    @property
    def safe_columns(self) -> list[str]:
        """Raw headers the codebook does not map but marks safe to keep in
        rejected.parquet (``safe_columns: [...]``); every other unknown column is
        dropped from all outputs."""
        v = self.raw.get("safe_columns") or []
        return [str(x) for x in (v if isinstance(v, list) else [v])]

    @property
    def item_ids(self) -> list[str]:
        return self.items["id"].tolist()

    def areas(self) -> dict[str, list[str]]:
        """Area -> item ids, in codebook order."""
        return {a: g["id"].tolist() for a, g in self.items.groupby("area", sort=False)}

    def _header_tables(self) -> tuple[dict, list, re.Pattern | None]:
        """Normalised aliases, patterns and the item-id expression: built on first
        use and kept (a run maps the headers of hundreds of files)."""
        if getattr(self, "_headers", None) is None:
            targets: dict[str, str] = {}
            for name in self.item_ids + list(self.fields):
                targets[name.casefold()] = name
            aliases = [(a, it["id"]) for _, it in self.items.iterrows() for a in it["aliases"]]
            aliases += [(a, f.name) for f in self.fields.values() for a in f.aliases]
            if aliases:
                normed = _norm_text(pd.Series([a for a, _ in aliases], dtype="string")).tolist()
                for key, (_, name) in zip(normed, aliases):
                    targets[key] = name
            patterns = [(re.compile(p, re.IGNORECASE), n) for n, p in
                        [(r["id"], r["pattern"]) for _, r in self.items.iterrows() if isinstance(r["pattern"], str)]
                        + [(f.name, f.pattern) for f in self.fields.values() if f.pattern]]
            id_re = re.compile(r"\b(" + "|".join(map(re.escape, self.item_ids)) + r")\b", re.IGNORECASE) \
                if self.item_ids else None
            self._headers = (targets, patterns, id_re)
        return self._headers

    def map_headers(self, headers: list[str]) -> dict[str, str]:
        """Raw header -> item id or field name, for the headers the codebook knows.

        Order of matching: exact canonical name, alias (case/space-insensitive),
        item id written inside the header (``"... [ikd_1_1_1]"``), pattern.

        Raises
        ------
        InputError
            Two raw headers map to the same item or field.
        """
        targets, patterns, id_re = self._header_tables()
        hnorm = _norm_text(pd.Series(list(headers), dtype="string")).tolist()
        out: dict[str, str] = {}
        for raw, h in zip(headers, hnorm):
            target = targets.get(h)
            if target is None and id_re is not None:
                m = id_re.search(str(raw))
                target = m.group(1).lower() if m else None
            if target is None:
                target = next((n for rx, n in patterns if rx.search(str(raw))), None)
            if target is not None:
                out[raw] = target
        seen: dict[str, str] = {}
        for raw, t in out.items():
            if t in seen:
                raise InputError("two columns map to the same item or field", column=raw,
                                 file=self.file, expected=f"one column for {t!r}",
                                 found=[seen[t], raw])
            seen[t] = raw
        return out

    def missing_required(self, mapped: dict[str, str]) -> list[str]:
        got = set(mapped.values())
        return [f.name for f in self.fields.values() if f.required and f.name not in got]

    # -------------------------------------------------------------------------------------
    def response_values(self, cells: pd.Series) -> pd.DataFrame:
        """Response cells -> numeric values.

        Returns ``value`` (float, NaN when missing or invalid) and ``problem``
        (``unknown_label`` | ``out_of_range`` | NA). Decoded once per distinct cell.
        """
        vals, probs = self.response_matrix(cells.to_frame())
        names = np.array([pd.NA, *PROBLEMS[1:]], dtype=object)
        return pd.DataFrame({"value": vals[:, 0], "problem": pd.array(names[probs[:, 0]], dtype="string")},
                            index=cells.index)

    def response_matrix(self, block: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`response_values` of every column of ``block`` at once (one
        factorisation over all item cells of a file instead of one per item):
        ``values`` (rows x columns, NaN when missing or invalid) and problem
        codes (``PROBLEMS[code]``: 0 none, 1 ``unknown_label``, 2 ``out_of_range``)."""
        n, k = block.shape
        codes, uniq = _factorize_cells(block)
        memo = self.__dict__.setdefault("_decoded", {})
        new = [u for u in uniq if u not in memo]
        if new:
            v, p = self._decode_unique(pd.Series(new, dtype="string"))
            memo.update(zip(new, zip(v.astype("float64").to_numpy(na_value=np.nan), p.tolist())))
        vals = np.array([memo[u][0] for u in uniq] + [np.nan], dtype="float64")
        code = {None: 0, "unknown_label": 1, "out_of_range": 2}
        probs = np.array([code[None if memo[u][1] is pd.NA else memo[u][1]] for u in uniq] + [0], dtype="int8")
        return vals[codes].reshape(k, n).T, probs[codes].reshape(k, n).T

    def _label_table(self) -> dict[str, float]:
        if not hasattr(self, "_labels"):
            table = {}
            for v, labels in self.responses.items():
                for lab in [*labels, str(v)]:
                    table[norm_label(pd.Series([str(lab)])).iloc[0]] = float(v)
            self._labels = table
        return self._labels

    def _decode_unique(self, uniq: pd.Series) -> tuple[list, list]:
        table = self._label_table()
        lab = norm_label(uniq)
        by_label = lab.map(table).astype("float64")
        t = _norm_text(uniq)
        num = pd.to_numeric(t.str.replace(",", ".", regex=False), errors="coerce").astype("float64")
        prefix = pd.to_numeric(t.str.extract(r"^\(?(\d+)\s*[\)\-–.:=]", expand=False),
                               errors="coerce").astype("float64")
        value = by_label.fillna(num)
        value = value.where(value.notna() | lab.ne(""), prefix)  # "3 - " with nothing after
        problem = pd.Series(pd.NA, index=uniq.index, dtype="string")
        problem[value.isna()] = "unknown_label"
        lo = -np.inf if self.scale_min is None else self.scale_min
        hi = np.inf if self.scale_max is None else self.scale_max
        bad = value.notna() & ((value < lo) | (value > hi) | (value != np.round(value)))
        problem[bad] = "out_of_range"
        value = value.where(~bad)
        return value.astype("Float64"), problem

    def reverse(self, items: pd.DataFrame) -> pd.DataFrame:
        """Reverse-key the codebook's ``reverse: true`` items: ``min + max - x``."""
        rev = [i for i in self.items.loc[self.items["reverse"], "id"] if i in items.columns]
        if rev:
            items = items.copy()
            items[rev] = (self.scale_min + self.scale_max) - items[rev]
        return items

    # -------------------------------------------------------------------------------------
    def field_kind(self, name: str) -> str:
        """How a field's cells are decoded: ``datetime``, ``number``, ``bool``, ``text``..."""
        spec = self.fields.get(name, FieldSpec(name))
        return spec.type if spec.type != "text" else DEFAULT_TYPES.get(name, "text")

    def field_values(self, name: str, cells: pd.Series, decimal: str = ".") -> pd.DataFrame:
        """Normalise one field's cells. Returns ``value`` and ``problem``
        (``unknown_label`` when a non-empty cell matches no known label)."""
        spec = self.fields.get(name, FieldSpec(name))
        kind = self.field_kind(name)
        cells = cells.astype("string")
        if name == "golongan":
            value = normalise_golongan(cells)
        elif kind == "bool":
            value = _map_labels(cells, {**BOOL, **spec.values})
        elif kind == "number":
            from .readers import to_number
            value = by_unique(cells, lambda u: to_number(u, decimal=decimal))[0].astype("float64")
        elif kind == "datetime":
            value = parse_datetime(cells, fmt=spec.format)
            bad = cells.notna() & cells.str.strip().ne("") & value.isna()
            expected = datetime_expected(spec.format, name)
            problem = pd.Series(pd.NA, index=cells.index, dtype="string").mask(bad, "bad_datetime")
            return pd.DataFrame({"value": value, "problem": problem,
                                 "expected": pd.Series(pd.NA, index=cells.index, dtype="string").mask(bad, expected)})
        elif name in BUILTIN_VALUES or spec.values:
            table = {k: list(v) for k, v in BUILTIN_VALUES.get(name, {}).items()}
            for k, v in spec.values.items():
                table.setdefault(k, []).extend(v if isinstance(v, list) else [v])
            value = _map_labels(cells, table)
        else:
            value = cells.str.strip()
        unknown = cells.notna() & cells.str.strip().ne("") & pd.Series(value, index=cells.index).isna()
        problem = pd.Series(pd.NA, index=cells.index, dtype="string").mask(unknown, "unknown_label")
        return pd.DataFrame({"value": value, "problem": problem})


_LOOKUPS: dict[str, dict] = {}


def _label_lookup(key: str, table: dict) -> dict:
    """Normalised label -> canonical value, built once per distinct table."""
    if key not in _LOOKUPS:
        pairs = [(str(lab), canon) for canon, labels in table.items() for lab in [*labels, canon]]
        codes = _norm_code(pd.Series([p for p, _ in pairs], dtype="string")).tolist()
        _LOOKUPS[key] = {c: canon for c, (_, canon) in zip(codes, pairs)}
    return _LOOKUPS[key]


def _map_labels(cells: pd.Series, table: dict) -> pd.Series:
    """Map cells to canonical values via labels compared as codes (``"S-1"`` == ``"s1"``),
    then as text (``"Laki - laki"`` == ``"laki-laki"``)."""
    lookup = _label_lookup(repr(sorted(table.items(), key=str)), table)
    is_bool = isinstance(next(iter(table), None), bool)

    def decode(uniq: pd.Series) -> pd.Series:
        codes = _norm_code(uniq.str.replace(r"^\(?\d+\s*[\)\-–.:=]\s*(?=\D)", "", regex=True))
        out = codes.map(lookup)
        return out.astype("boolean") if is_bool else out.astype("string")

    return by_unique(cells, decode)[0]


def normalise_golongan(cells: pd.Series) -> pd.Series:
    """Rank (golongan ruang) to ``"III/a"`` form from ``"3a"``, ``"III A"``,
    ``"iii/a"``, ``"Penata Muda (III/a)"``. PPPK grades (``"IX"``) and invalid
    ranks (``"II/e"``) give NA."""
    def decode(uniq: pd.Series) -> pd.Series:
        m = uniq.str.strip().str.upper().str.extract(GOLONGAN_RE.replace("A-Ea-e", "A-E"))
        rom = m[0].map(ROMAN)
        letter = m[1].str.lower()
        ok = (rom.notna() & (letter <= rom.map(GOLONGAN_MAX))).fillna(False).astype(bool)
        return (rom + "/" + letter).where(ok).astype("string")

    return by_unique(cells.astype("string"), decode)[0].astype("string")


DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M:%S", "%d/%m/%Y %H:%M:%S",
                    "%d-%m-%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M",
                    "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%d.%m.%Y %H.%M.%S",
                    "%d-%m-%Y %H:%M")


def _strptime(s: pd.Series, fmt: str) -> pd.Series:
    """Parse with one format; pyarrow's vectorised strptime (about 10x pandas' on a
    million cells), pandas when pyarrow cannot take the format."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pc.strptime(pa.array(s.astype("string"), type=pa.string(), from_pandas=True), format=fmt, unit="us",
                          error_is_null=True)
        return pd.Series(arr.to_pandas(), index=s.index).astype("datetime64[us]")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError):
        return pd.to_datetime(s, format=fmt, errors="coerce")


EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # day 0 of Excel's 1900 date system (with its 1900 leap bug)
EXCEL_SERIAL_RE = r"^\d{5}(?:[.,]\d+)?$"  # 10000-99999: 1927-2173


def datetime_expected(fmt: str | None, name: str = "") -> str:
    """What a datetime cell should look like, for messages and the cleaning log."""
    if fmt:
        example = pd.Timestamp("2024-08-11 10:09:00").strftime(fmt)
        return f"the codebook's format {fmt!r} (e.g. {example!r})"
    return ("a date/time such as '2024-08-11 10:09:00', '11/08/2024 10:09:00', ISO 8601 "
            "'2024-08-11T10:09:00.000+07:00' or an Excel serial (45515.42); or declare "
            f"`format:` for {name or 'this field'} in the codebook")


def parse_datetime(cells: pd.Series, fmt: str | None = None) -> pd.Series:
    """Timestamps from exports: Google Forms ``"12/06/2023 10:15:32"``, ISO 8601
    with fractions and offsets (KoboToolbox ``"2024-08-11T10:09:00.000+07:00"``),
    ``"2023/06/12 10:15:32 GMT+8"``, Excel serial days (``45515.42``). The clock
    time as written is kept and the zone dropped (local time: start and end of a
    form share the zone, so durations are right). With ``fmt`` (the codebook's
    ``format:``) only that format is accepted, after the same zone stripping.
    Otherwise the first format that parses every value wins, so day-first
    Indonesian dates are not read month-first; else the one parsing the most.
    Values nothing parses are NaT (the caller logs them with the expected format).

    >>> parse_datetime(pd.Series(["2024-08-11T10:09:00.000+07:00", "45515.5"])).tolist()
    [Timestamp('2024-08-11 10:09:00'), Timestamp('2024-08-11 12:00:00')]
    """
    s = cells.astype("string")
    probe = s.dropna().head(2000)
    if probe.str.contains(r"^\s|\s$", regex=True).any():
        s = s.str.strip()
    if probe.str.contains(r"GMT|UTC|WIB|WITA|WIT|\.\d+$|\d[T ]\d\d:\d\d.*(?:Z|[+-]\d\d:?\d\d)$", regex=True).any():
        s = s.str.replace(r"\s*(GMT|UTC|WIB|WITA|WIT)([+-]\d+(:?\d\d)?)?$", "", regex=True)
        # ISO 8601: fractions of seconds and the offset after a clock time
        s = s.str.replace(r"(\d\d:\d\d(?::\d\d)?)(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?$", r"\1", regex=True)
    present = s.notna()
    if not present.any():
        return pd.Series(pd.NaT, index=cells.index, dtype="datetime64[ns]")
    serial = s.str.fullmatch(EXCEL_SERIAL_RE, na=False)
    if serial.any():
        days = pd.to_numeric(s.where(serial).str.replace(",", ".", regex=False), errors="coerce")
        from_serial = (EXCEL_EPOCH + pd.to_timedelta(days, unit="D")).dt.round("s")
        s = s.mask(serial)
        present = s.notna()
        if not present.any():
            return from_serial.astype("datetime64[ns]")
    else:
        from_serial = None
    if fmt:
        parsed = pd.to_datetime(s, format=fmt, errors="coerce")
        return parsed if from_serial is None else parsed.fillna(from_serial)
    parsed = _parse_formats(s, present)
    return parsed if from_serial is None else parsed.astype("datetime64[ns]").fillna(from_serial)


def _first_full_format(sample: pd.Series, head: int = 40) -> str | None:
    """The first of :data:`DATETIME_FORMATS` that parses every cell of ``sample``
    (None if none does). A format that fails on one of the first ``head`` cells
    cannot, so most formats are ruled out on those cells alone (parsing is per
    cell), not on the whole sample."""
    first = sample.iloc[:head]
    for fmt in DATETIME_FORMATS:
        if not pd.to_datetime(first, format=fmt, errors="coerce").notna().all():
            continue
        if len(sample) <= head or pd.to_datetime(sample, format=fmt, errors="coerce").notna().all():
            return fmt
    return None


def _parse_formats(s: pd.Series, present: pd.Series) -> pd.Series:
    # choose the format on a sample, parse everything once
    sample = s[present].iloc[:: max(1, int(present.sum()) // 2000)]
    best = _first_full_format(sample)
    if best is None:
        scores = [(int(pd.to_datetime(sample, format=fmt, errors="coerce").notna().sum()), -i, fmt)
                  for i, fmt in enumerate(DATETIME_FORMATS)]
        best = max(scores)[2]
    parsed = _strptime(s, best)
    if parsed[present].notna().all():
        return parsed
    for fmt in DATETIME_FORMATS:  # mixed formats in one column: fill from the others
        if fmt != best:
            parsed = parsed.fillna(pd.to_datetime(s.where(parsed.isna()), format=fmt, errors="coerce"))
    return parsed


# ----------------------------------------------------------------------------------------------
# loading
# ----------------------------------------------------------------------------------------------
def codebook_path(instrument: str | PathLike) -> Path:
    p = Path(instrument)
    if p.suffix in {".yaml", ".yml"}:
        return p
    return paths.config_dir() / "instruments" / f"{instrument}.yaml"


_LOADED: dict[tuple, Codebook] = {}
#: problem codes of :meth:`Codebook.response_matrix`
PROBLEMS = (None, "unknown_label", "out_of_range")


def load_codebook(instrument: str | PathLike) -> Codebook:
    """Load and validate ``config/instruments/<instrument>.yaml`` (or a YAML path);
    kept while the file is unchanged (``validate`` and ``run`` load each codebook
    of a study, and building the alias tables is the costly part).

    Raises
    ------
    ConfigError
        Missing file, invalid YAML, missing keys, duplicated item ids or aliases,
        a reverse-keyed item without a scale, an invalid regular expression.
    """
    path = codebook_path(instrument)
    if not path.exists():
        raise ConfigError("instrument codebook not found", file=path,
                          expected="config/instruments/<id>.yaml")
    st = path.stat()
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    if key not in _LOADED:
        if len(_LOADED) > 32:
            _LOADED.clear()
        _LOADED[key] = _load_codebook(path)
    return _LOADED[key]


def _load_codebook(path: Path) -> Codebook:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", file=path) from exc
    if not isinstance(data, dict):
        raise ConfigError("codebook must be a mapping", file=path, expected="id, kind, items, fields")
    for key in ("id", "kind"):
        if key not in data:
            raise ConfigError("missing key", file=path, column=key, expected="a value")
    kind = data["kind"]
    if kind not in ("survey", "hr_records"):
        raise ConfigError("unknown kind", file=path, column="kind", expected="survey or hr_records", found=kind)
    scale = data.get("scale") or {}
    smin, smax = scale.get("min"), scale.get("max")
    if (smin is None) != (smax is None) or (smin is not None and smin >= smax):
        raise ConfigError("invalid scale", file=path, column="scale", expected="{min: a, max: b} with a < b",
                          found=scale)
    responses = data.get("responses") or {}
    if not isinstance(responses, dict):
        raise ConfigError("responses must map value -> labels", file=path, column="responses",
                          expected="{1: [Dasar, Foundation], ...}")
    responses = {float(k): (v if isinstance(v, list) else [v]) for k, v in responses.items()}
    rows = []
    for i, it in enumerate(data.get("items") or []):
        if not isinstance(it, dict) or "id" not in it:
            raise ConfigError("each item needs an id", file=path, column=f"items[{i}]",
                              expected="{id, area, aliases}")
        pat = it.get("pattern")
        if pat:
            try:
                re.compile(pat)
            except re.error as exc:
                raise ConfigError(f"invalid pattern: {exc}", file=path, column=f"items[{i}].pattern") from exc
        aliases = it.get("aliases") or []
        rows.append({"id": str(it["id"]), "area": it.get("area"), "competence": str(it.get("competence", "")),
                     "text": it.get("text", ""), "reverse": bool(it.get("reverse", False)),
                     "aliases": tuple(aliases if isinstance(aliases, list) else [aliases]),
                     "pattern": pat})
    items = pd.DataFrame(rows, columns=["id", "area", "competence", "text", "reverse", "aliases", "pattern"])
    if items["id"].duplicated().any():
        raise ConfigError("duplicated item id", file=path, column="items",
                          found=items.loc[items["id"].duplicated(), "id"].tolist())
    if kind == "survey" and items.empty:
        raise ConfigError("a survey codebook needs items", file=path, column="items", expected="a list")
    if items["reverse"].any() and smin is None:
        raise ConfigError("reverse-keyed items need a scale", file=path, column="scale",
                          expected="{min, max}")
    fields = {}
    for name, spec in (data.get("fields") or {}).items():
        spec = spec or {}
        if not isinstance(spec, dict):
            raise ConfigError("field spec must be a mapping", file=path, column=f"fields.{name}",
                              expected="{aliases: [...]}")
        aliases = spec.get("aliases") or []
        values = {k: (v if isinstance(v, list) else [v]) for k, v in (spec.get("values") or {}).items()}
        ftype = spec.get("type", DEFAULT_TYPES.get(name, "text"))
        if ftype not in ("text", "number", "bool", "datetime"):
            raise ConfigError("unknown field type", file=path, column=f"fields.{name}.type",
                              expected="text, number, bool or datetime", found=ftype)
        fmt = spec.get("format")
        if fmt is not None:
            if ftype != "datetime" or not isinstance(fmt, str) or "%" not in fmt:
                raise ConfigError("format applies to datetime fields and is a strftime pattern", file=path,
                                  column=f"fields.{name}.format", expected="e.g. '%d/%m/%Y %H:%M' on a "
                                  "field of type datetime", found=fmt)
        fields[name] = FieldSpec(name=name, aliases=tuple(aliases if isinstance(aliases, list) else [aliases]),
                                 pattern=spec.get("pattern"), personal=bool(spec.get("personal", False)),
                                 type=ftype, required=bool(spec.get("required", False)), values=values,
                                 format=fmt)
    # the same alias on two targets would make mapping depend on order
    owner: dict[str, str] = {}
    pairs = [(tname, a) for tname, alist in ([(r["id"], r["aliases"]) for _, r in items.iterrows()]
                                             + [(f.name, f.aliases) for f in fields.values()]) for a in alist]
    # one normalisation of every alias (a pandas call per alias cost ~0.4 s per codebook)
    keys = _norm_text(pd.Series([a for _, a in pairs], dtype=object)).tolist() if pairs else []
    for (tname, a), k in zip(pairs, keys):
        if k in owner and owner[k] != tname:
            raise ConfigError("alias used by two items or fields", file=path, column=tname,
                              expected="unique aliases", found=[a, owner[k]])
        owner[k] = tname
    return Codebook(id=str(data["id"]), kind=kind, index=data.get("index"), scale_min=smin, scale_max=smax,
                    responses=responses, items=items, fields=fields, file=path, raw=data)


def normalise_field(name: str, cells: pd.Series, values: dict[str, Any] | None = None) -> pd.Series:
    """Normalise a demographic column without a codebook, with the built-in label
    sets (``education``, ``sex``, ``status``, ``position_type``, ``golongan``).

    >>> normalise_field("education", pd.Series(["S-1", "Sarjana", "D IV", "SLTA"])).tolist()
    ['S1', 'S1', 'D4', 'SMA']
    """
    cb = Codebook("adhoc", "survey", None, None, None, {}, pd.DataFrame(columns=["id"]),
                  {name: FieldSpec(name, values=values or {})})
    return cb.field_values(name, cells)["value"]


def expected_values(cb: Codebook, target: str) -> str:
    """What a cell of ``target`` (an item or a field) may hold, for error messages."""
    if target in cb.item_ids:
        labels = [str(v[0]) for v in cb.responses.values() if v][:5]
        rng = f"{cb.scale_min:g}-{cb.scale_max:g}" if cb.scale_min is not None else "a value"
        return f"{rng} or a label such as {', '.join(labels)}" if labels else rng
    spec = cb.fields.get(target)
    if spec and spec.values:
        return "one of " + ", ".join(map(str, spec.values))
    return f"a valid {target}"
