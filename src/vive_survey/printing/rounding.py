"""Exact rounding arithmetic: what a printed number stands for, and whether a value prints as it.

One module for every part that asks (the formatter, the diff, the audit and the reconstruction),
so that "within the printed precision" means the same everywhere. A printed number is taken as
the decimal it shows (30,8 is exactly 308/10, not the nearest float); a value matches it when
|value - printed| <= half a unit of the printed last digit, inclusive, so that a tie matches both
round-half-even (the report prints 1/16 = 6.25 % as 6,2) and round-half-up (6,3).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction


def to_decimal(value: float) -> Decimal:
    """The shortest decimal that reads back as the float (repr), exactly."""
    return Decimal(repr(float(value)))


def to_fraction(value: float) -> Fraction:
    """The decimal number a printed value stands for, exactly (30.8 -> 308/10, not the float)."""
    return Fraction(repr(float(value)))


def half_unit(decimals: int) -> Fraction:
    """Half a unit of the last printed digit: 1/20 for one decimal."""
    return Fraction(1, 2 * 10 ** int(decimals))


def round_half_even(value: float, decimals: int) -> Decimal:
    """`value` rounded to `decimals` places, ties to even, on its decimal value (not the binary float)."""
    return to_decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN)


def within_printed_precision(value: float, printed_value: float, decimals: int) -> bool:
    """|value - printed| <= half a unit of the printed last digit, in exact arithmetic (inclusive)."""
    return abs(to_fraction(value) - to_fraction(printed_value)) <= half_unit(decimals)
