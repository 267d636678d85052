"""Cleaning: raw text cells -> typed respondent data, losing no row.

Every record read ends in exactly one of two places: the cleaned data, or the exclusions table
with a reason code. Values that cannot be used are set to missing only for a stated reason, and
counted per column in the cleaning log. Values that are not on their scale stop the run (with
every such value listed) unless the config says `cleaning.invalid_values: missing`.

The log counts what the cleaned data holds: a value is counted once, for one reason, and only in a
record that is kept (a value of a record excluded as a duplicate, say, is not counted).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vive_survey.cleaning import derive
from vive_survey.inputs.codebook import Codebook, Item, Scale
from vive_survey.errors import Problem, SurveyInputError, total_count
from vive_survey.inputs.readers import HEADER_SEARCH_ROWS, RawTable, header_rows_hint

EXCLUSION_COLUMNS = ["questionnaire", "source_file", "source_row", "respondent_id", "reason", "detail"]
EXCLUSION_REASONS = {
    "empty_row": "every cell of the record is blank",
    "missing_id": "the respondent id is blank",
    "duplicate_id": "the respondent id was already used by an earlier record of the same file",
    "no_answers": "the record has an id but no answer to any question (metadata such as the institution "
                  "does not count)",
}
# Why a value was set to missing (keys of the log's values_set_missing.<column>).
MISSING_REASONS = {
    "missing_label": "an answer that means no answer on the item's scale (for example 'Ved ikke')",
    "missing_code": "one of the wave's missing_codes (config), in a coded column",
    "invalid_value": "not on the item's scale (cleaning.invalid_values: missing)",
    "short_record": "the record has fewer fields than the header and ends before this column",
    "excel_error": "an Excel error cell (#DIV/0!, #N/A, #VALUE!, #REF!, #NAME?, #NUM!, #NULL! ...)",
    "formula_without_value": "an Excel formula whose value the file does not store",
    "user_missing": "an SPSS or Stata user-defined missing value",
    "implausible_age": "an age outside [min_age, max_age]",
    "implausible_experience": "more years of experience than age - min_working_age",
    "answered_despite_filter": "an answer to an item the filter question says was not asked",
}
ID_BLANKED = {
    "short_record": "the record ends before the id column",
    "excel_error": "the id cell is an Excel error",
    "formula_without_value": "the id cell is a formula without a stored value",
    "user_missing": "the id is a user-defined missing value",
}
MAX_PROBLEMS_PER_COLUMN = 50
_SPACES = re.compile(r"\s+")


@dataclass
class CleanResult:
    data: pd.DataFrame
    exclusions: pd.DataFrame
    log: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _norm(text: str) -> str:
    return _SPACES.sub(" ", str(text)).strip().casefold()


def _normalised(series: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Factorise a text column: (codes per row, distinct values normalised). Cells that are missing
    get code -1. Work per distinct value only, so a million rows cost one pass in C."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return np.asarray(codes), [_norm(u) for u in uniques]


def _code_keys(code: float) -> list[str]:
    as_int = int(code) if float(code).is_integer() else None
    keys = [_norm(str(code))]
    if as_int is not None:
        keys += [str(as_int), f"{as_int}.0", f"{as_int},0"]
    return keys


def missing_code_keys(missing_codes: list) -> set[str]:
    """Every spelling of the wave's missing codes (9 -> '9', '9.0', '9,0')."""
    keys: set[str] = set()
    for code in missing_codes:
        keys.update(_code_keys(float(str(code).replace(",", "."))) if _numeric(code) else [_norm(code)])
    return keys


def categorical_lookup(scale: Scale, missing_codes: list) -> dict[str, int | None]:
    """Every accepted spelling of an answer -> its code (None = a 'no answer' answer)."""
    lookup: dict[str, int | None] = {"": None}
    for key in missing_code_keys(missing_codes):
        lookup[key] = None
    for label in scale.missing_labels:
        lookup[_norm(label)] = None
    for code, label in scale.codes.items():
        for key in _code_keys(code):
            lookup[key] = code
        lookup[_norm(label)] = code
        lookup[_norm(f"({code}) {label}")] = code
        lookup[_norm(f"{code} {label}")] = code
        lookup[_norm(f"{code}. {label}")] = code
        lookup[_norm(f"{code} - {label}")] = code
        for alias in scale.aliases.get(label, ()):
            lookup[_norm(alias)] = code
    return lookup


