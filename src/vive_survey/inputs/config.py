"""Load and validate a wave's configuration.

The same schema (schemas/config.schema.yaml) serves Snakemake, the command line and the tests, so
a bad config fails identically everywhere: one message per violation, naming the key's path.
"""

from __future__ import annotations

import copy
import csv
import io
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from vive_survey.errors import Problem, SurveyInputError, cut_text, not_a_file
from vive_survey.files import atomic_path
from vive_survey.safe_text import neutralise
from vive_survey.yamlfile import read_yaml

QUESTIONNAIRES = ("studerende", "fagprofessionelle", "frivillige")
# The keys that describe one wave rather than the analysis: a wave's config must give them (or take
# the schema's documented default); they are never inherited from another wave's config file.
# data_note says what the wave's data is (reconstructed, synthetic): a note inherited by another wave
# would mislabel real data.
# reconstruction_limits explains the mismatches of a wave made from the published tables.
WAVE_KEYS = ("wave", "inputs", "codebook", "reference_year", "missing_codes", "data_note", "reconstruction_limits")
ABSENT = "absent"
DEFAULT_SOURCE = "default"
COMMAND_LINE_SOURCE = "--config"
# How a wave's report names the source of a setting given in a config file (whichever file it was).
CONFIG_FILE_SOURCE = "config"
# Snakemake's switch that makes a config file a YTE template (evaluated as Python expressions).
YTE_KEY = "__use_yte__"
# Where a key the user must give is missing, say what to write (the key's path -> the advice).
REQUIRED_ADVICE = {
    "wave": ("not given: every wave needs its own id (letters, digits, '-' and '_'), for example "
             "`wave: wave-2023`; it names the folders results/<wave>/ and reports/<wave>/"),
    "inputs": "not given: list the raw export of each questionnaire (studerende, fagprofessionelle, frivillige)",
}


def _schema() -> dict:
    text = resources.files("vive_survey").joinpath("schemas/config.schema.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def defaults() -> dict:
    """Every setting that has a default, with that default: what a config that sets nothing gets."""
    schema = _schema()
    return _fill_defaults(schema, {}, schema)


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
            elif isinstance(instance.get(key), dict) and isinstance(sub.get("default"), dict):
                # A mapping given in part keeps the rest of its default (volunteer_roles given only
                # new rules still prints its unmatched group as "Ukendt rolle").
                for inner, value in sub["default"].items():
                    instance[key].setdefault(inner, copy.deepcopy(value))
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
    config = _coerce_text(schema, copy.deepcopy(config), schema)
    validator = jsonschema.Draft7Validator(schema)
    problems = []
    for error in sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path))):
        message = error.message
        if error.validator == "required":
            missing = error.message.split("'")[1]
            path = ".".join([*map(str, error.absolute_path), missing])
            advice = REQUIRED_ADVICE.get(path)
            if advice is None and list(error.absolute_path) == ["inputs"]:
                advice = (f"not given: give the raw export of the {missing} questionnaire, or `{missing}: absent` "
                          "if this wave has none (the tables that need it are then reported as not available)")
            problems.append(Problem(f"{path}: {advice or 'not given'}", file=source))
            continue
        if error.validator == "additionalProperties":
            allowed = sorted(error.schema.get("properties", {}))
            message += f"; allowed keys: {', '.join(allowed)}"
        if error.validator in ("pattern", "not") and list(error.absolute_path) == ["wave"]:
            message = (f"{error.instance!r} is not a valid wave id: use 1-64 letters, digits, '-' or '_' "
                       "(it becomes part of output paths), not 'compare' and no '--' (reports/compare/<base>--<wave>/ "
                       "holds the comparisons of waves)")
        if error.validator == "oneOf" and error.absolute_path and error.absolute_path[0] == "inputs":
            message = ("must be a file path, a mapping with 'path' and optional 'encoding', 'delimiter', "
                       f"'sheet', 'header_rows', or `absent` (this wave has no such questionnaire); got {error.instance!r}")
        problem = Problem(f"{_path_of(error)}: {cut_text(message, 400)}", file=source)
        if problem not in problems:  # a wave id can break two rules with one message
            problems.append(problem)
    if problems:
        raise SurveyInputError(problems, title=f"{source}: {len(problems)} problem(s) in the configuration:")
    config = _fill_defaults(schema, config, schema)
    config["inputs"] = {name: normalise_input(spec) for name, spec in config["inputs"].items()}
    config = _in_schema_order(schema, config, schema)
    if not present_inputs(config):
        raise SurveyInputError(Problem("inputs: every questionnaire is declared absent; a wave needs at least one",
                                       file=source))
    return config


