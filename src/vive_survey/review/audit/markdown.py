"""docs/audit.md: the audit's method, its counts and its findings as a Markdown page."""

from __future__ import annotations

from types import MappingProxyType

import pandas as pd

from vive_survey.review.audit.all_checks import summarise
from vive_survey.review.audit.findings import CHECKS, CODE_STRENGTH, CODE_TEXT, FINDING_COLUMNS, STRONG_WARNING


def _md(text: str) -> str:
    """Text for a Markdown table cell: '|' escaped, on one line."""
    return str(text).replace("|", "\\|").replace("\n", " ")


CHECK_TEXT = MappingProxyType({
    "print_quirk": (
        "Cells printed against their table's own format: trailing zeros beyond the table's precision "
        "('30,80' where the table prints one decimal), a decimal point for the decimal comma ('2.5'), a "
        "parenthesis inside a number ('(0,)0'). Every other check judges such a cell at the value it stands "
        "for ('30,80' as 30,8 +- 0,05); the print itself is a note, never unattainable."),
    "row_sum": (
        "Each distribution row (the shares of Stort set aldrig ... Altid for one question and group) must "
        "come from one set of integer counts k_i summing to a base n. For every n up to 400 - more than the "
        "survey's respondents put together - the admissible counts per cell are computed exactly; a row no "
        "n reproduces is **unattainable**. The reason states the printed sum; if it is off by more than "
        "the rounding of its cells can explain, no n of any size works. Blank cells are treated as unknown "
        "counts (and noted). A print quirk is read at its table's precision first (see print_quirk)."),
    "implied_n": (
        "For every reproducible row, the bases n that fit are compared with the n the report states for "
        "the group (an n in the same row; Tabel 4.2/4.8 for Studerende, Nyuddannede, Erfarne; a title's or "
        "Anm.'s n). A stated n that is not a base is a warning (item non-response or a filter can shrink "
        "the base); a row whose every base exceeds the stated n is **unattainable**. Details list the "
        "bases, the counts at the smallest base and the smallest bases of all rows of the same table and "
        "group (different bases per row are expected)."),
    "cross_table": (
        "Cells that describe the same people in two tables (Tabel 3.2 against 4.2; 4.3's I alt against "
        "4.2's students and its own bands; 4.13's margins against 4.12; the n in the volunteers' tables' "
        "titles against the 34 volunteers of 3.2; 4.16's overall mean against its subgroups). "
        "An overall mean is its groups' means weighted by their shares of the respondents, the same shares "
        "in every column: two columns of 4.16 whose printed means (each +- half a unit) allow no common "
        "shares of a section's groups (Mand and Kvinde; Leder, Koordinator and Medhjælper) are flagged "
        "(a warning: respondents without that background answer, or item non-response, could explain it). "
        "**Unattainable** only where the cells must agree by definition (same group and n) or a part "
        "exceeds its whole."),
    "index_mean": (
        "If every respondent answered every item of a theme, the mean index equals the mean of the item "
        "means. Each item mean is bounded from its printed distribution (every share known only to "
        "+-half a unit, the shares summing to 100), with and without reverse coding (5 - score) of the "
        "codebook's reverse items. A published mean outside both ranges (allowing its own rounding) is a "
        "strong warning, never unattainable: respondents who skip items move an index mean."),
    "mean_sd": (
        "On the 1-4 scale a sample SD cannot exceed sqrt((m - 1)(4 - m) n / (n - 1)); the check allows the "
        "rounding of mean and SD, uses the stated n and flags as **unattainable** only what even n = 2 "
        "cannot give. An SD printed 0 needs a mean that identical answers give (a multiple of 1/k for a "
        "k-item index). Ages get a range check."),
    "index_sd": (
        "An index is each respondent's mean of the theme's items. If its respondents are those its items' "
        "shares imply (a base n common to every item row, everyone answering every item), each item's "
        "answers are known as counts and only their pairing across respondents is free. The largest index "
        "SD is that of the comonotone pairing (every item's answers sorted, averaged position-wise: all "
        "covariances at their maximum at once); the least is at least that of the most even integer "
        "totals, and at least the largest item's SD less the others'; for small n every pairing is "
        "enumerated exactly. Taken over every common base up to 400, "
        "every count vector a row allows there, and with and without reversing the codebook's reverse "
        "items, a printed SD (+- half a unit, sample SD) outside these bounds is **unattainable**. Item rows "
        "without a common base are not checked."),
    "chi2_note": (
        "The crosstab's printed total percentages are read as one distribution; the smallest base "
        "reproducing every cell gives the counts, and chi2, df and the asymptotic p are recomputed "
        "(scipy, no continuity correction) and compared with the note. Beside it, the exact conditional p: "
        "every table with the printed margins is enumerated and weighted by its multiple hypergeometric "
        "probability; the Fisher-Freeman-Halton p sums the tables as likely as the observed one or less, "
        "the exact Pearson p those whose chi2 is at least the observed; with the smallest expected count "
        "(a note where the printed p differs). A related table whose shares need a base the crosstab does "
        "not have is flagged."),
    "crosstab_groups": (
        "A crosstab (4.13, total percentages) and the table of the same two questions by group (4.14: "
        "per volunteer role, the share answering 1-2 to both and 3-4 to both), if the groups split the "
        "crosstab's respondents: for every N up to 400 the crosstab's cells give counts c_ij = p_ij N / 100, "
        "and every set of group sizes summing to N gives counts per pattern (a dynamic programme over the "
        "groups); the crosstab's block for a pattern (its 2x2 block of 1-2 or 3-4 answers) must hold the "
        "groups' counts summed. No N fitting both is **unattainable**, with the N searched, the N the "
        "crosstab alone allows and why each fails. An index of the same two questions per group (4.16) "
        "printed with SD 0 means identical index values in the group; where the group's shares and the "
        "crosstab's empty cells leave no such value, it is **unattainable**."),
    "significance_note": (
        "Significance marks against the table's note: a mark defined with 'p >' and a coefficient printed "
        "without a mark in a table that prints non-significant cells as N.S."),
    "rounding_ties": (
        "At the base its row implies (the n printed in the row if it fits, else the smallest base), a "
        "printed share is a count k out of n; where 100 k / n lies exactly halfway at the printed precision "
        "(1/16 = 6,25 %), the print shows the rule: half-up (6,3) or half-even (6,2), both where the upper "
        "number is even, neither (half-down) where the lower one is odd. One note per table counts them."),
    "text_claim": (
        "The report's prose claims about its tables (chapter 3.2 and 4, transcribed with their lines in "
        "data/published/claims.yaml), evaluated on the printed cells, each cell standing for its rounding "
        "interval: a claim is contradicted only if no values within those intervals satisfy it. A strong "
        "warning on every cell the claim refers to, never unattainable: the text, not the table, may be wrong."),
})
"""What each check does, as docs/audit.md explains it. The tables named here are those of
data/published/relations.yaml, in prose: a relation added there needs its words here too."""


