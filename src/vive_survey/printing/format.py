"""Numbers to text, as the report prints them: the one formatter of every regenerated cell.

The report's tables (render.layout), its figures (render.figures) and the reviewer's diff
(review.compare) all print a cell through `print_cell` / `print_stat`, by the table's format (its
spec's `format:` block, analysis.spec.TableFormat): the digits of each statistic, the shape of a
mean with its SD ("2,8 (0,4)"), the text of an exact zero ("-" in the likert tables), an exact 100 %
as "100", and the report-style regression cell ("0,23†", "N.S.", "Ref."). The texts that are not
numbers (the decimal mark, ".." for a suppressed cell, "ikke est.") come from the report's language.

Rounding is printing.rounding's: half-to-even on the shortest decimal representation of the float
(repr), so 1/16 = 6.25 % prints as 6,2 and 3/16 = 18.75 % as 18,8, exactly as in the report (binary
floats would decide such ties by representation error).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from string import Formatter
from typing import NamedTuple

import pandas as pd

from vive_survey.analysis.disclosure import SUPPRESSED
from vive_survey.analysis.models import significance_mark
from vive_survey.analysis.spec import TableFormat
from vive_survey.printing.rounding import round_half_even


# ------------------------------------------------------------------------------- primitives

def fmt_number(value: float | None, decimals: int = 1, *, decimal_mark: str = ",", zero: str | None = None,
               missing: str = "") -> str:
    """`value` rounded half-to-even to `decimals`, with the decimal mark; `zero` replaces a value
    that is exactly 0 (the report prints '-' in some tables); `missing` for None/NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    if zero is not None and float(value) == 0.0:
        return zero
    text = f"{round_half_even(value, decimals):f}"
    if text.startswith("-") and Decimal(text) == 0:
        text = text[1:]
    return text.replace(".", decimal_mark)


def coefficient_cell(coef: float | None, p: float | None, flag: str = "", *, decimals: int = 2,
                     decimal_mark: str = ",") -> str:
    """The report's regression cell: 'Ref.' for a reference level, 'N.S.' when p >= 0.10,
    otherwise the coefficient with † (p < 0.10), * (p < 0.05) or ** (p < 0.01)."""
    if flag == "ref":
        return "Ref."
    if coef is None or p is None or math.isnan(coef) or math.isnan(p):
        return ""
    mark = significance_mark(p)
    if not mark:
        return "N.S."
    return fmt_number(coef, decimals, decimal_mark=decimal_mark) + mark


# ------------------------------------------------------------------------------ printed cells

@dataclass(frozen=True)
class Words:
    """The texts of a cell that are not digits, in the report's language (render.labels has them
    for Danish and English; these defaults are the Danish ones, which the published report uses)."""

    decimal_mark: str = ","
    suppressed: str = ".."
    not_estimable: str = "ikke est."

    @classmethod
    def of(cls, labels) -> "Words":
        """The words of a render.labels.Labels (anything with `word(key)`)."""
        return cls(labels.word("decimal_mark"), labels.word("suppressed"), labels.word("not_estimable"))


DANISH = Words()


class Printed(NamedTuple):
    """A cell as printed. `value` is the number exactly as printed (6,2 -> 6.2, for spreadsheets),
    None for text; `zero_text` the text an exact zero prints as; `parts` the numbers of a compound
    cell ('2,8 (0,4)' -> the mean and the SD). (A named tuple: a table prints a thousand of them.)"""

    text: str
    value: float | None = None
    decimals: int = 0
    zero_text: str | None = None
    parts: tuple["Printed", ...] = ()


BLANK = Printed("")


def is_missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def print_number(value, decimals: int, words: Words = DANISH, *, zero: str | None = None,
                 whole_hundred: bool = False) -> Printed:
    """A number as printed; an exact 100 prints as "100" when `whole_hundred`; `zero` for an exact 0."""
    if is_missing(value):
        return BLANK
    value = float(value)
    if whole_hundred and value == 100.0:
        decimals = 0
    mark = words.decimal_mark
    text = fmt_number(value, decimals, decimal_mark=mark, zero=zero)
    printed = 0.0 if zero is not None and text == zero else float(text.replace(mark, "."))
    return Printed(text, printed, decimals, zero)


