"""What cleaning one file keeps track of as it parses: values set to missing, and values not on
their scale.

A value set to missing is counted per column and reason, but only once the records to keep are
known (the log counts what the cleaned data holds). A value not on its scale is a problem for the
run (policy 'error') or a value set to missing (policy 'missing').
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vive_survey.errors import Problem
from vive_survey.inputs.readers import RawTable

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
# Values not on their scale listed per column; the rest are summed up in one problem.
MAX_PROBLEMS_PER_COLUMN = 50


@dataclass
class CleaningContext:
    """The values set to missing and the problems of cleaning one raw file."""

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

