"""Errors a user can fix, reported without a Python traceback.

Every problem names where it is (file, row, column), what was found (value) and, when there is
one, a hint. Row numbers follow the convention of each format and are stated in the message:
for CSV and Excel the row as a spreadsheet shows it (the header is row 1, the first answer row 2);
for SPSS and Stata the case number (the first case is 1).
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_LISTED = 20


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, with enough context to find and fix it."""

    message: str
    file: str | None = None
    row: int | None = None
    row_label: str = "row"
    respondent_id: str | None = None
    column: str | None = None
    value: object = None
    hint: str | None = None

    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(str(self.file))
        if self.row is not None:
            where = f"{self.row_label} {self.row}"
            if self.respondent_id:
                where += f" (respondent_id={self.respondent_id})"
            parts.append(where)
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = self.message
        if self.value is not None:
            text = f"value {self.value!r}: {text}"
        where = self.location()
        if where:
            text = f"{where}: {text}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class SurveyInputError(Exception):
    """One or more problems in the user's inputs (data, codebook or config).

    All problems found in one pass are collected and reported together, so a user fixes a file
    once rather than once per problem.
    """

    def __init__(self, problems: list[Problem] | Problem | str, *, title: str | None = None):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        if not problems:
            raise ValueError("SurveyInputError needs at least one problem")
        self.problems: list[Problem] = list(problems)
        self.title = title
        super().__init__(self.render())

    def render(self, limit: int = MAX_LISTED) -> str:
        shown = self.problems[:limit]
        lines = []
        if self.title:
            lines.append(self.title)
        elif len(self.problems) > 1:
            lines.append(f"{len(self.problems)} problems in the input:")
        lines.extend(str(p) for p in shown)
        if len(self.problems) > limit:
            lines.append(f"... and {len(self.problems) - limit} more")
        return "\n".join(lines)


def raise_if_any(problems: list[Problem], *, title: str | None = None) -> None:
    if problems:
        raise SurveyInputError(problems, title=title)
