"""Which records are excluded, and why: every record read is either kept or listed in the
exclusions table with one reason code (an empty row, a blank id, an id used before, no answer).

The reasons are tried in that order and a record gets the first that applies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vive_survey.inputs.readers import RawTable

EXCLUSION_COLUMNS = ["questionnaire", "source_file", "source_row", "respondent_id", "reason", "detail"]
EXCLUSION_REASONS = {
    "empty_row": "every cell of the record is blank",
    "missing_id": "the respondent id is blank",
    "duplicate_id": "the respondent id was already used by an earlier record of the same file",
    "no_answers": "the record has an id but no answer to any question (metadata such as the institution "
                  "does not count)",
}
# Why an id is blank when the reader blanked it (the exclusion's detail).
ID_BLANKED = {
    "short_record": "the record ends before the id column",
    "excel_error": "the id cell is an Excel error",
    "formula_without_value": "the id cell is a formula without a stored value",
    "user_missing": "the id is a user-defined missing value",
}


def empty_records(frame: pd.DataFrame) -> np.ndarray:
    """Which records have a blank (or missing) cell in every column."""
    empty_row = np.ones(len(frame), dtype=bool)
    for column in frame.columns:
        text = frame[column]
        if not pd.api.types.is_string_dtype(text.dtype):
            text = text.astype("string")
        empty_row &= text.str.strip().eq("").to_numpy(dtype=bool, na_value=True)
        if not empty_row.any():
            break  # the usual case: no record is blank so far, and later columns cannot change that
    return empty_row


def exclusion_reasons(raw: RawTable, data: pd.DataFrame, empty_row: np.ndarray, id_col: str, questions: list[str]
                      ) -> tuple[np.ndarray, np.ndarray]:
    """(reason, detail) of every record, "" for a record kept. `data`: the parsed records, with
    respondent_id and the answers to `questions`; `id_col`: the raw column of the id."""
    n_read = len(raw.frame)
    reasons = np.full(n_read, "", dtype=object)
    details = np.full(n_read, "", dtype=object)
    reasons[empty_row] = "empty_row"
    blank_id = (data["respondent_id"].fillna("") == "").to_numpy() & (reasons == "")
    reasons[blank_id] = "missing_id"
    for reason, positions in raw.cell_reasons.get(id_col, {}).items():
        details[positions[blank_id[positions]]] = ID_BLANKED.get(reason, reason)
    candidates = reasons == ""
    id_series = data["respondent_id"].where(candidates)
    dup = id_series.duplicated(keep="first").to_numpy() & candidates
    if dup.any():
        first_row = pd.Series(raw.source_rows, index=raw.frame.index).groupby(id_series).transform("min")
        reasons[dup] = "duplicate_id"
        details[dup] = [f"same respondent_id as {raw.row_label} {int(r)}" for r in first_row[dup]]
    answered = data[questions].notna().any(axis=1).to_numpy(dtype=bool) if questions else np.zeros(n_read, bool)
    no_answers = ~answered & (reasons == "")
    reasons[no_answers] = "no_answers"
    return reasons, details


def exclusions_table(raw: RawTable, questionnaire: str, data: pd.DataFrame, reasons: np.ndarray,
                     details: np.ndarray, excluded: np.ndarray) -> pd.DataFrame:
    """The excluded records (`excluded`: reasons != ""), one row each, with where they came from and why."""
    return pd.DataFrame({
        "questionnaire": questionnaire,
        "source_file": raw.file,
        "source_row": raw.source_rows[excluded],
        "respondent_id": data["respondent_id"].to_numpy(dtype=object)[excluded],
        "reason": reasons[excluded],
        "detail": details[excluded],
    }, columns=EXCLUSION_COLUMNS)
