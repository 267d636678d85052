"""Check f: a crosstab's chi-square note, recomputed from the counts its printed cells imply."""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import pandas as pd

from vive_survey.inputs.codebook import Codebook
from vive_survey.review.audit.bases import N_MAX, compatible_counts, implied_bases
from vive_survey.review.audit.exact_test import ExactTest, exact_test
from vive_survey.review.audit.findings import findings_frame, findings_on, list_text, number_text
from vive_survey.review.audit.relations import Relations
from vive_survey.review.audit.rows import crosstab_grid, first_cell, is_crosstab, usual_decimals

_P_NOTE = re.compile(r"p\s*([<>]=?)\s*(\d+(?:[.,]\d+)?)")


def crosstab_chi2(counts) -> tuple[float, int, float]:
    """Pearson chi-square without continuity correction.

    Parameters
    ----------
    counts : array-like of int, 2-D
        A contingency table. Rows or columns whose total is 0 are dropped first (they carry no
        information and make expected counts 0).

    Returns
    -------
    tuple of (float, int, float)
        chi2, degrees of freedom and the asymptotic p (`scipy.stats.chi2_contingency`,
        ``correction=False``).
    """
    # Pearson, no correction; tests/test_stats.py checks it against scipy.
    from vive_survey.analysis.stats import chi_square

    test = chi_square(np.asarray(counts).round().astype(np.int64))
    return float(test.statistic), int(test.df), float(test.p)


def check_chi2_note(published: pd.DataFrame, metadata: dict, codebook: Codebook | None = None,
                    relations: Relations | None = None, n_max: int = N_MAX) -> pd.DataFrame:
    """Recompute a crosstab's chi-square from its implied counts and compare with its note.

    The crosstab (Tabel 4.13, total percentages) is read as one distribution over its cells; the
    smallest base reproducing every cell gives the counts, from which chi2, df and the asymptotic p
    (`scipy.stats.chi2_contingency`, no correction) follow. A printed 'p < 0,000' is impossible
    (no p-value is below 0) and is compared with what the counts give. A table of the same
    respondents (relations.yaml: 4.14 for 4.13) whose shares need a base larger than the crosstab's
    (Tabel 4.14's Koordinator shares are fourteenths while 4.13 implies 13 respondents) is flagged
    as well.

    Parameters
    ----------
    published : DataFrame
        Cells as returned by `published.load_published`.
    metadata : dict
        Per-table metadata as returned by `published.load_metadata`.
    codebook : Codebook, optional
        Unused; for the common signature.
    relations : Relations, optional
        Which tables describe the same respondents as a crosstab (None: none known).
    n_max : int
        Largest answering base tried.

    Returns
    -------
    DataFrame
        ``p_value_impossible`` (a warning anchored at the crosstab's first cell, since the note is
        not a cell; the cell itself is attainable), ``exact_p_differs`` (a note beside it: the exact
        conditional p by full enumeration, `exact_test`, and the smallest expected count, where the
        printed p differs from it too) and ``base_conflict`` (warning on the related row's cells).
    """
    out: list[dict] = []
    for table, meta in metadata.items():
        if not is_crosstab(metadata, table):
            continue
        grid = crosstab_grid(published, table, n_max)
        notes = [str(n) for n in meta.get("notes_printed") or []]
        if grid is None or not grid.bases or not notes or set(grid.rows) != set(grid.cols):
            continue
        rows, bases, counts, n0 = grid.rows, grid.bases, grid.counts, grid.bases[0]
        reread = (f"; '{', '.join(grid.reread)}' read with {usual_decimals(published, table)} decimal(s) like the "
                  f"rest of the table (as printed, no base fits)") if grid.reread else ""
        chi2, dof, p = crosstab_chi2(counts)
        kept = np.asarray(counts, dtype=float)[counts.sum(1) > 0][:, counts.sum(0) > 0]
        expected = np.outer(kept.sum(axis=1), kept.sum(axis=0)) / kept.sum()
        small = int((expected < 5).sum())
        exact = exact_test(counts)
        for note in notes:
            for op, number in _P_NOTE.findall(note):
                bound = Fraction(number.replace(",", "."))
                impossible = op.startswith("<") and bound <= 0
                contradicts = (op.startswith("<") and p >= bound) or (op.startswith(">") and p <= bound)
                if not (impossible or contradicts):
                    out += _exact_note(published, table, note, op, number, n0, exact, p)
                    continue
                say = (f"the note prints 'p {op} {number}', but a p-value cannot be below 0"
                       if impossible else f"the note prints 'p {op} {number}'")
                # A warning, not unattainable: the note is impossible, the cell it is pinned to is not.
                out += findings_on(first_cell(published, table), "chi2_note", "p_value_impossible", False,
                                   f"{say}; the counts implied by the printed cells (n = {n0}) give chi2 = "
                                   f"{chi2:.2f}, df = {dof}, asymptotic p = {p:.4f}"
                                   + (", so not even p < 0.001 holds" if p >= 0.001 else ""),
                                   f"note: '{note}'; counts@{n0} (rows {', '.join(rows)}) = "
                                   f"{counts.tolist()}; bases={list_text(bases)}{reread}; {small} of {expected.size} "
                                   f"expected counts below 5 (the asymptotic p is unreliable); anchored at the first "
                                   f"cell")
                out += _exact_note(published, table, note, op, number, n0, exact, p)
        crosstab = relations.crosstab(table) if relations is not None else None
        for other in crosstab.same_respondents if crosstab is not None else ():
            out += _base_conflicts(published, table, other, n0, bases, n_max)
    return findings_frame(out)


