"""Disclosure control of the cleaning summary's group counts (reports/<wave>/cleaning_log.json).

The log counts the respondents at each value of each derived variable (group, experience band, job
type, volunteer role). Those counts follow the tables' rule: a value whose group the tables hide is
hidden here too, so that the log cannot give back what the tables hold back, and so is any count of
1 to k-1, with complementary counts by the family rule (the counts of a variable add up to the rows
kept, which the log publishes). A hidden count is written as null.
"""

from __future__ import annotations

import copy

from vive_survey.analysis.disclosure.complement import complete_family


def protect_cleaning_log(log: dict, min_cell_n: int, hidden_groups: dict[str, list[str]] | None = None) -> dict:
    """A copy of the cleaning log with the derived variables' small counts hidden (k = 0: unchanged)."""
    if not min_cell_n:
        return log
    out = copy.deepcopy(log)
    hidden_groups = hidden_groups or {}
    for variable, counts in (out.get("derived") or {}).items():
        values = list(counts)
        sizes = [int(counts[v]) for v in values]
        hidden = {i for i, (value, size) in enumerate(zip(values, sizes))
                  if 0 < size < min_cell_n or value in hidden_groups.get(variable, ())}
        for i in complete_family(sizes, hidden, min_cell_n):
            counts[values[i]] = None
    return out
