"""A table's cells laid out as the report prints it: `build_grid(spec, cells, language)`.

Rows and columns come in the order the table's cells were computed, which the specification fixes;
the labels are translated (render.labels), and every cell is printed by the one formatter
(printing.format) according to the table's format (its spec's `format:` block). `report_grids`
gives every table of a report in report order, with the tables the wave cannot have and the
transcribed qualitative ones.
"""

from __future__ import annotations

import re

import pandas as pd

from vive_survey.analysis.disclosure import SUPPRESSED
from vive_survey.analysis.models import significance_mark
from vive_survey.analysis.spec import TableFormat, TableSpec
from vive_survey.printing.format import Words, is_missing, print_bases, print_cell, print_stat, shape_fields
from vive_survey.render.grid import BodyRow, Cell, Grid, Section
from vive_survey.render.labels import Labels
from vive_survey.render.notes import restate_n, table_notes
from vive_survey.render.qualitative import qualitative_grid

TOTAL = "Total"  # the likert tables' total column (analysis.tables.TOTAL)
INTERNAL_SECTIONS = ("_test", "_model")
NOT_SIGNIFICANT = "N.S."  # the mark of a coefficient with p >= 0.10, as printing.format prints it


def _lookup(table: pd.DataFrame) -> dict[tuple, dict[str, tuple]]:
    """(section, row, subrow, column) -> {stat: (value, base_n, flag)}."""
    out: dict[tuple, dict[str, tuple]] = {}
    keys = zip(table["section"], table["row"], table["subrow"], table["column"], table["stat"], table["value"],
               table["base_n"].astype(object), table["flag"])
    for section, row, subrow, column, stat, value, base_n, flag in keys:
        out.setdefault((section, row, subrow, column), {})[stat] = (value, base_n, flag)
    return out


def value_cell(stats: dict[str, tuple], fmt: TableFormat, words: Words) -> Cell:
    """A cell as printed (printing.format.print_cell), with the numbers behind it at full precision
    for spreadsheets: the statistic print_cell shows (each part of a compound cell), and a
    coefficient with its significance mark apart, as its text shows them."""
    cell = Cell.of(print_cell(stats, fmt, words))
    if not cell.text or any(flag == SUPPRESSED for _value, _n, flag in stats.values()):
        return cell
    if "coef" in stats:
        coef, _n, flag = stats["coef"]
        if flag in ("ref", "not_estimable") or is_missing(coef):
            return cell
        p = stats.get("p", (None,))[0]
        mark = "" if fmt.marks == "none" or is_missing(p) else significance_mark(float(p)) or NOT_SIGNIFICANT
        return cell._replace(exact=float(coef), decimals=fmt.digits("coef"), mark=mark)
    fields = shape_fields(fmt.shape)
    if fields and fields[0] in stats and cell.parts:
        parts = tuple(part._replace(exact=_exact(stats[stat][0])) for part, stat in zip(cell.parts, fields))
        return cell._replace(parts=parts)
    stat = next((s for s in ("pct", "mean", "n") if s in stats), None)
    return cell._replace(exact=_exact(stats[stat][0])) if stat and cell.value is not None else cell


def _exact(value) -> float | None:
    return None if is_missing(value) else float(value)


def level_columns(spec: TableSpec) -> set[str]:
    """The columns that list the levels of a variable present in each group (Tabel 3.2's
    institutions): computed as one count per level (subrow), printed as the levels' names."""
    if spec.kind != "respondent_summary":
        return set()
    return {str(c["label"]) for c in spec.get("columns", []) if c.get("stat") == "levels"}


def levels_cell(counts: list[tuple[str, float, str]], min_cell_n: int, words: Words) -> Cell:
    """The names of the levels (in the computed order), never their counts: a level is named
    only when its count is known to be at least `min_cell_n` (disclosure control: a level with
    fewer respondents, or whose count is suppressed, is not named; '..' says that one is left out)."""
    names, hidden = [], False
    for name, count, flag in counts:
        if flag == SUPPRESSED or is_missing(count) or (min_cell_n and count < min_cell_n):
            hidden = True
        elif count > 0:
            names.append(name)
    return Cell(", ".join(names + ([words.suppressed] if hidden else [])), cls="text")


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
    fmt, words = spec.format, Words.of(labels)
    table = cells[cells["table"] == spec.id]
    lookup = _lookup(table)
    body = table[~table["section"].isin(INTERNAL_SECTIONS)]
    columns = list(dict.fromkeys(body["column"]))
    listed = level_columns(spec)
    levels: dict[tuple, list[tuple[str, float, str]]] = {}
    if listed:
        # A level column's cells are one count per level (subrow): one cell of names per row.
        in_list = body["column"].isin(listed)
        for key in zip(body.loc[in_list, "section"], body.loc[in_list, "row"], body.loc[in_list, "column"],
                       body.loc[in_list, "subrow"], body.loc[in_list, "value"], body.loc[in_list, "flag"]):
            levels.setdefault(key[:3], []).append(key[3:])
        body = body[~in_list]
    row_keys = list(dict.fromkeys(zip(body["section"], body["row"], body["subrow"])))
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
            stats_list = [{} if column in listed else lookup.get((section, row, subrow, column), {})
                          for column in columns]
            cells_out = [levels_cell(levels.get((section, row, column), []), min_cell_n, words)
                         if column in listed else value_cell(stats, fmt, words)
                         for column, stats in zip(columns, stats_list)]
            if fmt.n_column:
                cells_out.append(Cell.of(print_bases(stats_list, words)))
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
        grid_sections.append(_model_section(spec, table, columns, labels))

    paths = _column_paths(spec, columns, labels, metadata, codebook)
    if fmt.n_column:
        paths.append((labels.word("n"),))
    danish_title = str(metadata.get("title") or spec.title)
    return Grid(
        id=spec.id, kind=spec.kind, caption=labels.caption(spec.id),
        title=restate_n(labels.title(spec.id, danish_title), n),
        stub_header=_stub_header(spec, has_subrows, labels, metadata, codebook),
        column_paths=paths, sections=grid_sections,
        notes=table_notes(spec, table, labels, metadata, n)
        + ([labels.word("suppressed_note", k=min_cell_n)] if (table["flag"] == SUPPRESSED).any() else [])
        + ([labels.word("not_asked_note", names="; ".join(labels(entry.row or entry.column or entry.name)
                                                          for entry in spec.left_out))] if spec.left_out else []),
        section_header=labels.word("section") if spec.kind == "likert_distribution" else "",
    )