def _numeric(value: object) -> bool:
    try:
        float(str(value).replace(",", "."))
    except ValueError:
        return False
    return True


@dataclass
class _Context:
    raw: RawTable
    questionnaire: str
    respondent_ids: np.ndarray
    invalid_policy: str
    problems: list[Problem] = field(default_factory=list)
    set_missing: dict = field(default_factory=dict)
    # (column, reason, cells, total): values set to missing while parsing, counted by `settle` once
    # the records to keep are known. cells: record positions, or a boolean mask over the records
    # packed to one bit per record (np.packbits: a million records cost 125 kB per column and reason).
    pending: list = field(default_factory=list)

    def count(self, column: str, reason: str, n: int) -> None:
        """Count values of kept records set to missing (the caller has only kept records)."""
        if n:
            bucket = self.set_missing.setdefault(column, {})
            bucket[reason] = bucket.get(reason, 0) + int(n)

    def flag(self, column: str, reason: str, cells: np.ndarray) -> None:
        """Values set to missing in records not yet known to be kept: a boolean mask over the
        records, or their positions."""
        cells = np.asarray(cells)
        if cells.dtype == bool:
            total = int(np.count_nonzero(cells))
            cells = np.packbits(cells) if total else cells
        else:
            total = len(cells)
        if total:
            self.pending.append((column, reason, cells, total))

    def settle(self, kept: np.ndarray) -> None:
        """Count the flagged values of the records kept."""
        dropped = np.flatnonzero(~kept)
        for column, reason, cells, total in self.pending:
            if len(dropped) == 0:
                n = total
            elif cells.dtype == np.uint8:  # a packed mask
                n = np.count_nonzero(np.unpackbits(cells, count=len(kept)).view(bool) & kept)
            else:
                n = np.count_nonzero(kept[cells])
            self.count(column, reason, int(n))
        self.pending.clear()

    def report_invalid(self, raw_column: str, item_id: str, mask: np.ndarray, values: pd.Series,
                       message: str, hint: str | None) -> None:
        """Cells that are not on their scale: problems (policy 'error') or missing (policy 'missing')."""
        positions = np.flatnonzero(mask)
        if not len(positions):
            return
        if self.invalid_policy == "missing":
            self.flag(item_id, "invalid_value", mask)
            return
        for pos in positions[:MAX_PROBLEMS_PER_COLUMN]:
            rid = self.respondent_ids[pos]
            self.problems.append(Problem(
                message, file=self.raw.file, row=int(self.raw.source_rows[pos]), row_label=self.raw.row_label,
                respondent_id=rid if rid else None, column=raw_column, value=values.iloc[pos], hint=hint))
        if len(positions) > MAX_PROBLEMS_PER_COLUMN:
            more = len(positions) - MAX_PROBLEMS_PER_COLUMN
            self.problems.append(Problem(
                f"... and {more} more values like these in this column ({len(positions)} in all)",
                file=self.raw.file, column=raw_column, count=more))


def resolve_columns(raw: RawTable, items: list[Item]) -> tuple[dict[str, str], list[Problem], list[str], list[str]]:
    """Map each codebook item to the raw column that holds it.

    Returns (item id -> raw column, problems for required items without a column, raw columns no
    item claims, optional items without a column). When the column names are on a lower row than
    the one read as the header (a title row above them), the one problem says which `header_rows`
    to set, rather than listing every column as missing."""
    by_key = {}
    for col in raw.frame.columns:
        by_key.setdefault(_norm(col), col)
    found, problems, absent_optional, missing = {}, [], [], []
    for item in items:
        column = next((by_key[_norm(c)] for c in item.source_columns if _norm(c) in by_key), None)
        if column is not None:
            found[item.id] = column
        elif item.required:
            missing.append(item)
        else:
            absent_optional.append(item.id)
    claimed = {_norm(c) for c in found.values()}
    if missing:
        header = _header_row_below(raw, items, len(found))
        if header is not None:
            row, n = header
            problems.append(Problem(
                f"row {int(raw.source_rows[0]) - 1}, read as the header, names {len(found)} of the {len(items)} "
                f"columns the codebook expects in this file ({len(missing)} required ones are missing); "
                f"row {row} names {n}", file=raw.file, hint=header_rows_hint(row)))
        else:
            problems = _missing_column_problems(raw, missing, {k: c for k, c in by_key.items()
                                                               if k and k not in claimed})
    unknown = [c for c in raw.frame.columns if _norm(c) not in claimed and _norm(c) and not str(c).startswith("Unnamed")]
    return found, problems, unknown, absent_optional


