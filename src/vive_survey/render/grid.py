"""The grid: a table as the report lays it out, every cell already text.

A `Grid` has header rows (the column paths, outermost level first), body rows grouped by section
(theme) with their stub labels and cells, and the footer notes; render.layout builds it from a
table's cells, and the writers (render.writers: HTML, Markdown, LaTeX, XLSX) and the templates only
lay it out. `Grid.to_text()` is a plain-text grid used by the snapshot tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from vive_survey.printing.format import Printed

TEXT_KINDS = ("qualitative", "unavailable")  # grids of text cells: transcribed, or not available for the wave


class Cell(NamedTuple):
    """One printed cell. `value` is the number exactly as printed, None for text; `exact` the
    number at full precision (for spreadsheets, which show it with `decimals` digits); `mark` a
    regression coefficient's significance mark ('†', '*', '**', 'N.S.'), printed in `text` and kept
    apart for spreadsheets; `parts` are the numbers of a compound cell ('2,8 (0,4)' -> the mean and
    SD cells). (A named tuple, as printing.format.Printed: a report lays out thousands of them.)"""

    text: str
    value: float | None = None
    decimals: int = 0
    zero_text: str | None = None
    colspan: int = 1
    rowspan: int = 1
    cls: str = "num"
    parts: tuple["Cell", ...] = ()
    exact: float | None = None
    mark: str = ""

    @classmethod
    def of(cls, printed: Printed) -> "Cell":
        """A value cell from the formatter's printed cell."""
        text, value, decimals, zero_text, parts = printed
        return cls(text, value, decimals, zero_text, parts=tuple(map(cls.of, parts)) if parts else ())


@dataclass
class BodyRow:
    labels: list[str]  # the stub texts (question, group ...), in full on every row
    stub: list[Cell]  # the stub cells to emit in HTML (a question spans its group rows)
    cells: list[Cell]
    cls: str = ""


@dataclass
class Section:
    label: str
    heading: list[str]  # [label] or [] (templates loop instead of testing)
    rows: list[BodyRow]


@dataclass
class Grid:
    id: str
    kind: str
    caption: str  # "Tabel 4.4"
    title: str
    stub_header: list[str]
    column_paths: list[tuple[str, ...]]  # each value column's header, outermost level first
    sections: list[Section]
    notes: list[str]
    marks: list[str] = field(default_factory=list)  # e.g. ["transkriberet, ikke beregnet"]
    section_header: str = ""
    # What the wave's data is (config `data_note`), said at the top of every output; "" for real data.
    data_note: str = ""

    @property
    def data_notes(self) -> list[str]:
        """[the data note] or []: the templates loop instead of testing."""
        return [self.data_note] if self.data_note else []

    @property
    def anchor(self) -> str:
        return f"table-{self.id}"

    @property
    def width(self) -> int:
        return len(self.stub_header) + len(self.column_paths)

    @property
    def body(self) -> list[BodyRow]:
        return [row for section in self.sections for row in section.rows]

    @property
    def marks_text(self) -> str:
        """' (transkriberet, ikke beregnet)' or ''."""
        return "".join(f" ({m})" for m in self.marks)

    @property
    def header(self) -> list[list[Cell]]:
        """Header rows for HTML: stub cells span every header row; a column group spans its columns."""
        depth = max([len(p) for p in self.column_paths] + [1])
        rows: list[list[Cell]] = [[] for _ in range(depth)]
        rows[0].extend(Cell(text, rowspan=depth, cls="stub") for text in self.stub_header)
        paths = self.column_paths
        for level in range(depth):
            i = 0
            while i < len(paths):
                path = paths[i]
                if len(path) <= level:
                    i += 1
                    continue
                if level == len(path) - 1:
                    rows[level].append(Cell(path[level], rowspan=depth - level, cls="col"))
                    i += 1
                    continue
                j = i
                while j < len(paths) and len(paths[j]) > level + 1 and paths[j][:level + 1] == path[:level + 1]:
                    j += 1
                rows[level].append(Cell(path[level], colspan=j - i, cls="span"))
                i = j
        return rows

    def header_text_rows(self) -> list[list[str]]:
        depth = max([len(p) for p in self.column_paths] + [1])
        out = []
        for level in range(depth):
            fields = [text if level == 0 else "" for text in self.stub_header]
            for k, path in enumerate(self.column_paths):
                shown = level < len(path) and (level == len(path) - 1 or k == 0
                                               or self.column_paths[k - 1][:level + 1] != path[:level + 1])
                fields.append(path[level] if shown else "")
            out.append(fields)
        return out

    def text_columns(self) -> list[bool]:
        """Per value column: True when it holds text, not numbers (Tabel 3.2's institutions, the
        qualitative tables): left-aligned and wrapped in every format."""
        if self.kind in TEXT_KINDS:
            return [True] * len(self.column_paths)
        flags = [False] * len(self.column_paths)
        for row in self.body:
            for k, cell in enumerate(row.cells[:len(flags)]):
                flags[k] |= "text" in cell.cls.split()
        return flags

    def to_text(self) -> str:
        """A plain-text rendering for snapshot tests: header, [section] lines, rows, notes."""
        header = self.header_text_rows()
        body = [(section, row.labels + [c.text for c in row.cells]) for section in self.sections
                for row in section.rows]
        widths = [0] * self.width
        for fields in header + [f for _s, f in body]:
            for k, text in enumerate(fields):
                widths[k] = max(widths[k], len(text))
        n_stub = len(self.stub_header)
        left = [True] * n_stub + self.text_columns()  # labels and text to the left, numbers to the right

        def line(fields: list[str]) -> str:
            out = [t.ljust(widths[k]) if k < len(left) and left[k] else t.rjust(widths[k])
                   for k, t in enumerate(fields)]
            return " | ".join(out).rstrip()

        lines = [f"{self.caption}{self.marks_text}. {self.title}", ""]
        if self.data_note:
            lines[:0] = [self.data_note, ""]
        lines += [line(fields) for fields in header]
        lines.append("-" * min(120, max([len(t) for t in lines[2:]] + [3])))
        current = None
        for section, fields in body:
            if section is not current:
                current = section
                if section.label:
                    lines.append(f"[{section.label}]")
            lines.append(line(fields))
        if self.notes:
            lines.append("")
            lines.extend(self.notes)
        return "\n".join(lines) + "\n"


def report_note(grids: list[Grid]) -> str:
    """The data note of a report's grids ("" when the wave has none): one note for the whole report."""
    return next((grid.data_note for grid in grids if grid.data_note), "")
