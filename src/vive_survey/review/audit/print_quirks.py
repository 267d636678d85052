"""Print quirks: cells printed against their table's own format, judged at the value they stand for.

The report prints some cells in a way its tables do not otherwise use: '30,80' in a table of one
decimal, '2.5' with a decimal point among decimal commas, '(0,)0' with the parenthesis of an SD
inside the number. Such a cell is a slip of the typesetting, not a number of its own: read with
the table's precision ('30,80' as 30,8 +- 0,05, not 30,80 +- 0,005) it is judged like every other
cell (`judged_cells`), and the slip itself is a format finding (``print_quirk``, a note), never
an unattainable cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from vive_survey.inputs.codebook import Codebook
from vive_survey.review.audit.findings import findings_frame, findings_on
from vive_survey.review.audit.relations import Relations

TRAILING_ZERO, DECIMAL_POINT, PARENTHESIS = "trailing zero", "decimal point", "misplaced parenthesis"
"""The kinds of quirk, as a finding names them."""

_NUMBER_WITH_POINT = re.compile(r"-?\d+\.\d+")
_SD_IN_PARENTHESES = re.compile(r"\(-?\d+(?:,\d+)?\)")


@dataclass(frozen=True)
class Quirk:
    """One quirk of one cell: where it is (its position in the published frame), what kind, the
    decimals it is judged with and what it is read as."""

    position: int
    kind: str
    decimals: int
    reading: str


def usual_decimals_of(published: pd.DataFrame) -> dict[tuple[str, str], int]:
    """(table, stat) -> the decimals most of its printed numbers have (ties: the fewer). Dashes and
    text cells do not count."""
    numbers = published[published["decimals"].notna() & published["value"].notna() & published["printed"].ne("-")]
    usual = {}
    for key, decimals in numbers.groupby(["table", "stat"], sort=False)["decimals"]:
        counts = decimals.astype(int).value_counts()
        usual[key] = int(min(counts.index[counts == counts.max()]))
    return usual


def find_quirks(published: pd.DataFrame) -> list[Quirk]:
    """Every quirk of the published cells, in file order.

    * trailing zero: more decimals than the table prints for this statistic, the extra ones zeros
      ('30,80' where the table prints one decimal) - judged with the table's decimals;
    * decimal point: '2.5' where the report writes decimal commas - the value is read as printed;
    * misplaced parenthesis: a parenthesis inside a number ('(0,)0' for an SD of 0,0) - read as
      the number without it.
    """
    cells = published.reset_index(drop=True)
    usual = usual_decimals_of(cells)
    quirks = []
    for i, (table, stat, printed, decimals) in enumerate(zip(cells["table"], cells["stat"],
                                                            cells["printed"].astype(str), cells["decimals"])):
        if pd.isna(decimals):
            continue
        decimals = int(decimals)
        table_decimals = usual.get((table, stat), decimals)
        digits = printed.strip().lstrip("-")
        if decimals > table_decimals and re.fullmatch(rf"\d+[.,]\d{{{table_decimals}}}0+", digits):
            kept = digits[:len(digits) - (decimals - table_decimals)].rstrip(",.")
            quirks.append(Quirk(i, TRAILING_ZERO, table_decimals, kept))
        if _NUMBER_WITH_POINT.fullmatch(printed.strip()):
            quirks.append(Quirk(i, DECIMAL_POINT, decimals, printed.strip().replace(".", ",")))
        if ("(" in printed or ")" in printed) and not _SD_IN_PARENTHESES.fullmatch(printed.strip()):
            quirks.append(Quirk(i, PARENTHESIS, decimals, printed.replace("(", "").replace(")", "")))
    return quirks


def judged_cells(published: pd.DataFrame) -> pd.DataFrame:
    """The cells as the checks judge them: a copy in which a cell with trailing zeros beyond its
    table's precision has that precision ('30,80' -> decimals 1). Values are unchanged (the loader
    already reads '2.5' and '(0,)0' as the numbers they stand for); `printed` keeps the print."""
    quirks = [q for q in find_quirks(published) if q.kind == TRAILING_ZERO]
    if not quirks:
        return published
    judged = published.copy()
    column = judged.columns.get_loc("decimals")
    for q in quirks:
        judged.iat[q.position, column] = q.decimals
    return judged


def check_print_quirk(published: pd.DataFrame, metadata: dict, codebook: Codebook | None = None,
                      relations: Relations | None = None) -> pd.DataFrame:
    """A format finding (``print_quirk``, a note, never unattainable) on every cell with a quirk.

    Parameters
    ----------
    published : DataFrame
        Cells as returned by `published.load_published` (as printed: `printed` is what is read).
    metadata, codebook, relations
        Unused; for the common signature.

    Returns
    -------
    DataFrame
        Findings on the quirky cells; details name the kind, the table's precision and the reading.
    """
    cells = published.reset_index(drop=True)
    usual = usual_decimals_of(cells)
    out: list[dict] = []
    for q in find_quirks(cells):
        cell = cells.iloc[[q.position]]
        printed = str(cell["printed"].iloc[0])
        key = (cell["table"].iloc[0], cell["stat"].iloc[0])
        if q.kind == TRAILING_ZERO:
            reason = (f"'{printed}' has trailing zeros beyond the {q.decimals} decimal(s) Tabel {key[0]} prints its "
                      f"{key[1]} cells with: judged as {q.reading} (+- half a unit of the last of {q.decimals} "
                      f"decimal(s)), the precision of the rest of the table")
        elif q.kind == DECIMAL_POINT:
            reason = (f"'{printed}' is printed with a decimal point where the report writes a decimal comma: "
                      f"read as {q.reading}")
        else:
            reason = f"'{printed}' has a parenthesis inside the number: read as {q.reading}"
        out += findings_on(cell, "print_quirk", "print_quirk", False, reason,
                           f"kind: {q.kind}; Tabel {key[0]} prints {key[1]} with {usual.get(key, q.decimals)} "
                           f"decimal(s); judged with {q.decimals}")
    return findings_frame(out)
