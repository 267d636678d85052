"""Reading a user-editable YAML file: safe_load only, and a clear error naming file and line."""

from __future__ import annotations

from pathlib import Path

import yaml

from vive_survey.errors import Problem, SurveyInputError, cut_text, not_a_file, special_file_kind

# The safe loader (no Python objects), in libyaml's C implementation when PyYAML was built with it:
# the same documents, several times faster on the specs and published tables read at every step.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: str | Path, what: str = "file") -> object:
    """The YAML document at `path` (safe_load: no Python objects), or SurveyInputError."""
    path = Path(path)
    if special_file_kind(path) is not None:  # a directory, FIFO or device: never opened
        message, hint = not_a_file(path)
        raise SurveyInputError(Problem(f"the {what} path: {message}", file=str(path), hint=hint))
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SurveyInputError(Problem(f"cannot read the {what}: {exc.strerror}", file=str(path))) from None
    except UnicodeDecodeError:
        raise SurveyInputError(Problem(f"the {what} is not UTF-8 text", file=str(path))) from None
    try:
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        # PyYAML's problem and context can quote long stretches of the file: only a cut of them is
        # shown, with the line, so that a file that is not YAML is not echoed into the log.
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None)
        context = getattr(exc, "context", None)
        what_went_wrong = (f"{context}: {problem}" if context and problem else problem or
                           type(exc).__name__)
        raise SurveyInputError(Problem(f"not valid YAML: {cut_text(what_went_wrong)}", file=str(path),
                                       row=mark.line + 1 if mark else None, row_label="line")) from None
