"""Check c: contradictions between tables that describe the same respondents.

Which tables describe the same respondents is read from data/published/relations.yaml
(`relations.Relations`); this module holds the comparisons, not the table ids.
"""

from __future__ import annotations

from fractions import Fraction

import pandas as pd

from vive_survey.inputs.codebook import Codebook
from vive_survey.printing.rounding import half_unit, to_fraction
from vive_survey.review.audit.bands import check_bands
from vive_survey.review.audit.bases import N_MAX, compatible_counts, implied_bases
from vive_survey.review.audit.findings import findings_frame, findings_on, list_text, number_text
from vive_survey.review.audit.partition_shares import check_partition_shares
from vive_survey.review.audit.relations import MEASURES, Crosstab, Partition, Population, Relations, Subgroups
from vive_survey.review.audit.rows import (can_be_equal, crosstab_grid, distribution_rows, first_cell,
                                           printed_interval, published_cell, table_stated_n)


def check_cross_table(published: pd.DataFrame, metadata: dict, codebook: Codebook | None = None,
                      relations: Relations | None = None, n_max: int = N_MAX) -> pd.DataFrame:
    """Contradictions between tables (and between a table and its own total row).

    Checked, for the relations of data/published/relations.yaml: groups of the same name and n in
    two tables (3.2 and 4.2: different share of women or age); parts that outnumber their whole
    (4.2's Nyuddannede + Erfarne against 3.2's professionals); a table's n column against the
    text's total (3.2); a total row against the group it repeats and its bands (4.3's I alt against
    4.2's students: weighted means, the Andel column's bases, shares of women a band is too small
    to give); the margins of a crosstab against the rows it crosses (4.13 against 4.12); the n in
    the titles/notes of a questionnaire's tables against everyone who answered it (the volunteers'
    tables against the 34 volunteers of 3.2); and an overall mean against the means of the groups
    its sections split it into (4.16): outside all of them, or needing other shares of the groups in
    one column than in another (`partition_shares`).

    Parameters
    ----------
    published : DataFrame
        Cells as returned by `published.load_published`.
    metadata : dict
        Per-table metadata as returned by `published.load_metadata`.
    codebook : Codebook, optional
        Unused; for the common signature.
    relations : Relations, optional
        The relations between the tables (`relations.load_relations`); None: nothing to compare.
    n_max : int
        Largest answering base tried.

    Returns
    -------
    DataFrame
        Findings on the cells involved. Unattainable only where the cells must agree by definition
        (same group, same n) or a subset exceeds its whole.
    """
    if relations is None:
        return findings_frame([])
    out: list[dict] = []
    for first, second in relations.same_groups:
        out += _same_groups(published, relations, first, second)
    for subgroups in relations.subgroups:
        out += _subgroups(published, relations, subgroups)
    for table in relations.text_totals:
        out += _text_total(published, metadata, relations, table)
    for bands in relations.bands:
        out += check_bands(published, relations, bands, n_max)
    for crosstab in relations.crosstabs:
        out += _crosstab_margins(published, metadata, crosstab, n_max)
    for population in relations.populations:
        out += _population(published, metadata, relations, population, n_max)
    for partition in relations.partitions:
        out += _partition_means(published, partition)
        out += check_partition_shares(published, partition)
    return findings_frame(out)


def _n_cell(published: pd.DataFrame, relations: Relations, table: str, row: str) -> pd.DataFrame:
    return published_cell(published, table, row, relations.respondent_table(table).n, "n")


