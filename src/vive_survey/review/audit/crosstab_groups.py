"""Check: a crosstab against a table of the same two questions by group (Tabel 4.13 and 4.14).

A pattern table (relations.yaml's `pattern_tables`) prints, per group of the crosstab's
respondents, the share who answered both questions within one set of answers (4.14: 1-2 to both,
3-4 to both). If the groups split the crosstab's N respondents, each group's shares are counts
c_gp out of its size n_g, the sizes sum to N, and the counts of a pattern summed over the groups
are the count of the crosstab's block of cells for that pattern (4.13's total percentages give
cell counts c_ij = p_ij N / 100 for a common N). `check_crosstab_groups` searches every N and
every set of group sizes jointly; where none fits under any reading of the group table (its shares
of the members who answered both questions, or of every member), both tables together are
unattainable, else it is a strong warning that names the reading that fits.

The index of the same two questions per group (4.16) is tied in as well: an SD printed 0 means
that the group's members all have one index value, which the pattern table's shares and the
crosstab's empty cells can rule out (`sd_zero_against_crosstab`).
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pandas as pd

from vive_survey.inputs.codebook import Codebook
from vive_survey.printing.rounding import half_unit, to_fraction
from vive_survey.review.audit.bases import N_MAX, count_bounds, scaled_percentages
from vive_survey.review.audit.findings import findings_frame, findings_on, list_text, number_text
from vive_survey.review.audit.index_means import index_sources
from vive_survey.review.audit.relations import PatternTable, Relations
from vive_survey.review.audit.rows import LIKERT, crosstab_grid, published_cell, table_stated_n


def _runs(bits: int):
    """(start, length) of every run of set bits, lowest first."""
    while bits:
        start = (bits & -bits).bit_length() - 1
        shifted = bits >> start
        length = (shifted ^ (shifted + 1)).bit_length() - 1
        yield start, length
        bits &= ~(((1 << length) - 1) << start)


def _smear(x: int, extra: int) -> int:
    """x | x << 1 | ... | x << extra, in O(log extra) steps."""
    result, span = x, 1
    while span < extra + 1:
        step = min(span, extra + 1 - span)
        result |= result << step
        span += step
    return result


def sumset(a: int, b: int, limit: int) -> int:
    """The bitset of x + y (x in a, y in b), up to `limit`: the possible totals of two groups' sizes."""
    out = 0
    for start, length in _runs(b):
        out |= _smear(a << start, length - 1)
    return out & ((1 << (limit + 1)) - 1)


def group_options(values: list[float], decimals: list[int], n_max: int) -> dict[tuple[int, ...], int]:
    """A group's printed shares -> {counts per pattern: bitset of the group sizes n that give them}.

    The rest of a group (answers of no pattern) is not printed, so the counts may sum to less than
    n. A group printed with 0 in every pattern may be empty (n = 0)."""
    options: dict[tuple[int, ...], int] = {}
    if all(v == 0 for v in values):
        options[(0,) * len(values)] = 1
    big_p, scale, blank = scaled_percentages(values, decimals)
    ns = np.arange(1, n_max + 1, dtype=np.int64)
    lo, hi = count_bounds(big_p, scale, blank, ns)
    for i, n in enumerate(ns.tolist()):
        for combo in itertools.product(*(range(int(a), int(b) + 1) for a, b in zip(lo[i], hi[i]))):
            if sum(combo) <= n:
                options[combo] = options.get(combo, 0) | (1 << n)
    return options


def group_totals(groups: list[dict[tuple[int, ...], int]], n_max: int) -> dict[tuple[int, ...], int]:
    """Every groups' sum of pattern counts -> the bitset of total sizes N that give it (dynamic programme
    over the groups; a state is the pattern counts, its value the possible totals)."""
    states = {(0,) * len(next(iter(groups[0]))): 1} if groups and groups[0] else {}
    for options in groups:
        new: dict[tuple[int, ...], int] = {}
        for key, bits in states.items():
            for counts, sizes in options.items():
                total = tuple(a + b for a, b in zip(key, counts))
                if sum(total) > n_max:
                    continue
                reach = sumset(bits, sizes, n_max)
                if reach:
                    new[total] = new.get(total, 0) | reach
        states = new
    return states


def _short(pattern: PatternTable, p: int) -> str:
    """A pattern as a finding names it: 'both Stort set aldrig/Sjældent'."""
    return "both " + "/".join(pattern.patterns[p][1])


def _pattern_rows(published: pd.DataFrame, pattern: PatternTable) -> list[tuple[str, pd.DataFrame]]:
    """(group, its cells in pattern order) for every row of the pattern table that prints every pattern."""
    t = published[published["table"].eq(pattern.table) & published["stat"].eq("pct")]
    rows = []
    for group, part in t.groupby("row", sort=False):
        cells = [part[part["column"].eq(column)] for column, _ in pattern.patterns]
        if all(len(c) == 1 and not pd.isna(c["value"].iloc[0]) for c in cells):
            rows.append((group, pd.concat(cells)))
    return rows


