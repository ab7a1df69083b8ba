"""Read whatever a region sends into one DataFrame of strings.

Every reader returns the cells as text (missing = ``NA``) so that nothing is
converted behind the cleaner's back: an NIP stays 18 digits, ``"3,5"`` stays
``"3,5"`` until :func:`to_number` is told which decimal mark the file uses.

Supported: CSV (UTF-8, UTF-8 with BOM, cp1252, UTF-16 with BOM; delimiter
sniffed among ``, ; TAB |``), Excel ``.xlsx`` (first or named sheet; header row
found below title rows), SPSS ``.sav`` (value labels applied, via pyreadstat)
and Parquet.

The returned frame carries ``attrs``:

- ``source_file``: the path read;
- ``header_row``: 1-based row of the header in the file, so data row ``i``
  (0-based) is ``source_row = header_row + 1 + i`` as a person sees it;
- ``decimal``: ``","`` or ``"."``, the decimal mark numbers in the file use;
- ``delimiter`` (CSV), ``encoding`` (CSV), ``sheet`` (Excel);
- ``duplicated_headers``: raw headers that occur more than once (the second
  and later copies are renamed ``"<name> [2]"``, ... so nothing is lost).

Example
-------
>>> df = read_table("../shared/external/pns_per_provinsi_2014_adiferd.csv")
>>> to_number(df["Jumlah"], decimal=df.attrs["decimal"]).sum()
4455303.0
"""
from __future__ import annotations

import collections
import csv
import datetime
import io
import math
import re
import sys
from collections import Counter
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError

SNIFF_LINES = 60
# a free-text answer pasted from a document can exceed the csv module's 128 KiB
# default; such a cell is data, not an error
csv.field_size_limit(min(sys.maxsize, 2 ** 31 - 1))
MAX_QUOTED_LINES = 50  # a quoted cell spanning more physical lines is taken as an unclosed quote
DELIMITERS = (",", ";", "\t", "|")
TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ".dat", ""}