def _model_section(spec: TableSpec, table: pd.DataFrame, columns: list[str], labels: Labels) -> Section:
    """Tabel 4.9's models: n and R² per outcome (the report prints neither)."""
    fmt, words = spec.format, Words.of(labels)
    model = table[table["section"] == "_model"]
    values = {(c, s): v for c, s, v in zip(model["column"], model["stat"], model["value"])}
    rows = []
    for word, stat in (("model_n", "n"), ("model_r2", "r2")):
        name = labels.word(word)
        cells = [Cell.of(print_stat(stat, values.get((c, stat)), fmt, words)) for c in columns]
        cells = [cell._replace(exact=_exact(values.get((c, stat)))) if cell.value is not None else cell
                 for c, cell in zip(columns, cells)]
        rows.append(BodyRow(labels=[name], stub=[Cell(name, cls="label")], cells=cells, cls="model"))
    label = labels.word("model_section")
    return Section(label, [label], rows)


def unavailable_grid(spec: TableSpec, absent_questionnaires: list[str], labels: Labels,
                     metadata: dict | None = None) -> Grid:
    """A table the wave cannot have (it declares a questionnaire the table needs absent, or did not
    ask an item the table is built on): its caption and title, and one line saying why, in every
    output format."""
    if absent_questionnaires:
        names = ", ".join(labels.word(f"questionnaire_{q}") for q in absent_questionnaires)
        text = labels.word("not_available_note", questionnaires=names)
    else:
        text = labels.word("not_asked_table_note", names=", ".join(spec.needs_not_asked))
    row = BodyRow(labels=[], stub=[], cells=[Cell(text, cls="text")], cls="text")
    danish_title = str((metadata or {}).get("title") or spec.title)
    return Grid(id=spec.id, kind="unavailable", caption=labels.caption(spec.id),
                title=labels.title(spec.id, danish_title), stub_header=[], column_paths=[("",)],
                sections=[Section("", [], [row])], notes=[], marks=[labels.word("not_available")])


def report_order_key(table_id: str) -> tuple:
    """3.x, then 4.x, then B2.x, numerically within each (4.1, 4.2, ... 4.10, 4.11 ...)."""
    match = re.fullmatch(r"(B?\d+)\.(\d+)", table_id)
    if not match:
        return (9, 0, table_id)
    prefix, number = match.groups()
    chapter = {"3": 0, "4": 1}.get(prefix, 2 if prefix.startswith("B") else 3)
    return (chapter, int(number), table_id)


def report_grids(specs: list[TableSpec], cells: pd.DataFrame, labels: Labels, *, absent: dict[str, list[str]],
                 metadata: dict, qualitative: list[dict], codebook=None, min_cell_n: int = 0,
                 data_note: str = "", reworded: dict | None = None) -> tuple[list[Grid], list[Grid]]:
    """(the specified tables' grids in spec order, every grid of the report in report order): a
    table the wave cannot have (`absent`: id -> absent questionnaires) says so; the transcribed
    qualitative tables join the report. `data_note` (config `data_note`, Danish, translated by the
    label map) says what the wave's data is: every grid carries it, so that each output says it.
    `reworded` (codebook.reworded_items: id -> (the text the labels come from, the wave's)) adds a
    note under a table with a reworded question, giving the wording the wave asked."""
    grids = [unavailable_grid(spec, absent[spec.id], labels, metadata.get(spec.id)) if spec.id in absent else
             build_grid(spec, cells, labels.language, labels=labels, metadata=metadata.get(spec.id),
                        codebook=codebook, min_cell_n=min_cell_n)
             for spec in specs]
    for spec, grid in zip(specs, grids):
        asked = [f"{labels(e['label'])}: «{reworded[e['item']][1]}»" for part in spec.get("sections", [])
                 for e in part["items"] if e["item"] in (reworded or {}) and spec.id not in absent]
        if asked:
            grid.notes.append(labels.word("reworded_note", rows="; ".join(asked)))
    quantitative_ids = {g.id for g in grids}
    all_grids = grids + [qualitative_grid(t, labels) for t in qualitative if str(t["id"]) not in quantitative_ids]
    all_grids.sort(key=lambda g: report_order_key(g.id))
    note = labels(" ".join(str(data_note or "").split()))
    for grid in all_grids:
        grid.data_note = note
    return grids, all_grids