def _header_row_below(raw: RawTable, items: list[Item], in_header: int) -> tuple[int, int] | None:
    """(row, items named) of the first of the top rows of a CSV or Excel file that names more of the
    items' columns than the header row does; None if none does."""
    if raw.row_label != "row" or len(raw.frame) == 0:
        return None
    names = [{_norm(c) for c in item.source_columns} for item in items]
    top = raw.frame.iloc[:HEADER_SEARCH_ROWS].astype(object).to_numpy()
    best = None
    for pos, cells in enumerate(top):
        present = {_norm(v) for v in cells if isinstance(v, str) and v.strip()}
        n = sum(1 for accepted in names if accepted & present)
        if n > max(in_header, 1) and (best is None or n > best[1]):
            best = (int(raw.source_rows[pos]), n)
    return best


def _missing_column_problems(raw: RawTable, missing: list[Item], free: dict[str, str]) -> list[Problem]:
    """One problem per required item without a column, each with the best hint: a column named with
    the item's question text (some exports use it as the header), else a column close to one of
    the item's accepted names or to its question text. `free`: normalised name -> column, of the
    columns no item claims."""
    texts = {item.id: _norm(item.text).rstrip(" ?.:") for item in missing}
    holds_text: dict[str, str] = {}
    # The question text as the whole column name first, then inside it ("Q12. <text>").
    for matches in (lambda key, text: key.rstrip(" ?.:") == text, lambda key, text: len(text) >= 12 and text in key):
        for item in missing:
            taken = set(holds_text.values())
            if item.id not in holds_text:
                col = next((c for k, c in free.items() if c not in taken and matches(k, texts[item.id])), None)
                if col is not None:
                    holds_text[item.id] = col
    unclaimed = {k: c for k, c in free.items() if c not in holds_text.values()}
    problems = []
    for item in missing:
        add = f"add it to source_columns of '{item.id}' in the codebook"
        if item.id in holds_text:
            hint = f"the column '{holds_text[item.id]}' holds this item's question text: {add}"
        else:
            hint = None
            best = 0.0
            candidates = [(_norm(c), 0.75, "name") for c in item.source_columns] + [(texts[item.id], 0.85, "text")]
            for candidate, cutoff, kind in candidates:
                for key in difflib.get_close_matches(candidate, list(unclaimed), n=1, cutoff=cutoff):
                    ratio = difflib.SequenceMatcher(None, candidate, key).ratio()
                    if ratio > best:
                        best = ratio
                        col = unclaimed[key]
                        hint = (f"did you mean '{col}'? (or {add})" if kind == "name" else
                                f"the column '{col}' is close to this item's question text: "
                                f"if it holds this item, {add}")
            hint = hint or f"add the export's column name to source_columns of '{item.id}' in the codebook"
        problems.append(Problem(
            f"required column for item '{item.id}' ({item.text!r}) is missing; looked for "
            + ", ".join(repr(c) for c in item.source_columns), file=raw.file, hint=hint))
    return problems


def _parse_categorical(ctx: _Context, item: Item, scale: Scale, raw_col: str, missing_codes: list) -> pd.Series:
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
        labels = {_norm(label): label for label in scale.labels}
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


def _parse_number(ctx: _Context, item: Item, scale: Scale, raw_col: str) -> pd.Series:
    """Numbers with ',' or '.' as decimal mark. The wave's missing_codes do not apply here (9 years
    of experience is an answer); only the scale's missing_labels mean no answer."""
    series = ctx.raw.frame[raw_col]
    codes, distinct = _normalised(series)
    missing_keys = {_norm(label) for label in scale.missing_labels}
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


def _parse_text(ctx: _Context, raw_col: str) -> pd.Series:
    text = ctx.raw.frame[raw_col].astype("string").str.strip()
    return text.mask(text == "")


