"""The published cells as the audit reads them: distribution rows, single cells, crosstab grids.

Everything here reads `published.load_published`'s cells and `published.load_metadata`'s dict as
they are; which tables relate to which is not decided here but in data/published/relations.yaml
(`relations`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd

from vive_survey.analysis.cells import KEY
from vive_survey.printing.rounding import half_unit, to_fraction
from vive_survey.review.audit.bases import N_MAX, compatible_counts, implied_bases, is_blank
from vive_survey.review.audit.relations import Relations

LIKERT = ("Stort set aldrig", "Sjældent", "Nogle gange", "Altid")
"""The answer categories of every distribution table, in scale order (scores 1-4), as printed."""


@dataclass
class DistributionRow:
    """One distribution of printed shares (a question row for one group, or a share with its n)."""

    table: str
    section: str
    row: str
    subrow: str
    published: pd.DataFrame = field(repr=False)   # the cells of every table, index 0..n-1
    positions: list[int]                     # of the row's cells in `published`, file order
    labels: list[str]
    values: list                             # float, or None for a blank / unprinted remainder
    decimals: list
    printed: list[str]
    stated_n: int | None = None              # an n printed in the same row
    remainder: bool = False                  # True: a complement category that is not printed
    blanks: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.table, self.section, self.row, self.subrow)

    @property
    def cells(self) -> pd.DataFrame:
        """Every published cell of the row, in file order (taken only for a finding: most rows have none)."""
        return self.published.iloc[self.positions]


def table_title(metadata: dict, table: str) -> str:
    return str((metadata.get(table) or {}).get("title") or "")


def is_crosstab(metadata: dict, table: str) -> bool:
    """A crosstab's title says so ('Krydstabel ...'); its rows are not distributions of their own."""
    return "krydstabel" in table_title(metadata, table).casefold()


def distribution_rows(published: pd.DataFrame, metadata: dict) -> list[DistributionRow]:
    """Likert distribution rows (not crosstabs) and rows of shares printed with their own n."""
    cells = published.reset_index(drop=True)
    records = cells[KEY + ["printed", "value", "decimals"]].to_dict("records")
    groups: dict[tuple, list[int]] = {}
    for i, rec in enumerate(records):
        groups.setdefault((rec["table"], rec["section"], rec["row"], rec["subrow"]), []).append(i)
    rows = []
    for (table, section, row, subrow), idx in groups.items():
        pct = [i for i in idx if records[i]["stat"] == "pct"]
        likert = {records[i]["column"]: i for i in pct if records[i]["column"] in LIKERT}
        ns = [i for i in idx if records[i]["stat"] == "n"]
        if len(likert) >= 2 and not is_crosstab(metadata, table):
            order = [likert[c] for c in LIKERT if c in likert]
            values = [None if pd.isna(records[i]["value"]) else float(records[i]["value"]) for i in order]
            rows.append(DistributionRow(
                table, section, row, subrow, cells, idx, [records[i]["column"] for i in order], values,
                [None if pd.isna(records[i]["decimals"]) else int(records[i]["decimals"]) for i in order],
                [records[i]["printed"] for i in order],
                blanks=[records[i]["column"] for i, v in zip(order, values) if v is None]))
        elif len(ns) == 1 and pct and all(not pd.isna(records[i]["value"]) for i in pct):
            remainder = len(pct) == 1
            rows.append(DistributionRow(
                table, section, row, subrow, cells, sorted(pct + ns),
                [records[i]["column"] for i in pct] + (["(rest)"] if remainder else []),
                [float(records[i]["value"]) for i in pct] + ([None] if remainder else []),
                [int(records[i]["decimals"]) for i in pct] + ([None] if remainder else []),
                [records[i]["printed"] for i in pct], stated_n=int(records[ns[0]]["value"]), remainder=remainder))
    return rows


def published_cell(published: pd.DataFrame, table: str, row: str, column: str, stat: str,
                   section: str | None = None, subrow: str = "") -> pd.DataFrame:
    """The cell (0 or 1 rows) of `table` at row, column and stat (any section unless given)."""
    m = (published["table"].eq(table) & published["row"].eq(row) & published["column"].eq(column)
         & published["stat"].eq(stat) & published["subrow"].eq(subrow))
    if section is not None:
        m &= published["section"].eq(section)
    return published[m]


def first_cell(published: pd.DataFrame, table: str) -> pd.DataFrame:
    """Where a finding about a table's title or note is anchored."""
    return published[published["table"].eq(table)].head(1)


def table_stated_n(metadata: dict, table: str) -> tuple[int, str] | None:
    """The n a table states for itself: in its title or its Anm. (not one borrowed from elsewhere)."""
    for entry in (metadata.get(table) or {}).get("stated_n") or []:
        where = str(entry.get("where", "")).strip().casefold()
        if where == "title" or where.startswith("anm"):
            return int(entry["value"]), f"Tabel {table} {'title' if where == 'title' else 'Anm.'}"
    return None


def usual_decimals(published: pd.DataFrame, table: str) -> int:
    """The decimals most percentage cells of a table are printed with (ties: the fewer)."""
    cells = published[published["table"].eq(table) & published["stat"].eq("pct") & published["decimals"].notna()
                      & published["printed"].ne("-")]
    if cells.empty:
        return 1
    counts = cells["decimals"].astype(int).value_counts()
    return int(min(counts.index[counts == counts.max()]))


