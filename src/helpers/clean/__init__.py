"""01_clean: every raw export of a study -> one clean respondent table.

- :func:`run`               the whole stage for a study (writes ``data/processed/<study>/``)
- :func:`validate`          every problem of the study's inputs, nothing written
- :func:`read_respondents`  the ``respondents.parquet`` dataset (partitioned by region) as a DataFrame

Modules: :mod:`.readers` (csv/xlsx/tsv exports), :mod:`.codebook` (instrument
YAML: headers, labels, fields), :mod:`.nip` (NIP checks, pseudonyms),
:mod:`.units` (registry matching, region names in unit names), :mod:`.quality`
(the cleaning rules), :mod:`.schema` (the respondent table's contract).
"""
from .run import read_respondents, run, validate

__all__ = ["read_respondents", "run", "validate"]
