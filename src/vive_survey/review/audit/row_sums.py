"""Checks a and b: can a row of printed shares come from one set of answers, and from how many?

`check_row_sum` finds the distribution rows that no answering base reproduces; `check_implied_n`
compares the bases a reproducible row allows with the n the report states for its group.
"""

from __future__ import annotations

from fractions import Fraction

import pandas as pd

from vive_survey.inputs.codebook import Codebook
from vive_survey.printing.rounding import half_unit, to_fraction
from vive_survey.review.audit.bases import N_MAX, compatible_counts, implied_bases
from vive_survey.review.audit.findings import counts_text, findings_frame, findings_on, list_text, number_text
from vive_survey.review.audit.relations import Relations
from vive_survey.review.audit.rows import (distribution_rows, group_of, group_sizes, reread_trailing_zeros,
                                           table_stated_n, usual_decimals)


def check_row_sum(published: pd.DataFrame, metadata: dict, codebook: Codebook | None = None,
                  relations: Relations | None = None, n_max: int = N_MAX) -> pd.DataFrame:
    """Distribution rows whose printed shares no set of counts reproduces (for any n <= n_max).

    Parameters
    ----------
    published : DataFrame
        Cells as returned by `load_published`.
    metadata : dict
        As returned by `load_metadata` (crosstabs, whose rows are not distributions, are skipped).
    codebook : Codebook, optional
        Unused; for the common signature.
    relations : Relations, optional
        Unused; for the common signature.
    n_max : int
        Largest base tried.

    Returns
    -------
    DataFrame
        Findings (`FINDING_COLUMNS`), one per cell of each offending row. Codes:
        ``row_sum_unattainable`` (the sum is off by more than rounding can explain),
        ``row_no_base`` (the sum is within rounding, yet no base up to n_max fits) - both
        unattainable - and ``row_blank_cells`` (blank cells; consistent only if a blank is an
        unknown count, not 0). A row that fits once a cell with trailing zeros beyond the
        table's precision ('30,80') is read with that precision is no finding here: it is a print
        quirk (`print_quirks`), and `audit` judges such cells at that precision anyway.
    """
    out: list[dict] = []
    for r in distribution_rows(published, metadata):
        if r.remainder:
            continue
        printed = [v for v in r.values if v is not None]
        total = Fraction(0)
        tol = Fraction(0)
        for v, d in zip(r.values, r.decimals):
            if v is not None:
                total += to_fraction(v)
                tol += half_unit(d if d is not None else 1)
        bases = implied_bases(r.values, r.decimals, n_max)
        shares = ", ".join(number_text(v, d or 0) for v, d in zip(r.values, r.decimals) if v is not None)
        if r.blanks:
            zero = implied_bases([0.0 if v is None else v for v in r.values],
                                 [1 if v is None else d for v, d in zip(r.values, r.decimals)], n_max)
            if bases and not zero:
                counts = compatible_counts(r.values, r.decimals, bases[0])
                out += findings_on(r.cells, "row_sum", "row_blank_cells", False,
                                   f"{len(r.blanks)} of {len(r.labels)} cells are blank and the printed shares "
                                   f"{shares} sum to {number_text(total)}: they fit one set of answers only if the "
                                   f"blanks are unknown counts (smallest n = {bases[0]}), not zeros",
                                   f"blank: {', '.join(r.blanks)}; bases (blanks unknown)={list_text(bases)}; "
                                   f"counts@{bases[0]}={counts_text(counts)}; bases (blanks = 0)=none")
                continue
        if bases:
            continue
        # A cell with trailing zeros beyond the table's precision ('30,80') is a print quirk: read with
        # the table's decimals it is judged like its neighbours, and `check_print_quirk` reports the
        # print. Only a row that fits at no base even so is unattainable.
        alt, changed = reread_trailing_zeros(r.printed, r.decimals, usual_decimals(published, r.table))
        if changed and implied_bases(r.values, alt, n_max):
            continue
        if abs(total - 100) > tol:
            reason = (f"row sums to {number_text(total)}, not 100: no set of answers gives these {len(printed)} "
                      f"shares together (rounding moves the sum by at most {number_text(tol, 2)})")
            code = "row_sum_unattainable"
        else:
            reason = (f"row sums to {number_text(total)}, within rounding of 100, but no answering base n <= {n_max} "
                      f"reproduces all {len(printed)} shares together")
            code = "row_no_base"
        details = f"shares={shares}; bases<= {n_max}: none"
        out += findings_on(r.cells, "row_sum", code, True, reason, details)
    return findings_frame(out)


