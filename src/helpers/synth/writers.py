"""Writers for the export formats found in practice. Output is byte-for-byte
deterministic (fixed workbook and zip timestamps, fixed SPSS header date), so
regenerating with the same seed reproduces the committed files."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

FIXED_ZIP_TIME = (2023, 1, 1, 0, 0, 0)


def _text(col: pd.Series, kind: str, decimal: str, dt_format: str) -> pd.Series:
    """Cells as text: datetimes formatted, numbers with the file's decimal mark,
    integers without a trailing ``.0``; missing cells empty. Vectorised."""
    if kind == "datetime":
        return pd.to_datetime(col, errors="coerce").dt.strftime(dt_format).fillna("")
    if kind in ("int", "float", "code"):
        v = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        out = np.full(len(v), "", dtype=object)
        whole = ~np.isnan(v) & (v == np.round(v))
        frac = ~np.isnan(v) & ~whole
        # whole numbers (item codes, ages, counts) go through a small lookup, the rest to text
        codes, inv = np.unique(np.round(v[whole]).astype(np.int64), return_inverse=True)
        out[whole] = codes.astype(str).astype(object)[inv]
        if frac.any():
            txt = np.round(v[frac], 2).astype(str).astype(object)
            out[frac] = np.char.replace(txt.astype(str), ".", ",").astype(object) if decimal == "," else txt
        return pd.Series(out, index=col.index)
    out = col.astype(object)
    is_num = out.map(type).isin([float, np.float64])
    if is_num.any():  # an NIP Excel stored as a number, written back by a script
        out[is_num] = out[is_num].map(lambda x: "" if np.isnan(x) else f"{x:.15g}")
    return out.where(pd.notna(out), "").astype(str)


def write_csv(path: Path, table: pd.DataFrame, columns: list[tuple[str, str, str]], *, sep: str = ",",
              decimal: str = ".", encoding: str = "utf-8", dt_format: str = "%d/%m/%Y %H:%M:%S") -> None:
    """``columns``: (table column, raw header, kind) with kind ``text|int|float|datetime``."""
    blank = table["_blank"].to_numpy(bool)
    data = {}
    for col, header, kind in columns:
        s = _text(table[col], kind, decimal, dt_format)
        s[blank] = ""
        data[header] = s
    df = pd.DataFrame(data)
    buf = io.StringIO()
    df.to_csv(buf, sep=sep, index=False, lineterminator="\r\n" if encoding == "cp1252" else "\n")
    Path(path).write_bytes(buf.getvalue().encode(encoding))


def write_xlsx(path: Path, table: pd.DataFrame, columns: list[tuple[str, str, str]], *,
               title_rows: list[str], sheet: str) -> None:
    """A workbook with ``title_rows`` above the header (then one empty row), as
    survey platforms and HR offices export them. Datetimes become date cells;
    a float in a text column (an NIP Excel turned into a number) stays a number."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    for t in title_rows:
        ws.append([t])
    ws.append([])
    ws.append([h for _, h, _ in columns])
    blank = table["_blank"].to_numpy(bool)
    cols = []
    for col, _, kind in columns:
        v = table[col]
        if kind == "datetime":
            arr = pd.to_datetime(v, errors="coerce").dt.to_pydatetime()
            arr = np.array([None if pd.isna(x) else x for x in arr], dtype=object)
        elif kind in ("int", "float"):
            num = pd.to_numeric(v, errors="coerce")
            arr = np.where(num.isna(), None, num.astype(object)).astype(object)
            if kind == "int":
                arr = np.array([None if x is None else int(x) for x in arr], dtype=object)
        else:
            arr = v.to_numpy(object)
            arr = np.where(pd.isna(arr) | (arr == ""), None, arr)
        cols.append(arr)
    for i, row in enumerate(zip(*cols)):
        ws.append([] if blank[i] else list(row))
    wb.properties.creator = "helpers.synth"
    import datetime as _dt
    wb.properties.created = wb.properties.modified = _dt.datetime(2023, 1, 1)
    buf = io.BytesIO()
    wb.save(buf)
    _rezip(buf.getvalue(), Path(path))


def _rezip(data: bytes, path: Path) -> None:
    """Rewrite a zip with fixed entry timestamps so identical content gives identical bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps 'modified' with the save time
                import re
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>2023-01-01T00:00:00Z\g<2>", body)
            z.writestr(zi, body)
    path.write_bytes(out.getvalue())


def write_sav(path: Path, table: pd.DataFrame, columns: list[tuple[str, str, str]], *,
              column_labels: dict[str, str], value_labels: dict[str, dict], file_label: str) -> None:
    """SPSS .sav with variable and value labels (pyreadstat). Coded variables are
    numeric with value labels; the file header's creation date is fixed."""
    import pyreadstat

    blank = table["_blank"].to_numpy(bool)
    data = {}
    for col, name, kind in columns:
        v = table[col]
        if kind == "datetime":
            s = pd.to_datetime(v, errors="coerce").astype("datetime64[ns]")
            s[blank] = pd.NaT
        elif kind in ("int", "float", "code"):
            s = pd.to_numeric(v, errors="coerce").astype(float)
            s[blank] = np.nan
        else:
            s = _text(v, "text", ".", "")
            s[blank] = ""
        data[name] = s
    df = pd.DataFrame(data)
    pyreadstat.write_sav(df, str(path), file_label=file_label,
                         column_labels=[column_labels.get(c, c) for c in df.columns],
                         variable_value_labels=value_labels, row_compress=True)
    raw = bytearray(Path(path).read_bytes())
    raw[92:101] = b"01 Jan 23"  # creation date and time in the SAV header
    raw[101:109] = b"00:00:00"
    Path(path).write_bytes(bytes(raw))
