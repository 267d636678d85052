"""The report layer: every table of the specification rendered in the report's layout.

`build_grid(spec, cells, language)` turns a table's cells (reports/<wave>/tables/cells.csv) into a
`Grid`: header rows, body rows grouped by section (theme) with the row labels and every cell as
text, and the footer notes. All formatting happens here, through format.fmt_number and
format.coefficient_cell; the templates (templates/report.html.j2, table.md.j2, table.tex.j2) only
loop. `Grid.to_text()` is a plain-text grid used by the snapshot tests.

`build_reports(...)` writes, under reports/<wave>/: index.html (self-contained: every table in
report order with the three qualitative tables, a table of contents, the cleaning summary, the
provenance and the figures inline), tables/<id>.md and tables/<id>.tex per table, tables.xlsx (one
sheet per table) and figures/*.png|svg. Everything is written atomically, and the same inputs give
the same bytes. Only aggregate cells are read; no respondent-level row or open-text answer is used.
"""

from __future__ import annotations

import base64
import io
import json
import math
import platform
import re
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from vive_survey import __version__
from vive_survey.errors import Problem, SurveyInputError
from vive_survey.render.figures import DPI
from vive_survey.inputs.readers import sha256_of
from vive_survey.analysis.disclosure import SUPPRESSED
from vive_survey.printing.format import coefficient_cell, fmt_number
from vive_survey.safe_text import FORMULA_START
from vive_survey.yamlfile import read_yaml
from vive_survey.render.labels import WORDS_DA, Labels
from vive_survey.analysis.spec import TableSpec
from vive_survey.files import atomic_path

TOTAL = "Total"  # the likert tables' total column (tables.TOTAL)
INTERNAL_SECTIONS = ("_test", "_model")
TEXT_KINDS = ("qualitative", "unavailable")  # grids of text cells: transcribed, or not available for the wave

# How each table prints its numbers, read off the published tables (data/published/tables/*.csv):
# percentages with one decimal and an exact 100 as "100" (Total columns, 4.3 "I alt", 4.11);
# the likert tables print "-" for an exact zero, except Tabel 4.12, which prints "0,0" as 4.11,
# 4.13, 4.14 and the SDs of 4.16 do; means and SDs with one decimal, except Tabel 3.2 (two);
# regression coefficients with two. An "n" column is added where the printed table states no
# base for its rows (the likert tables, 4.14 and 4.16).
DEFAULT_STYLE = {"pct_decimals": 1, "mean_decimals": 1, "coef_decimals": 2, "r2_decimals": 2, "zero": None,
                 "n_column": False}
KIND_STYLE = {
    "likert_distribution": {"zero": "-", "n_column": True},
    "share_table": {"n_column": True},  # unless the spec has an n column of its own
    "index_summary": {"n_column": True},  # indices_as_columns only
}
TABLE_STYLE = {
    "3.2": {"mean_decimals": 2},
    "4.12": {"zero": None},
}

# A stated n in a title or note is restated with the wave's n (the most respondents behind any
# cell of the table): "(n = 34)" in 4.12, 4.15 and 4.16, "I alt indgår 45 respondenter" in B2.3.
N_PATTERNS = (re.compile(r"(\(n = )\d+(\))"), re.compile(r"(I alt indgår )\d+( respondenter)"),
              re.compile(r"(In total )\d+( respondents)"))



# ----------------------------------------------------------------------------------- the grid

@dataclass(frozen=True)
class Cell:
    """One printed cell. `value` is the number exactly as printed (for spreadsheets), None for
    text; `parts` are the numbers of a compound cell ('2,8 (0,4)' -> the mean and SD cells)."""

    text: str
    value: float | None = None
    decimals: int = 0
    zero_text: str | None = None
    colspan: int = 1
    rowspan: int = 1
    cls: str = "num"
    parts: tuple["Cell", ...] = ()


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

        def line(fields: list[str]) -> str:
            out = [t.ljust(widths[k]) if k < n_stub else t.rjust(widths[k]) for k, t in enumerate(fields)]
            return " | ".join(out).rstrip()

        marks = "".join(f" ({m})" for m in self.marks)
        lines = [f"{self.caption}{marks}. {self.title}", ""]
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


# ------------------------------------------------------------------------------- formatting

