"""The grids as a workbook (tables.xlsx): a contents sheet with the provenance, then one sheet per
table, for readers who compute with the numbers. Numbers are stored as numbers at full precision,
with the number format that shows them as the report prints them (its digits, '-' for an exact zero
where the report prints one); a mean with its SD as two columns, a regression coefficient with its
significance mark in a column of its own; text that a spreadsheet could run as a formula is stored
with Excel's quote prefix. The wave's data note (what the data is) heads every sheet. The same grids
give the same bytes."""

from __future__ import annotations

import io
import math
import re
import zipfile

from vive_survey import __version__
from vive_survey.render.grid import TEXT_KINDS, Cell, Grid, report_note
from vive_survey.render.labels import Labels
from vive_survey.safe_text import FORMULA_START

# The decimal mark. A format code in the file is always written with '.' as decimal point (',' is
# the thousands separator there), and Excel shows it with the separators of the reader's own
# regional settings: no format code makes Excel print a comma where the reader's settings say '.'
# (a literal comma would break the number). The locale tag [$-406] (Danish) in front of the code
# makes LibreOffice, which keeps a language per number format, print 6,2 whatever its own language;
# Excel accepts the tag and still follows the reader's settings. So the Danish report's numbers read
# with a decimal comma in a Danish Excel and in any LibreOffice; the English report's carry no tag.
LOCALE_TAGS = {"da": "[$-406]"}
NOTE_COLOUR = "8A1C00"
# Column widths in characters (least, most): labels and text wrap within them, headers too.
STUB_WIDTH = (12, 60)
TEXT_WIDTH = (12, 50)
VALUE_WIDTH = (9, 18)


def number_format(cell: Cell, locale_tag: str = "") -> str:
    """The format that shows `cell`'s number as printed: its digits, and its zero text if any."""
    base = "0" if cell.decimals == 0 else "0." + "0" * cell.decimals
    if cell.zero_text is not None:
        return f'{locale_tag}{base};-{base};"{cell.zero_text}"'
    return f"{locale_tag}{base}"


def neutralise(text: str) -> tuple[str, bool]:
    """(text, needs quotePrefix): a text starting with = + - @ (or tab/CR) is stored as text with
    Excel's quote prefix, so it is never read as a formula and still reads as printed."""
    return text, text.startswith(FORMULA_START)


def _put(ws, row: int, column: int, value, fmt: str | None = None, bold: bool = False, wrap: bool = False,
         colour: str | None = None):
    from openpyxl.styles import Alignment, Font

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
    if bold or colour:
        cell.font = Font(bold=bold, color=colour)
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _put_note(ws, row: int, note: str, width: int) -> None:
    """The data note across the sheet's first `width` characters of columns, wrapped, in a row
    high enough to show it (Excel does not size a row to a wrapped merged cell)."""
    if not note:
        return
    last = 1
    while last < ws.max_column and sum(_width(ws, c) for c in range(1, last + 1)) < width:
        last += 1
    shown = sum(_width(ws, c) for c in range(1, last + 1))
    _put(ws, row, 1, note, bold=True, wrap=True, colour=NOTE_COLOUR)
    if last > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last)
    ws.row_dimensions[row].height = 15 * math.ceil(len(note) * 1.15 / max(shown, 1))


def _width(ws, column: int) -> float:
    from openpyxl.utils import get_column_letter

    return ws.column_dimensions[get_column_letter(column)].width or 13


def _sheet_title(grid: Grid, labels: Labels) -> str:
    """The sheet's name from the table's id ('Tabel B2.1'), not its caption: names stay as they were."""
    title = re.sub(r"[\[\]:*?/\\]", "_", f"{labels.word('table')} {grid.id}")
    return title[:31]


def _clamp(value: int, bounds: tuple[int, int]) -> int:
    return max(bounds[0], min(bounds[1], value))