def reread_trailing_zeros(printed: Sequence[str], decimals: Sequence, usual: int) -> tuple[list, list[str]]:
    """Decimals with trailing zeros beyond the table's usual decimals dropped ('30,80' -> 1 decimal).

    Returns the decimals to use and the printed texts that were re-read."""
    out, changed = [], []
    for text, d in zip(printed, decimals):
        text = str(text)
        if d is not None and not is_blank(d) and int(d) > usual and re.fullmatch(rf"-?\d+[.,]\d{{{usual}}}0+", text):
            out.append(usual)
            changed.append(text)
        else:
            out.append(d)
    return out, changed


def can_be_equal(a: pd.Series, b: pd.Series) -> bool:
    """Two printed cells can show the same true value (their rounding intervals overlap)."""
    return abs(to_fraction(a["value"]) - to_fraction(b["value"])) <= half_unit(a["decimals"]) + half_unit(b["decimals"])


def printed_interval(cell: pd.Series) -> tuple[Fraction, Fraction]:
    """The values a printed cell can stand for: its value +- half a unit, not below 0."""
    v, h = to_fraction(cell["value"]), half_unit(cell["decimals"])
    return (max(v - h, Fraction(0)), v + h)


def _comparable(label: str) -> str:
    return re.sub(r"[^\w]+", " ", label.casefold()).strip()


def text_similarity(a: str, b: str) -> float:
    """How alike two labels are (0-1: difflib's ratio), ignoring case and punctuation."""
    return difflib.SequenceMatcher(None, _comparable(a), _comparable(b)).ratio()


def best_item(text: str, items) -> tuple[object | None, float]:
    """The first codebook item whose text is most like a printed row label, with the similarity."""
    target = _comparable(text)
    best, score = None, 0.0
    for item in items:
        matcher = difflib.SequenceMatcher(None, target, _comparable(item.text))
        # The quick ratios bound the ratio from above: an item they rule out cannot beat the best.
        if matcher.real_quick_ratio() <= score or matcher.quick_ratio() <= score:
            continue
        s = matcher.ratio()
        if s > score:
            best, score = item, s
    return best, score


# --------------------------------------------------------------------------------------------
# the groups of respondents


def group_sizes(published: pd.DataFrame, relations: Relations) -> dict[str, tuple[int, str]]:
    """The size of every group, from the tables relations.yaml names: group -> (n, 'Tabel 4.2/4.8').

    A group whose n a later table repeats names both tables; a later table that prints another n
    does not change the size."""
    sizes: dict[str, tuple[int, list[str]]] = {}
    for source in relations.group_sizes:
        cells = published[published["table"].eq(source.table) & published["stat"].eq("n")]
        for group, value in zip(cells[source.groups_in], cells["value"]):
            if group not in sizes:
                sizes[group] = (int(value), [source.table])
            elif sizes[group][0] == int(value) and source.table not in sizes[group][1]:
                sizes[group][1].append(source.table)
    return {group: (n, "Tabel " + "/".join(tables)) for group, (n, tables) in sizes.items()}


def group_of(label: str, groups, relations: Relations) -> str | None:
    """The group among `groups` that a printed row label names (itself, or as relations.yaml says
    the item tables print it), or None."""
    folded = label.casefold()
    for group in groups:
        if folded == group.casefold() or any(folded == printed.casefold()
                                             for printed in relations.printed_labels_of(group)):
            return group
    return None


# --------------------------------------------------------------------------------------------
# crosstabs


@dataclass
class CrosstabGrid:
    """A crosstab of total percentages read as one distribution over its cells."""

    values: np.ndarray
    decimals: np.ndarray
    rows: list[str]
    cols: list[str]
    bases: list[int]
    counts: np.ndarray | None        # at the smallest base
    reread: list[str]                # printed cells whose trailing zeros were dropped to find a base


def crosstab_grid(published: pd.DataFrame, table: str, n_max: int = N_MAX) -> CrosstabGrid | None:
    """The crosstab's percentages as a grid with its bases and counts; None unless every cell of a
    full grid is printed."""
    cells = published[published["table"].eq(table) & published["stat"].eq("pct")]
    rows = list(dict.fromkeys(cells["row"]))
    cols = list(dict.fromkeys(cells["column"]))
    grid = cells.set_index(["row", "column"])
    if cells.empty or len(grid) != len(rows) * len(cols) or grid["value"].isna().any():
        return None
    values = np.array([[float(grid.loc[(r, c), "value"]) for c in cols] for r in rows])
    decimals = [[int(grid.loc[(r, c), "decimals"]) for c in cols] for r in rows]
    printed = [str(grid.loc[(r, c), "printed"]) for r in rows for c in cols]
    flat_d = [d for row in decimals for d in row]
    bases = implied_bases(values.ravel().tolist(), flat_d, n_max)
    reread: list[str] = []
    if not bases:
        flat_d, reread = reread_trailing_zeros(printed, flat_d, usual_decimals(published, table))
        bases = implied_bases(values.ravel().tolist(), flat_d, n_max) if reread else []
    counts = None
    if bases:
        counts = np.array(compatible_counts(values.ravel().tolist(), flat_d, bases[0])).reshape(values.shape)
    return CrosstabGrid(values, np.array(flat_d).reshape(values.shape), rows, cols, bases, counts, reread)