# ----------------------------------------------------------------------------------------------
# public API
# ----------------------------------------------------------------------------------------------
def read_table(path: str | PathLike, sheet: str | int | None = None, **opts) -> pd.DataFrame:
    """Read a raw export as a DataFrame of strings.

    Parameters
    ----------
    path : CSV / TXT, ``.xlsx``, ``.sav`` or ``.parquet`` file.
    sheet : Excel sheet name or 0-based position (default: the first sheet).
    **opts : ``header_row`` (1-based, skip detection), ``delimiter``,
        ``encoding``, ``decimal`` to override what is sniffed.

    Raises
    ------
    InputError
        Missing or empty file, unknown encoding, not a table, ragged rows.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", file=path, expected="an existing raw export")
    if path.stat().st_size == 0:
        raise InputError("file is empty", file=path, expected="a header row and data rows")
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        df = _read_excel(path, sheet, opts)
    elif suffix == ".xls":
        raise InputError("old Excel format is not supported", file=path,
                         expected="save as .xlsx or CSV", found=".xls")
    elif suffix in {".sav", ".zsav"}:
        df = _read_sav(path, opts)
    elif suffix in {".parquet", ".pq"}:
        df = _read_parquet(path, opts)
    elif suffix in TEXT_SUFFIXES:
        df = _read_csv(path, opts)
    else:
        raise InputError("unknown file type", file=path,
                         expected=".csv, .xlsx, .sav or .parquet", found=suffix)
    df.attrs["source_file"] = str(path)
    if df.shape[1] == 0:
        raise InputError("no columns found", file=path, row=df.attrs.get("header_row"),
                         expected="a header row naming the columns")
    return df


def to_number(values: pd.Series, decimal: str = ".") -> pd.Series:
    """Parse numbers written as text: ``"75,060"`` (thousands), ``"3,5"`` (with
    ``decimal=","``), ``"1.234,5"``, ``" 12 "``, ``"1e3"``. Text that is not a
    number becomes NaN (the caller decides whether that is an error).

    Example
    -------
    >>> to_number(pd.Series(["75,060", "3.5", "x"])).tolist()
    [75060.0, 3.5, nan]
    >>> to_number(pd.Series(["3,5", "1.234,5"]), decimal=",").tolist()
    [3.5, 1234.5]
    """
    s = values.astype("string").str.strip().str.replace(r"[\s\u00a0]", "", regex=True)
    thousands = "." if decimal == "," else ","
    # a thousands separator is only recognised in groups of three digits, so
    # "3,5" with decimal "." is not silently read as 35
    grouped = s.str.fullmatch(rf"[-+]?\d{{1,3}}(?:\{thousands}\d{{3}})+(?:\{decimal}\d+)?", na=False)
    s = s.where(~grouped, s.str.replace(thousands, "", regex=False))
    if decimal == ",":
        s = s.str.replace(",", ".", regex=False)
    return pd.to_numeric(s, errors="coerce").astype("float64")


FOOTNOTE_RE = re.compile(r"\s*(?:\(\d{1,2}\)|\[\d{1,2}\]|\*+|\u00b9|\u00b2|\u00b3)\s*$")


def strip_footnote(values: pd.Series) -> pd.Series:
    """Remove a trailing footnote marker from names: ``"Kalimantan Utara (1)"`` ->
    ``"Kalimantan Utara"`` (also ``[2]``, ``*``, superscripts)."""
    return values.astype("string").str.replace(FOOTNOTE_RE.pattern, "", regex=True).str.strip()


# ----------------------------------------------------------------------------------------------
# CSV
# ----------------------------------------------------------------------------------------------
def _decode(path: Path, raw: bytes, encoding: str | None) -> tuple[str, str]:
    if encoding:
        try:
            return raw.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputError(f"cannot decode with {encoding}", file=path,
                             expected="a valid encoding") from exc
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    if b"\x00" in raw[:4096]:
        raise InputError("not a text table (binary content)", file=path,
                         expected="CSV text, .xlsx, .sav or .parquet")
    try:
        return raw.decode("utf-8-sig"), ("utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n") + 1
        raise InputError("unknown text encoding", file=path, row=row,
                         expected="UTF-8, UTF-8 with BOM or Windows-1252 (cp1252)",
                         found=raw[exc.start: exc.start + 1]) from exc


def _sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the sample into the most consistent number
    (> 1) of fields; ties go to the earlier of ``, ; TAB |``."""
    best, best_score = ",", (-1.0, 0)
    for d in DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=d) if r]
        if not counts:
            continue
        mode, freq = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        score = (freq / len(counts), mode)
        if score > best_score:
            best, best_score = d, score
    return best


def _find_header(rows: list[list[str]]) -> int:
    """Index of the header among the first rows: the first row that fills at
    least 80% of the widest row's cells and is mostly text (title rows above a
    table fill one or two cells; data rows are mostly numbers)."""
    filled = [sum(1 for c in r if str(c).strip()) for r in rows]
    if not filled or max(filled) == 0:
        return 0
    width = max(filled)
    for i, (r, n) in enumerate(zip(rows, filled)):
        if n >= max(1, math.ceil(0.8 * width)):
            cells = [str(c).strip() for c in r if str(c).strip()]
            numeric = sum(1 for c in cells if _looks_numeric(c))
            if numeric <= len(cells) / 2:
                return i
    return 0


def _looks_numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[-+]?[\d.,\s]+(?:[eE][-+]?\d+)?", text))


def _dedupe_headers(headers: list[str], path: Path, header_row: int) -> tuple[list[str], list[str]]:
    seen: Counter = Counter()
    out, dups = [], []
    for i, h in enumerate(headers):
        h = "" if h is None else str(h).strip()
        if not h:
            h = f"unnamed_{i + 1}"
        seen[h] += 1
        if seen[h] > 1:
            dups.append(h)
            h = f"{h} [{seen[h]}]"
        out.append(h)
    return out, sorted(set(dups))