def _cells_text(cells: pd.DataFrame) -> str:
    """'section / row / subrow — column (stat), column …; next row — …' for the cells of one finding."""
    parts = []
    for (section, row, subrow), g in cells.groupby(["section", "row", "subrow"], sort=False):
        where = " / ".join(x for x in (section, row, subrow) if x)
        cols = [f"{c}" + (f" ({st})" if st != "pct" else "") for c, st in zip(g["column"], g["stat"])]
        parts.append(f"{where} — {', '.join(dict.fromkeys(cols))}")
    return "; ".join(parts)


def audit_markdown(findings: pd.DataFrame, published: pd.DataFrame) -> str:
    """The audit as a Markdown page: method, summary, and per check a table of findings.

    Findings on several cells of the same row with the same reason are shown as one line naming the
    columns. Deterministic for given inputs.

    Parameters
    ----------
    findings : DataFrame
        From `audit`.
    published : DataFrame
        From `load_published` (for the number of cells and tables audited).

    Returns
    -------
    str
        The page, ending with a newline.
    """
    lines = [
        "# Audit of the published tables",
        "",
        "<!-- Generated by `python -m vive_survey.review.audit` from data/published/ and data/codebook.yaml; "
        "do not edit by hand (tests/test_audit.py checks that this page is current). -->",
        "",
        f"The audit reads the {len(published)} transcribed cells of {published['table'].nunique()} tables of "
        "VIVE (2021) and proves, by computation alone, which printed cells no respondent data can produce "
        "and which contradict each other. It needs no respondent data.",
        "",
        "**Rounding.** A share k/n matches a printed percentage p with d decimals when "
        "|100 k/n - p| <= 0.5 * 10^-d (inclusive, in exact integer arithmetic), which accepts both "
        "round-half-even (the report prints 1/16 = 6.25 % as 6,2) and round-half-up. A dash is 0; a blank "
        "cell is unknown.",
        "",
        "**Findings.** One row per published cell a finding concerns (a finding about a whole row is listed "
        "for every cell of it; one about a title or a note is anchored at the table's first cell). "
        "`unattainable` is true only where the computation proves that no answers give the cell together "
        "with the cells it is tied to; everything else is a warning that missing answers, filters or "
        "another reading could explain. Columns: " + ", ".join(f"`{c}`" for c in FINDING_COLUMNS) + ".",
        "",
        "**Strength.** Every finding is *proven* (unattainable), a *strong warning* (a contradiction that "
        "item non-response, a filter, a missing background answer or another reading of a table could "
        "explain) or a *note* (how a cell or a note is printed, or numbers beside a recomputation). A code "
        "is proven iff it can mark a cell unattainable; such a code given as a warning is a strong "
        "warning (`findings.strength(code, unattainable)`).",
        "",
        "## What each check does",
        "",
    ]
    for check in CHECKS:
        lines += [f"- **{check}**: {CHECK_TEXT[check]}"]
    lines += ["", "## Summary", "", "| check | findings | unattainable | codes |", "|---|---:|---:|---|"]
    for check in CHECKS:
        part = findings[findings["check"].eq(check)]
        codes = ", ".join(f"`{c}` ({n})" for c, n in part["code"].value_counts(sort=False).items())
        lines.append(f"| {check} | {len(part)} | {int(part['unattainable'].sum())} | {codes} |")
    lines.append(f"| **all** | {len(findings)} | {int(findings['unattainable'].sum())} | |")
    lines += ["", "Per table:", "", "| table | check | code | findings | unattainable |", "|---|---|---|---:|---:|"]
    for _, s in summarise(findings).iterrows():
        lines.append(f"| {s['table']} | {s['check']} | `{s['code']}` | {s['findings']} | {s['unattainable']} |")
    lines += ["", "Codes, with their strength (every code a check can give):", "",
              "| code | strength | meaning | findings |", "|---|---|---|---:|"]
    found = findings["code"].value_counts()
    for code, text in CODE_TEXT.items():
        kind = CODE_STRENGTH.get(code, STRONG_WARNING)
        lines.append(f"| `{code}` | {kind} | {_md(text)} | {int(found.get(code, 0))} |")
    for check in CHECKS:
        part = findings[findings["check"].eq(check)]
        lines += ["", f"## {check}", "",
                  f"{len(part)} findings on cells, {int(part['unattainable'].sum())} unattainable.", ""]
        if part.empty:
            lines.append("No findings.")
            continue
        lines += ["| table | cells | unattainable | reason | details |", "|---|---|:-:|---|---|"]
        grouped = part.groupby(["table", "code", "unattainable", "reason", "details"], sort=False)
        for (table, code, unatt, reason, details), g in grouped:
            lines.append(f"| {table} | {_md(_cells_text(g))} | {'yes' if unatt else 'no'} | {_md(reason)} | "
                         f"{_md(details)} |")
    return "\n".join(lines) + "\n"


