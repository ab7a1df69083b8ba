"""01_clean: every raw export of a study -> one clean respondent table.

- :func:`run`               the whole stage for a study (writes ``data/processed/<study>/``)
- :func:`validate`          every problem of the study's inputs, nothing written

Modules, in the order a source goes through them: :mod:`.readers` (csv / xlsx /
tsv exports), :mod:`.codebook` (instrument YAML: headers, labels, fields),
:mod:`.steps` (one source, step by step), :mod:`.nip` (NIP checks, pseudonyms),
:mod:`.units` (registry matching, region names), :mod:`.quality` (the cleaning
rules), :mod:`.rejected` (rejected rows), :mod:`.publish` (the outputs),
:mod:`.schema` (the respondent table's contract); :mod:`.context` holds what is
computed once per run, :mod:`.run` the stage, :mod:`.inspect` ``validate``.
"""
from .inspect import validate
from .run import run

__all__ = ["run", "validate"]
