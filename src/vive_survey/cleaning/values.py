"""A column's values parsed on its scale: answers of a categorical scale looked up by any accepted
spelling, numbers with either decimal mark, text; and the typed empty column of an item a file
does not have.

The work is per distinct value (a column is factorised first), so a million rows cost one pass in C.
"""

from __future__ import annotations

import difflib
import re

import numpy as np
import pandas as pd

from vive_survey.cleaning.context import CleaningContext
from vive_survey.inputs.codebook import Item, Scale

_SPACES = re.compile(r"\s+")


def norm(text: str) -> str:
    """A name or an answer as compared: white space collapsed and trimmed, case folded."""
    return _SPACES.sub(" ", str(text)).strip().casefold()


def _normalised(series: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Factorise a text column: (codes per row, distinct values normalised). Cells that are missing
    get code -1. Work per distinct value only, so a million rows cost one pass in C."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return np.asarray(codes), [norm(u) for u in uniques]


def _code_keys(code: float) -> list[str]:
    as_int = int(code) if float(code).is_integer() else None
    keys = [norm(str(code))]
    if as_int is not None:
        keys += [str(as_int), f"{as_int}.0", f"{as_int},0"]
    return keys


def missing_code_keys(missing_codes: list) -> set[str]:
    """Every spelling of the wave's missing codes (9 -> '9', '9.0', '9,0')."""
    keys: set[str] = set()
    for code in missing_codes:
        keys.update(_code_keys(float(str(code).replace(",", "."))) if _numeric(code) else [norm(code)])
    return keys


def categorical_lookup(scale: Scale, missing_codes: list) -> dict[str, int | None]:
    """Every accepted spelling of an answer -> its code (None = a 'no answer' answer)."""
    lookup: dict[str, int | None] = {"": None}
    for key in missing_code_keys(missing_codes):
        lookup[key] = None
    for label in scale.missing_labels:
        lookup[norm(label)] = None
    for code, label in scale.codes.items():
        for key in _code_keys(code):
            lookup[key] = code
        lookup[norm(label)] = code
        lookup[norm(f"({code}) {label}")] = code
        lookup[norm(f"{code} {label}")] = code
        lookup[norm(f"{code}. {label}")] = code
        lookup[norm(f"{code} - {label}")] = code
        for alias in scale.aliases.get(label, ()):
            lookup[norm(alias)] = code
    return lookup


def _numeric(value: object) -> bool:
    try:
        float(str(value).replace(",", "."))
    except ValueError:
        return False
    return True


def parse_categorical(ctx: CleaningContext, item: Item, scale: Scale, raw_col: str, missing_codes: list
                      ) -> pd.Series:
    lookup = categorical_lookup(scale, missing_codes)
    code_keys = missing_code_keys(missing_codes)
    codes, distinct = _normalised(ctx.raw.frame[raw_col])
    unknown = object()
    mapped = [lookup.get(key, unknown) for key in distinct]
    invalid_distinct = np.array([m is unknown for m in mapped] + [False])
    is_missing_answer = np.array([m is None and key != "" for m, key in zip(mapped, distinct)] + [False])
    is_missing_code = is_missing_answer & np.array([key in code_keys for key in distinct] + [False])
    numeric = np.array([np.nan if (m is None or m is unknown) else float(m) for m in mapped] + [np.nan])
    invalid = invalid_distinct[codes]
    values = ctx.raw.frame[raw_col]
    if is_missing_answer.any():
        ctx.flag(item.id, "missing_code", is_missing_code[codes])
        ctx.flag(item.id, "missing_label", (is_missing_answer & ~is_missing_code)[codes])
    allowed = ", ".join(f"{c} = {label}" for c, label in sorted(scale.codes.items()))
    hint = (f"allowed: {allowed}; if the value means no answer, add it to missing_codes in the config "
            f"or to missing_labels of scale '{scale.id}' in the codebook")
    if ctx.invalid_policy == "error" and invalid.any():
        labels = {norm(label): label for label in scale.labels}
        for pos in np.flatnonzero(invalid_distinct[:-1]):
            close = difflib.get_close_matches(distinct[pos], list(labels), n=1, cutoff=0.75)
            rows = invalid & (codes == pos)
            typo_hint = f"did you mean '{labels[close[0]]}'? {hint}" if close else hint
            ctx.report_invalid(raw_col, item.id, rows, values, f"not an answer on scale '{scale.id}'", typo_hint)
    else:
        ctx.report_invalid(raw_col, item.id, invalid, values, f"not an answer on scale '{scale.id}'", hint)
    result = numeric[codes]
    missing = np.isnan(result)
    if scale.kind == "ordinal":
        values = pd.arrays.IntegerArray(np.where(missing, 0, result).astype(np.int8), missing)
        return pd.Series(values, index=ctx.raw.frame.index)
    order = {code: k for k, code in enumerate(sorted(scale.codes))}
    category = np.array([order[int(v)] if v == v else -1 for v in numeric], dtype=np.int8)[codes]
    return pd.Series(pd.Categorical.from_codes(category, categories=scale.labels), index=ctx.raw.frame.index)


def parse_number(ctx: CleaningContext, item: Item, scale: Scale, raw_col: str) -> pd.Series:
    """Numbers with ',' or '.' as decimal mark. The wave's missing_codes do not apply here (9 years
    of experience is an answer); only the scale's missing_labels mean no answer."""
    series = ctx.raw.frame[raw_col]
    codes, distinct = _normalised(series)
    missing_keys = {norm(label) for label in scale.missing_labels}
    parsed = pd.to_numeric(pd.Series([d.replace(",", ".") for d in distinct], dtype=object), errors="coerce")
    parsed = np.array(parsed, dtype=float)
    is_blank = np.array([d == "" for d in distinct])
    is_missing_code = np.array([d in missing_keys for d in distinct])
    bad_text = np.isnan(parsed) & ~is_blank
    bad_int = ~np.isnan(parsed) & (scale.kind == "integer") & (parsed != np.floor(parsed))
    out_of_range = np.zeros(len(distinct), dtype=bool)
    if scale.min is not None:
        out_of_range |= parsed < scale.min
    if scale.max is not None:
        out_of_range |= parsed > scale.max
    out_of_range &= ~is_missing_code
    parsed[is_blank | is_missing_code | bad_text | bad_int | out_of_range] = np.nan
    values = series
    pad = lambda arr: np.append(arr, False)[codes]  # noqa: E731 - factorize uses -1 for NaN cells
    ctx.flag(item.id, "missing_label", pad(is_missing_code))
    ctx.report_invalid(raw_col, item.id, pad(bad_text), values, "not a number",
                       "write numbers with digits, using ',' or '.' as decimal mark")
    ctx.report_invalid(raw_col, item.id, pad(bad_int), values, "not a whole number", None)
    bounds = f"{scale.min if scale.min is not None else '-inf'} to {scale.max if scale.max is not None else 'inf'}"
    ctx.report_invalid(raw_col, item.id, pad(out_of_range), values, f"outside the scale's range {bounds}", None)
    result = np.append(parsed, np.nan)[codes]
    missing = np.isnan(result)
    return pd.Series(pd.arrays.FloatingArray(np.where(missing, 0.0, result), missing), index=series.index)


def parse_text(ctx: CleaningContext, raw_col: str) -> pd.Series:
    text = ctx.raw.frame[raw_col].astype("string").str.strip()
    return text.mask(text == "")


def empty_column(scale: Scale, index) -> pd.Series:
    """The column of an item the file has no column for: all missing, of the type the scale gives."""
    if scale.kind == "ordinal":
        return pd.Series(pd.array([None] * len(index), dtype="Int8"), index=index)
    if scale.kind == "nominal":
        return pd.Series(pd.Categorical([None] * len(index), categories=scale.labels), index=index)
    if scale.kind in ("integer", "number"):
        return pd.Series(pd.array([None] * len(index), dtype="Float64"), index=index)
    return pd.Series(pd.array([None] * len(index), dtype="string"), index=index)