def _write_grid_sheet(wb, grid: Grid, labels: Labels) -> None:
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(_sheet_title(grid, labels))
    locale_tag = LOCALE_TAGS.get(labels.language, "")
    _put(ws, 1, 1, f"{grid.caption}{grid.marks_text}", bold=True)
    _put(ws, 2, 1, grid.title)
    has_sections = any(s.label for s in grid.sections)
    stub_header = ([grid.section_header] if has_sections else []) + grid.stub_header
    text_columns = grid.text_columns()
    # compound columns (mean with SD) become two numeric columns; a coefficient's mark its own column
    split = [any(len(row.cells[k].parts) > 1 for row in grid.body if k < len(row.cells))
             for k in range(len(grid.column_paths))]
    marked = [any(row.cells[k].mark for row in grid.body if k < len(row.cells))
              for k in range(len(grid.column_paths))]
    header, kinds = list(stub_header), ["stub"] * len(stub_header)
    for k, path in enumerate(grid.column_paths):
        name = " / ".join(p for p in path if p)
        header.append(name)
        kinds.append("text" if text_columns[k] else "value")
        if split[k]:
            header.append(f"{name} ({labels.word('sd')})" if name else labels.word("sd"))
            kinds.append("value")
        if marked[k]:
            header.append(f"{name} ({labels.word('significance')})" if name else labels.word("significance"))
            kinds.append("mark")
    r = 4
    for c, text in enumerate(header, start=1):
        _put(ws, r, c, text, bold=True, wrap=True)
    longest = [len(text) for text in header]
    for section in grid.sections:
        for row in section.rows:
            r += 1
            values: list = ([section.label] if has_sections else []) + list(row.labels)
            for c, value in enumerate(values, start=1):
                _put(ws, r, c, value, wrap=True)
                longest[c - 1] = max(longest[c - 1], len(str(value)))
            c = len(values) + 1
            for k, cell in enumerate(row.cells):
                parts = cell.parts or ((cell,) if cell.value is not None or cell.exact is not None else ())
                span = 2 if k < len(split) and split[k] else 1
                if parts:
                    for offset, part in enumerate(parts[:span]):
                        number = part.exact if part.exact is not None else part.value
                        _put(ws, r, c + offset, number, number_format(part, locale_tag))
                else:
                    _put(ws, r, c, cell.text, wrap=k < len(text_columns) and text_columns[k])
                    longest[c - 1] = max(longest[c - 1], len(cell.text))
                c += span
                if k < len(marked) and marked[k]:
                    _put(ws, r, c, cell.mark)
                    c += 1
    r += 1
    for note in grid.notes:
        r += 1
        _put(ws, r, 1, note)
    for c, (kind, size) in enumerate(zip(kinds, longest), start=1):
        if grid.kind in TEXT_KINDS:
            width = 60 if c > 1 or not stub_header else 50
        elif kind == "stub":
            width = _clamp(size + 2, STUB_WIDTH)
        elif kind == "text":
            width = _clamp(size + 2, TEXT_WIDTH)
        else:  # numbers and marks: the header wraps, so room for its longest word
            width = _clamp(max(len(w) for w in (header[c - 1] or "x").split()) + 2, VALUE_WIDTH)
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = ws.cell(row=5, column=len(stub_header) + 1) if stub_header else "A5"
    _put_note(ws, 3, grid.data_note, 100)


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
    _put_note(ws, 3, report_note(grids), 130)
    for grid in grids:
        _write_grid_sheet(wb, grid, labels)
    fixed = datetime.datetime(2021, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "vive_survey"
    buffer = io.BytesIO()
    wb.save(buffer)
    return deterministic_zip(buffer.getvalue())


def deterministic_zip(data: bytes, exact: dict[str, dict[bytes, bytes]] | None = None) -> bytes:
    """Rewrite the xlsx archive with fixed entry times and a fixed 'modified' date; `exact` (sheet
    part -> cell reference -> value text) puts back floats at full precision where openpyxl wrote
    16 significant digits and a double needs 17."""
    exact = exact or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>2021-01-01T00:00:00Z\g<2>", content)
            if info.filename in exact:
                cells = exact[info.filename]
                content = re.sub(rb'(<c r="([A-Z]+[0-9]+)"[^>]*><v>)([^<]*)(</v>)',
                                 lambda m: m[1] + cells.get(m[2], m[3]) + m[4], content)
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, content)
    return out.getvalue()
