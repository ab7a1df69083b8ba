"""Errors a user can act on.

Every problem with an input is raised as :class:`InputError`, which names the
file, row and column and says what was expected. The command line prints it as
one line and exits non-zero instead of showing a traceback.
"""
from __future__ import annotations

from dataclasses import dataclass
from os import PathLike


@dataclass
class InputError(Exception):
    """A problem with an input file or configuration that the user must fix.

    Parameters
    ----------
    message : what is wrong, in plain words.
    file : the file concerned (raw export, YAML, ...).
    row : 1-based row number as a person sees it in a spreadsheet (header = row 1).
    column : the column (raw header) or YAML key concerned.
    expected : what would have been valid.
    found : what was there instead.
    """

    message: str
    file: str | PathLike | None = None
    row: int | None = None
    column: str | None = None
    expected: str | None = None
    found: object | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(f"{self.file}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = (", ".join(where) + ": " if where else "") + self.message
        if self.expected is not None:
            text += f" (expected {self.expected}"
            text += f", found {self.found!r})" if self.found is not None else ")"
        elif self.found is not None:
            text += f" (found {self.found!r})"
        return text


class ConfigError(InputError):
    """A study, instrument or index YAML file is invalid."""