def _same_groups(published: pd.DataFrame, relations: Relations, first: str, second: str) -> list[dict]:
    """A group printed in both tables with the same n must have the same share of women and age."""
    out: list[dict] = []
    first_rows = list(published.loc[published["table"].eq(first), "row"])
    second_rows = set(published.loc[published["table"].eq(second), "row"])
    first_columns, second_columns = relations.respondent_table(first), relations.respondent_table(second)
    for group in sorted(set(first_rows) & second_rows, key=first_rows.index):
        n_first, n_second = _n_cell(published, relations, first, group), _n_cell(published, relations, second, group)
        if n_first.empty or n_second.empty or int(n_first["value"].iloc[0]) != int(n_second["value"].iloc[0]):
            continue
        n = int(n_first["value"].iloc[0])
        agree, differ = [], []
        for measure in MEASURES:
            if first_columns.column(measure) is None or second_columns.column(measure) is None:
                continue
            a = published_cell(published, first, group, first_columns.column(measure), measure.stat)
            b = published_cell(published, second, group, second_columns.column(measure), measure.stat)
            if a.empty or b.empty:
                continue
            (differ if not can_be_equal(a.iloc[0], b.iloc[0]) else agree).append((a, b, measure))
        for a, b, measure in differ:
            out += findings_on(pd.concat([a, n_first, b, n_second]), "cross_table", "group_share_conflict", True,
                               f"the {n} {group.lower()} have a {measure.what} of {number_text(a['value'].iloc[0], 2)} "
                               f"in Tabel {first} but {number_text(b['value'].iloc[0], 2)} in Tabel {second}: the "
                               f"same group cannot have both",
                               "agreeing within rounding: " + (", ".join(
                                   f"{first_columns.column(m)} {m.stat}" for _, _, m in agree) or "none"))
    return out


def _subgroups(published: pd.DataFrame, relations: Relations, subgroups: Subgroups) -> list[dict]:
    """Parts of a group (rows of one table) that add up to more than the group (a row of another)."""
    whole = _n_cell(published, relations, subgroups.whole.table, subgroups.whole.row)
    parts = [_n_cell(published, relations, subgroups.parts_table, row) for row in subgroups.parts_rows]
    if whole.empty or any(part.empty for part in parts):
        return []
    ns = [int(part["value"].iloc[0]) for part in parts]
    total = sum(ns)
    if total <= int(whole["value"].iloc[0]):
        return []
    whole_columns = relations.respondent_table(subgroups.whole.table)
    parts_columns = relations.respondent_table(subgroups.parts_table)
    notes = []
    # Only what pools as an n-weighted mean: a share and a mean, not an SD.
    for measure in (m for m in MEASURES if m.stat != "sd"):
        if whole_columns.column(measure) is None or parts_columns.column(measure) is None:
            continue
        values = [published_cell(published, subgroups.parts_table, row, parts_columns.column(measure), measure.stat)
                  for row in subgroups.parts_rows]
        own = published_cell(published, subgroups.whole.table, subgroups.whole.row, whole_columns.column(measure),
                             measure.stat)
        if all(not v.empty for v in values) and not own.empty:
            pooled = sum(k * v["value"].iloc[0] for k, v in zip(ns, values)) / total
            notes.append(f"{whole_columns.column(measure)}: {subgroups.whole.table} prints "
                         f"{number_text(own['value'].iloc[0], 2)}, {subgroups.parts_table} pooled "
                         f"{number_text(pooled, 2)}")
    split = " and ".join(f"{n} {row}" for n, row in zip(ns, subgroups.parts_rows))
    return findings_on(pd.concat([whole] + parts), "cross_table", "subgroups_exceed_total", True,
                       f"Tabel {subgroups.parts_table} splits the {subgroups.called} into {split} = {total}, more "
                       f"than the {int(whole['value'].iloc[0])} {subgroups.called} of Tabel {subgroups.whole.table}",
                       "; ".join(notes))


def _text_total(published: pd.DataFrame, metadata: dict, relations: Relations, table: str) -> list[dict]:
    """A table's n column against the total the text states (its metadata's stated_n 'total')."""
    out: list[dict] = []
    n_column = relations.respondent_table(table).n
    counts = published[published["table"].eq(table) & published["column"].eq(n_column) & published["stat"].eq("n")]
    for entry in (metadata.get(table) or {}).get("stated_n") or []:
        if "total" in str(entry.get("where", "")).casefold() and not counts.empty:
            table_total = int(counts["value"].sum())
            if int(entry["value"]) != table_total:
                out += findings_on(counts, "cross_table", "total_n_text_conflict", False,
                                   f"the text says {entry['value']} respondents in all, but the {n_column} column of "
                                   f"Tabel {table} sums to {table_total}",
                                   f"text: '{entry.get('printed', '')}' (line {entry.get('line', '?')})")
    return out