def _read_csv(path: Path, opts: dict) -> pd.DataFrame:
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError("file is empty", file=path, expected="a header row and data rows")
    # big files: sniff on the head; pyarrow then validates UTF-8 on the whole file, and
    # only when it refuses is everything decoded here (cp1252, error with its row)
    big = len(raw) > 5_000_000 and not opts.get("encoding") and not raw.startswith((b"\xff\xfe", b"\xfe\xff"))
    if big:
        text, encoding = raw[:500_000].decode("utf-8-sig", errors="ignore"), "utf-8"
    else:
        text, encoding = _decode(path, raw, opts.get("encoding"))
    if not text.strip():
        raise InputError("file is empty", file=path, expected="a header row and data rows")
    head = text[:500_000].splitlines()[:SNIFF_LINES]
    delimiter = opts.get("delimiter") or _sniff_delimiter([ln for ln in head if ln.strip()])
    sample_rows = list(csv.reader(head, delimiter=delimiter))
    if opts.get("header_row"):
        h = int(opts["header_row"]) - 1
    else:
        h = _find_header(sample_rows)
    if max((len(r) for r in sample_rows), default=0) < 2:
        raise InputError("not a table: no delimiter splits the lines into columns", file=path,
                         row=1, expected="columns separated by , ; TAB or |")
    header = next(csv.reader([head[h]], delimiter=delimiter)) if h < len(head) else []
    names, dups = _dedupe_headers(header, path, h + 1)
    # empty lines are raw rows too; only the pandas parser keeps them, so the fast
    # pyarrow path is taken only when there are none
    df = None
    end = len(raw) - 4  # blank lines at the very end are not rows
    empty_lines = any(0 <= raw.find(pat, 0, end) for pat in (b"\n\n", b"\r\r", b"\n\r\n"))
    if not empty_lines and "utf-16" not in encoding:
        del raw  # pyarrow reads the file itself: the bytes need not stay in memory
        df = _read_csv_arrow(path, h + 1, encoding, delimiter, names)
        if df is None:
            raw = path.read_bytes()
    if df is None:
        if big:
            text, encoding = _decode(path, raw, None)
        body = "\n".join(text.splitlines()[h + 1:])
        df = _read_csv_pandas(path, body, delimiter, names, h)
    malformed = df.attrs.get("malformed_rows", {})
    df.attrs.update(header_row=h + 1, delimiter=delimiter, encoding=encoding,
                    decimal=opts.get("decimal") or _guess_decimal(df, delimiter), duplicated_headers=dups,
                    malformed_rows=malformed)
    return df


def _read_csv_pandas(path: Path, body: str, delimiter: str, names: list[str], h: int) -> pd.DataFrame:
    try:
        df = pd.read_csv(io.StringIO(body), sep=delimiter, header=None, names=names, dtype=str,
                         keep_default_na=False, na_values=[""], skip_blank_lines=False,
                         quotechar='"', engine="c")
    except pd.errors.ParserError:
        # a row with more cells than the header, or an unclosed quote, among many good
        # rows: those rows are rejected with their reason, the rest is kept
        return _read_csv_tolerant(path, body, delimiter, names, h)
    except pd.errors.EmptyDataError:
        df = pd.DataFrame(columns=names, dtype="string")
    return _as_strings(df)