def style_of(spec: TableSpec) -> dict:
    style = {**DEFAULT_STYLE, **KIND_STYLE.get(spec.kind, {}), **TABLE_STYLE.get(spec.id, {})}
    if spec.kind == "share_table" and any(c.get("stat") == "n" for c in spec.get("columns", [])):
        style["n_column"] = False
    if spec.kind == "index_summary" and spec.get("layout") != "indices_as_columns":
        style["n_column"] = False
    if spec.kind not in KIND_STYLE:
        style["n_column"] = False
    return style


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def number_cell(value, decimals: int, mark: str, *, zero: str | None = None, hundred: bool = False) -> Cell:
    """A number as printed; an exact 100 % prints as "100" when `hundred`; `zero` for an exact 0."""
    if _missing(value):
        return Cell("")
    value = float(value)
    if hundred and value == 100.0:
        decimals = 0
    text = fmt_number(value, decimals, decimal_mark=mark, zero=zero)
    printed = 0.0 if zero is not None and text == zero else float(text.replace(mark, "."))
    return Cell(text, printed, decimals, zero)


def mean_sd_cell(mean, sd, decimals: int, mark: str) -> Cell:
    """'2,8 (0,4)': the mean with the SD in parentheses (the SD left out when it is undefined)."""
    m = number_cell(mean, decimals, mark)
    if not m.text:
        return Cell("")
    s = number_cell(sd, decimals, mark)
    if not s.text:
        return Cell(m.text, parts=(m,))
    return Cell(f"{m.text} ({s.text})", parts=(m, s))


def stat_cell(stats: dict, style: dict, labels: Labels) -> Cell:
    """The printed cell of one (row, column): a regression cell, mean (SD), a percentage or an n."""
    mark = labels.decimal_mark
    if any(flag == SUPPRESSED for _value, _n, flag in stats.values()):
        return Cell(labels.word("suppressed"))
    if "coef" in stats:
        coef, _n, flag = stats["coef"]
        if flag == "not_estimable":
            return Cell(labels.word("not_estimable"))
        p = stats.get("p", (None,))[0]
        text = coefficient_cell(None if _missing(coef) else coef, None if _missing(p) else p, flag,
                                decimals=style["coef_decimals"], decimal_mark=mark)
        return Cell(text)
    if "mean" in stats:
        return mean_sd_cell(stats["mean"][0], stats.get("sd", (None,))[0], style["mean_decimals"], mark)
    if "pct" in stats:
        return number_cell(stats["pct"][0], style["pct_decimals"], mark, zero=style["zero"], hundred=True)
    if "n" in stats:
        return number_cell(stats["n"][0], 0, mark)
    return Cell("")


def n_cell(stats_list: list[dict], mark: str) -> Cell:
    """The n behind a row: the base of its percentages or means; a range when it varies."""
    bases = set()
    for stats in stats_list:
        for stat in ("pct", "mean"):
            if stat in stats and not _missing(stats[stat][1]):
                bases.add(int(stats[stat][1]))
                break
    if not bases:
        return Cell("")
    if len(bases) == 1:
        return number_cell(bases.pop(), 0, mark)
    return Cell(f"{min(bases)}–{max(bases)}")


def p_text(p: float, labels: Labels) -> str:
    """'= 0,104' or '< 0,001'."""
    mark = labels.decimal_mark
    if p < 0.001:
        return labels.word("p_below", p=fmt_number(0.001, 3, decimal_mark=mark))
    return labels.word("p_equals", p=fmt_number(p, 3, decimal_mark=mark))


def restate_n(text: str, n: int | None) -> str:
    if n is None:
        return text
    for pattern in N_PATTERNS:
        text = pattern.sub(lambda m: f"{m.group(1)}{n}{m.group(2)}", text)
    return text


# ------------------------------------------------------------------------------- build_grid

def _lookup(table: pd.DataFrame) -> dict[tuple, dict[str, tuple]]:
    """(section, row, subrow, column) -> {stat: (value, base_n, flag)}."""
    out: dict[tuple, dict[str, tuple]] = {}
    keys = zip(table["section"], table["row"], table["subrow"], table["column"], table["stat"], table["value"],
               table["base_n"].astype(object), table["flag"])
    for section, row, subrow, column, stat, value, base_n, flag in keys:
        out.setdefault((section, row, subrow, column), {})[stat] = (value, base_n, flag)
    return out


def table_n(table: pd.DataFrame) -> int | None:
    base = table.loc[~table["section"].isin(INTERNAL_SECTIONS), "base_n"].dropna()
    return int(base.max()) if len(base) else None


def _variable_text(metadata: dict, key: str, item_id: str | None, codebook) -> str:
    if metadata.get(key):
        return str(metadata[key])
    if codebook is not None and item_id:
        try:
            return codebook.item(item_id).text
        except KeyError:
            pass
    return item_id or ""