def _in_schema_order(schema: dict, instance: Any, root: dict) -> Any:
    """The keys the schema names in the schema's order, then the user's own keys in the order given:
    the same settings are then the same config, whether one wave's file or a run of several waves
    gave them, and in whatever order its keys were written."""
    if "$ref" in schema:
        schema = root["definitions"][schema["$ref"].rsplit("/", 1)[-1]]
    if isinstance(instance, dict):
        named = schema.get("properties", {})
        other = schema.get("additionalProperties") if isinstance(schema.get("additionalProperties"), dict) else {}
        keys = [k for k in named if k in instance] + [k for k in instance if k not in named]
        return {k: _in_schema_order(named.get(k, other), instance[k], root) for k in keys}
    if isinstance(instance, list) and isinstance(schema.get("items"), dict):
        return [_in_schema_order(schema["items"], item, root) for item in instance]
    return instance


def _coerce_text(schema: dict, instance: Any, root: dict) -> Any:
    """Text becomes a boolean or a whole number where the schema wants one: Snakemake passes
    `--config strict_diff=true` on as the string 'true', and the 5 of
    `--config disclosure='{min_cell_n: 5}'` as the string '5'."""
    if "$ref" in schema:
        schema = root["definitions"][schema["$ref"].rsplit("/", 1)[-1]]
    if isinstance(instance, dict) and "properties" in schema:
        for key, sub in schema["properties"].items():
            if key in instance:
                instance[key] = _coerce_text(sub, instance[key], root)
    elif schema.get("type") == "boolean" and isinstance(instance, str) and instance.strip().lower() in ("true", "false"):
        return instance.strip().lower() == "true"
    elif schema.get("type") == "integer" and isinstance(instance, str) and re.fullmatch(r"-?\d+", instance.strip()):
        return int(instance.strip())
    return instance


def normalise_input(spec: str | dict) -> dict:
    """An input given as a bare path becomes {'path': path}; `absent` becomes {'absent': True}."""
    if spec == ABSENT:
        return {"absent": True}
    return {"path": spec} if isinstance(spec, str) else dict(spec)


def present_inputs(config: dict) -> dict[str, dict]:
    """The questionnaires this wave has, with their reading options."""
    return {name: spec for name, spec in config["inputs"].items() if not spec.get("absent")}


def absent_questionnaires(config: dict) -> list[str]:
    """The questionnaires the wave's config declares absent (`frivillige: absent`)."""
    return [name for name, spec in config["inputs"].items() if spec.get("absent")]


# ------------------------------------------------------------------ layered config files

def merge_layers(layers: list[tuple[str, dict]]) -> tuple[dict, dict[str, str]]:
    """Merge config mappings in order, later ones winning key by key (mappings merge; lists, values
    and each questionnaire's input are replaced whole). Returns the merged mapping and, for every
    setting set, the source (file name or '--config') that set it, keyed by the setting's path."""
    merged: dict = {}
    sources: dict[str, str] = {}
    for source, values in layers:
        if not isinstance(values, dict):
            raise SurveyInputError(Problem("the configuration must be a mapping of keys to values", file=source))
        _merge_into(merged, copy.deepcopy(values), source, sources, "")
    return merged, sources


def _merge_into(target: dict, values: dict, source: str, sources: dict, prefix: str) -> None:
    for key, value in values.items():
        path = f"{prefix}{key}"
        atomic = prefix == "inputs."           # a questionnaire's input is one setting
        if isinstance(value, dict) and not atomic and isinstance(target.get(key), dict):
            _merge_into(target[key], value, source, sources, f"{path}.")
            continue
        target[key] = value
        for known in [k for k in sources if k == path or k.startswith(f"{path}.")]:
            del sources[known]
        if isinstance(value, dict) and not atomic:
            for leaf in _leaf_paths(value, f"{path}."):
                sources[leaf] = source
        else:
            sources[path] = source


