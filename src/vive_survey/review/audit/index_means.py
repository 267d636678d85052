"""Check d: index means against what their items' printed distributions allow.

If every respondent answered every item of a theme, the mean index equals the mean of the item
means, and each item mean is bounded by its printed distribution. Which tables print an index
and which its items is read from relations.yaml (`index_tables`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import pandas as pd

from vive_survey.inputs.codebook import Codebook
from vive_survey.printing.rounding import half_unit, to_fraction
from vive_survey.review.audit.findings import findings_frame, findings_on, number_text
from vive_survey.review.audit.relations import GroupIndexTable, OverallIndexTable, Relations
from vive_survey.review.audit.rows import (DistributionRow, best_item, distribution_rows, group_of,
                                           table_stated_n)

SCALE_MIN, SCALE_MAX = 1, 4
"""The answer scale of every item and index (Stort set aldrig = 1 ... Altid = 4)."""

ItemMatch = Callable[[str, list], tuple[object | None, float]]
"""A row label and codebook items -> the item most like the label, and how alike (`rows.best_item`)."""


@dataclass
class IndexSource:
    """A printed index mean with the distribution rows of its items."""

    mean: pd.Series
    sd: pd.Series | None
    theme: str
    items: list[DistributionRow]
    reverse: list[bool]
    expected: int | None           # the number of items the codebook's theme has
    n: int | None


def index_sources(published: pd.DataFrame, metadata: dict, codebook: Codebook | None,
                  relations: Relations | None) -> list[IndexSource]:
    """Every index mean of the index tables relations.yaml names, with the distribution rows of its items."""
    if relations is None:
        return []
    rows = distribution_rows(published, metadata)
    # The same row label is matched against the same items once per group: remember the answers.
    matches: dict[tuple[str, tuple[str, ...]], tuple[object | None, float]] = {}

    def match(text: str, items: list) -> tuple[object | None, float]:
        key = (text, tuple(i.id for i in items))
        if key not in matches:
            matches[key] = best_item(text, items)
        return matches[key]

    sources: list[IndexSource] = []
    for table in relations.group_index_tables:
        sources += _per_group_sources(published, codebook, relations, table, rows, match)
    for table in relations.overall_index_tables:
        sources += _overall_sources(published, metadata, codebook, table, rows, match)
    return sources


def _per_group_sources(published: pd.DataFrame, codebook: Codebook | None, relations: Relations,
                       index_table: GroupIndexTable, rows: list[DistributionRow], match: ItemMatch
                       ) -> list[IndexSource]:
    """Tabel 4.8: a mean per theme (row) and group (column); the items are the theme's section of
    the item tables, in the group's subrows."""
    sources = []
    t = published[published["table"].eq(index_table.table)]
    ns = {c["column"]: int(c["value"]) for _, c in t[t["stat"].eq("n")].iterrows()}
    for _, mean in t[t["stat"].eq("mean")].iterrows():
        theme = None
        if codebook is not None:
            for th in codebook.themes.values():
                members = codebook.theme_items(th.id)
                if th.index_label == mean["row"] and any(index_table.questionnaire in i.questionnaires
                                                         for i in members):
                    theme = th
                    break
        section = theme.label if theme is not None else mean["row"]
        items = [r for r in rows if r.table in index_table.item_tables and r.section.casefold() == section.casefold()
                 and group_of(r.subrow, [mean["column"]], relations) is not None]
        if not items:
            continue
        members = codebook.theme_items(theme.id) if theme is not None else []
        reverse = [bool(getattr(match(r.row, members)[0], "reverse", False)) for r in items]
        sd = t[t["row"].eq(mean["row"]) & t["column"].eq(mean["column"]) & t["stat"].eq("sd")]
        sources.append(IndexSource(mean, sd.iloc[0] if len(sd) else None, section, items, reverse,
                                   len(members) or None, ns.get(mean["column"])))
    return sources