def clean_questionnaire(raw: RawTable, questionnaire: str, codebook: Codebook, config: dict) -> CleanResult:
    """Clean one raw export. Problems are returned in the result (not raised) so that the caller can
    report the problems of all files at once."""
    items = codebook.items_for(questionnaire)
    columns, problems, unknown, absent_optional = resolve_columns(raw, items)
    frame = raw.frame
    n_read = len(frame)
    if problems:
        return CleanResult(pd.DataFrame(), pd.DataFrame(columns=EXCLUSION_COLUMNS), {}, problems)

    id_col = columns["respondent_id"]
    ids = frame[id_col].astype(str).str.strip().to_numpy(dtype=object)
    ctx = _Context(raw=raw, questionnaire=questionnaire, respondent_ids=ids,
                   invalid_policy=config["cleaning"]["invalid_values"])
    missing_codes = config.get("missing_codes", [])
    # Cells the reader blanked (absent from a short record, Excel errors, SPSS user-missing ...).
    for item in items:
        if item.id != "respondent_id" and item.id in columns:
            for reason, positions in raw.cell_reasons.get(columns[item.id], {}).items():
                ctx.flag(item.id, reason, positions)

    empty_row = np.ones(n_read, dtype=bool)
    for column in frame.columns:
        text = frame[column]
        if not pd.api.types.is_string_dtype(text.dtype):
            text = text.astype("string")
        empty_row &= text.str.strip().eq("").to_numpy(dtype=bool, na_value=True)
        if not empty_row.any():
            break  # the usual case: no record is blank so far, and later columns cannot change that

    out = {"questionnaire": pd.Series(questionnaire, index=frame.index, dtype="string"),
           "source_row": pd.Series(raw.source_rows, index=frame.index, dtype="Int64"),
           "respondent_id": pd.Series(ids, index=frame.index, dtype="string")}
    for item in items:
        scale = codebook.scale_of(item)
        if item.id == "respondent_id":
            continue
        if item.id not in columns:
            out[item.id] = _empty_column(scale, frame.index)
        elif scale.is_categorical:
            out[item.id] = _parse_categorical(ctx, item, scale, columns[item.id], missing_codes)
        elif scale.kind in ("integer", "number"):
            out[item.id] = _parse_number(ctx, item, scale, columns[item.id])
        else:
            out[item.id] = _parse_text(ctx, columns[item.id])
    data = pd.DataFrame(out)

    reasons = np.full(n_read, "", dtype=object)
    details = np.full(n_read, "", dtype=object)
    reasons[empty_row] = "empty_row"
    blank_id = (data["respondent_id"].fillna("") == "").to_numpy() & (reasons == "")
    reasons[blank_id] = "missing_id"
    for reason, positions in raw.cell_reasons.get(id_col, {}).items():
        details[positions[blank_id[positions]]] = ID_BLANKED.get(reason, reason)
    candidates = reasons == ""
    id_series = data["respondent_id"].where(candidates)
    dup = id_series.duplicated(keep="first").to_numpy() & candidates
    if dup.any():
        first_row = pd.Series(raw.source_rows, index=frame.index).groupby(id_series).transform("min")
        reasons[dup] = "duplicate_id"
        details[dup] = [f"same respondent_id as {raw.row_label} {int(r)}" for r in first_row[dup]]
    questions = [i.id for i in items if codebook.is_question(i)]
    answered = data[questions].notna().any(axis=1).to_numpy(dtype=bool) if questions else np.zeros(n_read, bool)
    no_answers = ~answered & (reasons == "")
    reasons[no_answers] = "no_answers"

    excluded = reasons != ""
    exclusions = pd.DataFrame({
        "questionnaire": questionnaire,
        "source_file": raw.file,
        "source_row": raw.source_rows[excluded],
        "respondent_id": data["respondent_id"].to_numpy(dtype=object)[excluded],
        "reason": reasons[excluded],
        "detail": details[excluded],
    }, columns=EXCLUSION_COLUMNS)
    ctx.settle(~excluded)
    short_records = int(np.count_nonzero(~excluded[raw.short_records]))
    kept = data.loc[~excluded].copy()
    kept = _plausibility(kept, ctx, config)
    kept = _apply_filters(kept, ctx, codebook, items, enforce=config["cleaning"]["enforce_filter"])

    if len(kept) + len(exclusions) != n_read:  # an internal guarantee, not a user error
        raise RuntimeError(f"row accounting broke for {raw.file}: {n_read} read, {len(kept)} kept, "
                           f"{len(exclusions)} excluded")
    log = {
        "file": raw.file,
        "sha256": raw.details.get("sha256"),
        "format": {k: v for k, v in raw.details.items() if k != "sha256"},
        "rows_read": int(n_read),
        "rows_kept": int(len(kept)),
        "rows_excluded": {r: int((reasons == r).sum()) for r in EXCLUSION_REASONS if (reasons == r).any()},
        "short_records": short_records,
        "values_set_missing": {k: dict(sorted(v.items())) for k, v in sorted(ctx.set_missing.items())},
        "columns_ignored": sorted(unknown),
        "optional_items_absent": absent_optional,
    }
    return CleanResult(kept, exclusions, log, ctx.problems)