def print_stat(stat: str, value, fmt: TableFormat, words: Words = DANISH, *, decimals: int | None = None,
               flag: str = "", p=None) -> Printed:
    """One statistic of a cell as its table prints it. `decimals` overrides the format's digits
    (the diff prints at the published cell's precision); `p` is a coefficient's p-value."""
    if flag == SUPPRESSED:
        return Printed(words.suppressed)
    digits = fmt.digits(stat) if decimals is None else decimals
    if stat == "coef":
        return _coefficient(value, p, flag, fmt, words, digits)
    if stat == "pct":
        return print_number(value, digits, words, zero=fmt.zero, whole_hundred=fmt.whole_hundred)
    return print_number(value, digits, words)


def _coefficient(coef, p, flag: str, fmt: TableFormat, words: Words, digits: int) -> Printed:
    if flag == "not_estimable":
        return Printed(words.not_estimable)
    coef = None if is_missing(coef) else float(coef)
    if fmt.marks == "none":
        return Printed("Ref.") if flag == "ref" else print_number(coef, digits, words)
    p = None if is_missing(p) else float(p)
    return Printed(coefficient_cell(coef, p, flag, decimals=digits, decimal_mark=words.decimal_mark))


@lru_cache(maxsize=64)
def shape_fields(shape: str) -> tuple[str, ...]:
    """The statistics a shape names, in order: '{mean} ({sd})' -> ('mean', 'sd')."""
    return tuple(name for _text, name, _spec, _conv in Formatter().parse(shape) if name)


def _shaped(stats: dict, fields: tuple[str, ...], fmt: TableFormat, words: Words) -> Printed:
    """A compound cell by the format's shape: every statistic present, else the first alone."""
    parts = [print_stat(stat, stats[stat][0], fmt, words) if stat in stats else BLANK for stat in fields]
    if not parts[0].text:
        return BLANK
    if not all(part.text for part in parts):
        return Printed(parts[0].text, parts=(parts[0],))
    return Printed(fmt.shape.format(**{stat: part.text for stat, part in zip(fields, parts)}), parts=tuple(parts))


def print_cell(stats: dict[str, tuple], fmt: TableFormat, words: Words = DANISH) -> Printed:
    """The printed cell of one (row, column) of a table, from its statistics {stat: (value, base_n,
    flag)}: '..' when suppressed, a regression cell, the shape (a mean with its SD), a percentage or
    an n, whichever the cell holds first."""
    if any(flag == SUPPRESSED for _value, _n, flag in stats.values()):
        return Printed(words.suppressed)
    if "coef" in stats:
        coef, _n, flag = stats["coef"]
        return print_stat("coef", coef, fmt, words, flag=flag, p=stats.get("p", (None,))[0])
    fields = shape_fields(fmt.shape)
    if fields and fields[0] in stats:
        return _shaped(stats, fields, fmt, words)
    for stat in ("pct", "mean", "n"):  # a mean the shape does not name prints alone
        if stat in stats:
            return print_stat(stat, stats[stat][0], fmt, words)
    return BLANK


def print_bases(stats_list: list[dict], words: Words = DANISH) -> Printed:
    """The n behind a row (the n column): the base of its percentages or means; a range when it varies."""
    bases, hidden = set(), False
    for stats in stats_list:
        for stat in ("pct", "mean"):
            if stat in stats and not is_missing(stats[stat][1]):
                bases.add(int(stats[stat][1]))
                break
            hidden |= stat in stats and stats[stat][2] == SUPPRESSED
    if not bases:
        return Printed(words.suppressed) if hidden else BLANK
    if len(bases) == 1:
        return print_number(bases.pop(), 0, words)
    return Printed(f"{min(bases)}–{max(bases)}")


def print_p(p: float, fmt: TableFormat, words: Words = DANISH) -> tuple[bool, str]:
    """A p-value for a sentence: (False, '0,104'), or (True, '0,001') when it is below the smallest
    value its digits print ('p < 0,001')."""
    digits = fmt.digits("p")
    floor = 10.0 ** -digits
    if p < floor:
        return True, fmt_number(floor, digits, decimal_mark=words.decimal_mark)
    return False, fmt_number(p, digits, decimal_mark=words.decimal_mark)