def _read_csv_tolerant(path: Path, body: str, delimiter: str, names: list[str], h: int) -> pd.DataFrame:
    """Parse record by record with the csv module. A record with more cells than
    the header, or a line whose quote is never closed (within ``MAX_QUOTED_LINES``
    lines), becomes an all-empty row listed in ``attrs["malformed_rows"]``
    (0-based row -> reason, with the 1-based file row in the text): stage 01
    rejects it with that reason; every other row is read as usual."""
    width = len(names)
    lines = body.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [ln[:-1] if ln.endswith("\r") else ln for ln in lines]
    rows: list[list[str | None]] = []
    bad: dict[int, str] = {}
    i = 0
    while i < len(lines):
        line_no = h + 2 + i  # 1-based row in the file
        buf, j = lines[i], i
        while buf.count('"') % 2 and j + 1 < len(lines) and j - i < MAX_QUOTED_LINES:
            j += 1
            buf += "\n" + lines[j]
        if buf.count('"') % 2:
            bad[len(rows)] = (f"row {line_no}: unclosed quote (a cell starts with \" and never ends); "
                              "the row cannot be split into cells")
            rows.append([None] * width)
            i += 1
            continue
        cells = next(csv.reader([buf], delimiter=delimiter), []) if buf else []
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            bad[len(rows)] = f"row {line_no}: {len(cells)} cells, the header has {width}"
            rows.append([None] * width)
        elif j > i and len(cells) != width:
            # joining lines did not give a whole record: the quote on line i is unclosed
            bad[len(rows)] = (f"row {line_no}: unclosed quote (a cell starts with \" and never ends); "
                              "the row cannot be split into cells")
            rows.append([None] * width)
            i += 1
            continue
        else:
            cells = cells[:width] + [None] * (width - len(cells))
            rows.append([c if c is None or c.strip() else None for c in cells])
        i = j + 1
    df = pd.DataFrame(rows, columns=names, dtype="string") if rows else pd.DataFrame(columns=names, dtype="string")
    df = _as_strings(df)
    df.attrs["malformed_rows"] = bad
    return df


