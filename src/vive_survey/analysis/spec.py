"""Table specifications: one YAML file per published table (tables/<id>.yaml), declared as data.

A spec says which respondents (population), which items or indices, which groups, which statistic
and the labels as printed; its `format:` block says how its cells print (decimals, the shape of a
mean with its SD, the text of an exact zero, significance marks, an n column), over the defaults
of its kind below (`FORMAT_DEFAULTS`, `KIND_FORMATS`: the one place they live). It is validated
against schemas/table.schema.yaml and then against the codebook (every item, theme and variable it
names must exist), with messages naming the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path

import jsonschema
import pandas as pd
import yaml

from vive_survey.inputs.codebook import Codebook
from vive_survey.errors import Problem, SurveyInputError
from vive_survey.yamlfile import SAFE_LOADER, read_yaml

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


# ------------------------------------------------------------------------------ format

# The statistics a table can print, with the digits each prints with unless the spec says otherwise:
# counts whole, percentages, means and SDs with one decimal, coefficients, R² and chi² with two,
# p-values with three (a smaller p prints as "< 0,001").
DEFAULT_DECIMALS = {"pct": 1, "mean": 1, "sd": 1, "n": 0, "df": 0, "coef": 2, "r2": 2, "chi2": 2, "p": 3,
                    "min_expected": 2}
# `decimals: 1` in a spec is shorthand for the numbers in the cells: percentages, means and SDs.
CELL_STATISTICS = ("pct", "mean", "sd")
# How every table prints unless its kind or its spec says otherwise: a mean with its SD in
# parentheses, an exact 100 % as "100", the report's significance marks, no "-" for zero, no n column.
FORMAT_DEFAULTS = {"shape": "{mean} ({sd})", "zero": None, "whole_hundred": True, "marks": "report",
                   "n_column": False}
# What each kind changes: the likert tables print "-" for an exact zero and add an n column (their
# rows state no base), as do share tables without an n column of their own and indices as columns.
KIND_FORMATS = {
    "likert_distribution": {"zero": "-", "n_column": True},
    "share_table": {"n_column": True},
    "index_summary": {"n_column": True},
}


@dataclass(frozen=True)
class TableFormat:
    """How a table's cells print: the spec's `format:` block over the defaults of its kind.

    decimals: digits per statistic; shape: a cell with a mean, '{mean} ({sd})'; zero: the text of
    a percentage that is exactly 0 (None: printed as a number, '0,0'); whole_hundred: an exact
    100 % prints as '100'; marks: 'report' (coefficients with † * **, 'N.S.' for p >= 0.10, 'Ref.')
    or 'none' (the coefficient alone); n_column: a column giving each row's base."""

    decimals: dict = field(default_factory=lambda: dict(DEFAULT_DECIMALS))
    shape: str = FORMAT_DEFAULTS["shape"]
    zero: str | None = FORMAT_DEFAULTS["zero"]
    whole_hundred: bool = FORMAT_DEFAULTS["whole_hundred"]
    marks: str = FORMAT_DEFAULTS["marks"]
    n_column: bool = FORMAT_DEFAULTS["n_column"]

    def digits(self, stat: str) -> int:
        """The digits `stat` prints with."""
        try:
            return self.decimals[stat]
        except KeyError:
            raise KeyError(f"no decimals for the statistic {stat!r} (known: {', '.join(self.decimals)})") from None


def kind_format(raw: dict) -> dict:
    """The format a spec gets from its kind, before its own `format:` block."""
    kind = raw.get("kind")
    out = {**FORMAT_DEFAULTS, **KIND_FORMATS.get(kind, {})}
    if kind == "share_table" and any(c.get("stat") == "n" for c in raw.get("columns", [])):
        out["n_column"] = False
    if kind == "index_summary" and raw.get("layout") != "indices_as_columns":
        out["n_column"] = False
    return out


def format_of(raw: dict) -> TableFormat:
    """A spec's TableFormat: its `format:` block over the defaults of its kind."""
    declared = dict(raw.get("format") or {})
    decimals = dict(DEFAULT_DECIMALS)
    given = declared.pop("decimals", None)
    if isinstance(given, int):
        decimals.update({stat: given for stat in CELL_STATISTICS})
    elif isinstance(given, dict):
        decimals.update({str(k): int(v) for k, v in given.items()})
    return TableFormat(decimals=decimals, **{**kind_format(raw), **declared})


@dataclass(frozen=True)
class LeftOut:
    """A row or column of a table that a wave's codebook says was not asked (codebook `not_asked`):
    the item (or the theme none of whose items was asked), where the table prints it (a section and
    row, or a column; None matches any) and why."""
    name: str
    section: str | None
    row: str | None
    column: str | None
    reason: str

    def covers(self, section: str, row: str, column: str) -> bool:
        return all(want is None or want == got for want, got in
                   ((self.section, section), (self.row, row), (self.column, column)))


@dataclass(frozen=True)
class TableSpec:
    id: str
    kind: str
    title: str
    raw: dict
    source: str
    # What the wave's codebook did not ask: rows or columns left out of the table (`left_out`), or
    # items the table cannot be made without (`needs_not_asked`: the table is not available).
    left_out: tuple[LeftOut, ...] = ()
    needs_not_asked: tuple[str, ...] = ()

    @property
    def population(self) -> dict[str, list[str]]:
        return {k: [str(v) for v in vals] for k, vals in (self.raw.get("population") or {}).items()}

    @cached_property
    def format(self) -> TableFormat:
        """How the table's cells print (its `format:` block over the defaults of its kind)."""
        return format_of(self.raw)

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
    text = resources.files("vive_survey").joinpath("schemas/table.schema.yaml").read_text("utf-8")
    return yaml.load(text, Loader=SAFE_LOADER)  # safe, in libyaml's C implementation when there is one


