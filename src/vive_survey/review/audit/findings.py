"""What a finding is: its columns, the checks and codes, and how numbers are written into its text.

A finding is one row per published cell it concerns (a finding about a whole row lists every cell
of the row; one about a table's title or note is anchored at the table's first cell).
``unattainable`` is True only where the computation proves that no respondent data can produce the
cell together with the cells it is tied to; a warning (which item non-response, a filter or a
missing background answer could explain) has ``unattainable`` False.

Every finding also has a ``strength`` (`strength`): proven (unattainable), strong warning (a
contradiction that missing answers, a filter or another reading could explain) or note (how a
cell is printed, or a fact worth knowing beside a recomputation).
"""

from __future__ import annotations

from types import MappingProxyType

import pandas as pd

from vive_survey.analysis.cells import KEY

FINDING_COLUMNS = KEY + ["check", "code", "unattainable", "strength", "reason", "details"]
CHECKS = ("print_quirk", "row_sum", "implied_n", "cross_table", "index_mean", "mean_sd", "index_sd", "chi2_note",
          "crosstab_groups", "significance_note", "rounding_ties", "text_claim")
"""The checks in the order the audit runs and reports them (findings on one cell sort in this order)."""

CODE_TEXT = MappingProxyType({
    "row_sum_unattainable": "the printed shares cannot sum to 100 under any rounding",
    "row_no_base": "no answering base up to 400 reproduces the printed shares",
    "row_blank_cells": "blank cells in a distribution row",
    "no_base_within_stated_n": "the shares need more answers than the stated n",
    "stated_n_not_implied": "the stated n is not a base of the shares",
    "group_share_conflict": "the same group has different values in two tables",
    "subgroups_exceed_total": "subgroups add up to more than their group",
    "total_n_text_conflict": "the text's total differs from the table",
    "bands_base_conflict": "a distribution does not fit the group it claims to cover",
    "weighted_total_conflict": "a total is not the weighted mean of its rows",
    "band_share_unattainable": "a share needs more people than its band can hold",
    "margin_conflict": "crosstab margins differ from the items' distributions",
    "stated_n_exceeds_population": "a title/note n exceeds the population",
    "overall_outside_subgroups": "an overall mean lies outside all subgroup means",
    "index_mean_inconsistent": "index mean outside what its items allow",
    "index_mean_fits_unreversed_only": "index mean fits only without reverse coding",
    "mean_out_of_range": "mean outside the scale",
    "sd_exceeds_max": "SD larger than possible for the mean",
    "sd_zero_mean_off_grid": "SD 0 with a mean no identical answers give",
    "sd_negative": "negative SD",
    "p_value_impossible": "the printed p-value is impossible / not what the counts give",
    "base_conflict": "shares need a base the related table does not have",
    "note_inequality_reversed": "significance note with the inequality reversed",
    "missing_significance_mark": "coefficient printed without a mark",
    "print_quirk": "a cell printed against the table's own format, judged at the value it stands for",
    "index_sd_exceeds_joint_max": "index SD larger than its items' distributions allow together",
    "index_sd_below_joint_min": "index SD smaller than its items' distributions allow together",
    "partition_shares_conflict": "two columns need different shares of the same groups",
    "exact_p_differs": "the printed p differs from the exact conditional p of the implied counts",
    "crosstab_groups_irreconcilable": "no base reproduces a crosstab and its table by group together",
    "sd_zero_contradicts_crosstab": "an SD of 0 needs answers the crosstab prints as 0",
    "rounding_ties": "cells exactly halfway at the printed precision, and the rounding rule they follow",
    "text_claim_contradicted": "the report's text states what its table does not show",
    "sd_granularity": "no group up to the stated n gives the printed mean and SD together (GRIMMER)",
})
"""Every code a check can give, with the one-line meaning docs/audit.md lists."""

PROVEN, STRONG_WARNING, NOTE = "proven", "strong warning", "note"
STRENGTHS = (PROVEN, STRONG_WARNING, NOTE)
"""From strongest to weakest."""

CODE_STRENGTH = MappingProxyType({
    # proven: a computation shows that no answers give the cells together (unattainable)
    **dict.fromkeys(("row_sum_unattainable", "row_no_base", "no_base_within_stated_n", "group_share_conflict",
                     "subgroups_exceed_total", "band_share_unattainable", "mean_out_of_range", "sd_exceeds_max",
                     "sd_negative", "crosstab_groups_irreconcilable", "sd_zero_contradicts_crosstab", "sd_granularity"), PROVEN),
    # strong warning: a contradiction that item non-response, a filter, a missing background answer
    # or another reading of a table could explain
    **dict.fromkeys(("stated_n_not_implied", "total_n_text_conflict", "bands_base_conflict",
                     "weighted_total_conflict", "margin_conflict", "stated_n_exceeds_population",
                     "overall_outside_subgroups", "index_mean_inconsistent", "index_mean_fits_unreversed_only",
                     "sd_zero_mean_off_grid", "p_value_impossible", "base_conflict", "partition_shares_conflict",
                     "index_sd_exceeds_joint_max", "index_sd_below_joint_min",
                     "text_claim_contradicted"),
                    STRONG_WARNING),
    # note: how a cell or a note is printed, or numbers beside a recomputation
    **dict.fromkeys(("row_blank_cells", "note_inequality_reversed", "missing_significance_mark", "print_quirk",
                     "exact_p_differs", "rounding_ties"), NOTE),
})
"""The strength of each code: proven iff the code can mark a cell unattainable."""


def strength(code: str, unattainable: bool) -> str:
    """How strong a finding is: proven when it is unattainable; otherwise its code's strength, where a
    code that can prove (e.g. sd_exceeds_max at the stated n only) gives a strong warning."""
    if unattainable:
        return PROVEN
    kind = CODE_STRENGTH.get(code, STRONG_WARNING)
    return STRONG_WARNING if kind == PROVEN else kind


def findings_on(cells: pd.DataFrame, check: str, code: str, unattainable: bool, reason: str, details: str = ""
                ) -> list[dict]:
    """One finding per cell of `cells`, all with the same check, code, verdict and text."""
    return [{**{k: c[k] for k in KEY}, "check": check, "code": code, "unattainable": bool(unattainable),
             "reason": reason, "details": details} for _, c in cells.iterrows()]


def findings_frame(rows: list[dict]) -> pd.DataFrame:
    """Findings as a frame with the columns `FINDING_COLUMNS`: text as str, `unattainable` as bool,
    `strength` from the code and the verdict."""
    frame = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    frame["unattainable"] = frame["unattainable"].astype(bool)
    frame["strength"] = [strength(c, u) for c, u in zip(frame["code"], frame["unattainable"])]
    for col in FINDING_COLUMNS:
        if col != "unattainable":
            frame[col] = frame[col].astype(str)
    return frame


def number_text(x, d: int = 1) -> str:
    """A number for an English sentence: fixed decimals, point as decimal mark."""
    return f"{float(x):.{d}f}"


def list_text(values, limit: int = 6) -> str:
    """The first `limit` values, comma-separated, then '…' if there are more."""
    values = list(values)
    text = ", ".join(str(v) for v in values[:limit])
    return text + (", …" if len(values) > limit else "")


def counts_text(counts) -> str:
    """Counts per category as '4/5/41/38'."""
    return "/".join(str(c) for c in counts)
