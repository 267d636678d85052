"""Text that a spreadsheet must not read as a formula.

A cell starting with =, +, -, @, a tab or a carriage return can be run as a formula when a CSV or
workbook is opened in a spreadsheet (CSV/formula injection). Exports prefix such text with an
apostrophe, the spreadsheet convention for "this is text"; a lone "-" (the report's zero) and
plain negative numbers are left as they are.
"""

from __future__ import annotations

import re

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^-\d+([.,]\d+)?$")


def is_risky(text: str) -> bool:
    return (text.startswith(FORMULA_START) and text != "-" and not _PLAIN_NUMBER.match(text))


def neutralise(text: str) -> str:
    return "'" + text if is_risky(text) else text


def restore(text: str) -> str:
    """The inverse of `neutralise`, for reading our own exports back."""
    return text[1:] if text.startswith("'") and is_risky(text[1:]) else text


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell neutralised (numbers untouched)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column].dtype):
            out[column] = out[column].map(lambda v: neutralise(v) if isinstance(v, str) else v)
    return out