def _column_paths(spec: TableSpec, columns: list[str], labels: Labels, metadata: dict, codebook) -> list[tuple]:
    kind = spec.kind
    if kind == "likert_distribution":
        paths, k = [], 0
        for column in columns:
            if column == TOTAL:
                paths.append((labels(column),))
            else:
                k += 1
                paths.append((labels.word("distribution"), f"({k}) {labels(column)}"))
        return paths
    if kind == "index_summary" and spec.get("layout") == "indices_as_columns":
        return [tuple(labels(part) for part in column.split(" / ")) for column in columns]
    if kind == "share_table":
        spanning = metadata.get("spanning_column_header")
        n_columns = {c["label"] for c in spec.get("columns", []) if c.get("stat") == "n"}
        return [(labels(str(spanning)), labels(c)) if spanning and c not in n_columns else (labels(c),)
                for c in columns]
    if kind == "crosstab":
        variable = labels(_variable_text(metadata, "column_variable", spec.get("column_item"), codebook))
        return [(variable, labels(c)) for c in columns]
    return [(labels(c),) for c in columns]


def _stub_header(spec: TableSpec, has_subrows: bool, labels: Labels, metadata: dict, codebook) -> list[str]:
    if spec.kind == "likert_distribution":
        return [labels.word("question")] + ([labels.word("group")] if has_subrows else [])
    if spec.kind == "respondent_summary" and metadata.get("columns_printed"):
        return [labels(str(metadata["columns_printed"][0]))]
    if spec.kind == "crosstab":
        return [labels(_variable_text(metadata, "row_variable", spec.get("row_item"), codebook))]
    return [""]


def _notes(spec: TableSpec, table: pd.DataFrame, lookup: dict, labels: Labels, metadata: dict,
           n: int | None) -> list[str]:
    mark = labels.decimal_mark
    if spec.kind == "crosstab":
        return _chi2_notes(table, labels)
    if spec.kind == "ols":
        levels = {f"p{k}": fmt_number(v, 2, decimal_mark=mark) for k, v in (("10", 0.10), ("05", 0.05), ("01", 0.01))}
        notes = [labels.word("ols_legend", **levels), labels.word("ols_abbreviations", p10=levels["p10"])]
        if (table["flag"] == "not_estimable").any():
            notes.append(labels.word("ols_not_estimable"))
        return notes
    printed = spec.get("notes") or metadata.get("notes_printed") or []
    return [restate_n(labels(str(note)), n) for note in printed]


def _chi2_notes(table: pd.DataFrame, labels: Labels) -> list[str]:
    """Tabel 4.13's note with the recomputed test: chi², df, p, n and, when an expected count is
    small, the permutation p-value, which then decides the significance."""
    mark = labels.decimal_mark
    test = table[table["section"] == "_test"]
    values = dict(zip(test["stat"], test["value"]))
    flag = test["flag"].iloc[0] if len(test) else ""
    chi2, df, p = values.get("chi2"), values.get("df"), values.get("p")
    if any(_missing(v) for v in (chi2, df, p)):
        return [labels.word("chi2_missing")]
    small = flag == "small_expected"
    p_perm = values.get("p_permutation")
    deciding = p_perm if small and not _missing(p_perm) else p
    n = values.get("n")
    note = labels.word(
        "chi2_note",
        significance=labels.word("chi2_significant" if deciding < 0.05 else "chi2_not_significant"),
        chi2=fmt_number(chi2, 2, decimal_mark=mark), df=fmt_number(df, 0, decimal_mark=mark),
        p=p_text(p, labels), n=fmt_number(n, 0, decimal_mark=mark) if not _missing(n) else "")
    notes = [note]
    if small and not _missing(p_perm):
        notes.append(labels.word("chi2_small_expected", min_expected_limit="5",
                                 min_expected=fmt_number(values.get("min_expected"), 2, decimal_mark=mark),
                                 p_permutation=p_text(p_perm, labels)))
    return notes


