"""Cleaning: raw text cells -> typed respondent data, losing no row.

Every record read ends in exactly one of two places: the cleaned data, or the exclusions table
with a reason code. Values that cannot be used are set to missing only for a stated reason, and
counted per column in the cleaning log. Values that are not on their scale stop the run (with
every such value listed) unless the config says `cleaning.invalid_values: missing`.

The log counts what the cleaned data holds: a value is counted once, for one reason, and only in a
record that is kept (a value of a record excluded as a duplicate, say, is not counted).

This module runs the steps; each has its own module: `columns` (which raw column holds which
item), `values` (parsing a column on its scale), `context` (the values set to missing, counted
once the kept records are known), `records` (exclusions), `consistency` (answers that contradict
others), `derived_variables`. The names other code used to import from here are re-exported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vive_survey.cleaning.columns import resolve_columns
from vive_survey.cleaning.consistency import apply_filters, apply_plausibility
from vive_survey.cleaning.context import MAX_PROBLEMS_PER_COLUMN, MISSING_REASONS, CleaningContext
from vive_survey.cleaning.derived_variables import OPEN_TEXT_CODING, add_derived, blank_open_text
from vive_survey.cleaning.records import (EXCLUSION_COLUMNS, EXCLUSION_REASONS, ID_BLANKED, empty_records,
                                          exclusion_reasons, exclusions_table)
from vive_survey.cleaning.values import (categorical_lookup, empty_column, missing_code_keys, parse_categorical,
                                         parse_number, parse_text)
from vive_survey.errors import Problem, SurveyInputError, total_count
from vive_survey.inputs.codebook import Codebook
from vive_survey.inputs.readers import RawTable

__all__ = [
    "EXCLUSION_COLUMNS", "EXCLUSION_REASONS", "ID_BLANKED", "MAX_PROBLEMS_PER_COLUMN", "MISSING_REASONS",
    "OPEN_TEXT_CODING", "CleanResult", "add_derived", "blank_open_text", "categorical_lookup", "clean_questionnaire",
    "clean_wave", "missing_code_keys", "resolve_columns",
]


@dataclass
class CleanResult:
    """Cleaned data (of one file or a whole wave), its exclusions, its log, and the problems found."""

    data: pd.DataFrame
    exclusions: pd.DataFrame
    log: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


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
    ctx = CleaningContext(raw=raw, questionnaire=questionnaire, respondent_ids=ids,
                          invalid_policy=config["cleaning"]["invalid_values"])
    missing_codes = config.get("missing_codes", [])
    # Cells the reader blanked (absent from a short record, Excel errors, SPSS user-missing ...).
    for item in items:
        if item.id != "respondent_id" and item.id in columns:
            for reason, positions in raw.cell_reasons.get(columns[item.id], {}).items():
                ctx.flag(item.id, reason, positions)

    empty_row = empty_records(frame)

    out = {"questionnaire": pd.Series(questionnaire, index=frame.index, dtype="string"),
           "source_row": pd.Series(raw.source_rows, index=frame.index, dtype="Int64"),
           "respondent_id": pd.Series(ids, index=frame.index, dtype="string")}
    for item in items:
        scale = codebook.scale_of(item)
        if item.id == "respondent_id":
            continue
        if item.id not in columns:
            out[item.id] = empty_column(scale, frame.index)
        elif scale.is_categorical:
            out[item.id] = parse_categorical(ctx, item, scale, columns[item.id], missing_codes)
        elif scale.kind in ("integer", "number"):
            out[item.id] = parse_number(ctx, item, scale, columns[item.id])
        else:
            out[item.id] = parse_text(ctx, columns[item.id])
    data = pd.DataFrame(out)

    questions = [i.id for i in items if codebook.is_question(i)]
    reasons, details = exclusion_reasons(raw, data, empty_row, id_col, questions)
    excluded = reasons != ""
    exclusions = exclusions_table(raw, questionnaire, data, reasons, details, excluded)
    ctx.settle(~excluded)
    short_records = int(np.count_nonzero(~excluded[raw.short_records]))
    kept = data.loc[~excluded].copy()
    kept = apply_plausibility(kept, ctx, config)
    kept = apply_filters(kept, ctx, codebook, items, enforce=config["cleaning"]["enforce_filter"])

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
            data[item.id] = empty_column(scale, data.index)
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
