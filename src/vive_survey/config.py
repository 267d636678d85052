"""Load and validate a wave's configuration.

The same schema (schemas/config.schema.yaml) serves Snakemake, the command line and the tests, so
a bad config fails identically everywhere: one message per violation, naming the key's path.
"""

from __future__ import annotations

import copy
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .errors import Problem, SurveyInputError
from .yamlfile import read_yaml

DEFAULT_JOB_TYPES = {
    "unmatched": "Ukendt",
    "rules": [
        {"label": "Ledere", "keywords": ["leder", "chef", "ledelse", "forstander"],
         "exclude": ["vejleder", "medleder"]},
        {"label": "Socialrådgivere", "keywords": ["socialrådgiver", "rådgiver"]},
        {"label": "Socialpædagoger", "keywords": ["pædagog"]},
        {"label": "Sundhedsmedarbejdere",
         "keywords": ["sygeplejerske", "sosu", "sundhed", "ergoterapeut", "fysioterapeut", "plejer"]},
        {"label": "Administrative medarbejdere",
         "keywords": ["administrativ", "sekretær", "konsulent", "sagsbehandler", "kontor", "koordinator"]},
    ],
}
DEFAULT_VOLUNTEER_ROLES = {
    # Tabel 4.14 prints the unmatched group as "Ukendt rolle".
    "unmatched": "Ukendt rolle",
    "rules": [
        {"label": "Leder", "keywords": ["leder", "formand", "forperson", "bestyrelse", "daglig ledelse"],
         "exclude": ["vejleder"]},
        {"label": "Koordinator", "keywords": ["koordinator", "tovholder", "koordinere", "koordinerende"]},
        {"label": "Medhjælp",
         "keywords": ["frivillig", "mentor", "besøgsven", "hjælper", "medhjælp", "værested", "aktivitet",
                      "rådgivning", "vejleder", "støtte"]},
    ],
}


def _schema() -> dict:
    text = resources.files("vive_survey").joinpath("schemas/config.schema.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def _path_of(error: jsonschema.ValidationError) -> str:
    parts = []
    for part in error.absolute_path:
        parts.append(f"[{part}]" if isinstance(part, int) else f".{part}" if parts else str(part))
    return "".join(parts) or "(top level)"


def _fill_defaults(schema: dict, instance: Any, root: dict) -> Any:
    """Apply the schema's `default` values to absent keys, recursively through objects."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = root["definitions"][name]
    if isinstance(instance, dict) and "properties" in schema:
        for key, sub in schema["properties"].items():
            if key not in instance and "default" in sub:
                instance[key] = copy.deepcopy(sub["default"])
            if key in instance:
                instance[key] = _fill_defaults(sub, instance[key], root)
    if isinstance(instance, list) and isinstance(schema.get("items"), dict):
        return [_fill_defaults(schema["items"], item, root) for item in instance]
    return instance


def validate_config(config: dict, *, source: str = "config") -> dict:
    """Validate a config mapping and return a copy with defaults filled in.

    Raises SurveyInputError with one line per schema violation, each naming the key's path.
    """
    if not isinstance(config, dict):
        raise SurveyInputError(Problem("the configuration must be a mapping of keys to values", file=source))
    schema = _schema()
    validator = jsonschema.Draft7Validator(schema)
    problems = []
    for error in sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path))):
        message = error.message
        if error.validator == "additionalProperties":
            allowed = sorted(error.schema.get("properties", {}))
            message += f"; allowed keys: {', '.join(allowed)}"
        if error.validator == "pattern" and list(error.absolute_path) == ["wave"]:
            message = (f"{error.instance!r} is not a valid wave id: use 1-64 letters, digits, '-' or '_' "
                       "(it becomes part of output paths)")
        if error.validator == "oneOf" and error.absolute_path and error.absolute_path[0] == "inputs":
            message = ("must be a file path, or a mapping with 'path' and optional 'encoding', 'delimiter', "
                       f"'sheet', 'header_rows'; got {error.instance!r}")
        problems.append(Problem(f"{_path_of(error)}: {message}", file=source))
    if problems:
        raise SurveyInputError(problems, title=f"{source}: {len(problems)} problem(s) in the configuration:")
    config = _fill_defaults(schema, copy.deepcopy(config), schema)
    derive = config["derive"]
    derive.setdefault("job_types", copy.deepcopy(DEFAULT_JOB_TYPES))
    derive.setdefault("volunteer_roles", copy.deepcopy(DEFAULT_VOLUNTEER_ROLES))
    config["inputs"] = {name: normalise_input(spec) for name, spec in config["inputs"].items()}
    return config


def normalise_input(spec: str | dict) -> dict:
    """An input given as a bare path becomes {'path': path}."""
    return {"path": spec} if isinstance(spec, str) else dict(spec)


def load_config(path: str | Path) -> dict:
    """Read a YAML config file (safe_load only) and validate it."""
    return validate_config(read_yaml(path, "configuration") or {}, source=str(path))


def check_input_files(config: dict, *, base: Path | None = None) -> None:
    """Every configured input and the codebook must exist; report all that do not."""
    base = base or Path.cwd()
    problems = []
    for name, spec in config["inputs"].items():
        if not (base / spec["path"]).is_file():
            problems.append(Problem(f"inputs.{name}: file not found: {spec['path']}"))
    if not (base / config["codebook"]).is_file():
        problems.append(Problem(f"codebook: file not found: {config['codebook']}"))
    if problems:
        raise SurveyInputError(problems, title="configuration names files that do not exist:")
