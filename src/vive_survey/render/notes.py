"""The notes under a table: as printed (a stated n restated with the wave's), the chi-square test
of a crosstab recomputed, and the significance legend of the regressions stated correctly.

Their numbers print through the table's format (printing.format), like its cells.
"""

from __future__ import annotations

import re

import pandas as pd

from vive_survey.analysis.spec import TableSpec
from vive_survey.printing.format import Words, fmt_number, is_missing, print_p, print_stat
from vive_survey.render.labels import Labels

# A stated n in a title or note is restated with the wave's n (the most respondents behind any
# cell of the table): "(n = 34)" in 4.12, 4.15 and 4.16, "I alt indgår 45 respondenter" in B2.3.
N_PATTERNS = (re.compile(r"(\(n = )\d+(\))"), re.compile(r"(I alt indgår )\d+( respondenter)"),
              re.compile(r"(In total )\d+( respondents)"))
# The thresholds of the report's significance marks (analysis.models.significance_mark), as the legend prints them.
MARK_LEVELS = (("10", 0.10), ("05", 0.05), ("01", 0.01))


def restate_n(text: str, n: int | None) -> str:
    if n is None:
        return text
    for pattern in N_PATTERNS:
        text = pattern.sub(lambda m: f"{m.group(1)}{n}{m.group(2)}", text)
    return text


def p_text(p: float, spec: TableSpec, labels: Labels) -> str:
    """'= 0,104' or '< 0,001'."""
    below, text = print_p(p, spec.format, Words.of(labels))
    return labels.word("p_below" if below else "p_equals", p=text)


def table_notes(spec: TableSpec, table: pd.DataFrame, labels: Labels, metadata: dict, n: int | None) -> list[str]:
    """The notes of a table: the crosstab's test, the regressions' legend, or the notes as printed."""
    if spec.kind == "crosstab":
        return chi2_notes(spec, table, labels)
    if spec.kind == "ols":
        mark = labels.decimal_mark
        levels = {f"p{k}": fmt_number(v, 2, decimal_mark=mark) for k, v in MARK_LEVELS}
        notes = [labels.word("ols_legend", **levels), labels.word("ols_abbreviations", p10=levels["p10"])]
        if (table["flag"] == "not_estimable").any():
            notes.append(labels.word("ols_not_estimable"))
        return notes
    printed = spec.get("notes") or metadata.get("notes_printed") or []
    return [restate_n(labels(str(note)), n) for note in printed]


def chi2_notes(spec: TableSpec, table: pd.DataFrame, labels: Labels) -> list[str]:
    """Tabel 4.13's note with the recomputed test: chi², df, p, n and, when an expected count is
    small, the permutation p-value, which then decides the significance."""
    fmt, words = spec.format, Words.of(labels)

    def text(stat: str, value) -> str:
        return print_stat(stat, value, fmt, words).text

    test = table[table["section"] == "_test"]
    values = dict(zip(test["stat"], test["value"]))
    flag = test["flag"].iloc[0] if len(test) else ""
    chi2, df, p = values.get("chi2"), values.get("df"), values.get("p")
    if any(is_missing(v) for v in (chi2, df, p)):
        return [labels.word("chi2_missing")]
    small = flag == "small_expected"
    p_perm = values.get("p_permutation")
    deciding = p_perm if small and not is_missing(p_perm) else p
    note = labels.word(
        "chi2_note",
        significance=labels.word("chi2_significant" if deciding < 0.05 else "chi2_not_significant"),
        chi2=text("chi2", chi2), df=text("df", df), p=p_text(p, spec, labels), n=text("n", values.get("n")))
    notes = [note]
    if small and not is_missing(p_perm):
        notes.append(labels.word("chi2_small_expected", min_expected_limit="5",
                                 min_expected=text("min_expected", values.get("min_expected")),
                                 p_permutation=p_text(p_perm, spec, labels)))
    return notes
