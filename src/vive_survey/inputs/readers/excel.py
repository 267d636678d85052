"""Read an Excel (.xlsx) sheet through openpyxl into a RawTable.

Cells are read as written; an error cell and a formula whose value the file does not store are
blanked and flagged with their reason, so that cleaning counts them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from vive_survey.errors import Problem, SurveyInputError, cut_text
from vive_survey.inputs.readers.table import (EXCEL_ERROR, FORMULA_WITHOUT_VALUE, MAX_COLUMNS, RawTable, as_text,
                                              check_columns)

EXCEL_SUFFIXES = {".xlsx", ".xlsm"}


def read_excel(path: Path, *, sheet: str | int | None = None, header_rows: int = 1,
               max_columns: int = MAX_COLUMNS) -> RawTable:
    """An .xlsx sheet through openpyxl. Cells are read as written (a text cell 'NA' is the text NA);
    an error cell (#DIV/0!, #N/A ...) and a formula whose value the file does not store (as written
    by a program that does not calculate) are blanked and flagged with their reason."""
    file = str(path)
    rows, errors, formulas = _sheet_rows(path, file, sheet, max_columns)
    if len(rows) < header_rows:
        raise SurveyInputError(Problem("the sheet has no header row", file=file))
    width = len(rows[0])
    header = as_text(pd.Series(rows[header_rows - 1], dtype=object)).tolist()
    body = pd.DataFrame(rows[header_rows:], columns=range(width), dtype=object)
    frame = pd.DataFrame({i: as_text(body[i]) for i in range(width)})
    frame.columns = [h.strip() for h in header]
    source_rows = np.arange(len(frame), dtype=np.int64) + header_rows + 1
    table = RawTable(file=file, frame=frame, source_rows=source_rows, row_label="row",
                     details={"format": "xlsx", "sheet": 0 if sheet is None else sheet})
    for reason, cells in ((EXCEL_ERROR, errors), (FORMULA_WITHOUT_VALUE, formulas)):
        by_column: dict[int, list[int]] = {}
        for r, c in cells:
            if r >= header_rows:
                by_column.setdefault(c, []).append(r - header_rows)
        for c, positions in by_column.items():
            table.flag(frame.columns[c], reason, np.array(positions, dtype=np.int64))
    return table


def _open_sheet(path: Path, file: str, sheet: str | int | None, *, data_only: bool):
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=data_only, keep_links=False)
    except Exception as exc:  # openpyxl raises many types for a damaged or non-Excel file
        raise SurveyInputError(Problem(f"not a readable .xlsx file ({type(exc).__name__}: {cut_text(exc)})",
                                       file=file)) from None
    names = book.sheetnames
    if isinstance(sheet, str) and sheet not in names:
        book.close()
        raise SurveyInputError(Problem(f"the workbook has no sheet named {sheet!r}", file=file,
                                       hint=f"set 'sheet' for this input to one of: {', '.join(map(repr, names))}"))
    index = 0 if sheet is None else sheet
    if isinstance(index, int) and not 0 <= index < len(names):
        book.close()
        raise SurveyInputError(Problem(f"the workbook has no sheet number {index} (it has {len(names)}, numbered "
                                       f"from 0)", file=file, hint=f"its sheets are: {', '.join(map(repr, names))}"))
    worksheet = book[index] if isinstance(index, str) else book.worksheets[index]
    if hasattr(worksheet, "reset_dimensions"):
        worksheet.reset_dimensions()  # the declared dimensions of a sheet can be wrong
    return book, worksheet


def _sheet_rows(path: Path, file: str, sheet: str | int | None, max_columns: int = MAX_COLUMNS
                ) -> tuple[list[list], list[tuple[int, int]], list[tuple[int, int]]]:
    """The sheet's values row by row (trailing blank rows and cells dropped), with the (row, column)
    of every error cell and of every formula without a stored value. Formulas are found in a first
    pass that reads formulas; only if there are any is the sheet read again for their stored values."""
    from openpyxl.cell.cell import TYPE_ERROR, TYPE_FORMULA

    book, worksheet = _open_sheet(path, file, sheet, data_only=False)
    rows: list[list] = []
    errors: list[tuple[int, int]] = []
    formulas: list[tuple[int, int]] = []
    try:
        for r, cells in enumerate(worksheet.rows):
            values = []
            for c, cell in enumerate(cells):
                value, kind = cell.value, cell.data_type
                if value is not None and kind == TYPE_ERROR:
                    errors.append((r, c))
                    value = None
                elif value is not None and kind == TYPE_FORMULA:
                    formulas.append((r, c))
                    value = None
                values.append(value)
            if len(values) > max_columns:  # a row wider than the limit stops the read there
                width = max((c for c, v in enumerate(values) if v is not None), default=-1) + 1
                check_columns(width, max_columns, file, row=r + 1, where="the row")
            rows.append(values)
    except SurveyInputError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged sheet
        raise SurveyInputError(Problem(f"not a readable .xlsx file ({type(exc).__name__}: {cut_text(exc)})",
                                       file=file)) from None
    finally:
        book.close()
    unstored = []
    if formulas:
        wanted = {}
        for r, c in formulas:
            wanted.setdefault(r, []).append(c)
        book, worksheet = _open_sheet(path, file, sheet, data_only=True)
        try:
            for r, cells in enumerate(worksheet.rows):
                if r not in wanted:
                    continue
                cells = list(cells)
                for c in wanted[r]:
                    cell = cells[c] if c < len(cells) else None
                    if cell is None or cell.value is None:
                        unstored.append((r, c))
                    elif cell.data_type == TYPE_ERROR:
                        errors.append((r, c))
                    else:
                        rows[r][c] = cell.value
        finally:
            book.close()
    for values in rows:
        while values and values[-1] is None:
            values.pop()
    flagged = errors + unstored
    last_row = max([r for r, values in enumerate(rows) if values] + [r for r, _ in flagged], default=-1)
    del rows[last_row + 1:]
    width = max([len(values) for values in rows] + [c + 1 for _, c in flagged], default=0)
    for values in rows:
        values.extend([None] * (width - len(values)))
    return rows, sorted(errors), unstored
