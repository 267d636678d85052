"""The known limits of a wave's data, which explain the mismatches a reviewer will see.

A wave may declare them in a YAML file (`reconstruction_limits` in its config; the bundled wave's
is data/reconstructed/limits.yaml): a list of entries, each naming a table and optionally the
statistics, sections, rows, subrows and columns it covers, with the limit in words. The diff gives
each mismatching cell the first entry that covers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vive_survey.errors import Problem, SurveyInputError
from vive_survey.yamlfile import read_yaml

SELECTORS = ("stat", "section", "row", "subrow", "column")


@dataclass(frozen=True)
class Limit:
    table: str
    covers: dict[str, frozenset[str]]     # selector -> the values it covers (absent: any)
    text: str

    def applies(self, cell: dict) -> bool:
        return str(cell["table"]) == self.table and all(str(cell[k]) in v for k, v in self.covers.items())


def load_limits(path: str | Path) -> list[Limit]:
    """The limits file's entries, checked: a mistake names the file and the entry."""
    data = read_yaml(path, "limits file")
    entries = data.get("limits") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise SurveyInputError(Problem("expected a mapping with a list `limits:`", file=str(path)))
    limits = []
    for i, entry in enumerate(entries):
        where = f"limits[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("table"), str) or not isinstance(
                entry.get("limit"), str):
            raise SurveyInputError(Problem(f"{where}: needs `table` (text, in quotes) and `limit` (text)",
                                           file=str(path)))
        unknown = set(entry) - {"table", "limit", *SELECTORS}
        if unknown:
            raise SurveyInputError(Problem(f"{where}: unknown key(s) {', '.join(sorted(unknown))}", file=str(path),
                                           hint=f"a limit may name table, limit and {', '.join(SELECTORS)}"))
        covers = {}
        for key in SELECTORS:
            if key in entry:
                values = entry[key] if isinstance(entry[key], list) else [entry[key]]
                covers[key] = frozenset(str(v) for v in values)
        limits.append(Limit(entry["table"], covers, " ".join(entry["limit"].split())))
    return limits


def limit_of(limits: list[Limit]):
    """A function of a cell's key (a dict) giving the first limit that covers it, or ""."""
    def find(cell: dict) -> str:
        return next((limit.text for limit in limits if limit.applies(cell)), "")
    return find
