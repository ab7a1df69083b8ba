"""The contract of ``respondents.parquet`` as a pandera schema (docs/architecture.md,
"Processed tables"). :func:`helpers.clean.run` validates the clean table with it
before writing, so a violation stops the stage instead of reaching the indices.

Item columns (``ikd_*``, ``ild_*``) are floats within the instrument's scale or
NaN; personal columns (``nip``, ``name``, ``email``) must not exist.

Example
-------
>>> respondents_schema(items={"ikd_1_1_1": (1, 4)}).validate(df)   # doctest: +SKIP
"""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
import pyarrow

from ..catalog import RESPONDENT_KEYS
from ..errors import InputError
from ..vocabulary import EDUCATION

#: the columns of respondents.parquet, in order: ids, fields, then items, then HR fields
FIELD_COLUMNS = ["submitted_at", "duration_s", "sex", "age", "education", "golongan", "position_type", "status"]
HR_COLUMNS = ["skp_score", "skp_predikat", "sanction", "leadership_training", "functional_training",
              "technical_jp", "seminars_2y"]
HR_TYPES = {"skp_score": pyarrow.float64(), "skp_predikat": pyarrow.string(), "sanction": pyarrow.string(),
            "leadership_training": pyarrow.bool_(), "functional_training": pyarrow.bool_(),
            "technical_jp": pyarrow.float64(), "seminars_2y": pyarrow.float64()}
ID_COLUMNS = RESPONDENT_KEYS
STRING_COLUMNS = ("source_file", "instrument", "region_id", "unit_id", "unit_type", "sex", "education", "golongan",
                  "position_type", "status", "respondent_id")
#: codebook fields that never leave stage 01 (with any field marked ``personal: true``)
PERSONAL_FIELDS = {"nip", "name"}


GOLONGAN = [f"{r}/{c}" for r in ("I", "II", "III") for c in "abcd"] + [f"IV/{c}" for c in "abcde"]
PERSONAL = ("nip", "name", "nama", "email")


def respondents_schema(items: dict[str, tuple[float, float]] | None = None) -> pa.DataFrameSchema:
    """Schema of the clean table; ``items`` maps item column -> (min, max)."""
    def opt(dtype, *checks, nullable=True):
        return pa.Column(dtype, checks=list(checks), nullable=nullable, required=True)

    cols = {
        "respondent_id": opt("string", pa.Check.str_matches(r"^R[0-9a-f]{16}$"), nullable=False),
        "source_file": opt("string", nullable=False),
        "source_row": opt("int64", pa.Check.ge(1), nullable=False),
        "instrument": opt("string", nullable=False),
        "wave": opt("Int64"),
        "region_id": opt("string", nullable=False),
        "unit_id": opt("string"),
        "unit_type": opt("string"),
        "submitted_at": pa.Column("datetime64[us]", nullable=True, coerce=True),
        "duration_s": opt("float64", pa.Check.ge(0)),
        "sex": opt("string", pa.Check.isin(["L", "P"])),
        "age": opt("float64", pa.Check.in_range(14, 80)),
        "education": opt("string", pa.Check.isin(EDUCATION)),
        "golongan": opt("string", pa.Check.isin(GOLONGAN)),
        "position_type": opt("string", pa.Check.isin(["struktural", "fungsional", "pelaksana"])),
        "status": opt("string", pa.Check.isin(["PNS", "PPPK"])),
    }
    for item, (lo, hi) in (items or {}).items():
        cols[item] = opt("float64", pa.Check.in_range(lo, hi))
    return pa.DataFrameSchema(
        cols, strict=False, unique=["source_file", "source_row"],
        checks=[pa.Check(lambda df: not any(c in df.columns for c in PERSONAL),
                         error="personal columns (nip, name, email) must not be written")],
    )


def validate_respondents(df, items: dict[str, tuple[float, float]] | None = None, file: str | None = None):
    """Validate; raise one :class:`InputError` naming the first failing column and
    row (and how many failures there are) instead of pandera's long report."""
    try:
        return respondents_schema(items).validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
        first = fc.iloc[0]
        row = first.get("index")
        src_row = None
        if row is not None and not pd.isna(row) and "source_row" in df.columns:
            try:
                src_row = int(df["source_row"].iloc[int(row)])
            except (ValueError, IndexError, TypeError):
                src_row = None
        raise InputError(f"clean table breaks its schema in {len(fc)} place(s): {first.get('check')}",
                         file=file or "respondents.parquet", row=src_row, column=str(first.get("column")),
                         expected="the columns and values of docs/architecture.md",
                         found=first.get("failure_case")) from None
