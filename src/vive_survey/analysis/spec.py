"""Table specifications: one YAML file per published table (tables/<id>.yaml), declared as data.

A spec says which respondents (population), which items or indices, which groups, which statistic
and the labels as printed. It is validated against schemas/table.schema.yaml and then against the
codebook (every item, theme and variable it names must exist), with messages naming the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jsonschema
import yaml

from vive_survey.inputs.codebook import Codebook
from vive_survey.errors import Problem, SurveyInputError
from vive_survey.yamlfile import read_yaml

TABLE_ORDER = ["3.2", "4.2", "4.3", "4.4", "4.5", "4.6", "4.7", "4.8", "4.9", "4.11", "4.12", "4.13",
               "4.14", "4.15", "4.16", "B2.1", "B2.2", "B2.3"]


def table_sort_key(table_id: str) -> tuple:
    return (TABLE_ORDER.index(table_id), table_id) if table_id in TABLE_ORDER else (len(TABLE_ORDER), table_id)


DERIVED_VARIABLES = {"questionnaire", "group", "experience_band", "job_type", "volunteer_role_group", "age"}


@dataclass(frozen=True)
class Level:
    value: str
    label: str


@dataclass(frozen=True)
class Block:
    """A block of groups: `var` with `levels`, or (no var) the whole population under `label`."""

    section: str
    var: str | None
    levels: tuple[Level, ...]


@dataclass(frozen=True)
class TableSpec:
    id: str
    kind: str
    title: str
    raw: dict
    source: str

    @property
    def population(self) -> dict[str, list[str]]:
        return {k: [str(v) for v in vals] for k, vals in (self.raw.get("population") or {}).items()}

    @property
    def groups(self) -> list[Block]:
        return [_block(b) for b in self.raw.get("groups", [])]

    def questionnaires(self, all_questionnaires: tuple[str, ...]) -> list[str]:
        """The questionnaires whose respondents the table describes: its population's, else those
        its groups name (Tabel 3.2 has a row per questionnaire), else every one."""
        named = self.population.get("questionnaire")
        if named:
            return named
        for block in self.groups:
            if block.var == "questionnaire":
                return [lv.value for lv in block.levels]
        return list(all_questionnaires)

    def __getitem__(self, key: str):
        return self.raw[key]

    def get(self, key: str, default=None):
        return self.raw.get(key, default)


def level(raw) -> Level:
    if isinstance(raw, dict):
        value = str(raw["value"])
        return Level(value, raw.get("label", value))
    return Level(str(raw), str(raw))


def _block(raw: dict) -> Block:
    if "var" in raw:
        return Block(raw.get("section", ""), raw["var"], tuple(level(v) for v in raw["levels"]))
    return Block(raw.get("section", ""), None, (Level("", raw.get("label", "I alt")),))


def _schema() -> dict:
    return yaml.safe_load(resources.files("vive_survey").joinpath("schemas/table.schema.yaml").read_text("utf-8"))


def load_specs(directory: str | Path, codebook: Codebook) -> list[TableSpec]:
    """Every tables/*.yaml, in report order, validated; all problems reported together."""
    paths = sorted(Path(directory).glob("*.yaml"), key=lambda p: table_sort_key(p.stem))
    if not paths:
        raise SurveyInputError(Problem("no table specifications (*.yaml) found", file=str(directory)))
    validator = jsonschema.Draft7Validator(_schema())
    specs, problems = [], []
    for path in paths:
        try:
            raw = read_yaml(path, "table specification")
        except SurveyInputError as exc:
            problems.extend(exc.problems)
            continue
        errors = list(validator.iter_errors(raw))
        for error in errors:
            where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
            problems.append(Problem(f"{where}: {error.message}", file=str(path)))
        if errors:
            continue
        if raw["id"] != path.stem:
            problems.append(Problem(f"id '{raw['id']}' does not match the file name", file=str(path)))
        spec = TableSpec(id=raw["id"], kind=raw["kind"], title=raw["title"], raw=raw, source=str(path))
        problems.extend(_check_references(spec, codebook))
        specs.append(spec)
    if problems:
        raise SurveyInputError(problems, title=f"{len(problems)} problem(s) in the table specifications:")
    return specs


def _check_references(spec: TableSpec, codebook: Codebook) -> list[Problem]:
    items = {i.id for i in codebook.items}
    known_vars = items | DERIVED_VARIABLES
    problems = []

    def need(kind: str, name: str | None, allowed: set[str]) -> None:
        if name is not None and name not in allowed:
            problems.append(Problem(f"unknown {kind} '{name}'", file=spec.source))

    for var in spec.population:
        need("variable", var, known_vars)
    for block in spec.groups:
        need("variable", block.var, known_vars)
    for section in spec.get("sections", []):
        for item in section["items"]:
            need("item", item["item"], items)
    for entry in spec.get("indices", []) + spec.get("outcomes", []):
        need("theme", entry["theme"], set(codebook.themes))
    for column in spec.get("columns", []):
        need("variable", column.get("var"), known_vars)
        for var in column.get("condition", {}):
            need("variable", var, known_vars)
    need("item", spec.get("row_item"), items)
    need("item", spec.get("column_item"), items)
    for predictor in spec.get("predictors", []):
        need("variable", predictor.get("var"), known_vars)
        need("theme", predictor.get("index"), set(codebook.themes))
    return problems