def claims_markdown(evaluated: pd.DataFrame) -> str:
    """docs/claims.md: every numeric claim of the report's text (claims.yaml) with its verdict and
    the computation, in the order of the text."""
    counts = evaluated["verdict"].value_counts()
    lines = ["# The report's prose claims about its tables", "",
             "Generated by `python -m vive_survey.review.audit` from data/published/claims.yaml: every numeric or",
             "comparative statement of chapter 3.2 and chapter 4 of VIVE (2021) that refers to a table, with the",
             "line of the report's text extraction, evaluated on the printed cells (each standing for its rounding",
             "interval; a claim is contradicted only if no values within the intervals satisfy it). A contradicted",
             "claim is an audit finding (`text_claim`, docs/audit.md) on every cell it refers to.", "",
             f"{len(evaluated)} claims: " + ", ".join(f"{counts.get(v, 0)} {v}" for v in
                                                   ("consistent", "contradicted", "not_checkable")) + ".", "",
             "| id | line | table | quote | relation | verdict | computation |", "|---|---|---|---|---|---|---|"]
    for row in evaluated.sort_values("line", kind="stable").itertuples(index=False):
        lines.append(f"| {row.id} | {row.line} | {row.table} | {_md(row.quote)} | {row.relation} | "
                     f"**{row.verdict}** | {_md(row.computation)} |")
    return "\n".join(lines) + "\n"

