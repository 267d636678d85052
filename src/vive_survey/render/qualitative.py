"""The three qualitative tables of chapter 4 (4.1, 4.10, 4.17): transcribed as printed
(data/published/qualitative.yaml), shown in the report as text and marked as not computed."""

from __future__ import annotations

from pathlib import Path

from vive_survey.errors import Problem, SurveyInputError
from vive_survey.render.grid import BodyRow, Cell, Grid, Section
from vive_survey.render.labels import Labels
from vive_survey.yamlfile import read_yaml


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


def qualitative_grid(table: dict, labels: Labels) -> Grid:
    """A transcribed qualitative table (4.1, 4.10, 4.17): text cells, marked as not computed."""
    columns = [str(c) for c in table.get("columns", [])]
    rows = []
    for row in table.get("rows", []):
        cells = [Cell(labels(str(text)), cls="text") for text in row]
        rows.append(BodyRow(labels=[], stub=[], cells=cells, cls="text"))
    notes = [labels(str(n)) for n in table.get("notes_printed") or []] + [labels.word("qualitative_note")]
    return Grid(id=str(table["id"]), kind="qualitative", caption=labels.caption(str(table["id"])),
                title=labels.title(str(table["id"]), str(table.get("title", ""))), stub_header=[],
                column_paths=[(labels(c),) for c in columns], sections=[Section("", [], rows)], notes=notes,
                marks=[labels.word("qualitative")])