def build_grid(spec: TableSpec, cells: pd.DataFrame, language: str = "da", *, labels: Labels | None = None,
               metadata: dict | None = None, codebook=None, min_cell_n: int = 0) -> Grid:
    """A table's cells laid out as the report prints it, every cell as text.

    `cells` may hold every table (cells.csv); rows and columns come in the order the table's cells
    were computed, which the specification fixes. `metadata` is the published table's YAML
    (title as printed, notes, printed stub header); `codebook` names a crosstab's two questions
    when the metadata does not."""
    labels = labels if labels is not None else Labels.load(language)
    if labels.language != language:
        raise ValueError(f"labels are {labels.language!r}, the grid is asked in {language!r}")
    metadata = metadata or {}
    style = style_of(spec)
    mark = labels.decimal_mark
    table = cells[cells["table"] == spec.id]
    lookup = _lookup(table)
    body = table[~table["section"].isin(INTERNAL_SECTIONS)]
    row_keys = list(dict.fromkeys(zip(body["section"], body["row"], body["subrow"])))
    columns = list(dict.fromkeys(body["column"]))
    has_subrows = any(key[2] for key in row_keys)
    n = table_n(table)

    runs: list[tuple[str, list[tuple]]] = []  # consecutive rows of one section, in computation order
    for key in row_keys:
        if not runs or runs[-1][0] != key[0]:
            runs.append((key[0], []))
        runs[-1][1].append(key)

    grid_sections = []
    for section_label, keys in runs:
        rows = []
        for k, (section, row, subrow) in enumerate(keys):
            stats_list = [lookup.get((section, row, subrow, column), {}) for column in columns]
            cells_out = [stat_cell(stats, style, labels) for stats in stats_list]
            if style["n_column"]:
                cells_out.append(n_cell(stats_list, mark))
            names = [labels(row)] + ([labels(subrow)] if has_subrows else [])
            stub = [Cell(name, cls="label") for name in names]
            if has_subrows:
                first = k == 0 or keys[k - 1][1] != row
                span = 1
                while k + span < len(keys) and keys[k + span][1] == row:
                    span += 1
                stub = [Cell(names[0], rowspan=span, cls="label")] if first else []
                stub.append(Cell(names[1], cls="label sub"))
            present = [s for s in stats_list if s]
            cls = "n" if present and all(set(s) == {"n"} for s in present) else ""
            rows.append(BodyRow(labels=names, stub=stub, cells=cells_out, cls=cls))
        label = labels(section_label)
        grid_sections.append(Section(label, [label] if label else [], rows))

    if spec.kind == "ols":
        grid_sections.append(_model_section(table, columns, style, labels, has_subrows))

    paths = _column_paths(spec, columns, labels, metadata, codebook)
    if style["n_column"]:
        paths.append((labels.word("n"),))
    danish_title = str(metadata.get("title") or spec.title)
    return Grid(
        id=spec.id, kind=spec.kind, caption=f"{labels.word('table')} {spec.id}",
        title=restate_n(labels.title(spec.id, danish_title), n),
        stub_header=_stub_header(spec, has_subrows, labels, metadata, codebook),
        column_paths=paths, sections=grid_sections,
        notes=_notes(spec, table, lookup, labels, metadata, n)
        + ([labels.word("suppressed_note", k=min_cell_n)] if (table["flag"] == SUPPRESSED).any() else []),
        section_header=labels.word("section") if spec.kind == "likert_distribution" else "",
    )


def _model_section(table: pd.DataFrame, columns: list[str], style: dict, labels: Labels, has_subrows: bool) -> Section:
    """Tabel 4.9's models: n and R² per outcome (the report prints neither)."""
    mark = labels.decimal_mark
    model = table[table["section"] == "_model"]
    values = {(c, s): v for c, s, v in zip(model["column"], model["stat"], model["value"])}
    rows = []
    for word, stat, decimals in (("model_n", "n", 0), ("model_r2", "r2", style["r2_decimals"])):
        name = labels.word(word)
        cells = [number_cell(values.get((c, stat)), decimals, mark) for c in columns]
        rows.append(BodyRow(labels=[name], stub=[Cell(name, cls="label")], cells=cells, cls="model"))
    label = labels.word("model_section")
    return Section(label, [label], rows)


def unavailable_grid(spec: TableSpec, absent_questionnaires: list[str], labels: Labels,
                     metadata: dict | None = None) -> Grid:
    """A table the wave cannot have (it declares a questionnaire the table needs absent): its
    caption and title, and one line saying why, in every output format."""
    names = ", ".join(labels.word(f"questionnaire_{q}") for q in absent_questionnaires)
    text = labels.word("not_available_note", questionnaires=names)
    row = BodyRow(labels=[], stub=[], cells=[Cell(text, cls="text")], cls="text")
    danish_title = str((metadata or {}).get("title") or spec.title)
    return Grid(id=spec.id, kind="unavailable", caption=f"{labels.word('table')} {spec.id}",
                title=labels.title(spec.id, danish_title), stub_header=[], column_paths=[("",)],
                sections=[Section("", [], [row])], notes=[], marks=[labels.word("not_available")])


def qualitative_grid(table: dict, labels: Labels) -> Grid:
    """A transcribed qualitative table (4.1, 4.10, 4.17): text cells, marked as not computed."""
    columns = [str(c) for c in table.get("columns", [])]
    rows = []
    for row in table.get("rows", []):
        cells = [Cell(labels(str(text)), cls="text") for text in row]
        rows.append(BodyRow(labels=[], stub=[], cells=cells, cls="text"))
    notes = [labels(str(n)) for n in table.get("notes_printed") or []] + [labels.word("qualitative_note")]
    return Grid(id=str(table["id"]), kind="qualitative", caption=f"{labels.word('table')} {table['id']}",
                title=labels.title(str(table["id"]), str(table.get("title", ""))), stub_header=[],
                column_paths=[(labels(c),) for c in columns], sections=[Section("", [], rows)], notes=notes,
                marks=[labels.word("qualitative")])