def _read_csv_arrow(path: Path, skip: int, encoding: str, delimiter: str, names: list[str]) -> pd.DataFrame | None:
    """Fast path (pyarrow, multithreaded). Returns None when pyarrow refuses the
    file, so the pandas parser reports the problem with its row number."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyarrow import csv as pacsv

    cols = [f"c{i}" for i in range(len(names))]
    try:
        table = pacsv.read_csv(
            str(path),
            read_options=pacsv.ReadOptions(column_names=cols, skip_rows=skip,
                                           encoding="utf8" if encoding.startswith("utf-8") else encoding),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in cols},
                                                 strings_can_be_null=True, quoted_strings_can_be_null=True,
                                                 null_values=[""]))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, LookupError):
        return None
    # a cell of spaces only is empty, as in the pandas path
    arrays = []
    for col in table.columns:
        blank = pc.utf8_is_space(col)  # non-empty and only whitespace
        arrays.append(pc.if_else(blank, pa.scalar(None, pa.string()), col) if pc.any(blank).as_py() else col)
    table = pa.table(arrays, names=cols)
    del arrays
    df = table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get, self_destruct=True)
    del table
    df.columns = names
    return df


def _guess_decimal(df: pd.DataFrame, delimiter: str) -> str:
    """Indonesian-locale CSV (``;``-separated) writes ``3,5``; a ``,``-separated
    file cannot have unquoted decimal commas, so it is ``.``. For ``;`` files we
    look at the cells: decimal commas look like ``\\d+,\\d{1,2}`` or ``\\d+,\\d{4,}``."""
    if delimiter != ";":
        return "."
    sample = df.head(500)
    for col in sample.columns:
        s = sample[col].dropna()
        if s.str.fullmatch(r"-?\d+,\d+").any():
            return ","
    return ","  # the locale convention of ;-files, even when no decimal appears


# ----------------------------------------------------------------------------------------------
# Excel, SPSS, Parquet
# ----------------------------------------------------------------------------------------------
def _cell_text(v) -> str | None:
    """Text of a typed cell without inventing digits: integers in full, floats
    that are whole numbers below 2**53 as integers, other floats in shortest
    round-trip form (so an NIP that Excel stored as a float shows it lost digits)."""
    if v is None:
        return None
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        if math.isnan(v):
            return None
        if v.is_integer() and abs(v) < 2 ** 53:
            return str(int(v))
        return repr(float(v))
    if isinstance(v, pd.Timestamp) or hasattr(v, "isoformat"):
        return v.isoformat(sep=" ") if hasattr(v, "hour") else v.isoformat()
    s = str(v)
    return s if s.strip() else None


def _is_none(a: np.ndarray) -> np.ndarray:
    """Missing cells of a text array of :func:`_cells_text` (only ``None`` or str there)."""
    return pd.isna(a)


#: calamine's cell types -> how :func:`_cells_text` converts them (0: :func:`_cell_text`)
_TYPE_CODE = collections.defaultdict(int, {str: 1, float: 2, datetime.datetime: 3, datetime.date: 4,
                                            type(None): 5})


def _cells_text(cells: list[list]) -> np.ndarray:
    """:func:`_cell_text` of every cell of calamine's rows, as a 2-D object array
    (short rows padded with ``None``), without a Python call per cell for the
    text and number cells that make up a survey export: text cells are kept (blank
    ones become ``None``), floats converted in bulk by the same rules; any other
    type (dates, booleans...) goes through :func:`_cell_text` itself."""
    if not cells:
        return np.empty((0, 0), dtype=object)
    width = max(map(len, cells))
    if width == 0:
        return np.empty((len(cells), 0), dtype=object)
    flat = np.empty(len(cells) * width, dtype=object)
    if all(len(r) == width for r in cells):
        flat[:] = [v for r in cells for v in r]
    else:
        out2 = np.full((len(cells), width), None, dtype=object)
        for i, r in enumerate(cells):
            out2[i, :len(r)] = r
        flat = out2.ravel()
    code = _TYPE_CODE.copy()
    kind = np.fromiter(map(code.__getitem__, map(type, flat)), dtype=np.int8, count=len(flat))
    out = np.full(len(flat), None, dtype=object)
    is_str = kind == 1
    if is_str.any():
        sv = flat[is_str]
        blank = np.fromiter(map(str.isspace, sv), dtype=bool, count=len(sv)) | (sv == "")
        out[is_str] = np.where(blank, None, sv)
    is_float = kind == 2
    if is_float.any():
        v = flat[is_float].astype("float64")
        whole = np.isfinite(v) & (np.abs(v) < 2 ** 53) & (v == np.floor(v))
        fv = np.full(len(v), None, dtype=object)
        if whole.any():
            fv[whole] = list(map(str, v[whole].astype("int64").tolist()))
        frac = ~whole & ~np.isnan(v)
        if frac.any():
            fv[frac] = list(map(repr, v[frac].tolist()))
        out[is_float] = fv
    is_dt = kind == 3
    if is_dt.any():
        out[is_dt] = [d.isoformat(sep=" ") for d in flat[is_dt]]
    is_date = kind == 4
    if is_date.any():
        out[is_date] = [d.isoformat() for d in flat[is_date]]
    rest = kind == 0
    if rest.any():
        out[rest] = [_cell_text(v) for v in flat[rest]]
    return out.reshape(len(cells), width)


def _read_excel(path: Path, sheet, opts: dict) -> pd.DataFrame:
    # calamine (Rust) reads the same typed cell values as openpyxl about 50x faster:
    # a 12,000-row survey export in 0.5 s instead of 25 s.
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError, XmlError, ZipError

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except (CalamineError, PasswordError, XmlError, ZipError, OSError, ValueError) as exc:
        raise InputError("not a readable .xlsx workbook", file=path,
                         expected="an Excel 2007+ workbook") from exc
    names = wb.sheet_names
    if sheet is None:
        sheet = names[0]
    elif isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise InputError("sheet not found", file=path, column=str(sheet),
                             expected=f"a sheet number below {len(names)}")
        sheet = names[sheet]
    elif sheet not in names:
        raise InputError("sheet not found", file=path, column=str(sheet),
                         expected=f"one of {names}")
    title = sheet
    try:
        cells = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except (CalamineError, XmlError, ZipError, ValueError, OSError) as exc:
        raise InputError(f"the sheet cannot be read, its XML is damaged ({type(exc).__name__}: "
                         f"{str(exc)[:120] or 'no detail'})", file=path, column=str(title),
                         expected="an Excel 2007+ workbook; open it in Excel or LibreOffice and save it "
                                  "again as .xlsx") from exc
    txt = _cells_text(cells)
    if txt.size == 0 or _is_none(txt).all():
        raise InputError("sheet is empty", file=path, column=str(title),
                         expected="a header row and data rows")
    width = txt.shape[1]
    h = int(opts["header_row"]) - 1 if opts.get("header_row") else _find_header(
        [["" if c is None else c for c in r] for r in txt[:SNIFF_LINES].tolist()])
    header = txt[h].tolist() if h < len(txt) else [None] * width
    keep = [j for j, c in enumerate(header) if c is not None] or list(range(width))
    body = txt[h + 1:][:, keep]
    # trailing formatted-but-empty rows are not raw rows
    filled = np.flatnonzero(~_is_none(body).all(axis=1)) if len(body) else np.array([], dtype=int)
    body = body[: filled[-1] + 1 if len(filled) else 0]
    names, dups = _dedupe_headers([header[j] for j in keep], path, h + 1)
    data = {n: body[:, k] for k, n in enumerate(names)}
    df = _as_strings(pd.DataFrame(data, columns=names))
    # error cells (#N/A, #DIV/0!) and formulas saved without their value read as empty:
    # listed per cell so stage 01 logs them instead of a silent gap
    col_name = dict(zip(keep, names))
    problems = [dict(p, column=col_name[p["col"]], index=p["row"] - (h + 2))
                for p in _xlsx_cell_problems(path, title) if p["col"] in col_name and p["row"] > h + 1]
    df.attrs.update(header_row=h + 1, sheet=title, decimal=opts.get("decimal") or ".",
                    duplicated_headers=dups, cell_problems=problems)
    return df


def _col_index(ref: str) -> tuple[int, int]:
    """``"AB12"`` -> (row 12, 0-based column 27)."""
    m = re.match(r"([A-Z]+)(\d+)", ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col - 1


def _xlsx_cell_problems(path: Path, sheet: str) -> list[dict]:
    """Cells of ``sheet`` that hold an Excel error (``t="e"``) or a formula without a
    cached value: ``[{row (1-based), col (0-based), problem, value}]``. The sheet
    XML is scanned for the two markers first, so a clean export costs one byte search."""
    import zipfile
    from xml.etree import ElementTree as ET

    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    try:
        with zipfile.ZipFile(path) as z:
            target = _sheet_xml_path(z, sheet)
            if target is None:
                return []
            with z.open(target) as fh:
                blob = fh.read()
            if b't="e"' not in blob and b"<f" not in blob and b":f" not in blob:
                return []
            out = []
            for _, el in ET.iterparse(io.BytesIO(blob)):
                if el.tag != f"{ns}c":
                    continue
                f, v = el.find(f"{ns}f"), el.find(f"{ns}v")
                row, col = _col_index(el.get("r", "A1"))
                if el.get("t") == "e":
                    out.append({"row": row, "col": col, "problem": "xlsx_error_cell",
                                "value": v.text if v is not None else "#ERROR"})
                elif f is not None and (v is None or v.text is None):
                    out.append({"row": row, "col": col, "problem": "xlsx_formula_no_value",
                                "value": "=" + (f.text or "")})
                el.clear()
            return out
    except (zipfile.BadZipFile, KeyError, ET.ParseError, OSError):
        return []  # calamine read the values; this extra check never blocks a readable file


def _sheet_xml_path(z, sheet: str) -> str | None:
    from xml.etree import ElementTree as ET

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    rid = next((s.get(f"{rel_ns}id") for s in wb.iter(f"{main}sheet") if s.get("name") == sheet), None)
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    for r in rels:
        if r.get("Id") == rid:
            t = r.get("Target").lstrip("/")
            return t if t.startswith("xl/") else "xl/" + t
    return None


def _read_sav(path: Path, opts: dict) -> pd.DataFrame:
    import pyreadstat

    try:
        df, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
    except Exception as exc:  # pyreadstat raises its own ReadstatError / PyreadstatError
        raise InputError(f"not a readable SPSS file: {exc}", file=path,
                         expected="an SPSS .sav file") from exc
    df = _typed_to_strings(df, _value_label_text(df, meta))
    df.attrs.update(header_row=1, decimal=".", duplicated_headers=[],
                    column_labels=dict(zip(meta.column_names, meta.column_labels)))
    return df


def _read_parquet(path: Path, opts: dict) -> pd.DataFrame:
    try:
        df = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid and friends
        raise InputError(f"not a readable Parquet file: {exc}", file=path,
                         expected="a Parquet file") from exc
    df = _typed_to_strings(df)
    df.attrs.update(header_row=1, decimal=".", duplicated_headers=[])
    return df


def _value_label_text(df: pd.DataFrame, meta) -> dict:
    """The text of each labelled SPSS column: a value's label where it has one, else
    the value itself (as :func:`_cell_text` writes it), what pyreadstat's
    ``apply_value_formats`` followed by :func:`_cell_text` gives, computed once per
    distinct value instead of through pyreadstat's per-column frame copies."""
    out = {}
    for var, label_name in (meta.variable_to_label or {}).items():
        labels = (meta.value_labels or {}).get(label_name)
        if not labels or var not in df.columns or var in out:
            continue
        codes, uniq = pd.factorize(df[var], use_na_sentinel=True)
        text = pd.array([_cell_text(labels.get(u, u)) for u in uniq.tolist()] + [None], dtype="string")
        out[var] = pd.Series(text.take(np.where(codes < 0, len(uniq), codes)), index=df.index)
    return out


