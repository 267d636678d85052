"""Read one raw export, whatever its format: the reader is chosen by the file's suffix, and every
table read is checked the same way (a header without a repeated column name, at least one record).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from vive_survey.errors import Problem, SurveyInputError, not_a_file
from vive_survey.inputs.readers.csv_reader import CSV_SUFFIXES, read_csv
from vive_survey.inputs.readers.excel import EXCEL_SUFFIXES, read_excel
from vive_survey.inputs.readers.labelled import SPSS_SUFFIXES, STATA_SUFFIXES, read_labelled
from vive_survey.inputs.readers.table import RawTable, check_fields, limits_of


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_raw(path: str | Path, *, encoding: str | None = None, delimiter: str | None = None,
             sheet: str | int | None = None, header_rows: int = 1, limits: dict | None = None) -> RawTable:
    """Read one raw export, choosing the reader by the file's suffix. `limits`: the config's
    `limits` (max_columns, max_field_chars; absent keys take the defaults)."""
    path = Path(path)
    if not path.is_file():  # a directory, FIFO or device is named as such, never opened
        message, hint = not_a_file(path)
        raise SurveyInputError(Problem(message, file=str(path), hint=hint))
    max_columns, max_field_chars = limits_of(limits)
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        table = read_csv(path, encoding=encoding, delimiter=delimiter, header_rows=header_rows,
                         max_columns=max_columns)
    elif suffix in EXCEL_SUFFIXES:
        table = read_excel(path, sheet=sheet, header_rows=header_rows, max_columns=max_columns)
    elif suffix in SPSS_SUFFIXES or suffix in STATA_SUFFIXES:
        table = read_labelled(path, max_columns=max_columns)
    elif suffix == ".xls":
        raise SurveyInputError(Problem("the old Excel format .xls is not read", file=str(path),
                                       hint="save the sheet as .xlsx or CSV"))
    else:
        raise SurveyInputError(Problem(
            f"unknown file type '{suffix or '(none)'}'", file=str(path),
            hint="use CSV (.csv), Excel (.xlsx), SPSS (.sav) or Stata (.dta)"))
    table.details["sha256"] = sha256_of(path)
    # A CSV of n bytes holds no field longer than n characters: the check is skipped when it cannot fail.
    if suffix not in CSV_SUFFIXES or path.stat().st_size > max_field_chars:
        check_fields(table, max_field_chars)
    _check_header(table)
    if len(table) == 0:
        raise SurveyInputError(Problem("the file has a header but no records", file=str(path)))
    return table


def _check_header(table: RawTable) -> None:
    problems = []
    seen: dict[str, str] = {}
    for col in table.frame.columns:
        key = str(col).strip().casefold()
        if key == "" or key.startswith("unnamed:"):
            continue
        if key in seen:
            problems.append(Problem(f"column name appears twice (also as '{seen[key]}')", file=table.file,
                                    row=1 if table.row_label == "row" else None, column=str(col)))
        seen[key] = str(col)
    if problems:
        raise SurveyInputError(problems)