# ------------------------------------------------------------------------------ ordering

def report_order_key(table_id: str) -> tuple:
    """3.x, then 4.x, then B2.x, numerically within each (4.1, 4.2, ... 4.10, 4.11 ...)."""
    match = re.fullmatch(r"(B?\d+)\.(\d+)", table_id)
    if not match:
        return (9, 0, table_id)
    prefix, number = match.groups()
    chapter = {"3": 0, "4": 1}.get(prefix, 2 if prefix.startswith("B") else 3)
    return (chapter, int(number), table_id)


# ------------------------------------------------------------------------------ markdown / tex

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#])")


def md_escape(text: str) -> str:
    """Backslash-escape Markdown's active characters; HTML is escaped by the template."""
    return _MD_SPECIAL.sub(r"\\\1", text)


_TEX_MAP = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
            "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"\textless{}",
            ">": r"\textgreater{}", "|": r"\textbar{}", "†": r"\textdagger{}", "χ": r"$\chi$",
            "²": r"\textsuperscript{2}", "≥": r"$\geq$", "–": "--", "\n": " "}
_TEX_SPECIAL = re.compile("|".join(re.escape(k) for k in _TEX_MAP))


def tex_escape(text: str) -> Markup:
    """LaTeX-escaped text, marked safe so that the (HTML) autoescape leaves it alone."""
    return Markup(_TEX_SPECIAL.sub(lambda m: _TEX_MAP[m.group(0)], text))


def markdown_context(grid: Grid) -> dict:
    header = [md_escape(" / ".join(p for p in path if p)) for path in grid.column_paths]
    stub = [md_escape(t) for t in grid.stub_header]
    rows = []
    for section in grid.sections:
        for label in section.heading:
            rows.append([f"**{md_escape(label)}**"] + [""] * (grid.width - 1))
        for row in section.rows:
            rows.append([md_escape(t) for t in row.labels] + [md_escape(c.text) for c in row.cells])
    align = ["---"] * len(stub) + [("---" if grid.kind in TEXT_KINDS else "---:") for _ in header]
    marks = "".join(f" ({m})" for m in grid.marks)
    return {"caption": md_escape(f"{grid.caption}{marks}."), "title": md_escape(grid.title),
            "header": stub + header, "align": align, "rows": rows, "notes": [md_escape(n) for n in grid.notes]}


def tex_context(grid: Grid) -> dict:
    depth = max([len(p) for p in grid.column_paths] + [1])
    n_stub = len(grid.stub_header)
    header_lines = []
    for level, fields in enumerate(grid.header_text_rows()):
        parts: list[str] = []
        rules: list[str] = []
        parts.extend(str(tex_escape(t)) if level == depth - 1 else "" for t in grid.stub_header)
        k = 0
        while k < len(grid.column_paths):
            path = grid.column_paths[k]
            if level < len(path) - 1:  # a spanning group
                j = k
                while (j < len(grid.column_paths) and len(grid.column_paths[j]) > level + 1
                       and grid.column_paths[j][:level + 1] == path[:level + 1]):
                    j += 1
                parts.append(rf"\multicolumn{{{j - k}}}{{c}}{{{tex_escape(path[level])}}}")
                rules.append(rf"\cmidrule(lr){{{n_stub + k + 1}-{n_stub + j}}}")
                k = j
                continue
            # a leaf: printed on the last header row (bottom-aligned)
            parts.append(str(tex_escape(path[-1])) if level == depth - 1 else "")
            k += 1
        header_lines.append(Markup(" & ".join(parts) + r" \\" + (" " + " ".join(rules) if rules else "")))
    body_lines = []
    for section in grid.sections:
        for label in section.heading:
            body_lines.append(Markup(rf"\multicolumn{{{grid.width}}}{{l}}{{\textbf{{{tex_escape(label)}}}}} \\"))
        previous = None
        for row in section.rows:
            stub = [str(tex_escape(t)) for t in row.labels]
            if n_stub > 1 and previous is not None and row.labels[0] == previous:
                stub[0] = ""  # the question is printed once above its groups
            previous = row.labels[0] if row.labels else None
            body_lines.append(Markup(" & ".join(stub + [str(tex_escape(c.text)) for c in row.cells]) + r" \\"))
    stub_spec = ["p{5.5cm}"] + ["l"] * max(0, n_stub - 1)
    value_spec = ["p{4.5cm}" if grid.kind in TEXT_KINDS else "r"] * len(grid.column_paths)
    marks = "".join(f" ({m})" for m in grid.marks)
    return {
        "comment": Markup(f"% {grid.caption}, generated by vive_survey {__version__}; needs "
                          r"\usepackage{booktabs}").replace("\n", " "),
        "caption": Markup(r"\caption{") + tex_escape(f"{grid.caption}{marks}. {grid.title}") + Markup("}"),
        "label": Markup(r"\label{tab:") + tex_escape(grid.id) + Markup("}"),
        "begin_tabular": Markup(r"\begin{tabular}{" + "".join(stub_spec[:n_stub] + value_spec) + "}"),
        "header": header_lines,
        "body": body_lines,
        "notes": [Markup(r"\par\smallskip{\footnotesize ") + tex_escape(n) + Markup("}") for n in grid.notes],
    }