def _overall_sources(published: pd.DataFrame, metadata: dict, codebook: Codebook | None,
                     index_table: OverallIndexTable, rows: list[DistributionRow], match: ItemMatch
                     ) -> list[IndexSource]:
    """Tabel 4.16: the overall row, a column per '<module> / <theme>'; a module's items in one table,
    a theme's in the section of that name."""
    sources = []
    t = published[published["table"].eq(index_table.table)]
    overall = t["section"].eq("") & t["row"].eq(index_table.overall_row)
    stated = table_stated_n(metadata, index_table.table)
    items_all = codebook.likert_items() if codebook is not None else []
    questionnaire_items = [i for i in items_all if index_table.questionnaire in i.questionnaires]
    for _, mean in t[t["stat"].eq("mean") & overall].iterrows():
        module, _, theme = mean["column"].partition(" / ")
        source = index_table.table_of_module(module)
        if source is None:
            continue
        items = [r for r in rows if r.table == source and (r.section.casefold() == theme.casefold()
                                                           or r.section.casefold().endswith(" " + theme.casefold()))]
        if not items:
            continue
        reverse = []
        for r in items:
            item, score = match(r.row, questionnaire_items)
            reverse.append(bool(item is not None and score >= 0.8 and item.reverse))
        sd = t[overall & t["column"].eq(mean["column"]) & t["stat"].eq("sd")]
        sources.append(IndexSource(mean, sd.iloc[0] if len(sd) else None, mean["column"], items, reverse,
                                   None, stated[0] if stated else None))
    return sources


def _lp_mean_range(boxes: list[tuple[Fraction, Fraction]]) -> tuple[Fraction, Fraction] | None:
    """min and max of sum_j j s_j / 100 for s_j in boxes with sum s_j = 100 (greedy); None if empty."""
    lo_sum, hi_sum = sum(b[0] for b in boxes), sum(b[1] for b in boxes)
    if not lo_sum <= 100 <= hi_sum:
        return None

    def extreme(order):
        s = [b[0] for b in boxes]
        rest = 100 - lo_sum
        for j in order:
            add = min(rest, boxes[j][1] - boxes[j][0])
            s[j] += add
            rest -= add
        return sum(x * (k + SCALE_MIN) for k, x in enumerate(s)) / 100

    idx = list(range(len(boxes)))
    return extreme(idx), extreme(idx[::-1])


def item_mean_range(values: list, decimals: list) -> tuple[Fraction, Fraction, bool]:
    """Range of the mean score (1..4) of a distribution whose shares are known to +-half a unit.

    With the shares summing to 100 this is a linear programme over boxes, solved greedily (flag
    True). If the printed shares cannot sum to 100 at all (flag False), the range covers every
    reading: the shares as relative frequencies (sum j s_j / sum s_j over the boxes' vertices), and
    the missing share placed in any categories (shares at least their printed lower bound) or the
    excess share taken from any (shares at most their printed upper bound).
    """
    boxes = []
    for v, d in zip(values, decimals):
        if v is None:
            boxes.append((Fraction(0), Fraction(100)))
        else:
            p, h = to_fraction(v), half_unit(d if d is not None else 1)
            boxes.append((max(p - h, Fraction(0)), min(p + h, Fraction(100))))
    exact = _lp_mean_range(boxes)
    if exact is not None:
        return exact[0], exact[1], True
    means = []
    for choice in itertools.product(*boxes):
        if sum(choice) > 0:
            means.append(sum(x * (k + SCALE_MIN) for k, x in enumerate(choice)) / sum(choice))
    if sum(b[1] for b in boxes) < 100:
        loose = _lp_mean_range([(b[0], Fraction(100)) for b in boxes])
    else:
        loose = _lp_mean_range([(Fraction(0), b[1]) for b in boxes])
    if loose is not None:
        means += list(loose)
    return min(means), max(means), False


def theme_range(ranges: list[tuple[Fraction, Fraction]], reverse: list[bool]) -> tuple[Fraction, Fraction]:
    """Mean of the item ranges, reverse items as 5 - score."""
    parts = [(SCALE_MIN + SCALE_MAX - hi, SCALE_MIN + SCALE_MAX - lo) if rv else (lo, hi)
             for (lo, hi), rv in zip(ranges, reverse)]
    return sum(p[0] for p in parts) / len(parts), sum(p[1] for p in parts) / len(parts)