def _leaf_paths(values: dict, prefix: str) -> list[str]:
    out = []
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value and prefix != "inputs.":
            out += _leaf_paths(value, f"{path}.")
        else:
            out.append(path)
    return out


def resolve_config(layers: list[tuple[str, dict]]) -> tuple[dict, list[dict]]:
    """The config of a run from its layers (config files in order, then command-line values):
    merged, validated, defaults filled in. Returns the config and, for each setting, where its value
    came from: [{'setting', 'value', 'source'}], the source being a file, '--config' or 'default'."""
    merged, sources = merge_layers(layers)
    where = " + ".join(dict.fromkeys(source for source, _ in layers)) or "config"
    config = validate_config(merged, source=where)
    rows = []
    for path in _leaf_paths(config, ""):
        value = config
        for part in path.split("."):
            value = value[part]
        source = sources.get(path) or next((sources[p] for p in sources if path.startswith(f"{p}.")), DEFAULT_SOURCE)
        if path.startswith("inputs.") and value in ({"absent": True}, {"path": value.get("path")}):
            value = value.get("path", ABSENT)
        rows.append({"setting": path, "value": value, "source": source})
    return config, rows


def report_settings(settings: list[dict]) -> list[dict]:
    """The settings as a wave's report lists them: each with the kind of its source (a config file,
    --config or the default) rather than the file's name. A wave's report is then the same whether
    its settings came from its own file or from a run of several waves (`waves:`), and adding a wave
    to that run changes nothing in the others' reports; config_sources_rows keeps the file names."""
    return [{**row, "source": row["source"] if row["source"] in (DEFAULT_SOURCE, COMMAND_LINE_SOURCE)
             else CONFIG_FILE_SOURCE} for row in settings]


def config_sources_rows(settings: list[dict]) -> list[dict]:
    """(setting, source) of every setting, the source being the file that gave it, '--config' or
    'default': the run's record (results/<wave>/config_sources.csv) beside the report's kinds."""
    return [{"setting": row["setting"], "source": row["source"]} for row in settings]


def settings_yaml(config: dict) -> str:
    """A wave's complete settings (given and defaulted) as YAML, in the schema's order: what its
    report's provenance hashes (results/<wave>/config.yaml), and a config that reruns the wave alone."""
    header = (f"# The complete settings of wave {config['wave']}, defaults included, as the pipeline resolved them.\n"
              "# Written by the workflow; the report's manifest.json gives its SHA-256.\n")
    return header + yaml.safe_dump(config, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100)


def write_wave_settings(config: dict, out: str | Path) -> None:
    """results/<wave>/config.yaml: the wave's complete settings (`settings_yaml`), which its report hashes."""
    with atomic_path(out) as tmp:
        tmp.write_text(settings_yaml(config), encoding="utf-8")


def write_config_sources(settings: list[dict], out: str | Path) -> None:
    """results/<wave>/config_sources.csv: the file, --config or default that gave each setting (the
    run's record, which names the config files a wave's report leaves out); text safe for a spreadsheet."""
    rows = [("setting", "source")] + [(row["setting"], row["source"]) for row in config_sources_rows(settings)]
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([[neutralise(str(v)) for v in row] for row in rows])
    with atomic_path(out) as tmp:
        tmp.write_text(text.getvalue(), encoding="utf-8")


def defaulted_wave_keys(settings: list[dict]) -> str:
    """The wave keys a run takes from the defaults, as 'reference_year (2020), ...' ('' if none):
    worth a line on screen, since a wrong reference year shifts every age."""
    return ", ".join(f"{row['setting']} ({row['value']!r})" for row in settings
                     if row["setting"] in WAVE_KEYS and row["source"] == DEFAULT_SOURCE)