# ------------------------------------------------------------------------------------ xlsx

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
    marks = "".join(f" ({m})" for m in grid.marks)
    _put(ws, 1, 1, f"{grid.caption}{marks}", bold=True)
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
        marks = "".join(f" ({m})" for m in grid.marks)
        _put(ws, r, 1, f"{grid.caption}{marks}")
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


# ------------------------------------------------------------------------------ index.html

def cleaning_context(log: dict, labels: Labels) -> dict:
    """The cleaning log's aggregates as rows of text (counts only)."""
    mark = labels.decimal_mark

    def count(v) -> str:
        return fmt_number(v, 0, decimal_mark=mark)

    def reason(kind: str, code: str) -> str:
        key = f"{kind}_{code}"
        return labels.word(key) if key in WORDS_DA else code

    files, exclusions, missing, ignored = [], [], [], []
    for questionnaire, q in (log.get("questionnaires") or {}).items():
        excluded = q.get("rows_excluded") or {}
        files.append([questionnaire, str(q.get("file", "")), count(q.get("rows_read", 0)), count(q.get("rows_kept", 0)),
                      count(sum(excluded.values()))])
        for code, k in excluded.items():
            exclusions.append([questionnaire, reason("reason", code), count(k)])
        for column, reasons in (q.get("values_set_missing") or {}).items():
            for code, k in reasons.items():
                missing.append([questionnaire, column, reason("missing", code), count(k)])
        if q.get("short_records"):  # records kept although they end early; their absent values are above
            missing.append([questionnaire, labels.word("short_records"), "", count(q["short_records"])])
        for column in q.get("columns_ignored") or []:
            ignored.append([questionnaire, str(column)])
    files.append([labels.word("total"), "", count(log.get("rows_read", 0)), count(log.get("rows_kept", 0)),
                  count(log.get("rows_excluded", 0))])
    blank = log.get("derived_from_blank") or {}
    derived = []
    for variable, counts in (log.get("derived") or {}).items():
        derived += [[variable, labels(str(value)), count(k)] for value, k in counts.items()]
        if blank.get(variable):  # of the unmatched group above, how many answered nothing
            derived.append([variable, labels.word("derived_from_blank"), count(blank[variable])])
    none = labels.word("none")
    exclusions = exclusions or [[none, "", ""]]
    missing = missing or [[none, "", "", ""]]
    ignored = ignored or [[none, ""]]
    return {"files": files, "exclusions": exclusions, "missing": missing, "ignored": ignored, "derived": derived}


def _figure_entries(figure_files: list, out_dir: Path) -> dict[str, list[dict]]:
    entries: dict[str, list[dict]] = {}
    for fig in figure_files:
        png = fig.png.read_bytes()
        pixels = struct.unpack(">I", png[16:20])[0]  # IHDR width
        data = base64.b64encode(png).decode("ascii")
        entries.setdefault(fig.table_id, []).append({
            "src": f"data:image/png;base64,{data}", "alt": fig.caption, "caption": fig.caption,
            "width": round(pixels * 120 / DPI),  # 120 CSS px per inch: one type size in every figure
            "files": [fig.png.relative_to(out_dir).as_posix(), fig.svg.relative_to(out_dir).as_posix()],
        })
    return entries


def setting_rows(config_settings: list[dict] | None) -> list[tuple[str, str, str]]:
    """(setting, value as text, source) of every setting of the run: which file gave it, or the default."""
    rows = []
    for row in config_settings or []:
        value = row["value"]
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        rows.append((str(row["setting"]), text, str(row["source"])))
    return rows


