"""Audit of the published tables: which printed cells no respondent data can produce, and why.

The report (VIVE 2021) is not internally consistent. This package checks the transcribed tables
(`data/published/tables/`) by computation only, without respondent data:

* whether a row of printed shares can come from one set of integer counts (GRIM-style, over every
  answering base n up to `N_MAX`), and which bases it implies compared with the n the report
  states (`row_sums`, on the exact arithmetic of `bases`);
* contradictions between tables: group sizes, shares of women, bands of a group, margins of a
  crosstab, titles' n, an overall mean against its subgroups (`cross_table`, `bands`);
* whether an index mean lies within what its items' printed distributions allow (`index_means`);
* whether a standard deviation is possible for its mean on the bounded 1-4 scale (`mean_sd`);
* whether an index SD is possible for its items' printed answers paired in any way
  (`index_sd`);
* the chi-square note of Tabel 4.13, with the exact conditional p (`chi2_note`, `exact_test`), and
  the significance marks of Tabel 4.9 (`significance`);
* a crosstab against its table by group (4.13 and 4.14) taken jointly over every base, and an
  index SD of 0 against both (`crosstab_groups`); the shares of an overall row's groups column by
  column (`partition_shares`);
* print quirks, judged at the value they stand for (`print_quirks`), and which rounding rule the
  exact ties follow (`ties`).

Which tables describe the same respondents is data, not code: `data/published/relations.yaml`,
read and validated by `relations.load_relations`.

Rounding rule. A share k/n is compatible with a printed percentage p with d decimals iff
``|100 * k / n - p| <= 0.5 * 10**-d`` (inclusive), evaluated in exact integer arithmetic, which
accepts both round-half-even (the report's 1/16 = 6.25 -> 6,2) and round-half-up.

Every check returns *findings* (`findings`): one row per published cell a finding concerns, with
the columns of `FINDING_COLUMNS`. ``unattainable`` is True only where the computation proves that
no respondent data can produce the printed cell together with the cells it is tied to; every
finding has a ``strength`` (`findings.strength`: proven, strong warning or note).

All checks are pure: they take the frames of `published.load_published`, the dict of
`published.load_metadata`, a `codebook.Codebook` and the `relations.Relations`, and return new
frames. `audit` runs them all; `audit_markdown` writes docs/audit.md (`python -m
vive_survey.review.audit`).
"""

from vive_survey.review.audit.all_checks import CHECK_FUNCTIONS, audit, summarise
from vive_survey.review.audit.bases import N_MAX, compatible_counts, implied_bases
from vive_survey.review.audit.chi2_note import check_chi2_note, crosstab_chi2
from vive_survey.review.audit.cross_table import check_cross_table
from vive_survey.review.audit.crosstab_groups import check_crosstab_groups
from vive_survey.review.audit.exact_test import exact_test
from vive_survey.review.audit.findings import CHECKS, CODE_STRENGTH, CODE_TEXT, FINDING_COLUMNS, strength
from vive_survey.review.audit.index_means import check_index_mean
from vive_survey.review.audit.index_sd import check_index_sd
from vive_survey.review.audit.markdown import audit_markdown
from vive_survey.review.audit.mean_sd import check_mean_sd, max_sd
from vive_survey.review.audit.print_quirks import check_print_quirk, judged_cells
from vive_survey.review.audit.relations import RELATIONS_FILE, Relations, load_relations, parse_relations
from vive_survey.review.audit.row_sums import check_implied_n, check_row_sum
from vive_survey.review.audit.significance import check_significance_note
from vive_survey.review.audit.ties import check_rounding_ties

__all__ = [
    "CHECKS", "CHECK_FUNCTIONS", "CODE_STRENGTH", "CODE_TEXT", "FINDING_COLUMNS", "N_MAX", "RELATIONS_FILE",
    "Relations", "audit", "audit_markdown", "check_chi2_note", "check_cross_table", "check_crosstab_groups",
    "check_implied_n", "check_index_mean", "check_index_sd", "check_mean_sd", "check_print_quirk",
    "check_rounding_ties", "check_row_sum", "check_significance_note", "compatible_counts", "crosstab_chi2",
    "exact_test", "implied_bases", "judged_cells", "load_relations", "max_sd", "parse_relations", "strength",
    "summarise",
]
