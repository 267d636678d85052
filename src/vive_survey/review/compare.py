"""The reviewer's diff: every published cell against its regenerated twin.

Status of a published cell:
- match: equal at the printed precision (|regenerated - published| <= half a unit of the printed
  last digit); for a regression cell, the same coefficient and the same significance class
  ('N.S.', '†', '*', '**', 'Ref.').
- unattainable: not a match, and the audit of the published tables proves no data can produce it
  (reason from the audit), or the report prints no value at all in the cell.
- mismatch: regenerated, but different.
- missing: published, but not regenerated (no cell with that key, or no value, e.g. no respondents).
- not_available: the table needs a questionnaire the wave declares absent, so it was not computed.
A regenerated cell with no published twin is `extra`.

Every row that is not a match says why in `reason`: the audit's proof for an unattainable cell;
for a mismatch, the audit's findings on the cell when there are any (warnings too, with their
strength), else what differs in numbers ("regenerated 2.486 prints 2,5; published 2,4 needs
2.35-2.45"). `findings` lists the codes of every audit finding on the cell and `strength` the
strongest of them (proven, strong warning, note). `limit` is the known limit of the wave's data
that explains a mismatch, where the wave declares its limits (the bundled reconstructed wave:
data/reconstructed/limits.yaml).

`regenerated` is the regenerated value as its table prints it, by the one formatter of the report
(printing.format.print_stat, with the table's format: its spec's `format:` block), at the
published cell's precision, so that the two read side by side ("30,80" against "30,77"). For a
table whose format is not given, the published cell shows how it prints: an exact zero as "-"
where the report prints "-".
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from vive_survey.printing.format import print_stat
from vive_survey.printing.rounding import within_printed_precision
from vive_survey.analysis.models import significance_mark
from vive_survey.analysis.cells import KEY
from vive_survey.analysis.spec import TableFormat, table_sort_key

DIFF_COLUMNS = ["table", "row", "column", "published", "regenerated", "status", "reason",
                "section", "subrow", "stat", "published_value", "regenerated_value", "decimals", "base_n",
                "findings", "strength", "limit"]
STATUSES = ["match", "mismatch", "missing", "unattainable", "not_available", "extra"]
# The statuses a strict diff fails on: cells that data could reproduce and the wave did not.
NOT_REPRODUCED = ["mismatch", "missing"]
SECONDARY_STATS = {"sd": "sd"}
_MARKS = re.compile(r"(\*\*|\*|†)$")
# The format of a table whose spec's format is not given: the defaults, with an exact zero printed
# as the published cell prints it.
_AS_PUBLISHED = {True: TableFormat(zero="-"), False: TableFormat(zero=None)}


def display_row(row: str, subrow: str) -> str:
    return f"{row} | {subrow}" if subrow else row


def display_column(column: str, stat: str) -> str:
    return f"{column} ({SECONDARY_STATS[stat]})" if stat in SECONDARY_STATS else column


def _regression_status(printed: str, value: float, p: float, flag: str) -> tuple[str, str]:
    printed = printed.strip()
    if printed == "Ref.":
        return ("match", "") if flag == "ref" else ("mismatch", "published as reference level")
    if flag == "ref":
        return "mismatch", "regenerated as reference level"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "missing", "no estimate (level absent or model not estimable)"
    mark = significance_mark(p)
    if printed == "N.S.":
        return ("match", "") if not mark else ("mismatch", f"published N.S., regenerated p = {p:.3f} ({mark})")
    published_mark = (_MARKS.search(printed).group(1) if _MARKS.search(printed) else "")
    number = float(_MARKS.sub("", printed).replace(",", "."))
    decimals = len(_MARKS.sub("", printed).split(",")[-1]) if "," in printed else 0
    same_coef = within_printed_precision(value, number, decimals)
    if same_coef and mark == published_mark:
        return "match", ""
    parts = []
    if not same_coef:
        parts.append(f"coefficient {value:.3f}")
    if mark != published_mark:
        parts.append(f"significance {mark or 'none'} (p = {p:.3f}) against printed {published_mark or 'none'}")
    return "mismatch", "regenerated " + " and ".join(parts)


def not_available_reason(absent_questionnaires: str, not_asked: str = "") -> str:
    if absent_questionnaires.strip():
        names = ", ".join(absent_questionnaires.split())
        return f"not available for this wave: it has no {names} questionnaire (inputs: {names}: absent)"
    names = ", ".join(not_asked.split())
    return f"not available for this wave: the table is built on {names}, which this wave did not ask (codebook not_asked)"


def regenerated_text(stat: str, value: float, p: float, flag: str, decimals: int | None, printed: str,
                     fmt: TableFormat | None) -> str:
    """A regenerated value as its table prints it (`fmt`, the spec's format), at the published
    cell's precision (`decimals`; the format's own when the report printed none)."""
    if fmt is None:
        fmt = _AS_PUBLISHED[printed.strip() == "-"]
    return print_stat(stat, value, fmt, decimals=decimals, flag=flag, p=p).text


def compare(published: pd.DataFrame, regenerated: pd.DataFrame, findings: pd.DataFrame | None = None,
            availability: pd.DataFrame | None = None, formats: dict[str, TableFormat] | None = None,
            limits: Callable[[dict], str] | None = None, left_out: dict[str, tuple] | None = None) -> pd.DataFrame:
    """One row per published cell (in report order), then the extra regenerated cells. A table that
    `availability` marks not_available gives its published cells that status, with the reason, and
    so do the rows and columns the wave's codebook did not ask (`left_out`: table id -> its spec's
    LeftOut entries).
    `formats` (table id -> its spec's TableFormat) says how each table prints its cells. `limits`
    gives, for a mismatching cell (a dict of its KEY), the wave's known limit that explains it, or ""."""
    formats = formats or {}
    unavailable = {} if availability is None else {
        row.table: not_available_reason(row.absent_questionnaires, getattr(row, "not_asked", ""))
        for row in availability.itertuples(index=False) if row.status == "not_available"}
    left_out = left_out or {}
    # A dict, not .loc: a thousand label lookups on a MultiIndex cost more than the whole rest.
    regen = dict(zip(map(tuple, regenerated[KEY].to_numpy()),
                     zip(regenerated["value"], regenerated["base_n"], regenerated["flag"])))
    p_values = regenerated[regenerated["stat"] == "p"].set_index(
        ["table", "section", "row", "subrow", "column"])["value"]
    unattainable, on_cell = {}, {}
    if findings is not None and len(findings):
        proven = findings[findings["unattainable"].astype(bool)]
        for key, group in proven.groupby(KEY, sort=False):
            unattainable[key] = "; ".join(dict.fromkeys(group["reason"].astype(str)))
        for key, group in findings.groupby(KEY, sort=False):
            on_cell[key] = cell_findings(group)
    rows = []
    for cell in published.itertuples(index=False):
        key = tuple(getattr(cell, k) for k in KEY)
        found = key in regen
        value, base_n, flag = regen[key] if found else (float("nan"), pd.NA, "")
        value = float(value)
        decimals = int(cell.decimals) if not pd.isna(cell.decimals) else None
        p = float(p_values.get(key[:5], float("nan"))) if cell.stat == "coef" else None
        shown = (regenerated_text(cell.stat, value, p, flag, decimals, cell.printed, formats.get(cell.table))
                 if found else "")
        if cell.stat == "coef":
            status, reason = _regression_status(cell.printed, value, p, flag) if found else ("missing", "")
        elif cell.printed.strip() == "":
            status, reason = "unattainable", "blank_printed: the report prints no value in this cell"
        elif found and flag == "suppressed":
            status, reason = "missing", "suppressed by disclosure control (disclosure.min_cell_n)"
        elif not found or math.isnan(value):
            status, reason = "missing", "" if not found else "no value regenerated (no respondents in the base)"
        elif within_printed_precision(value, float(cell.value), decimals):
            status, reason = "match", ""
        else:
            status, reason = "mismatch", numeric_reason(value, shown, cell.printed, float(cell.value), decimals)
        if status != "match" and key in unattainable:
            status, reason = "unattainable", unattainable[key]
        if cell.table in unavailable:
            status, reason = "not_available", unavailable[cell.table]
        elif cell.table in left_out:
            gone = next((e for e in left_out[cell.table] if e.covers(cell.section, cell.row, cell.column)), None)
            if gone is not None:
                status, reason = "not_available", gone.reason
        codes, strength, explained = on_cell.get(key, ("", "", ""))
        limit = ""
        if status == "mismatch":
            reason = f"{explained}; {reason}" if explained else reason
            limit = limits(dict(zip(KEY, key))) if limits is not None else ""
        rows.append({"table": cell.table, "row": display_row(cell.row, cell.subrow),
                     "column": display_column(cell.column, cell.stat), "published": cell.printed,
                     "regenerated": shown, "status": status, "reason": reason, "section": cell.section,
                     "subrow": cell.subrow, "stat": cell.stat, "published_value": cell.value,
                     "regenerated_value": value, "decimals": decimals, "base_n": base_n,
                     "findings": codes, "strength": strength, "limit": limit})
    published_keys = set(map(tuple, published[KEY].to_numpy()))
    extra = regenerated[[tuple(k) not in published_keys for k in regenerated[KEY].to_numpy()]]
    for cell in extra.itertuples(index=False):
        rows.append({"table": cell.table, "row": display_row(cell.row, cell.subrow),
                     "column": display_column(cell.column, cell.stat), "published": "",
                     "regenerated": "" if math.isnan(cell.value) else repr(round(float(cell.value), 6)),
                     "status": "extra", "reason": "", "section": cell.section, "subrow": cell.subrow,
                     "stat": cell.stat, "published_value": np.nan, "regenerated_value": cell.value,
                     "decimals": None, "base_n": cell.base_n, "findings": "", "strength": "", "limit": ""})
    out = pd.DataFrame(rows, columns=DIFF_COLUMNS)
    out["decimals"] = out["decimals"].astype("Int64")
    out["base_n"] = out["base_n"].astype("Int64")
    order = sorted(range(len(out)), key=lambda i: (table_sort_key(out.at[i, "table"]), out.at[i, "status"] == "extra", i))
    return out.iloc[order].reset_index(drop=True)


def numeric_reason(value: float, shown: str, printed: str, printed_value: float, decimals: int | None) -> str:
    """What differs, in numbers: the regenerated value, how it prints, and the interval the
    published value needs ("regenerated 2.486 prints 2,5; published 2,4 needs 2.35-2.45")."""
    if decimals is None:
        return f"regenerated {value:.4g} prints {shown}; published {printed}"
    half = 0.5 * 10.0 ** -decimals
    low, high = printed_value - half, printed_value + half
    digits = decimals + 1
    return (f"regenerated {value:.{digits + 1}f} prints {shown}; published {printed.strip()} needs "
            f"{low:.{digits}f}-{high:.{digits}f}")


STRENGTHS = ("proven", "strong warning", "note")


def cell_findings(group: pd.DataFrame) -> tuple[str, str, str]:
    """(the codes of the audit's findings on one cell, the strongest strength, a sentence naming
    each with its strength and reason) — strength from the findings' `strength` column when the
    audit gives one, else proven for an unattainable finding and strong warning otherwise."""
    if "strength" in group.columns:
        strengths = [s or ("proven" if u else "strong warning") for s, u in zip(group["strength"], group["unattainable"])]
    else:
        strengths = ["proven" if u else "strong warning" for u in group["unattainable"]]
    code_of = group["code"].astype(str) if "code" in group.columns else pd.Series("", index=group.index)
    codes = list(dict.fromkeys(c for c in code_of if c))
    strongest = min(strengths, key=lambda s: STRENGTHS.index(s) if s in STRENGTHS else len(STRENGTHS))
    text = "; ".join(dict.fromkeys(f"audit {strength}: {code + ': ' if code else ''}{reason}" for strength, code, reason
                                   in zip(strengths, code_of, group["reason"])))
    return " ".join(codes), strongest, text


def summarise(diff: pd.DataFrame) -> pd.DataFrame:
    """Per table and overall: counts by status and the share of published cells that match, of
    all that the wave could have (not_available cells left out) and of those the audit does not
    mark unattainable either."""
    counts = pd.crosstab(diff["table"], diff["status"]).reindex(columns=STATUSES, fill_value=0)
    counts = counts.reindex(sorted(counts.index, key=table_sort_key))
    counts.loc["Total"] = counts.sum()
    published = counts[["match", "mismatch", "missing", "unattainable", "not_available"]].sum(axis=1)
    available = published - counts["not_available"]
    attainable = available - counts["unattainable"]
    counts.insert(0, "published", published)
    counts["match_share"] = np.where(available > 0, counts["match"] / available.where(available > 0, 1), np.nan)
    counts["match_share_attainable"] = np.where(attainable > 0, counts["match"] / attainable.where(attainable > 0, 1),
                                                np.nan)
    return counts.reset_index().rename(columns={"index": "table"})