def _blocks(grid, pattern: PatternTable) -> np.ndarray:
    """Per cell of the crosstab grid: the index of the pattern whose block holds it, or -1 (mixed)."""
    block = np.full(grid.values.shape, -1)
    for p, (_, answers) in enumerate(pattern.patterns):
        block[np.ix_([r in answers for r in grid.rows], [c in answers for c in grid.cols])] = p
    return block


def check_crosstab_groups(published: pd.DataFrame, metadata: dict, codebook: Codebook | None = None,
                          relations: Relations | None = None, n_max: int = N_MAX) -> pd.DataFrame:
    """A crosstab and its pattern table by group, taken jointly; and an index SD of 0 against both.

    Parameters
    ----------
    published : DataFrame
        Cells as the checks judge them (print quirks at their intended precision).
    metadata : dict
        Per-table metadata (the index table's stated n bounds a group's size).
    codebook : Codebook, optional
        For the index's items (`index_means.index_sources`).
    relations : Relations, optional
        Its `pattern_tables` (None or none: nothing to check).
    n_max : int
        Largest N searched.

    Returns
    -------
    DataFrame
        ``crosstab_groups_irreconcilable`` (unattainable unless a lenient reading fits, on every share cell of both tables) with the
        proof: the N searched, the N the crosstab alone allows and why each fails; and
        ``sd_zero_contradicts_crosstab`` (a strong warning, on the SD, the group's shares and the crosstab
        cells it needs).
    """
    out: list[dict] = []
    for pattern in (relations.pattern_tables if relations is not None else ()):
        grid = crosstab_grid(published, pattern.crosstab, n_max)
        groups = _pattern_rows(published, pattern)
        if grid is None or not groups:
            continue
        out += _joint_bases(published, pattern, grid, groups, n_max)
        if pattern.index is not None:
            out += sd_zero_against_crosstab(published, metadata, codebook, relations, pattern, grid, groups, n_max)
    return findings_frame(out)


def _share_bounds(cells: pd.DataFrame) -> tuple[Fraction, Fraction]:
    """Least and greatest true share (%) of the printed cells summed."""
    values = [to_fraction(v) for v in cells["value"]]
    halves = [half_unit(d) for d in cells["decimals"]]
    return sum(max(v - h, Fraction(0)) for v, h in zip(values, halves)), sum(v + h for v, h in zip(values, halves))


