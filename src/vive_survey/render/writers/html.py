"""The report page (index.html, through templates/report.html.j2): every grid in report order with
a table of contents, the figures inline (PNG as data URIs, so the page is self-contained), the
cleaning summary, the provenance and the settings of the run."""

from __future__ import annotations

import base64
import struct
from pathlib import Path

from vive_survey import __version__
from vive_survey.render.figures import DPI
from vive_survey.render.grid import Grid, report_note
from vive_survey.render.labels import Labels


def figure_entries(figure_files: list, out_dir: Path) -> dict[str, list[dict]]:
    """Table id -> its figures as the page shows them (figures.FigureFile, drawn under `out_dir`)."""
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


def html_context(grids: list[Grid], figures: dict[str, list[dict]], cleaning: dict, provenance: list,
                 labels: Labels, wave: str, settings: list[tuple[str, str, str]] | None = None) -> dict:
    tables = []
    for grid in grids:
        tables.append({"grid": grid, "figures": figures.get(grid.id, []),
                       "marks": [f"({m})" for m in grid.marks], "cls": grid.kind})
    toc = [{"anchor": g.anchor, "text": f"{g.caption}{g.marks_text}. {g.title}"} for g in grids]
    toc += [{"anchor": "cleaning", "text": labels.word("cleaning")},
            {"anchor": "provenance", "text": labels.word("provenance")}]
    note = report_note(grids)
    return {"lang": labels.language, "wave": wave, "w": _Words(labels), "tables": tables, "toc": toc,
            "data_notes": [note] if note else [],
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
