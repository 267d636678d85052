"""The reviewer's diff page (reports/<wave>/diff/index.html): what the template needs.

At the top, a summary per table with links; filters by status and by table; then, per table, the
published table and its regenerated twin side by side in the report's layout (the rows and columns
as the published table prints them), every cell coloured by its status with its reason one hover
(title) or click away; under them, the table's cells as a list with the reasons in full.
"""

from __future__ import annotations

import pandas as pd

from vive_survey.review.compare import SECONDARY_STATS, STATUSES

SHOWN_STATUSES = [s for s in STATUSES if s != "extra"]


def _column_label(column: str, stat: str) -> str:
    return f"{column} ({SECONDARY_STATS[stat]})" if stat in SECONDARY_STATS else column


def twin_grids(cells: pd.DataFrame) -> dict:
    """The published table and its regenerated twin as one grid: header columns, and rows of
    (stub labels, [cell dicts]) with both texts, the status and the reason of each cell."""
    columns = list(dict.fromkeys(zip(cells["column_key"], cells["stat"])))
    rows = list(dict.fromkeys(zip(cells["section"], cells["row_key"], cells["subrow"])))
    by_key = {(r.section, r.row_key, r.subrow, r.column_key, r.stat): r for r in cells.itertuples(index=False)}
    body, last_section = [], None
    for section, row, subrow in rows:
        if section != last_section and section:
            body.append({"section": section})
        last_section = section
        found = []
        for column, stat in columns:
            cell = by_key.get((section, row, subrow, column, stat))
            found.append(None if cell is None else {
                "published": cell.published, "regenerated": cell.regenerated, "status": cell.status,
                "reason": cell.reason or cell.status, "limit": cell.limit, "strength": cell.strength})
        body.append({"stub": [row] + ([subrow] if subrow else []), "cells": found})
    return {"columns": [_column_label(c, s) for c, s in columns], "rows": body,
            "stub_width": 2 if any(key[2] for key in rows) else 1}


def diff_page_context(result: pd.DataFrame, summary: pd.DataFrame, metadata: dict, wave: str,
                      caption_of, data_note: str = "") -> dict:
    """Everything diff.html.j2 renders. `caption_of` gives a table's caption as the report prints it
    ("Tabel 4.4", "Bilagstabel 2.1")."""
    shown = result[result["status"] != "extra"].copy()
    # The diff's own row/column labels join row and subrow for the list; the grids need them apart.
    shown["row_key"] = [r.split(" | ")[0] if s else r for r, s in zip(shown["row"], shown["subrow"])]
    shown["column_key"] = [c[: -len(f" ({SECONDARY_STATS[s]})")] if s in SECONDARY_STATS else c
                           for c, s in zip(shown["column"], shown["stat"])]
    for column in ("limit", "strength", "findings"):
        if column not in shown.columns:
            shown[column] = ""
    tables = []
    for table_id in dict.fromkeys(shown["table"]):
        cells = shown[shown["table"] == table_id]
        counts = cells["status"].value_counts()
        tables.append({
            "id": table_id, "caption": caption_of(table_id), "title": metadata.get(table_id, {}).get("title", ""),
            "anchor": "t" + table_id.replace(".", "-"), "grid": twin_grids(cells),
            "counts": {s: int(counts.get(s, 0)) for s in SHOWN_STATUSES},
            "cells": cells.fillna("").to_dict("records")})
    summary_rows = []
    for row in summary.itertuples(index=False):
        share = getattr(row, "match_share")
        summary_rows.append({
            "table": row.table, "caption": "I alt" if row.table == "Total" else caption_of(row.table),
            "anchor": "" if row.table == "Total" else "t" + row.table.replace(".", "-"),
            "published": int(row.published), "counts": {s: int(getattr(row, s)) for s in SHOWN_STATUSES},
            "match_share": "" if pd.isna(share) else f"{100 * share:.1f} %"})
    return {"wave": wave, "data_note": data_note, "statuses": SHOWN_STATUSES, "tables": tables,
            "summary": summary_rows}