def _joint_bases(published: pd.DataFrame, pattern: PatternTable, grid, groups: list, n_max: int) -> list[dict]:
    block = _blocks(grid, pattern)
    options = [group_options([float(v) for v in cells["value"]], [int(d) for d in cells["decimals"]], n_max)
               for _, cells in groups]
    totals = group_totals(options, n_max)
    flat_p, scale, blank = scaled_percentages(grid.values.ravel().tolist(), grid.decimals.ravel().tolist())
    ns = np.arange(1, n_max + 1, dtype=np.int64)
    lo, hi = count_bounds(flat_p, scale, blank, ns)
    alone, joint, why, lenient = [], [], {}, None
    n_patterns = len(pattern.patterns)
    for i, n in enumerate(ns.tolist()):
        if (lo[i] > hi[i]).any() or lo[i].sum() > n or hi[i].sum() < n:
            continue
        alone.append(n)
        ranges = [(int(lo[i][block.ravel() == p].sum()), int(hi[i][block.ravel() == p].sum()))
                  for p in list(range(n_patterns)) + [-1]]

        def fits(key: tuple[int, ...], total: int) -> bool:
            rest = total - sum(key)
            return all(a <= k <= b for k, (a, b) in zip(key, ranges)) and ranges[-1][0] <= rest <= ranges[-1][1]

        at_n = [key for key, bits in totals.items() if bits >> n & 1]
        if any(fits(key, n) for key in at_n):
            joint.append(n)
            continue
        for key, bits in totals.items():
            larger = bits >> n
            if larger and fits(key, n):
                m = n + (larger & -larger).bit_length() - 1
                lenient = min(lenient or (n, m), (n, m))
        need = ", ".join(f"{_short(pattern, p)} {a}" if a == b else f"{_short(pattern, p)} {a}-{b}"
                         for p, (a, b) in enumerate(ranges[:-1]))
        if not at_n:
            smallest = min((b & -b).bit_length() - 1 for b in totals.values()) if totals else None
            why[n] = f"N = {n}: no group sizes sum to {n} (the groups' shares need at least {smallest} people)"
        else:
            give = "; ".join(f"{_short(pattern, p)} {list_text(sorted({k[p] for k in at_n}), 8)}"
                             for p in range(n_patterns))
            why[n] = f"N = {n}: the crosstab's blocks need {need}; group sizes summing to {n} give {give}"
    if joint or not alone:
        return []
    crosstab_cells = published[published["table"].eq(pattern.crosstab) & published["stat"].eq("pct")]
    share_cells = pd.concat([cells for _, cells in groups])
    # A bound that holds at every N: the groups' counts of a pattern are at most (least) the largest
    # (smallest) share any group prints of it, times N, while the block's cells hold at least (most)
    # their printed shares' sum.
    general = []
    for p in range(len(pattern.patterns)):
        block_cells = crosstab_cells[[block[grid.rows.index(r), grid.cols.index(c)] == p
                                      for r, c in zip(crosstab_cells["row"], crosstab_cells["column"])]]
        b_lo, b_hi = _share_bounds(block_cells)
        g_bounds = [_share_bounds(cells.iloc[[p]]) for _, cells in groups]
        g_hi, g_lo = max(b[1] for b in g_bounds), min(b[0] for b in g_bounds)
        if b_lo > g_hi:
            general.append(f"{_short(pattern, p)}: Tabel {pattern.crosstab}'s block holds at least "
                           f"{number_text(b_lo, 2)} % of N, every group at most {number_text(g_hi, 2)} % of its "
                           f"members")
        elif b_hi < g_lo:
            general.append(f"{_short(pattern, p)}: Tabel {pattern.crosstab}'s block holds at most "
                           f"{number_text(b_hi, 2)} % of N, every group at least {number_text(g_lo, 2)} % of its "
                           f"members")
    proof = ("; so at no N: " + "; ".join(general)) if general else ""
    reason = (f"no number of respondents reproduces Tabel {pattern.crosstab} and Tabel {pattern.table} together, if "
              f"Tabel {pattern.table}'s groups ({', '.join(g for g, _ in groups)}) split Tabel {pattern.crosstab}'s "
              f"respondents: searched N = 1-{n_max}; Tabel {pattern.crosstab} alone fits N = {list_text(alone, 5)}, "
              f"and at none of them do group sizes summing to N give the counts of its blocks{proof}")
    details = "; ".join(why[n] for n in alone[:3])
    if lenient:
        details += (f"; only if a group's share counted members who answered one question alone (groups larger "
                    f"than the crosstab's N) would they fit, the first at N = {lenient[0]} with groups of "
                    f"{lenient[1]} in all")
    # Proven only when no reading of the group table fits: where its shares could count members who
    # answered one question alone (Tabel 4.14 read as shares of every member of a role, as
    # tables/4.14.yaml computes it), data can reproduce both tables, and the bundled wave does.
    return findings_on(pd.concat([crosstab_cells, share_cells]), "crosstab_groups", "crosstab_groups_irreconcilable",
                       not lenient, reason, details)


def _smallest_nonzero_sd(step: Fraction, n_upper: int) -> float:
    """The least SD (population or sample, whichever is smaller) of 2..n_upper values on a grid of
    `step` that are not all equal: one value one step off, at the largest n."""
    n = max(n_upper, 2)
    return float(step) * math.sqrt(n - 1) / n


def _most_in_cell(grid, row: str, column: str, n_max: int) -> int:
    """The most respondents a printed crosstab cell can hold at any N up to n_max (0 for '0,0')."""
    i, j = grid.rows.index(row), grid.cols.index(column)
    return int(count_bounds(*scaled_percentages([grid.values[i, j]], [grid.decimals[i, j]]),
                            np.arange(1, n_max + 1))[1].max())


