"""What every reader returns: a RawTable of text cells, with where each record came from and which
cells the reader blanked, and why.

Also the few things every reader shares: the reasons for a blanked cell, turning cell values into
text, and the hint that names the row the column names seem to be on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# Reasons a reader gives for a cell it blanked (keys of RawTable.cell_reasons).
SHORT_RECORD = "short_record"
EXCEL_ERROR = "excel_error"
FORMULA_WITHOUT_VALUE = "formula_without_value"
USER_MISSING = "user_missing"
# How many rows from the top are searched for the real header row.
HEADER_SEARCH_ROWS = 10


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
