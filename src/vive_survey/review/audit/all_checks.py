"""Every check of the audit, in order, and the count of their findings."""

from __future__ import annotations

import numpy as np
import pandas as pd

from vive_survey.analysis.cells import KEY
from vive_survey.analysis.spec import table_sort_key
from vive_survey.inputs.codebook import Codebook
from vive_survey.review.audit.chi2_note import check_chi2_note
from vive_survey.review.audit.cross_table import check_cross_table
from vive_survey.review.audit.crosstab_groups import check_crosstab_groups
from vive_survey.review.audit.findings import CHECKS, findings_frame
from vive_survey.review.audit.index_means import check_index_mean
from vive_survey.review.audit.index_sd import check_index_sd
from vive_survey.review.audit.mean_sd import check_mean_sd
from vive_survey.review.audit.print_quirks import check_print_quirk, judged_cells
from vive_survey.review.audit.relations import Relations
from vive_survey.review.audit.row_sums import check_implied_n, check_row_sum
from vive_survey.review.audit.significance import check_significance_note
from vive_survey.review.audit.text_claims import check_text_claim
from vive_survey.review.audit.ties import check_rounding_ties

CHECK_FUNCTIONS = (check_print_quirk, check_row_sum, check_implied_n, check_cross_table, check_index_mean,
                   check_mean_sd, check_index_sd, check_chi2_note, check_crosstab_groups, check_significance_note,
                   check_rounding_ties, check_text_claim)
"""One function per name in `CHECKS`, in that order; each takes (published, metadata, codebook, relations)."""


def audit(published: pd.DataFrame, metadata: dict, codebook: Codebook | None, relations: Relations
          ) -> pd.DataFrame:
    """All checks' findings, sorted by table (published.TABLE_ORDER), file order of the cell, check.

    Parameters
    ----------
    published : DataFrame
        From `load_published`. The checks judge a copy in which print quirks have their table's
        precision (`print_quirks.judged_cells`).
    metadata : dict
        From `load_metadata`.
    codebook : Codebook
        From `load_codebook` (reverse items and themes for `check_index_mean`).
    relations : Relations
        From `load_relations` (data/published/relations.yaml): which tables describe the same
        respondents. Checked first against `published`: a relation naming a table, row or column
        that is not there raises SurveyInputError.

    Returns
    -------
    DataFrame
        Columns `FINDING_COLUMNS`, index 0..n-1.
    """
    relations.check_against(published)
    # Print quirks ('30,80' in a table of one decimal) are judged at the value they stand for; only
    # the check of the print itself reads the cells as printed.
    judged = judged_cells(published)
    frames = [check(published if check is check_print_quirk else judged, metadata, codebook, relations)
              for check in CHECK_FUNCTIONS]
    findings = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) \
        else findings_frame([])
    position = {tuple(k): i for i, k in enumerate(published[KEY].itertuples(index=False, name=None))}
    order = pd.DataFrame({
        "t": [table_sort_key(t)[0] for t in findings["table"]],
        "p": [position.get(tuple(k), len(position)) for k in findings[KEY].itertuples(index=False, name=None)],
        "c": [CHECKS.index(c) for c in findings["check"]],
        "i": np.arange(len(findings)),
    })
    findings = findings.iloc[order.sort_values(["t", "p", "c", "i"], kind="stable").index].reset_index(drop=True)
    findings["unattainable"] = findings["unattainable"].astype(bool)
    return findings


def summarise(findings: pd.DataFrame) -> pd.DataFrame:
    """Counts of findings per table, check and code, with how many are unattainable.

    Parameters
    ----------
    findings : DataFrame
        As returned by `audit` (or any check).

    Returns
    -------
    DataFrame
        Columns table, check, code, findings, unattainable; tables in published.TABLE_ORDER.
    """
    if findings.empty:
        return pd.DataFrame(columns=["table", "check", "code", "findings", "unattainable"])
    grouped = (findings.groupby(["table", "check", "code"], sort=False)
               .agg(findings=("code", "size"), unattainable=("unattainable", "sum")).reset_index())
    grouped["unattainable"] = grouped["unattainable"].astype(int)
    keys = [(table_sort_key(t)[0], CHECKS.index(c), code) for t, c, code in
            zip(grouped["table"], grouped["check"], grouped["code"])]
    grouped = grouped.iloc[sorted(range(len(grouped)), key=keys.__getitem__)].reset_index(drop=True)
    return grouped
