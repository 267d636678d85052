"""Numbers to text, as the report prints them: decimal comma, half-to-even rounding on the
decimal value, "-" for an exact zero where a table uses it, and the report-style regression cell.

Rounding works on the shortest decimal representation of the float (repr), with Decimal's
ROUND_HALF_EVEN, so 1/16 = 6.25 % prints as 6,2 and 3/16 = 18.75 % as 18,8, exactly as in the report
(binary floats would decide such ties by representation error).
"""

from __future__ import annotations

import math
from decimal import Decimal

from vive_survey.analysis.models import significance_mark
from vive_survey.printing.rounding import round_half_even


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