def _typed_to_strings(df: pd.DataFrame, done: dict | None = None) -> pd.DataFrame:
    """Typed columns to text, vectorised where the type allows it (``done``: columns
    already converted)."""
    out = {}
    for col in df.columns:
        s = df[col]
        if done and col in done:
            out[col] = done[col]
        elif pd.api.types.is_bool_dtype(s) or pd.api.types.is_integer_dtype(s):
            out[col] = s.astype("string")
        elif pd.api.types.is_float_dtype(s):
            v = s.to_numpy(dtype="float64")
            whole = np.isfinite(v) & (np.abs(v) < 2 ** 53) & (v == np.round(v))
            text = pd.Series(v, index=s.index).astype("string")
            ints = pd.Series(np.where(whole, v, 0).astype("int64"), index=s.index).astype("string")
            out[col] = ints.where(whole, text.where(np.isfinite(v)))
        elif pd.api.types.is_string_dtype(s) and not pd.api.types.is_object_dtype(s):
            out[col] = s.astype("string")
        elif pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.dt.strftime("%Y-%m-%d %H:%M:%S").astype("string")
        else:
            out[col] = s.map(_cell_text, na_action="ignore").astype("string")
    res = pd.DataFrame(out, index=pd.RangeIndex(len(df)))
    res.columns = [str(c) for c in df.columns]
    return _as_strings(res)


def _as_strings(df: pd.DataFrame) -> pd.DataFrame:
    """Uniform text dtype; blank cells (only spaces) count as missing."""
    df = df.astype("string")
    for col in df.columns:
        s = df[col]
        blank = s.str.strip() == ""
        if blank.any():  # (rare) a frame-wide mask per column cost more than the rest of reading
            df[col] = s.mask(blank)
    return df.reset_index(drop=True)
