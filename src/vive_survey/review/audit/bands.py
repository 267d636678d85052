"""Part of check c: a table that splits one group into bands, with a total row for the whole group.

Tabel 4.3 splits the students of Tabel 4.2 by work experience (relations.yaml, `bands`): its total
row must be the group it repeats, its share column must fit that group's n, the total's share of
women and age must be the share-weighted mean of the bands', and no band may be too small for the
share of women it prints.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import pandas as pd

from vive_survey.printing.rounding import half_unit, to_fraction
from vive_survey.review.audit.bases import compatible_counts, implied_bases, most_in_share, share_bases
from vive_survey.review.audit.findings import findings_on, list_text, number_text
from vive_survey.review.audit.relations import MEASURES, Bands, Measure, Relations, RespondentTable
from vive_survey.review.audit.rows import can_be_equal, printed_interval, published_cell


def check_bands(published: pd.DataFrame, relations: Relations, bands: Bands, n_max: int) -> list[dict]:
    """Findings (dicts, check cross_table) on a table of bands and the group it splits."""
    out: list[dict] = []
    table, total_row = bands.table, bands.total_row
    own_columns = relations.respondent_table(table)
    whole_columns = relations.respondent_table(bands.whole.table)
    share_column = own_columns.share
    cells = published[published["table"].eq(table)]
    if cells.empty:
        return out
    band_rows = [r for r in dict.fromkeys(cells["row"]) if r != total_row]
    found = [published_cell(published, table, b, share_column, "pct") for b in band_rows]
    if not band_rows or any(f.empty or f["value"].isna().any() for f in found):
        return out
    shares = [f.iloc[0] for f in found]
    share_cells = cells[cells["column"].eq(share_column)]
    values = [float(c["value"]) for c in shares]
    decimals = [int(c["decimals"]) for c in shares]
    bases = implied_bases(values, decimals, n_max)
    total = sum(to_fraction(v) for v in values)
    whole_n = published_cell(published, bands.whole.table, bands.whole.row, whole_columns.n, "n")
    # The total row is the whole group if every measure both tables print agrees within rounding.
    same = []
    for measure in MEASURES:
        if own_columns.column(measure) is None or whole_columns.column(measure) is None:
            continue
        a = published_cell(published, table, total_row, own_columns.column(measure), measure.stat)
        b = published_cell(published, bands.whole.table, bands.whole.row, whole_columns.column(measure), measure.stat)
        if not a.empty and not b.empty:
            same.append(can_be_equal(a.iloc[0], b.iloc[0]))
    if not whole_n.empty and same and all(same):
        n_whole = int(whole_n["value"].iloc[0])
        if bases and n_whole not in bases:
            counts = compatible_counts(values, decimals, bases[0])
            out += findings_on(pd.concat([share_cells, whole_n]), "cross_table", "bands_base_conflict", False,
                               f"the {total_row} row repeats the {n_whole} {bands.called} of Tabel {bands.whole.table} "
                               f"(same share of women and age), but the {share_column} column "
                               f"({', '.join(number_text(v) for v in values)}, sum {number_text(total)}, within "
                               f"rounding of 100) cannot come from {n_whole} {bands.called}; it fits n = "
                               f"{list_text(bases, 5)} (counts {'/'.join(map(str, counts))} of {bases[0]})",
                               f"bases={list_text(bases, 10)}; {bands.called} with unknown {bands.by} could explain "
                               f"a smaller base")
    if bases:
        out += _weighted_totals(published, bands, own_columns, band_rows, shares)
    for band, share in zip(band_rows, shares):
        for measure in (m for m in MEASURES if m.stat == "pct" and own_columns.column(m) is not None):
            out += _band_too_small(published, bands, share_column, band, share, measure,
                                   own_columns.column(measure), bases, whole_n, n_max)
    return out


def _weighted_totals(published: pd.DataFrame, bands: Bands, own_columns: RespondentTable, band_rows: list[str],
                     shares: list[pd.Series]) -> list[dict]:
    """The total's share of women and mean age against the share-weighted mean of the bands'."""
    out: list[dict] = []
    weights = [printed_interval(c) for c in shares]
    # Only what pools as a weighted mean: a share and a mean, not an SD.
    for measure in (m for m in MEASURES if m.stat != "sd" and own_columns.column(m) is not None):
        column = own_columns.column(measure)
        cells = [published_cell(published, bands.table, b, column, measure.stat) for b in band_rows]
        tot = published_cell(published, bands.table, bands.total_row, column, measure.stat)
        if tot.empty or any(c.empty for c in cells):
            continue
        lo, hi = weighted_mean_range(weights, [printed_interval(c.iloc[0]) for c in cells])
        t, h = to_fraction(tot["value"].iloc[0]), half_unit(tot["decimals"].iloc[0])
        if t + h < lo or t - h > hi:
            out += findings_on(pd.concat(cells + [tot]), "cross_table", "weighted_total_conflict", False,
                               f"the {bands.total_row} {measure.what} {number_text(t)} is not the "
                               f"{own_columns.share}-weighted mean of the bands' values, which lies in "
                               f"{number_text(lo, 2)}-{number_text(hi, 2)}",
                               "missing answers to the background question could change the weights")
    return out


def _band_too_small(published: pd.DataFrame, bands: Bands, share_column: str, band: str, share: pd.Series,
                    measure: Measure, column: str, bases: list[int], whole_n: pd.DataFrame, n_max: int
                    ) -> list[dict]:
    """A band's share of women needs at least as many people as its smallest base; the band's share
    of the group allows at most so many at any base the share column fits."""
    cell = published_cell(published, bands.table, band, column, measure.stat)
    if cell.empty or not bases:
        return []
    p, d = float(cell["value"].iloc[0]), int(cell["decimals"].iloc[0])
    need = share_bases(p, d, n_max)
    most = most_in_share(share["value"], share["decimals"], bases)
    if need and need[0] <= most:
        return []
    at_whole = ""
    if not whole_n.empty:
        n_whole = int(whole_n["value"].iloc[0])
        at_whole = (f" (at most {most_in_share(share['value'], share['decimals'], [n_whole])} of the {n_whole} "
                    f"{bands.called} of Tabel {bands.whole.table})")
    k = round(Fraction(p) * need[0] / 100) if need else None
    return findings_on(pd.concat([published_cell(published, bands.table, band, share_column, "pct"), cell]),
                       "cross_table", "band_share_unattainable", True,
                       f"'{band}' holds {number_text(share['value'])} % of the {bands.called}, i.e. at most {most} "
                       f"people for any base up to {n_max}{at_whole}, but a {measure.what} of {number_text(p)} % "
                       f"needs at least {need[0] if need else 'more than ' + str(n_max)} people"
                       + (f" ({k}/{need[0]})" if need else ""),
                       f"bases of the share={list_text(need)}; bases of the {share_column} column="
                       f"{list_text(bases, 5)}")


def weighted_mean_range(weights: list[tuple[Fraction, Fraction]], values: list[tuple[Fraction, Fraction]]
                        ) -> tuple[Fraction, Fraction]:
    """Range of sum w x / sum w for w, x in intervals (the extremes lie at the intervals' ends)."""
    lo = hi = None
    for choice in itertools.product(*weights):
        total = sum(choice)
        if total <= 0:
            continue
        low = sum(w * x[0] for w, x in zip(choice, values)) / total
        high = sum(w * x[1] for w, x in zip(choice, values)) / total
        lo = low if lo is None else min(lo, low)
        hi = high if hi is None else max(hi, high)
    return lo, hi