def check_implied_n(published: pd.DataFrame, metadata: dict, codebook: Codebook | None = None,
                    relations: Relations | None = None, n_max: int = N_MAX) -> pd.DataFrame:
    """Bases implied by each distribution row against the n stated for its group.

    The stated n is, in order: an n printed in the same row (Tabel 3.2, 4.2, 4.11); the size of the
    group a subrow names, from the tables relations.yaml's `groups` lists (Tabel 4.2/4.8: Studerende
    109, Nyuddannede 54, Erfarne 181; 'Studerende med praktikerfaring' is the Studerende group); the
    n of the table's title or Anm. (4.12, 4.15: 34; B2.3: 45). Rows without any base are left to
    `check_row_sum`.

    Parameters
    ----------
    published : DataFrame
        Cells as returned by `published.load_published`.
    metadata : dict
        Per-table metadata as returned by `published.load_metadata`.
    codebook : Codebook, optional
        Unused; for the common signature.
    relations : Relations, optional
        Where the groups' sizes are printed and under which labels (`relations.load_relations`);
        None: no group sizes are known.
    n_max : int
        Largest answering base tried.

    Returns
    -------
    DataFrame
        Findings, one per cell of each row. ``no_base_within_stated_n`` (unattainable: every base
        exceeds the stated n, so the group has too few members to give the shares) and
        ``stated_n_not_implied`` (warning: a smaller base fits, e.g. item non-response or a filter).
        Details give the smallest bases, the counts at the smallest base and, per table and group,
        the set of smallest bases of all its rows (different bases within a group are expected).
    """
    rows = distribution_rows(published, metadata)
    sizes = group_sizes(published, relations) if relations is not None else {}
    bases_of = {r.key: implied_bases(r.values, r.decimals, n_max) for r in rows}
    group_bases: dict[tuple[str, str], set[int]] = {}
    for r in rows:
        if bases_of[r.key] and r.stated_n is None:
            group_bases.setdefault((r.table, r.subrow), set()).add(bases_of[r.key][0])
    out: list[dict] = []
    for r in rows:
        bases = bases_of[r.key]
        if not bases:
            # A single share printed with its n (the rest not printed) is no row check_row_sum can sum:
            # that no base up to its n gives it proves it here (0,1 % needs at least 667 answers).
            if r.remainder and r.stated_n is not None and \
                    (r.stated_n <= n_max or not implied_bases(r.values, r.decimals, r.stated_n)):
                shares = ", ".join(number_text(v, d) for v, d in zip(r.values, r.decimals) if v is not None)
                searched = max(n_max, r.stated_n)
                out += findings_on(r.cells, "implied_n", "no_base_within_stated_n", True,
                                   f"the share {shares} needs more than {searched} answers, but the row has n = "
                                   f"{r.stated_n} (printed in the same row of Tabel {r.table})",
                                   f"bases<= {searched}: none; stated n={r.stated_n}")
            continue
        if r.stated_n is not None:
            stated, where = r.stated_n, f"printed in the same row of Tabel {r.table}"
        elif r.subrow and (g := group_of(r.subrow, sizes, relations)) is not None:
            stated, where = sizes[g][0], f"{g} in {sizes[g][1]}"
        elif (t := table_stated_n(metadata, r.table)) is not None:
            stated, where = t
        else:
            continue
        if stated in bases:
            continue
        counts = compatible_counts(r.values, r.decimals, bases[0])
        what = ("share" if r.remainder else "shares")
        shares = ", ".join(number_text(v, d) for v, d in zip(r.values, r.decimals) if v is not None)
        within = [b for b in bases if b <= stated]
        details = f"bases={list_text(bases)}; counts@{bases[0]}={counts_text(counts)}; stated n={stated} ({where})"
        if r.stated_n is None:
            details += (f"; smallest bases of the rows of Tabel {r.table}{' / ' + r.subrow if r.subrow else ''}: "
                        f"{list_text(sorted(group_bases.get((r.table, r.subrow), set())), 12)}")
        if not within:
            out += findings_on(r.cells, "implied_n", "no_base_within_stated_n", True,
                               f"the {what} {shares} need at least n = {bases[0]} answers, but the group has "
                               f"n = {stated} ({where})", details)
        else:
            out += findings_on(r.cells, "implied_n", "stated_n_not_implied", False,
                               f"the {what} {shares} cannot come from n = {stated} ({where}); bases up to "
                               f"{stated} that fit: {list_text(within)} (smallest {bases[0]}, counts "
                               f"{counts_text(counts)})", details)
    return findings_frame(out)