def _exact_note(published: pd.DataFrame, table: str, note: str, op: str, number: str, n0: int, exact: ExactTest,
                p_asymptotic: float) -> list[dict]:
    """The exact conditional p beside the asymptotic one, where the printed p differs from it too."""
    bound = Fraction(number.replace(",", "."))
    p_values = (exact.p_fisher, exact.p_pearson)
    below, above = all(q < bound for q in p_values), all(q > bound for q in p_values)
    if op.startswith("<") and below or op.startswith(">") and above:
        return []
    return findings_on(first_cell(published, table), "chi2_note", "exact_p_differs", False,
                       f"the note prints 'p {op} {number}'; the exact conditional p of the counts the printed cells "
                       f"imply (n = {n0}, all {exact.tables} tables with the printed margins enumerated) is "
                       f"{exact.p_fisher:.4f} (Fisher-Freeman-Halton: the tables as likely or less) and "
                       f"{exact.p_pearson:.4f} (the tables whose Pearson chi2 is at least the observed "
                       f"{exact.statistic:.2f}), beside the asymptotic {p_asymptotic:.4f}; the smallest expected count "
                       f"is {exact.min_expected:.2f}",
                       f"note: '{note}'; n={n0}; tables={exact.tables}; p_fisher_freeman_halton={exact.p_fisher:.6f}; "
                       f"p_exact_pearson={exact.p_pearson:.6f}; p_asymptotic={p_asymptotic:.6f}; "
                       f"chi2={exact.statistic:.4f}; min_expected={exact.min_expected:.4f}; "
                       f"expected_below_5={exact.below_five}; anchored at the first cell")


def _base_conflicts(published: pd.DataFrame, table: str, other: str, n0: int, bases: list[int], n_max: int
                    ) -> list[dict]:
    """Rows of a table of the same respondents whose shares need more people than the crosstab implies."""
    out: list[dict] = []
    t = published[published["table"].eq(other) & published["stat"].eq("pct")]
    for row, part in t.groupby("row", sort=False):
        vals = [float(v) for v in part["value"]]
        decs = [int(d) for d in part["decimals"]]
        # The unprinted remainder (the mixed answers) is one more category; a row without one, or of zeros
        # only, says nothing about the base.
        if sum(vals) >= 100 or not any(vals):
            continue
        need = implied_bases(vals + [None], decs + [None], n_max)
        if need and need[0] > n0:
            counts_row = compatible_counts(vals + [None], decs + [None], need[0])
            larger = [b for b in bases if b >= need[0]]
            out += findings_on(part, "chi2_note", "base_conflict", False,
                               f"'{row}' in Tabel {other} prints {', '.join(number_text(v) for v in vals)} %, which "
                               f"need a group of at least {need[0]} people "
                               f"({' and '.join(map(str, counts_row[:-1]))} of {need[0]}), more than the {n0} "
                               f"respondents Tabel {table} implies; of the bases that reproduce Tabel {table} "
                               f"alone, only {larger[0] if larger else 'none'} or more would leave room for this "
                               f"row (for the rows taken together, see the check crosstab_groups)",
                               f"bases of the row={list_text(need)}; bases of Tabel {table}={list_text(bases)}")
    return out