def check_index_mean(published: pd.DataFrame, metadata: dict, codebook: Codebook | None = None,
                     relations: Relations | None = None) -> pd.DataFrame:
    """Index means against the interval their items' printed distributions allow.

    If every respondent answered every item of a theme, the mean index equals the mean of the item
    means. Each item mean is bounded using its printed shares (each known to +-half a unit, summing
    to 100); the theme's interval is the mean of the item intervals, computed without and with
    reverse coding (5 - score) of the codebook's `reverse` items. As relations.yaml has it, Tabel
    4.8 is checked per group against 4.4-4.7, B2.1 and B2.2 ('Studerende med praktikerfaring' rows
    for Studerende); the overall row of 4.16 against 4.12, 4.15 and B2.3.

    Parameters
    ----------
    published : DataFrame
        Cells as returned by `published.load_published`.
    metadata : dict
        Per-table metadata as returned by `published.load_metadata`.
    codebook : Codebook, optional
        Themes, their items and the `reverse` flags (None: no reverse items known).
    relations : Relations, optional
        Which tables print index means and which their items (None: no index table is known).

    Returns
    -------
    DataFrame
        Findings on the mean cell: ``index_mean_inconsistent`` (outside both intervals, allowing for
        the rounding of the mean) and ``index_mean_fits_unreversed_only`` (fits only if the reverse
        items were not reversed). Never unattainable: respondents who skip items move an index mean
        away from the mean of item means.
    """
    out: list[dict] = []
    overall_tables = {t.table for t in relations.overall_index_tables} if relations is not None else set()
    for src in index_sources(published, metadata, codebook, relations):
        item_ranges = [item_mean_range(r.values, r.decimals) for r in src.items]
        ranges = [r[:2] for r in item_ranges]
        feasible = [r[2] for r in item_ranges]
        raw = theme_range(ranges, [False] * len(ranges))
        rev = theme_range(ranges, src.reverse)
        m, h = to_fraction(src.mean["value"]), half_unit(src.mean["decimals"])

        def fits(rng):
            return rng[0] - h <= m <= rng[1] + h

        def span(rng):
            return f"{number_text(rng[0], 3)}-{number_text(rng[1], 3)}"

        has_reverse = any(src.reverse)
        fit_raw, fit_rev = fits(raw), fits(rev)
        if fit_rev or (fit_raw and not has_reverse):
            continue
        group = src.mean["column"]
        item_tables = "/".join(dict.fromkeys(r.table for r in src.items))
        notes = []
        rescaled = [r.row for r, ok in zip(src.items, feasible) if not ok]
        if rescaled:
            notes.append(f"rows that cannot sum to 100, taken in every reading (rescaled, or the missing/excess "
                         f"share in any category): {'; '.join(rescaled)}")
        if any(r.blanks for r in src.items):
            notes.append("blank cells taken as unknown shares")
        if src.expected is not None and src.expected != len(src.items):
            notes.append(f"{len(src.items)} item rows found, the codebook's theme has {src.expected}")
        also = [r.row for i, r in enumerate(src.items) if not src.reverse[i]
                and fits(theme_range(ranges, [rv or j == i for j, rv in enumerate(src.reverse)]))]
        if also and not fit_raw:
            notes.append(f"it would fit if also reversed: {'; '.join(also)}")
        item_text = "; ".join(f"{r.row}{' (reverse item)' if rv else ''}: {number_text(lo, 3)}-{number_text(hi, 3)}"
                              for r, (lo, hi), rv in zip(src.items, ranges, src.reverse))
        details = (f"item means (Tabel {item_tables}, {group}): {item_text}; published mean {number_text(m)} allows "
                   f"{number_text(m - h, 2)}-{number_text(m + h, 2)}" + ("; " + "; ".join(notes) if notes else ""))
        # An overall row's mean is named by its column alone; a per-group mean by theme and group.
        where = src.theme if src.mean["table"] in overall_tables else f"{src.theme} / {group}"
        cell = src.mean.to_frame().T
        if not has_reverse:
            out += findings_on(cell, "index_mean", "index_mean_inconsistent", False,
                               f"the published index mean {number_text(m)} ({where}) lies outside {span(raw)}, the "
                               f"range the items' printed distributions in Tabel {item_tables} allow if everyone "
                               f"answered every item (no reverse-coded items): neither fits", details)
        elif not fit_raw:
            out += findings_on(cell, "index_mean", "index_mean_inconsistent", False,
                               f"the published index mean {number_text(m)} ({where}) lies outside the range the items "
                               f"in Tabel {item_tables} allow if everyone answered every item, both with the reverse "
                               f"items reversed ({span(rev)}) and without ({span(raw)}): neither fits", details)
        else:
            out += findings_on(cell, "index_mean", "index_mean_fits_unreversed_only", False,
                               f"the published index mean {number_text(m)} ({where}) fits its items only without "
                               f"reverse coding ({span(raw)}); with the reverse items reversed they give {span(rev)}: "
                               f"not reversed fits", details)
    return findings_frame(out)
