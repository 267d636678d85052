"""Errors a user can fix, reported without a Python traceback.

Every problem names where it is (file, row, column), what was found (value) and, when there is
one, a hint. Row numbers follow the convention of each format and are stated in the message:
for CSV and Excel the row as a spreadsheet shows it (the header is row 1, the first answer row 2);
for SPSS and Stata the case number (the first case is 1).

A long list is cut: the message shows real examples (spread over the files and columns involved),
the exact total, and the exact total per file and column. A long value is cut too, with its length.
"""

from __future__ import annotations

import stat
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

MAX_LISTED = 20
MAX_GROUPS_LISTED = 20
MAX_VALUE_CHARS = 80
MAX_ID_CHARS = 40


def shorten(value: object, limit: int = MAX_VALUE_CHARS) -> str:
    """A value as a message quotes it: its repr, a text cut after `limit` characters with its length."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit] + '…'!r} ({len(value)} characters)"
    return repr(value)


def not_a_file(path: str | Path, base: str | Path | None = None, *, name: str = "") -> tuple[str, str | None]:
    """(message, hint) for a path that is not a readable file: a directory, a named pipe (FIFO), a
    device or another special file (never opened: reading a FIFO or a device can block or never
    end), or not there, saying where it was looked for when the path is relative (to `base`,
    default the working directory). `name` (the path as the user gave it) is put in the message when
    the caller does not name the file otherwise."""
    path = Path(path)
    full = path if path.is_absolute() else (Path(base) if base is not None else Path.cwd()) / path
    named = f": {name}" if name else ""
    kind = special_file_kind(full)
    if kind == "directory":
        return f"this is a directory, not a file{named}", "give the path of a file inside it"
    if kind is not None:
        return (f"this is {kind}, not a regular file{named}",
                "give the path of a regular file (reading a pipe or a device could block or never end)")
    relative_to = f"relative to {Path(base).absolute()}" if base is not None else \
        f"relative to the working directory {Path.cwd()}"
    where = "" if path.is_absolute() else f" (looked for {full.absolute()}, {relative_to})"
    hint = None if full.parent.is_dir() else f"the folder {path.parent} does not exist either"
    return f"file not found{named}{where}", hint


def special_file_kind(path: str | Path) -> str | None:
    """What a path that exists but is not a regular file is ('directory', 'a named pipe (FIFO)',
    'a device', ...), from its status alone (the file is not opened); None for a regular file
    or a path that is not there."""
    try:
        mode = Path(path).stat().st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def cut_text(text: object, limit: int = 200) -> str:
    """A message from elsewhere (a parser's, a schema validator's) cut after `limit` characters, so
    that it never echoes a long stretch of a file."""
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, with enough context to find and fix it.

    `count` is the number of bad values the entry stands for: 1 for a value listed on its own, more
    for a summary entry of a long list ("... and 950 more values like these in this column")."""

    message: str
    file: str | None = None
    row: int | None = None
    row_label: str = "row"
    respondent_id: str | None = None
    column: str | None = None
    value: object = None
    hint: str | None = None
    count: int = 1

    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(str(self.file))
        if self.row is not None:
            where = f"{self.row_label} {self.row}"
            if self.respondent_id:
                rid = str(self.respondent_id)
                if len(rid) > MAX_ID_CHARS:
                    rid = f"{rid[:MAX_ID_CHARS]}… ({len(rid)} characters)"
                where += f" (respondent_id={rid})"
            parts.append(where)
        if self.column is not None:
            column = str(self.column)
            if len(column) > MAX_VALUE_CHARS:  # a column name is file content too
                column = f"{column[:MAX_VALUE_CHARS]}… ({len(column)} characters)"
            parts.append(f"column '{column}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = self.message
        if self.value is not None:
            text = f"value {shorten(self.value)}: {text}"
        where = self.location()
        if where:
            text = f"{where}: {text}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


def total_count(problems: list[Problem]) -> int:
    """The number of bad values a list of problems stands for (summary entries included)."""
    return sum(max(int(p.count), 1) for p in problems)


def _examples(problems: list[Problem], limit: int) -> list[Problem]:
    """Up to `limit` problems that each name one value, taken in turn from each file and column so
    that every column with a problem shows one before any shows a second; in their original order."""
    groups: dict[tuple, list[int]] = {}
    for k, problem in enumerate(problems):
        if problem.count == 1:
            groups.setdefault((problem.file, problem.column), []).append(k)
    chosen: list[int] = []
    depth = 0
    while len(chosen) < limit and any(depth < len(g) for g in groups.values()):
        for members in groups.values():
            if depth < len(members) and len(chosen) < limit:
                chosen.append(members[depth])
        depth += 1
    return [problems[k] for k in sorted(chosen)]


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

    @property
    def total(self) -> int:
        return total_count(self.problems)

    def render(self, limit: int = MAX_LISTED) -> str:
        total = self.total
        shown = _examples(self.problems, limit)
        lines = []
        if self.title:
            lines.append(self.title)
        elif total > 1:
            lines.append(f"{total} problems in the input:")
        lines.extend(str(p) for p in shown)
        hidden = total - len(shown)
        if hidden <= 0:
            return "\n".join(lines)
        per_group = Counter()
        for problem in self.problems:
            per_group[(problem.file, problem.column)] += max(int(problem.count), 1)
        groups = list(per_group.items())
        lines.append(f"... and {hidden} more not shown ({total} in all); in all, per file and column:")
        for (file, column), n in groups[:MAX_GROUPS_LISTED]:
            where = ", ".join(part for part in (file, f"column '{column}'" if column is not None else None) if part)
            lines.append(f"  {where or '(no file)'}: {n}")
        if len(groups) > MAX_GROUPS_LISTED:
            rest = groups[MAX_GROUPS_LISTED:]
            lines.append(f"  ... and {len(rest)} more files or columns with {sum(n for _, n in rest)} in all")
        return "\n".join(lines)


def raise_if_any(problems: list[Problem], *, title: str | None = None) -> None:
    if problems:
        raise SurveyInputError(problems, title=title)