def spec_files(source: str | Path | Sequence[str | Path]) -> list[Path]:
    """The table specifications in report order: the *.yaml of a folder, or the given files (a
    Snakemake rule names its files rather than a folder its script rescans)."""
    if isinstance(source, (str, Path)) and Path(source).is_dir():
        paths = list(Path(source).glob("*.yaml"))
    else:
        paths = [Path(p) for p in ([source] if isinstance(source, (str, Path)) else source)]
    return sorted(paths, key=lambda p: table_sort_key(p.stem))


def load_specs(source: str | Path | Sequence[str | Path], codebook: Codebook) -> list[TableSpec]:
    """Every table specification (tables/*.yaml, or the files given), in report order, validated;
    all problems reported together."""
    paths = spec_files(source)
    if not paths:
        raise SurveyInputError(Problem("no table specifications (*.yaml) found", file=str(source)))
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
        found = _check_references(spec, codebook)
        problems.extend(found)
        specs.append(spec if found or not codebook.not_asked else without_not_asked(spec, codebook))
    if problems:
        raise SurveyInputError(problems, title=f"{len(problems)} problem(s) in the table specifications:")
    return specs


def without_not_asked(spec: TableSpec, codebook: Codebook) -> TableSpec:
    """The spec as the wave's codebook lets it be made: the rows of items it did not ask left out of
    the sections, and the indices (and model outcomes) of themes none of whose items it asked; an
    item or index the table is built on (a crosstab's question, a group, a predictor) makes the
    whole table not available."""
    not_asked = codebook.not_asked
    empty = {t for t in codebook.themes if not codebook.theme_items(t)}
    raw, left = dict(spec.raw), []

    def why(name: str) -> str:
        return (f"{name} was not asked in this wave: {not_asked[name]}" if name in not_asked else
                f"no item of theme {name} was asked in this wave")

    if "sections" in raw:
        sections = []
        for section in raw["sections"]:
            kept = [e for e in section["items"] if e["item"] not in not_asked]
            left += [LeftOut(e["item"], section.get("label", ""), e["label"], None, why(e["item"]))
                     for e in section["items"] if e["item"] in not_asked]
            if kept:
                sections.append({**section, "items": kept})
        raw["sections"] = sections
    as_rows = raw.get("layout") == "indices_as_rows"
    for key in ("indices", "outcomes"):
        if key in raw:
            raw[key] = [e for e in raw[key] if e["theme"] not in empty]
            left += [LeftOut(e["theme"], e.get("section", "") if as_rows and key == "indices" else None,
                             e["label"] if as_rows and key == "indices" else None,
                             None if as_rows and key == "indices" else e["label"], why(e["theme"]))
                     for e in spec.raw[key] if e["theme"] in empty]
    built_on = [spec.get("row_item"), spec.get("column_item"), *spec.population,
                *(b.var for b in spec.groups), *(c.get("var") for c in spec.get("columns", [])),
                *(v for c in spec.get("columns", []) for v in c.get("condition", {})),
                *(p.get("var") for p in spec.get("predictors", []))]
    needs = [name for name in dict.fromkeys(built_on) if name in not_asked]
    needs += [p["index"] for p in spec.get("predictors", []) if p.get("index") in empty]
    emptied = [key for key in ("sections", "indices", "outcomes") if key in spec.raw and not raw[key]]
    if emptied:                                          # nothing of the table was asked
        needs += [entry.name for entry in left if entry.name not in needs]
    if not left and not needs:
        return spec
    return TableSpec(id=spec.id, kind=spec.kind, title=spec.title, raw=raw, source=spec.source,
                     left_out=tuple(left), needs_not_asked=tuple(dict.fromkeys(needs)))


def _check_references(spec: TableSpec, codebook: Codebook) -> list[Problem]:
    items = {i.id for i in codebook.items}
    known_vars = items | DERIVED_VARIABLES
    problems = []

    def need(kind: str, name: str | None, allowed: set[str]) -> None:
        if name is not None and name not in allowed and (kind == "theme" or name not in codebook.not_asked):
            hint = ("if this wave's questionnaire did not ask it, list it under `not_asked:` in the wave's "
                    "codebook, with why" if kind in ("item", "variable") else None)
            problems.append(Problem(f"unknown {kind} '{name}'", file=spec.source, hint=hint))

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


AVAILABILITY_COLUMNS = ["table", "status", "absent_questionnaires", "not_asked"]


def availability(specs: list[TableSpec], absent: list[str], all_questionnaires: tuple[str, ...]) -> pd.DataFrame:
    """Per table: `available`, or `not_available` (computed whole or not at all) when it describes a
    questionnaire the wave declares absent or is built on an item its codebook did not ask; with the
    items (or themes) it lacks: those it needs, or those of the rows and columns it leaves out."""
    rows = []
    for spec in specs:
        missing = [q for q in spec.questionnaires(all_questionnaires) if q in absent]
        lacking = " ".join(spec.needs_not_asked or dict.fromkeys(entry.name for entry in spec.left_out))
        rows.append({"table": spec.id, "status": "not_available" if missing or spec.needs_not_asked else "available",
                     "absent_questionnaires": " ".join(missing), "not_asked": lacking})
    return pd.DataFrame(rows, columns=AVAILABILITY_COLUMNS)