def _empty_column(scale: Scale, index) -> pd.Series:
    if scale.kind == "ordinal":
        return pd.Series(pd.array([None] * len(index), dtype="Int8"), index=index)
    if scale.kind == "nominal":
        return pd.Series(pd.Categorical([None] * len(index), categories=scale.labels), index=index)
    if scale.kind in ("integer", "number"):
        return pd.Series(pd.array([None] * len(index), dtype="Float64"), index=index)
    return pd.Series(pd.array([None] * len(index), dtype="string"), index=index)


def _plausibility(data: pd.DataFrame, ctx: _Context, config: dict) -> pd.DataFrame:
    """Ages and years of experience that cannot be true are set to missing, and counted."""
    rules = config["cleaning"]
    age = derive.age(data["birth_year"], config["reference_year"])
    bad_age = (age.lt(rules["min_age"]) | age.gt(rules["max_age"])).fillna(False).to_numpy(dtype=bool)
    ctx.count("birth_year", "implausible_age", bad_age.sum())
    data.loc[bad_age, "birth_year"] = pd.NA
    data["age"] = age.mask(bad_age)
    exp = data["experience_years"]
    limit = data["age"] - rules["min_working_age"]
    bad_exp = exp.gt(limit).fillna(False).to_numpy(dtype=bool)
    ctx.count("experience_years", "implausible_experience", bad_exp.sum())
    data.loc[bad_exp, "experience_years"] = pd.NA
    return data


def _apply_filters(data: pd.DataFrame, ctx: _Context, codebook: Codebook, items: list[Item], *,
                   enforce: bool) -> pd.DataFrame:
    """An answer to an item the filter question says was not asked is set to missing."""
    present = {i.id for i in items}
    for item in items:
        if not enforce or item.filter is None or item.filter not in present:
            continue
        not_asked = data[item.filter].eq("Nej").fillna(False).to_numpy(dtype=bool) & data[item.id].notna().to_numpy()
        ctx.count(item.id, "answered_despite_filter", not_asked.sum())
        if not_asked.any():
            data.loc[not_asked, item.id] = pd.NA
    return data


# Open-text answers coded into groups: derived variable -> (open-text item, the questionnaire whose
# respondents are coded, the rule set in config derive). Everyone else gets no code.
OPEN_TEXT_CODING = {
    "job_type": ("job_title", "fagprofessionelle", "job_types"),
    "volunteer_role_group": ("volunteer_role", "frivillige", "volunteer_roles"),
}


def _coded_population(data: pd.DataFrame, variable: str, absent: dict | None) -> np.ndarray:
    """Who gets a code for `variable`: the respondents of its questionnaire, unless that
    questionnaire's file has no column for the open-text item (then nobody: no answer was asked for)."""
    source, questionnaire, _ = OPEN_TEXT_CODING[variable]
    if source in (absent or {}).get(questionnaire, ()):
        return np.zeros(len(data), dtype=bool)
    return data["questionnaire"].eq(questionnaire).to_numpy(dtype=bool)


def blank_open_text(data: pd.DataFrame, variable: str, absent: dict | None = None) -> np.ndarray:
    """The respondents coded for `variable` whose open-text answer is blank (coded as unmatched)."""
    source = OPEN_TEXT_CODING[variable][0]
    blank = data[source].astype("string").str.strip().fillna("").eq("").to_numpy(dtype=bool)
    return blank & _coded_population(data, variable, absent)