def run_layers(cli_configfiles: list, cli_config: dict, *, default_file: str | Path = "config.yaml",
               relative_to: Path | None = None) -> list[tuple[str, dict]]:
    """The config layers of a Snakemake run. A run given config files on the command line
    (--configfile) is defined by them alone: the bundled wave's config.yaml is read only when none
    is given, so that a new wave inherits nothing from it. --config values come last."""
    base = relative_to or Path.cwd()

    def name(path) -> str:
        path = Path(path)
        try:
            return str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            return str(path)

    files = [Path(f) for f in cli_configfiles] or [Path(default_file)]
    layers = [(name(f), read_yaml(f, "configuration") or {}) for f in files]
    for source, values in layers:
        refuse_templates(source, values)
    if cli_config:
        layers.append((COMMAND_LINE_SOURCE, dict(cli_config)))
    return layers


def refuse_templates(source: str, values: object) -> None:
    """A config file is data. Snakemake evaluates a config file that sets `__use_yte__: true` as a
    YTE template (Python expressions) while it reads it, before this workflow runs; the workflow
    cannot prevent that, but it refuses to go on with such a file, so that a template is never
    used as a wave's config by accident."""
    if isinstance(values, dict) and YTE_KEY in values:
        raise SurveyInputError(Problem(
            f"{YTE_KEY}: a wave's config is data, not a template: YAML templates (yte) are refused",
            file=source,
            hint=(f"remove '{YTE_KEY}' and write the values out; note that Snakemake has already evaluated "
                  "this file's expressions while reading it: pass only config files you would run as code")))


def settings_markdown() -> str:
    """docs/config.md: every setting with its description and default, read from the schema (the
    one source of both), so the page cannot drift from what the pipeline does."""
    schema = _schema()
    lines = ["# Settings of a wave", "",
             "Generated from `src/vive_survey/schemas/config.schema.yaml` by `vive-survey settings`; a test keeps",
             "this page current. A run's settings come from the config files it is given and nothing else:",
             "`snakemake --cores 2` reads `config.yaml` (the bundled wave); `--configfile a.yaml [b.yaml ...]`",
             "reads those files instead (later files win key by key), then `--config key=value` values. A key",
             "no file sets takes the default below. The report's provenance lists every setting with the kind",
             "of its source (`config`, `--config` or `default`); `results/<wave>/config_sources.csv` names the",
             "file it came from.", "",
             "| setting | wave key | default | description |", "|---|---|---|---|"]

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    def walk(properties: dict, prefix: str) -> None:
        for key, sub in properties.items():
            path = f"{prefix}{key}"
            resolved = schema["definitions"][sub["$ref"].rsplit("/", 1)[-1]] if "$ref" in sub else sub
            if sub.get("default") == {} and "properties" in resolved:     # a group of settings
                walk(resolved["properties"], f"{path}.")
                continue
            default = sub.get("default", resolved.get("default"))
            if default is None:
                shown = "(required)" if path in schema.get("required", []) else ""
            else:
                flow = yaml.safe_dump(default, allow_unicode=True, default_flow_style=True, sort_keys=False,
                                      width=10**6)
                shown = "`" + flow.strip().removesuffix("...").strip() + "`"
            text = " ".join(str(sub.get("description") or resolved.get("description") or "").split())
            wave_key = "yes" if path.split(".")[0] in WAVE_KEYS else ""
            lines.append(f"| `{path}` | {wave_key} | {cell(shown)} | {cell(text)} |")

    walk(schema["properties"], "")
    return "\n".join(lines) + "\n"


def load_config(path: str | Path) -> dict:
    """Read a YAML config file (safe_load only) and validate it."""
    return validate_config(read_yaml(path, "configuration") or {}, source=str(path))


def check_input_files(config: dict, *, base: Path | None = None) -> None:
    """Every configured input and the codebook must be a file; report all that are not."""
    base = base or Path.cwd()
    problems = []
    paths = {f"inputs.{name}": spec["path"] for name, spec in present_inputs(config).items()}
    paths["codebook"] = config["codebook"]
    for key, given in paths.items():
        if not (base / given).is_file():
            message, hint = not_a_file(given, base, name=given)
            problems.append(Problem(f"{key}: {message}", hint=hint))
    if problems:
        raise SurveyInputError(problems, title="configuration names inputs that are not readable files:")
