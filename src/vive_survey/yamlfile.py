"""Reading a user-editable YAML file: safe_load only, and a clear error naming file and line."""

from __future__ import annotations

from pathlib import Path

import yaml

from vive_survey.errors import Problem, SurveyInputError

# The safe loader (no Python objects), in libyaml's C implementation when PyYAML was built with it:
# the same documents, several times faster on the specs and published tables read at every step.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SurveyInputError(Problem(f"not valid YAML: {getattr(exc, 'problem', None) or exc}", file=str(path),
                                       row=mark.line + 1 if mark else None, row_label="line")) from None
