"""A grid as a Markdown table (tables/<id>.md, through templates/table.md.j2)."""

from __future__ import annotations

import re

from vive_survey.render.grid import Grid

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#])")


def md_escape(text: str) -> str:
    """Backslash-escape Markdown's active characters; HTML is escaped by the template."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def markdown_context(grid: Grid) -> dict:
    header = [md_escape(" / ".join(p for p in path if p)) for path in grid.column_paths]
    stub = [md_escape(t) for t in grid.stub_header]
    rows = []
    for section in grid.sections:
        for label in section.heading:
            rows.append([f"**{md_escape(label)}**"] + [""] * (grid.width - 1))
        for row in section.rows:
            rows.append([md_escape(t) for t in row.labels] + [md_escape(c.text) for c in row.cells])
    align = ["---"] * len(stub) + [("---" if text else "---:") for text in grid.text_columns()]
    return {"caption": md_escape(f"{grid.caption}{grid.marks_text}."), "title": md_escape(grid.title),
            "header": stub + header, "align": align, "rows": rows, "notes": [md_escape(n) for n in grid.notes],
            "data_notes": [md_escape(n) for n in grid.data_notes]}