def _crosstab_margins(published: pd.DataFrame, metadata: dict, crosstab: Crosstab, n_max: int) -> list[dict]:
    """The margins of a crosstab (total percentages) against the distribution rows it crosses."""
    out: list[dict] = []
    grid = crosstab_grid(published, crosstab.table, n_max)
    if grid is None or not grid.bases:
        return out
    cells = published[published["table"].eq(crosstab.table) & published["stat"].eq("pct")]
    n0 = grid.bases[0]
    rows = {(r.table, r.row): r for r in distribution_rows(published, metadata) if not r.subrow}
    for crossed, margin, labels in ((crosstab.rows_are, grid.counts.sum(axis=1), grid.rows),
                                    (crosstab.columns_are, grid.counts.sum(axis=0), grid.cols)):
        item = rows.get((crossed.table, crossed.row)) if crossed is not None else None
        if item is None or list(labels) != list(item.labels):
            continue
        ok = [v is None or compatible_counts([v, None], [d, None], n0) is not None
              and abs(Fraction(100 * int(k), n0) - to_fraction(v)) <= half_unit(d)
              for v, d, k in zip(item.values, item.decimals, margin)]
        if not all(ok):
            out += findings_on(pd.concat([cells, item.cells]), "cross_table", "margin_conflict", False,
                               f"the margins of Tabel {crosstab.table} at n = {n0} ({'/'.join(map(str, margin))}) do "
                               f"not reproduce '{item.row}' in Tabel {item.table}", f"bases={list_text(grid.bases)}")
    return out


def _population(published: pd.DataFrame, metadata: dict, relations: Relations, population: Population,
                n_max: int) -> list[dict]:
    """The n a title or note states against everyone who answered the questionnaire."""
    out: list[dict] = []
    size = _n_cell(published, relations, population.size.table, population.size.row)
    if size.empty:
        return out
    smallest: dict[str, set[int]] = {}
    for r in distribution_rows(published, metadata):
        if (b := implied_bases(r.values, r.decimals, n_max)):
            smallest.setdefault(r.table, set()).add(b[0])
    everyone = int(size["value"].iloc[0])
    source = f"Tabel {population.size.table}" + (" and the text" if population.size_also_in_text else "")
    for table in population.tables:
        stated = table_stated_n(metadata, table)
        if stated and stated[0] > everyone:
            out += findings_on(first_cell(published, table), "cross_table", "stated_n_exceeds_population", False,
                               f"{stated[1]} states n = {stated[0]}, more than the {everyone} {population.called} "
                               f"who answered the survey ({source})",
                               f"table-level finding, anchored at the first cell of Tabel {table}"
                               + "".join(f"; also stated: n = {e['value']} ({e.get('where', '')})"
                                         for e in (metadata.get(table) or {}).get("stated_n") or []
                                         if int(e["value"]) != stated[0])
                               + (f"; smallest bases of its rows: {list_text(sorted(smallest[table]))}"
                                  if table in smallest else ""))
    return out


def _partition_means(published: pd.DataFrame, partition: Partition) -> list[dict]:
    """An overall mean against the means of each section's groups, which split the same people."""
    out: list[dict] = []
    t = published[published["table"].eq(partition.table) & published["stat"].eq("mean")]
    overall = t[t["section"].eq("") & t["row"].eq(partition.overall_row)]
    for _, total in overall.iterrows():
        for section, part in t[t["section"].ne("") & t["column"].eq(total["column"])].groupby("section", sort=False):
            intervals = [printed_interval(c) for _, c in part.iterrows()]
            lo, hi = min(b[0] for b in intervals), max(b[1] for b in intervals)
            v, h = to_fraction(total["value"]), half_unit(total["decimals"])
            if v + h < lo or v - h > hi:
                values = ", ".join(f"{r} {number_text(x)}" for r, x in zip(part["row"], part["value"]))
                out += findings_on(pd.concat([total.to_frame().T, part]), "cross_table", "overall_outside_subgroups",
                                   False,
                                   f"the overall mean {number_text(v)} lies outside the means of every {section} group "
                                   f"({values}); only respondents outside these groups (e.g. another or a missing "
                                   f"answer) could pull it there",
                                   f"column {total['column']}")
    return out