def html_context(grids: list[Grid], figures: dict[str, list[dict]], cleaning: dict, provenance: list,
                 labels: Labels, wave: str, settings: list[tuple[str, str, str]] | None = None) -> dict:
    tables = []
    for grid in grids:
        tables.append({"grid": grid, "figures": figures.get(grid.id, []),
                       "marks": [f"({m})" for m in grid.marks], "cls": grid.kind})
    toc = [{"anchor": g.anchor, "text": f"{g.caption}{''.join(f' ({m})' for m in g.marks)}. {g.title}"}
           for g in grids]
    toc += [{"anchor": "cleaning", "text": labels.word("cleaning")},
            {"anchor": "provenance", "text": labels.word("provenance")}]
    return {"lang": labels.language, "wave": wave, "w": _Words(labels), "tables": tables, "toc": toc,
            "cleaning": cleaning, "provenance": provenance, "settings_blocks": [settings] if settings else [],
            "version": __version__,
            "subtitle": labels.word("report_subtitle", wave=wave),
            "version_line": labels.word("package_version", version=__version__)}


class _Words:
    """Fixed words for the template: `w.contents` -> labels.word('contents')."""

    def __init__(self, labels: Labels):
        self._labels = labels

    def __getattr__(self, key: str) -> str:
        if key.startswith("_"):
            raise AttributeError(key)
        return self._labels.word(key)


# ---------------------------------------------------------------------------- build_reports

def _write_bytes(target: Path, data: bytes) -> Path:

    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return target


def _write_text(target: Path, text: str) -> Path:
    return _write_bytes(target, text.encode("utf-8"))


def load_qualitative(path: str | Path) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise SurveyInputError(Problem("the qualitative tables (4.1, 4.10, 4.17) are missing", file=str(path)))
    raw = read_yaml(path, "qualitative tables") or {}
    tables = raw.get("tables") or [] if isinstance(raw, dict) else []
    problems = [Problem(f"table {i + 1}: needs id, title, columns and rows", file=str(path))
                for i, t in enumerate(tables) if not all(k in t for k in ("id", "title", "columns", "rows"))]
    if problems:
        raise SurveyInputError(problems)
    return tables


MANIFEST_PACKAGES = ("pandas", "numpy", "scipy", "statsmodels", "matplotlib", "jinja2", "snakemake", "pyarrow",
                     "openpyxl", "pyreadstat", "pyyaml", "jsonschema")


def manifest_json(wave: str, log: dict, config_paths: list, codebook_path, cells_path, qualitative_path,
                  specs_dir, settings: list[dict] | None = None) -> str:
    """Provenance of a report: SHA-256 of every input, config, codebook and table specification,
    and the versions of Python, vive_survey and the packages that computed it."""
    from importlib.metadata import PackageNotFoundError, version

    def entry(role: str, path, digest: str | None = None) -> dict:
        return {"role": role, "path": str(path), "sha256": digest or sha256_of(path)}

    files = [entry(f"input:{q}", v.get("file", ""), str(v.get("sha256", "")))
             for q, v in (log.get("questionnaires") or {}).items()]
    files += [entry("config", p) for p in config_paths]
    files += [entry("codebook", codebook_path), entry("cells", cells_path), entry("qualitative", qualitative_path)]
    files += [entry("table_spec", p) for p in sorted(Path(specs_dir).glob("*.yaml"))]
    packages = {}
    for name in MANIFEST_PACKAGES:
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = None
    manifest = {"wave": wave, "vive_survey": __version__, "python": platform.python_version(),
                "packages": packages, "files": files,
                "settings": [{"setting": row["setting"], "value": row["value"], "source": row["source"]}
                             for row in settings or []]}
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def _provenance(log: dict, config_paths: list, codebook_path, cells_path, qualitative_path, language: str,
                labels_path, labels: Labels) -> list[tuple[str, str, str]]:
    """(role, file, SHA-256) of every input of the report."""
    provenance: list[tuple[str, str, str]] = []
    for questionnaire, q in (log.get("questionnaires") or {}).items():
        provenance.append((labels.word("role_input", questionnaire=questionnaire), str(q.get("file", "")),
                           str(q.get("sha256", ""))))
    provenance += [(labels.word("role_config"), str(p), sha256_of(p)) for p in config_paths]
    provenance.append((labels.word("role_codebook"), str(codebook_path), sha256_of(codebook_path)))
    provenance.append((labels.word("role_cells"), str(cells_path), sha256_of(cells_path)))
    provenance.append((labels.word("role_qualitative"), str(qualitative_path), sha256_of(qualitative_path)))
    if language != "da" and Path(labels_path).is_file():
        provenance.append((labels.word("role_labels"), str(labels_path), sha256_of(labels_path)))

    return provenance