def sd_zero_against_crosstab(published: pd.DataFrame, metadata: dict, codebook: Codebook | None,
                             relations: Relations, pattern: PatternTable, grid, groups: list, n_max: int) -> list[dict]:
    """An index SD of 0 for a group, against the group's shares in the pattern table and the crosstab.

    SD 0 means the group's members share one index value v (any two values on the 1/k grid give a
    larger SD among as many people as the index table can hold). Every pattern the group prints
    with a positive share, and the unprinted rest if the shares leave one, bounds v; v must fit all
    of them and the printed mean; each category's members then need answer pairs giving v, whose
    crosstab cells must be able to hold someone."""
    index = pattern.index
    crosstab = relations.crosstab(pattern.crosstab)
    sources = [s for s in index_sources(published, metadata, codebook, relations)
               if s.mean["table"] == index.table and s.mean["column"] == index.column]
    crossed = set()
    if crosstab is not None and crosstab.rows_are is not None and crosstab.columns_are is not None:
        crossed = {(crosstab.rows_are.table, crosstab.rows_are.row),
                   (crosstab.columns_are.table, crosstab.columns_are.row)}
    if not sources or {(r.table, r.row) for r in sources[0].items} != crossed:
        return []
    score = {label: LIKERT.index(label) + 1 for label in LIKERT}
    if not set(grid.rows) <= set(score) or not set(grid.cols) <= set(score):
        return []
    population = [int(published_cell(published, p.size.table, p.size.row,
                                     relations.respondent_table(p.size.table).n, "n")["value"].iloc[0])
                  for p in relations.populations if index.table in p.tables]
    stated = table_stated_n(metadata, index.table)
    n_upper = max(population + ([stated[0]] if stated else []) or [n_max])
    least = _smallest_nonzero_sd(Fraction(1, 2), n_upper)
    out: list[dict] = []
    for group, cells in groups:
        row = index.row_of(group)
        sd = published_cell(published, index.table, row, index.column, "sd", section=index.section)
        mean = published_cell(published, index.table, row, index.column, "mean", section=index.section)
        if sd.empty or mean.empty or pd.isna(sd["value"].iloc[0]):
            continue
        if float(to_fraction(sd["value"].iloc[0]) + half_unit(sd["decimals"].iloc[0])) >= least:
            continue
        m, h = to_fraction(mean["value"].iloc[0]), half_unit(mean["decimals"].iloc[0])
        bounds = [_share_bounds(cells.iloc[[p]]) for p in range(len(pattern.patterns))]
        categories = [(_short(pattern, p), [(a, b) for a in answers for b in answers])
                      for p, ((_, answers), (low, _)) in enumerate(zip(pattern.patterns, bounds)) if low > 0]
        if sum(b[1] for b in bounds) < 100:
            mixed = [(a, b) for a in grid.rows for b in grid.cols
                     if not any(a in answers and b in answers for _, answers in pattern.patterns)]
            categories.append(("the rest (mixed answers)", mixed))
        values = [{Fraction(score[a] + score[b], 2) for a, b in pairs} for _, pairs in categories]
        if not values:
            continue

        def contradiction(common: set) -> list | None:
            """The categories whose answer pairs for the common index values the crosstab holds no
            one in ([] when no common value at all); None when a value fits."""
            if not common:
                return []
            empty = []
            for name, pairs in categories:
                allowed = [(a, b) for a, b in pairs if Fraction(score[a] + score[b], 2) in common]
                if not any(_most_in_cell(grid, a, b, n_max) for a, b in allowed):
                    empty.append((name, allowed))
            return empty or None

        # The printed mean is one of the cells tied in only where the contradiction needs it.
        common = set.intersection(*values)
        empty = contradiction(common)
        if empty is None:
            common = {v for v in common if abs(v - m) <= h}
            empty = contradiction(common)
            if empty is None:
                continue
        else:
            mean = mean.iloc[:0]
        shares = ", ".join(f"{_short(pattern, p)} {number_text(v)} %" for p, v in enumerate(cells["value"]))
        rest = 100 - sum(to_fraction(v) for v in cells["value"])
        needed = []
        if not common:
            why = ("no single index value fits every answer pattern the group has"
                   + (" and the printed mean" if len(mean) else ""))
        else:
            pairs = [p for _, allowed in empty for p in allowed]
            why = (f"so every member's index is {' or '.join(number_text(v, 1) for v in sorted(common))}, and then "
                   + "; ".join(f"'{name}' needs the answers {', '.join(f'{a}/{b}' for a, b in allowed)}"
                               for name, allowed in empty)
                   + f" (rows/columns of Tabel {pattern.crosstab}), which it prints as 0: no respondent at any N "
                     f"up to {n_max}")
            needed = [published_cell(published, pattern.crosstab, a, b, "pct") for a, b in pairs]
        reason = (f"{row}'s SD {number_text(sd['value'].iloc[0])} for the index of the two questions (Tabel "
                  f"{index.table}, mean {number_text(m)}) means all {row} have the same index value (two different "
                  f"values give an SD of at least {number_text(least, 3)} among up to {n_upper} people); Tabel "
                  f"{pattern.table} gives {group} {shares} (the rest, {number_text(rest)} %, mixed answers): {why}")
        # A warning: the argument reads the group table's shares as of the members who answered both
        # questions; read as shares of every member (see check_crosstab_groups) it does not hold.
        out += findings_on(pd.concat([f for f in (sd, mean, cells, *needed) if len(f)]), "crosstab_groups",
                           "sd_zero_contradicts_crosstab",
                           False, reason, "index values each pattern allows: " + "; ".join(
                               f"{name}: {', '.join(number_text(v, 1) for v in sorted(vs))}"
                               for (name, _), vs in zip(categories, values))
                           + f"; read as in the joint check: Tabel {pattern.table}'s shares are of the {group} who "
                             f"answered both questions (Tabel {pattern.crosstab}'s respondents)")
    return out
