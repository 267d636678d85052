"""Read an SPSS (.sav, .zsav) or Stata (.dta) file through pyreadstat into a RawTable.

Value labels are applied here, so a labelled code reaches cleaning as its label; user-defined
missing values are blanked and flagged, so that cleaning counts them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from vive_survey.errors import Problem, SurveyInputError, cut_text
from vive_survey.inputs.readers.table import MAX_COLUMNS, USER_MISSING, RawTable, as_text, check_columns

SPSS_SUFFIXES = {".sav", ".zsav"}
STATA_SUFFIXES = {".dta"}


def read_labelled(path: Path, *, max_columns: int = MAX_COLUMNS) -> RawTable:
    """SPSS .sav/.zsav or Stata .dta through pyreadstat; value labels replace their codes.

    User-defined missing values (SPSS missing values and ranges, Stata's .a to .z) are read as the
    values they are, then blanked and flagged 'user_missing', so that cleaning counts them."""
    import pyreadstat

    file = str(path)
    stata = path.suffix.lower() in STATA_SUFFIXES
    reader = pyreadstat.read_dta if stata else pyreadstat.read_sav
    try:
        _, meta = reader(str(path), metadataonly=True)  # the width first: the data only if not too wide
        check_columns(int(meta.number_columns or 0), max_columns, file, where="the file")
        frame, meta = reader(str(path), user_missing=True)
    except SurveyInputError:
        raise
    except Exception as exc:  # pyreadstat raises its own ReadstatError and PyreadstatError
        raise SurveyInputError(Problem(f"not a readable {path.suffix} file ({cut_text(exc)})", file=file)) from None
    labels = meta.variable_value_labels or {}
    columns, flagged = {}, {}
    for col in frame.columns:
        values = frame[col]
        user_missing = _user_missing(values, col, meta, stata)
        if user_missing is not None and user_missing.any():
            values = values.astype(object).mask(user_missing)
            flagged[str(col).strip()] = np.flatnonzero(user_missing)
        mapping = None
        if col in labels:
            mapping = {float(k) if _is_number(k) else k: v for k, v in labels[col].items()}
        columns[str(col).strip()] = as_text(values, mapping)
    out = pd.DataFrame(columns, index=frame.index)
    rows = np.arange(len(out), dtype=np.int64) + 1
    table = RawTable(file=file, frame=out, source_rows=rows, row_label="case",
                     details={"format": path.suffix.lower().lstrip("."), "value_labels": sorted(labels)})
    for col, positions in flagged.items():
        table.flag(col, USER_MISSING, positions)
    return table


def _user_missing(values: pd.Series, col: str, meta, stata: bool) -> np.ndarray | None:
    """Which cells of a column hold a user-defined missing value, or None if it can have none.
    Decided per distinct value."""
    if stata:
        # A numeric Stata variable read with user_missing=True holds .a to .z as the letters a to z.
        if (meta.readstat_variable_types or {}).get(col) == "string" or values.dtype != object:
            return None
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        missing = np.array([isinstance(u, str) for u in uniques] + [False])
        return missing[codes]
    ranges = (meta.missing_ranges or {}).get(col)
    if not ranges:
        return None
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    missing = np.zeros(len(uniques) + 1, dtype=bool)
    for k, value in enumerate(uniques):
        for span in ranges:
            low, high = span.get("lo"), span.get("hi")
            if isinstance(value, str):
                missing[k] |= isinstance(low, str) and value.strip() == str(low).strip()
            elif _is_number(value) and _is_number(low) and _is_number(high):
                missing[k] |= low <= value <= high
    return missing[codes]


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
