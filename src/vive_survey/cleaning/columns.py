"""Which raw column holds each codebook item, and, for a required item without one, the most
useful thing to say: the row the column names are really on, the column holding the item's
question text, or the name it was probably meant to have.
"""

from __future__ import annotations

import difflib

from vive_survey.cleaning.values import norm
from vive_survey.errors import Problem
from vive_survey.inputs.codebook import Item
from vive_survey.inputs.readers import HEADER_SEARCH_ROWS, RawTable, header_rows_hint


def resolve_columns(raw: RawTable, items: list[Item]) -> tuple[dict[str, str], list[Problem], list[str], list[str]]:
    """Map each codebook item to the raw column that holds it.

    Returns (item id -> raw column, problems for required items without a column, raw columns no
    item claims, optional items without a column). When the column names are on a lower row than
    the one read as the header (a title row above them), the one problem says which `header_rows`
    to set, rather than listing every column as missing."""
    by_key = {}
    for col in raw.frame.columns:
        by_key.setdefault(norm(col), col)
    found, problems, absent_optional, missing = {}, [], [], []
    for item in items:
        column = next((by_key[norm(c)] for c in item.source_columns if norm(c) in by_key), None)
        if column is not None:
            found[item.id] = column
        elif item.required:
            missing.append(item)
        else:
            absent_optional.append(item.id)
    claimed = {norm(c) for c in found.values()}
    if missing:
        header = _header_row_below(raw, items, len(found))
        if header is not None:
            row, n = header
            problems.append(Problem(
                f"row {int(raw.source_rows[0]) - 1}, read as the header, names {len(found)} of the {len(items)} "
                f"columns the codebook expects in this file ({len(missing)} required ones are missing); "
                f"row {row} names {n}", file=raw.file, hint=header_rows_hint(row)))
        else:
            problems = _missing_column_problems(raw, missing, {k: c for k, c in by_key.items()
                                                               if k and k not in claimed})
    unknown = [c for c in raw.frame.columns if norm(c) not in claimed and norm(c) and not str(c).startswith("Unnamed")]
    return found, problems, unknown, absent_optional


def _header_row_below(raw: RawTable, items: list[Item], in_header: int) -> tuple[int, int] | None:
    """(row, items named) of the first of the top rows of a CSV or Excel file that names more of the
    items' columns than the header row does; None if none does."""
    if raw.row_label != "row" or len(raw.frame) == 0:
        return None
    names = [{norm(c) for c in item.source_columns} for item in items]
    top = raw.frame.iloc[:HEADER_SEARCH_ROWS].astype(object).to_numpy()
    best = None
    for pos, cells in enumerate(top):
        present = {norm(v) for v in cells if isinstance(v, str) and v.strip()}
        n = sum(1 for accepted in names if accepted & present)
        if n > max(in_header, 1) and (best is None or n > best[1]):
            best = (int(raw.source_rows[pos]), n)
    return best


def _missing_column_problems(raw: RawTable, missing: list[Item], free: dict[str, str]) -> list[Problem]:
    """One problem per required item without a column, each with the best hint: a column named with
    the item's question text (some exports use it as the header), else a column close to one of
    the item's accepted names or to its question text. `free`: normalised name -> column, of the
    columns no item claims."""
    texts = {item.id: norm(item.text).rstrip(" ?.:") for item in missing}
    holds_text: dict[str, str] = {}
    # The question text as the whole column name first, then inside it ("Q12. <text>").
    for matches in (lambda key, text: key.rstrip(" ?.:") == text, lambda key, text: len(text) >= 12 and text in key):
        for item in missing:
            taken = set(holds_text.values())
            if item.id not in holds_text:
                col = next((c for k, c in free.items() if c not in taken and matches(k, texts[item.id])), None)
                if col is not None:
                    holds_text[item.id] = col
    unclaimed = {k: c for k, c in free.items() if c not in holds_text.values()}
    problems = []
    for item in missing:
        add = f"add it to source_columns of '{item.id}' in the codebook"
        if item.id in holds_text:
            hint = f"the column '{holds_text[item.id]}' holds this item's question text: {add}"
        else:
            hint = None
            best = 0.0
            candidates = [(norm(c), 0.75, "name") for c in item.source_columns] + [(texts[item.id], 0.85, "text")]
            for candidate, cutoff, kind in candidates:
                for key in difflib.get_close_matches(candidate, list(unclaimed), n=1, cutoff=cutoff):
                    ratio = difflib.SequenceMatcher(None, candidate, key).ratio()
                    if ratio > best:
                        best = ratio
                        col = unclaimed[key]
                        hint = (f"did you mean '{col}'? (or {add})" if kind == "name" else
                                f"the column '{col}' is close to this item's question text: "
                                f"if it holds this item, {add}")
            hint = hint or f"add the export's column name to source_columns of '{item.id}' in the codebook"
        problems.append(Problem(
            f"required column for item '{item.id}' ({item.text!r}) is missing; looked for "
            + ", ".join(repr(c) for c in item.source_columns), file=raw.file, hint=hint))
    return problems
