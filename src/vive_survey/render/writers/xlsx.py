"""The grids as a workbook (tables.xlsx): a contents sheet with the provenance, then one sheet per
table. Numbers are stored as numbers (as printed, with the number format that prints them so), a
mean with its SD as two columns, and text that a spreadsheet could run as a formula is stored with
Excel's quote prefix. The same grids give the same bytes."""

from __future__ import annotations

import io
import re
import zipfile

from vive_survey import __version__
from vive_survey.render.grid import TEXT_KINDS, Cell, Grid
from vive_survey.render.labels import Labels
from vive_survey.safe_text import FORMULA_START


def number_format(cell: Cell) -> str:
    base = "0" if cell.decimals == 0 else "0." + "0" * cell.decimals
    if cell.zero_text is not None:
        return f'{base};-{base};"{cell.zero_text}"'
    return base


def neutralise(text: str) -> tuple[str, bool]:
    """(text, needs quotePrefix): a text starting with = + - @ (or tab/CR) is stored as text with
    Excel's quote prefix, so it is never read as a formula and still reads as printed."""
    return text, text.startswith(FORMULA_START)


def _put(ws, row: int, column: int, value, fmt: str | None = None, bold: bool = False):
    from openpyxl.styles import Font

    cell = ws.cell(row=row, column=column)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.value = value
        if fmt:
            cell.number_format = fmt
    elif value is not None and value != "":
        text, prefix = neutralise(str(value))
        cell.value = text
        cell.data_type = "s"  # never a formula, whatever the text starts with
        if prefix:
            cell.quotePrefix = True
    if bold:
        cell.font = Font(bold=True)
    return cell


def _sheet_title(grid: Grid) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "_", grid.caption)
    return title[:31]


def _write_grid_sheet(wb, grid: Grid, labels: Labels) -> None:
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(_sheet_title(grid))
    _put(ws, 1, 1, f"{grid.caption}{grid.marks_text}", bold=True)
    _put(ws, 2, 1, grid.title)
    has_sections = any(s.label for s in grid.sections)
    stub_header = ([grid.section_header] if has_sections else []) + grid.stub_header
    # compound columns (mean with SD) become two numeric columns
    split = [any(len(row.cells[k].parts) > 1 for row in grid.body if k < len(row.cells))
             for k in range(len(grid.column_paths))]
    header = list(stub_header)
    for k, path in enumerate(grid.column_paths):
        name = " / ".join(p for p in path if p)
        header.append(name)
        if split[k]:
            header.append(f"{name} ({labels.word('sd')})" if name else labels.word("sd"))
    r = 4
    for c, text in enumerate(header, start=1):
        _put(ws, r, c, text, bold=True)
    for section in grid.sections:
        for row in section.rows:
            r += 1
            values: list = ([section.label] if has_sections else []) + list(row.labels)
            for c, value in enumerate(values, start=1):
                _put(ws, r, c, value)
            c = len(values)
            for k, cell in enumerate(row.cells):
                parts = cell.parts or ((cell,) if cell.value is not None else ())
                width = 2 if k < len(split) and split[k] else 1
                if parts:
                    for offset, part in enumerate(parts[:width]):
                        _put(ws, r, c + 1 + offset, part.value, number_format(part))
                else:
                    _put(ws, r, c + 1, cell.text)
                c += width
    r += 1
    for note in grid.notes:
        r += 1
        _put(ws, r, 1, note)
    ws.column_dimensions["A"].width = 50 if grid.kind not in TEXT_KINDS else 60
    for k in range(2, len(header) + 1):
        ws.column_dimensions[get_column_letter(k)].width = 60 if grid.kind in TEXT_KINDS else 14
    ws.freeze_panes = ws.cell(row=5, column=len(stub_header) + 1) if stub_header else "A5"
    for row in ws.iter_rows(min_row=4, max_row=4):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def workbook_bytes(grids: list[Grid], labels: Labels, provenance: list[tuple[str, str, str]], wave: str,
                   settings: list[tuple[str, str, str]] | None = None) -> bytes:
    """tables.xlsx: a contents sheet, then one sheet per table; identical bytes for identical input."""
    import datetime

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = labels.word("contents")
    _put(ws, 1, 1, labels.word("report_title"), bold=True)
    _put(ws, 2, 1, labels.word("report_subtitle", wave=wave))
    r = 4
    for grid in grids:
        _put(ws, r, 1, f"{grid.caption}{grid.marks_text}")
        _put(ws, r, 2, grid.title)
        r += 1
    for heading, rows in ((labels.word("provenance"), provenance), (labels.word("settings"), settings or [])):
        if not rows:
            continue
        r += 1
        _put(ws, r, 1, heading, bold=True)
        for row in rows:
            r += 1
            for column, text in enumerate(row, start=1):
                _put(ws, r, column, text)
        r += 1
    _put(ws, r, 1, labels.word("package_version", version=__version__))
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 100
    for grid in grids:
        _write_grid_sheet(wb, grid, labels)
    fixed = datetime.datetime(2021, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "vive_survey"
    buffer = io.BytesIO()
    wb.save(buffer)
    return _deterministic_zip(buffer.getvalue())


def _deterministic_zip(data: bytes) -> bytes:
    """Rewrite the xlsx archive with fixed entry times and a fixed 'modified' date."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>2021-01-01T00:00:00Z\g<2>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, content)
    return out.getvalue()