def add_derived(data: pd.DataFrame, codebook: Codebook, config: dict, *, absent: dict | None = None
                ) -> pd.DataFrame:
    """Groups, bands, coded open text and reversed item scores, on the combined cleaned data.

    `absent`: questionnaire -> optional items its file has no column for."""
    rules = config["derive"]
    data = data.copy()
    data["group"] = derive.professional_group(data["questionnaire"], data["experience_years"],
                                              rules["experienced_min_years"])
    # The bands of Tabel 4.3 (students) are also used for volunteers in Tabel 4.16.
    data["experience_band"] = derive.experience_band(data["experience_years"], rules["student_experience_bands"])
    # A blank answer is coded as the rule set's unmatched group, like an answer no rule matches
    # (Tabel 4.14 counts both as "Ukendt rolle"); the log counts how many were blank.
    for variable, (source, _, key) in OPEN_TEXT_CODING.items():
        coded = derive.code_open_text(data[source], rules[key]["rules"], rules[key]["unmatched"])
        population = pd.Series(_coded_population(data, variable, absent), index=data.index)
        data[variable] = coded.where(population)
    for item in codebook.items:
        if item.reverse:
            scale = codebook.scale_of(item)
            data[f"{item.id}_r"] = derive.reverse_score(data[item.id], min(scale.codes), max(scale.codes))
    return data


def clean_wave(raws: dict[str, RawTable], codebook: Codebook, config: dict) -> CleanResult:
    """Clean the three questionnaires of a wave, combine them and add derived variables.

    Raises SurveyInputError listing the problems of every file together."""
    from concurrent.futures import ThreadPoolExecutor

    # Two threads: most of the work is in pandas and Arrow, which release the GIL.
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(raws, pool.map(lambda q: clean_questionnaire(raws[q], q, codebook, config), raws)))
    problems = [p for r in results.values() for p in r.problems]
    # A summary entry ("... and 950 more") goes after the values it follows.
    problems.sort(key=lambda p: (p.file or "", p.row if p.row is not None else np.inf if p.count > 1 else -1))
    if problems:
        files = sorted({p.file for p in problems if p.file})
        raise SurveyInputError(problems, title=f"{total_count(problems)} problem(s) in {', '.join(files)}:")
    data = pd.concat([r.data for r in results.values()], ignore_index=True)
    # A group column like the others: a categorical, so that selecting a population costs a lookup
    # per category rather than a string comparison per respondent.
    data["questionnaire"] = pd.Categorical(data["questionnaire"], categories=list(raws))
    # Categorical columns must share their categories across questionnaires to stay categorical.
    for item in codebook.items:
        scale = codebook.scale_of(item)
        if item.id not in data:  # an item only a questionnaire the wave declares absent has
            data[item.id] = _empty_column(scale, data.index)
        if scale.kind == "nominal":
            data[item.id] = pd.Categorical(data[item.id], categories=scale.labels)
        elif scale.kind == "ordinal":
            data[item.id] = data[item.id].astype("Int8")
    absent = {q: r.log.get("optional_items_absent", []) for q, r in results.items()}
    data = add_derived(data, codebook, config, absent=absent)
    exclusions = pd.concat([r.exclusions for r in results.values()], ignore_index=True)
    per_q = {q: r.log for q, r in results.items()}
    log = {
        "rows_read": sum(r["rows_read"] for r in per_q.values()),
        "rows_kept": sum(r["rows_kept"] for r in per_q.values()),
        "rows_excluded": int(len(exclusions)),
        "exclusion_reasons": EXCLUSION_REASONS,
        "missing_reasons": MISSING_REASONS,
        "questionnaires": per_q,
        "derived": {
            "group": _counts(data["group"]),
            "experience_band": _counts(data["experience_band"]),
            "job_type": _counts(data.loc[data["questionnaire"].eq("fagprofessionelle"), "job_type"]),
            "volunteer_role_group": _counts(data["volunteer_role_group"]),
        },
        # Of the coded respondents (professionals for job_type, volunteers for volunteer_role_group),
        # how many had a blank answer, coded as the unmatched group.
        "derived_from_blank": {v: int(blank_open_text(data, v, absent).sum()) for v in OPEN_TEXT_CODING},
    }
    return CleanResult(data, exclusions, log, [])


def _counts(series: pd.Series) -> dict:
    counts = series.value_counts(dropna=False, sort=False)
    return {("(missing)" if pd.isna(k) else str(k)): int(v) for k, v in counts.items()}
