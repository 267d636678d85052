"""Reading a user-editable YAML file: safe_load only, and a clear error naming file and line."""

from __future__ import annotations

from pathlib import Path

import yaml

from .errors import Problem, SurveyInputError


def read_yaml(path: str | Path, what: str = "file") -> object:
    """The YAML document at `path` (safe_load: no Python objects), or SurveyInputError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SurveyInputError(Problem(f"cannot read the {what}: {exc.strerror}", file=str(path))) from None
    except UnicodeDecodeError:
        raise SurveyInputError(Problem(f"the {what} is not UTF-8 text", file=str(path))) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SurveyInputError(Problem(f"not valid YAML: {getattr(exc, 'problem', None) or exc}", file=str(path),
                                       row=mark.line + 1 if mark else None, row_label="line")) from None