def _write_tables(grids: list[Grid], all_grids: list[Grid], labels: Labels, log: dict, provenance: list,
                  config_paths: list, codebook_path, cells_path, qualitative_path, specs_dir, wave: str,
                  out_dir: Path, settings: list[dict]) -> list[Path]:
    """Markdown and LaTeX per table, the workbook and the manifest; returns the paths written."""
    from vive_survey.render.templating import render

    written: list[Path] = []
    for grid in grids:
        tables_dir = out_dir / "tables"
        written.append(_write_text(tables_dir / f"{grid.id}.md", render("table.md.j2", md=markdown_context(grid))))
        written.append(_write_text(tables_dir / f"{grid.id}.tex", render("table.tex.j2", tex=tex_context(grid))))

    written.append(_write_bytes(out_dir / "tables.xlsx", workbook_bytes(all_grids, labels, provenance, wave,
                                                                        setting_rows(settings))))
    written.append(_write_text(out_dir / "manifest.json", manifest_json(wave, log, config_paths, codebook_path,
                                                                         cells_path, qualitative_path, specs_dir,
                                                                         settings)))

    return written


def build_reports(cells_path, specs_dir, codebook_path, cleaning_log_path, published_dir, qualitative_path,
                  config_path, settings: dict, out_dir, availability_path=None) -> list[Path]:
    """Write the rendered reports of a wave under `out_dir` (reports/<wave>/); returns the paths.

    settings: wave, language (da|en), and optionally labels (the English label map, default
    data/labels_en.yaml beside the codebook) and figure_cache (a directory of figures drawn by
    earlier runs, reused when their content is unchanged; see figures.FigureCache). `config_path` is a path or a list of paths (every
    config file of the run), each given with its SHA-256 in the provenance; settings' `config_settings`
    (config.resolve_config) lists every setting with the file it came from. `availability_path`
    (tables/availability.csv) names the tables the wave cannot have: each is shown with the reason."""
    from vive_survey.render import figures as figures_module
    from vive_survey.analysis.cells import read_cells
    from vive_survey.inputs.codebook import load_codebook
    from vive_survey.review.published import load_metadata
    from vive_survey.render.templating import render
    from vive_survey.analysis.spec import load_specs

    out_dir = Path(out_dir)
    language = settings.get("language", "da")
    wave = str(settings["wave"])
    labels_path = settings.get("labels") or Path(codebook_path).parent / "labels_en.yaml"
    labels = Labels.load(language, labels_path)
    codebook = load_codebook(codebook_path)
    specs = load_specs(specs_dir, codebook)
    cells = read_cells(cells_path)
    metadata = load_metadata(published_dir)
    qualitative = load_qualitative(qualitative_path)
    log = json.loads(Path(cleaning_log_path).read_text(encoding="utf-8"))

    absent = {}
    if availability_path is not None:
        availability = pd.read_csv(availability_path, dtype=str, keep_default_na=False)
        absent = {row.table: row.absent_questionnaires.split() for row in availability.itertuples(index=False)
                  if row.status == "not_available"}
    missing = [s.id for s in specs if s.id not in absent and not (cells["table"] == s.id).any()]
    if missing:
        raise SurveyInputError(Problem(f"no cells for table(s) {', '.join(missing)}", file=str(cells_path),
                                       hint="rerun the tables step"))

    grids = [unavailable_grid(spec, absent[spec.id], labels, metadata.get(spec.id)) if spec.id in absent else
             build_grid(spec, cells, language, labels=labels, metadata=metadata.get(spec.id), codebook=codebook,
                        min_cell_n=int(settings.get("min_cell_n", 0)))
             for spec in specs]
    quantitative_ids = {g.id for g in grids}
    all_grids = grids + [qualitative_grid(t, labels) for t in qualitative if str(t["id"]) not in quantitative_ids]
    all_grids.sort(key=lambda g: report_order_key(g.id))

    config_paths = [config_path] if isinstance(config_path, (str, Path)) else list(config_path)
    provenance = _provenance(log, config_paths, codebook_path, cells_path, qualitative_path, language, labels_path,
                             labels)
    written: list[Path] = []
    (out_dir / "figures").mkdir(parents=True, exist_ok=True)
    # The figures are drawn by other processes while this one writes the tables.
    drawing = figures_module.FigureDrawing([s for s in specs if s.id not in absent], cells, labels, out_dir / "figures",
                                           {g.id: g.caption for g in grids},
                                           cache_dir=settings.get("figure_cache"))
    with drawing:
        written += _write_tables(grids, all_grids, labels, log, provenance, config_paths, codebook_path, cells_path,
                                 qualitative_path, specs_dir, wave, out_dir, settings.get("config_settings") or [])
        figure_files = drawing.result()
    written += [p for f in figure_files for p in (f.png, f.svg)]

    html = render("report.html.j2", **html_context(all_grids, _figure_entries(figure_files, out_dir),
                                                  cleaning_context(log, labels), provenance, labels, wave,
                                                  setting_rows(settings.get("config_settings"))))
    written.append(_write_text(out_dir / "index.html", html))
    return written
