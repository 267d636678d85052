"""What every reader returns: a RawTable of text cells, with where each record came from and which
cells the reader blanked, and why.

Also the few things every reader shares: the reasons for a blanked cell, turning cell values into
text, and the hint that names the row the column names seem to be on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vive_survey.errors import Problem, SurveyInputError

# Reasons a reader gives for a cell it blanked (keys of RawTable.cell_reasons).
SHORT_RECORD = "short_record"
EXCEL_ERROR = "excel_error"
FORMULA_WITHOUT_VALUE = "formula_without_value"
USER_MISSING = "user_missing"
# How many rows from the top are searched for the real header row.
HEADER_SEARCH_ROWS = 10
# The readers' resource limits when the config gives none (its `limits` settings; the schema's defaults).
MAX_COLUMNS = 2000
MAX_FIELD_CHARS = 100_000


@dataclass
class RawTable:
    """A raw export: text cells, original column names, and where each record came from."""

    file: str
    frame: pd.DataFrame
    source_rows: np.ndarray
    row_label: str = "row"
    details: dict = field(default_factory=dict)
    # column -> reason -> positions (0-based, into frame) of the cells the reader blanked for that reason
    cell_reasons: dict = field(default_factory=dict)
    # positions of the records with fewer fields than the header (CSV)
    short_records: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.frame)

    def flag(self, column: str, reason: str, positions: np.ndarray) -> None:
        positions = np.asarray(positions, dtype=np.int64)
        if len(positions):
            bucket = self.cell_reasons.setdefault(str(column), {})
            old = bucket.get(reason)
            bucket[reason] = positions if old is None else np.union1d(old, positions)


def header_rows_hint(row: int) -> str:
    return (f"the column names seem to be on row {row}: set 'header_rows: {row}' for this input in the config "
            "(header_rows counts the rows down to and including the row of column names)")


def as_text(series: pd.Series, labels: dict | None = None) -> pd.Series:
    """Cells as text: labelled codes become their labels, integral floats lose their '.0', missing
    becomes ''. Works on the distinct values only, so it costs little on long columns."""
    values = series.to_numpy(dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = []
    for value in uniques:
        if labels and value in labels:
            value = labels[value]
        if isinstance(value, float) and value.is_integer():
            texts.append(str(int(value)))
        elif isinstance(value, (pd.Timestamp,)):
            texts.append(value.isoformat())
        else:
            texts.append(str(value))
    mapped = np.asarray(texts + [""], dtype=object)[codes]
    return pd.Series(mapped, index=series.index, dtype=object)


def limits_of(limits: dict | None) -> tuple[int, int]:
    """(max_columns, max_field_chars) from the config's `limits` (absent keys take the defaults)."""
    limits = limits or {}
    return int(limits.get("max_columns", MAX_COLUMNS)), int(limits.get("max_field_chars", MAX_FIELD_CHARS))


def check_columns(count: int, max_columns: int, file: str, *, row: int | None = None, where: str = "the header"
                  ) -> None:
    """Stop before parsing a file wider than `limits.max_columns`."""
    if count > max_columns:
        raise SurveyInputError(Problem(
            f"{where} has {count} columns, more than the limit of {max_columns} (limits.max_columns)",
            file=file, row=row, hint=f"if the file really has {count} columns, raise limits.max_columns in the "
            "config; otherwise check the delimiter and the header row of this input"))


def field_problem(text: str, max_field_chars: int, file: str, row: int | None, column: str | None,
                  row_label: str = "row") -> Problem:
    return Problem(
        f"the field has {len(text)} characters, more than the limit of {max_field_chars} (limits.max_field_chars)",
        file=file, row=row, row_label=row_label, column=column, value=text,
        hint="a quote left open joins many fields into one: check the quoting of this record; if the field is "
             "meant to be this long, raise limits.max_field_chars in the config")


def check_fields(table: RawTable, max_field_chars: int) -> None:
    """Every cell and column name of a table read holds at most `limits.max_field_chars` characters:
    the first too long field of each column is reported (its value cut)."""
    problems = []
    header_row = int(table.source_rows[0]) - 1 if table.row_label == "row" and len(table.source_rows) else None
    for column in table.frame.columns:
        if len(str(column)) > max_field_chars:
            problems.append(field_problem(str(column), max_field_chars, table.file, header_row, None))
    for j, column in enumerate(table.frame.columns):
        cells = table.frame.iloc[:, j]
        lengths = cells.astype(str).str.len() if cells.dtype == object else cells.str.len()
        over = np.flatnonzero(lengths.to_numpy(dtype=np.float64, na_value=0.0) > max_field_chars)
        if len(over):
            pos = int(over[0])
            problems.append(field_problem(str(cells.iloc[pos]), max_field_chars, table.file,
                                          int(table.source_rows[pos]), str(column), table.row_label))
    if problems:
        raise SurveyInputError(problems)
