"""The relations between the published tables that the audit uses: data/published/relations.yaml.

Which cells of which tables describe the same respondents (Tabel 3.2 against 4.2, 4.3's bands of
4.2's students, 4.13's margins against 4.12, 4.14's roles against 4.13 and 4.16, the index tables
against their item tables, the groups and their sizes) is data, read from that file, validated against
schemas/relations.schema.yaml and then against the published tables it names. The checks take a
`Relations` and hold no table ids or labels of their own.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import jsonschema
import pandas as pd
import yaml

from vive_survey import QUESTIONNAIRES
from vive_survey.errors import Problem, SurveyInputError
from vive_survey.yamlfile import read_yaml

RELATIONS_FILE = "relations.yaml"
"""The file's name, beside the folder of published tables (data/published/relations.yaml)."""


class Measure(NamedTuple):
    """Something a respondent table prints about a group besides its size."""

    name: str        # the key in relations.yaml's respondent_tables
    stat: str        # the published cells' stat
    what: str        # how a finding's sentence names it


MEASURES = (Measure("share_of_women", "pct", "share of women"), Measure("mean_age", "mean", "mean age"),
            Measure("sd_age", "sd", "SD of age"))
"""The group measures the audit compares between tables, in the order it compares them."""


@dataclass(frozen=True)
class RowOf:
    table: str
    row: str


@dataclass(frozen=True)
class RespondentTable:
    """A table with a row per group of respondents: the column of each of its measures (or None)."""

    table: str
    n: str | None = None
    share: str | None = None
    share_of_women: str | None = None
    mean_age: str | None = None
    sd_age: str | None = None

    def column(self, measure: Measure) -> str | None:
        return getattr(self, measure.name)


@dataclass(frozen=True)
class GroupSizeSource:
    table: str
    groups_in: str   # 'row' or 'column': which label of an n cell names the group


@dataclass(frozen=True)
class Subgroups:
    whole: RowOf
    parts_table: str
    parts_rows: tuple[str, ...]
    called: str


@dataclass(frozen=True)
class Bands:
    table: str
    total_row: str
    whole: RowOf
    called: str
    by: str          # what the bands split the group by


@dataclass(frozen=True)
class Population:
    called: str
    size: RowOf
    size_also_in_text: bool
    tables: tuple[str, ...]


@dataclass(frozen=True)
class Crosstab:
    table: str
    rows_are: RowOf | None
    columns_are: RowOf | None
    same_respondents: tuple[str, ...]


@dataclass(frozen=True)
class Partition:
    table: str
    overall_row: str


@dataclass(frozen=True)
class GroupIndexTable:
    """Index means per theme (rows) and group (columns); the items in `item_tables`."""

    table: str
    questionnaire: str
    item_tables: tuple[str, ...]


@dataclass(frozen=True)
class OverallIndexTable:
    """Index means in one overall row, a column per '<module> / <theme>'; a module's items in one table."""

    table: str
    overall_row: str
    questionnaire: str
    item_tables: tuple[tuple[str, str], ...]     # (module, table)

    def table_of_module(self, module: str) -> str | None:
        return dict(self.item_tables).get(module)


@dataclass(frozen=True)
class PatternIndex:
    """The index of a pattern table's two questions, per group: its column, the section of its groups
    and the group labels it prints differently (pattern table's row -> index table's row)."""

    table: str
    column: str
    section: str
    printed_as: tuple[tuple[str, str], ...] = ()

    def row_of(self, group: str) -> str:
        return dict(self.printed_as).get(group, group)


@dataclass(frozen=True)
class PatternTable:
    """Per group (row), the share answering both questions of a crosstab within one set of answers
    (column -> those answers); the groups split the crosstab's respondents."""

    table: str
    crosstab: str
    patterns: tuple[tuple[str, tuple[str, ...]], ...]
    index: PatternIndex | None = None


@dataclass(frozen=True)
class Reference:
    """A table, row, column or subrow label the file names, with the key that names it."""

    key: str
    table: str | None = None
    row: str | None = None
    column: str | None = None
    column_prefix: str | None = None
    subrow: str | None = None


@dataclass(frozen=True)
class Relations:
    """Everything data/published/relations.yaml states, as read (see that file for what each means)."""

    source: str
    respondent_tables: tuple[RespondentTable, ...]
    group_sizes: tuple[GroupSizeSource, ...]
    printed_as: tuple[tuple[str, str], ...]        # (printed label, group)
    same_groups: tuple[tuple[str, str], ...]
    subgroups: tuple[Subgroups, ...]
    text_totals: tuple[str, ...]
    bands: tuple[Bands, ...]
    populations: tuple[Population, ...]
    crosstabs: tuple[Crosstab, ...]
    partitions: tuple[Partition, ...]
    group_index_tables: tuple[GroupIndexTable, ...]
    overall_index_tables: tuple[OverallIndexTable, ...]
    references: tuple[Reference, ...]
    pattern_tables: tuple[PatternTable, ...] = ()

    def respondent_table(self, table: str) -> RespondentTable | None:
        return next((t for t in self.respondent_tables if t.table == table), None)

    def printed_labels_of(self, group: str) -> tuple[str, ...]:
        return tuple(printed for printed, g in self.printed_as if g == group)

    def crosstab(self, table: str) -> Crosstab | None:
        return next((c for c in self.crosstabs if c.table == table), None)

    def check_against(self, published: pd.DataFrame) -> None:
        """Raise SurveyInputError, naming the file and key of each, for every table, row or column
        the file names that the published tables do not have: a relation that names nothing would
        otherwise be skipped without a word."""
        problems = unknown_references(self, published)
        if problems:
            raise SurveyInputError(problems, title=f"{self.source}: {len(problems)} relation(s) name cells the "
                                                   "published tables do not have:")


# --------------------------------------------------------------------------------------------
# reading and validating


def schema() -> dict:
    """The JSON Schema (draft-07) of relations.yaml, from the installed package."""
    return yaml.safe_load(resources.files("vive_survey").joinpath("schemas/relations.schema.yaml").read_text("utf-8"))


def load_relations(path: str | Path) -> Relations:
    """Read and validate data/published/relations.yaml (safe_load); SurveyInputError names file and key."""
    return parse_relations(read_yaml(path, "relations between the published tables"), source=str(path))


def _key(path) -> str:
    parts = []
    for part in path:
        parts.append(f"[{part}]" if isinstance(part, int) else f".{part}" if parts else str(part))
    return "".join(parts) or "(top level)"


def _schema_problems(data: object, source: str) -> list[Problem]:
    return schema_problems(data, schema(), source, _key)


def schema_problems(data: object, file_schema: dict, source: str, where) -> list[Problem]:
    """One Problem per JSON Schema violation of a data file of the audit (relations.yaml,
    claims.yaml), in key order; `where(path)` names the place (a key path, a claim's id)."""
    problems = []
    for error in sorted(jsonschema.Draft7Validator(file_schema).iter_errors(data),
                        key=lambda e: list(map(str, e.absolute_path))):
        message, hint = error.message, None
        if error.validator == "additionalProperties" and "properties" in error.schema:
            message += f"; allowed keys: {', '.join(error.schema['properties'])}"
        if (error.validator == "type" and error.validator_value == "string"
                and isinstance(error.instance, (int, float)) and not isinstance(error.instance, bool)):
            hint = f"write it in quotes (\"{error.instance}\"): unquoted, YAML reads it as a number"
        problems.append(Problem(f"{where(error.absolute_path)}: {message}", file=source, hint=hint))
    return problems


def parse_relations(data: object, *, source: str = "relations.yaml") -> Relations:
    """Relations from the parsed YAML document; SurveyInputError listing every problem, each naming
    the file and the key (schema violations first, then what the schema cannot see)."""
    problems = _schema_problems(data, source)
    if problems:
        raise SurveyInputError(problems, title=f"{source}: {len(problems)} problem(s) in the relations between "
                                               "the published tables:")
    references: list[Reference] = []

    def row_of(raw: dict, key: str) -> RowOf:
        references.append(Reference(f"{key}.row", raw["table"], row=raw["row"]))
        return RowOf(raw["table"], raw["row"])

    def tables(values: list[str], key: str) -> tuple[str, ...]:
        references.extend(Reference(f"{key}[{i}]", t) for i, t in enumerate(values))
        return tuple(values)

    respondent_tables = []
    for table, columns in data["respondent_tables"].items():
        respondent_tables.append(RespondentTable(table, **columns))
        references.extend(Reference(f"respondent_tables.{table}.{measure}", table, column=column)
                          for measure, column in columns.items())
    group_sizes = []
    for i, raw in enumerate(data["groups"]["sizes"]):
        references.append(Reference(f"groups.sizes[{i}].table", raw["table"]))
        group_sizes.append(GroupSizeSource(raw["table"], raw["groups_in"]))
    printed_as = tuple((data["groups"].get("printed_as") or {}).items())
    references.extend(Reference(f"groups.printed_as.{printed}", subrow=printed) for printed, _ in printed_as)
    same_groups = tuple(tables(raw["tables"], f"same_groups[{i}].tables") for i, raw in enumerate(data["same_groups"]))
    subgroups = []
    for i, raw in enumerate(data["subgroups"]):
        key = f"subgroups[{i}]"
        parts = raw["parts"]
        references.extend(Reference(f"{key}.parts.rows[{j}]", parts["table"], row=row)
                          for j, row in enumerate(parts["rows"]))
        subgroups.append(Subgroups(row_of(raw["whole"], f"{key}.whole"), parts["table"], tuple(parts["rows"]),
                                   raw["called"]))
    text_totals = tuple(raw["table"] for raw in data["text_totals"])
    references.extend(Reference(f"text_totals[{i}].table", table) for i, table in enumerate(text_totals))
    bands = []
    for i, raw in enumerate(data["bands"]):
        references.append(Reference(f"bands[{i}].total_row", raw["table"], row=raw["total_row"]))
        bands.append(Bands(raw["table"], raw["total_row"], row_of(raw["whole"], f"bands[{i}].whole"), raw["called"],
                           raw["by"]))
    populations = [Population(raw["called"], row_of(raw["size"], f"populations[{i}].size"),
                              bool(raw.get("size_also_in_text", False)),
                              tables(raw["tables"], f"populations[{i}].tables"))
                   for i, raw in enumerate(data["populations"])]
    crosstabs = []
    for i, raw in enumerate(data["crosstabs"]):
        key = f"crosstabs[{i}]"
        references.append(Reference(f"{key}.table", raw["table"]))
        rows_are = row_of(raw["rows_are"], f"{key}.rows_are") if "rows_are" in raw else None
        columns_are = row_of(raw["columns_are"], f"{key}.columns_are") if "columns_are" in raw else None
        crosstabs.append(Crosstab(raw["table"], rows_are, columns_are,
                                  tables(raw.get("same_respondents", []), f"{key}.same_respondents")))
    partitions = []
    for i, raw in enumerate(data["partitions"]):
        references.append(Reference(f"partitions[{i}].overall_row", raw["table"], row=raw["overall_row"]))
        partitions.append(Partition(raw["table"], raw["overall_row"]))
    pattern_tables = [_pattern_table(raw, f"pattern_tables[{i}]", references)
                      for i, raw in enumerate(data.get("pattern_tables") or [])]
    indices = data["index_tables"]
    group_index_tables = []
    for i, raw in enumerate(indices["per_group"]):
        references.append(Reference(f"index_tables.per_group[{i}].table", raw["table"]))
        group_index_tables.append(GroupIndexTable(
            raw["table"], raw["questionnaire"], tables(raw["item_tables"], f"index_tables.per_group[{i}].item_tables")))
    overall_index_tables = []
    for i, raw in enumerate(indices["overall"]):
        key = f"index_tables.overall[{i}]"
        references.append(Reference(f"{key}.overall_row", raw["table"], row=raw["overall_row"]))
        for module, table in raw["item_tables"].items():
            references.append(Reference(f"{key}.item_tables.{module}", raw["table"], column_prefix=f"{module} / "))
            references.append(Reference(f"{key}.item_tables.{module}", table))
        overall_index_tables.append(OverallIndexTable(raw["table"], raw["overall_row"], raw["questionnaire"],
                                                      tuple(raw["item_tables"].items())))
    relations = Relations(source, tuple(respondent_tables), tuple(group_sizes), printed_as, same_groups,
                          tuple(subgroups), text_totals, tuple(bands), tuple(populations), tuple(crosstabs),
                          tuple(partitions), tuple(group_index_tables), tuple(overall_index_tables),
                          tuple(references), tuple(pattern_tables))
    problems = _consistency_problems(relations, data)
    if problems:
        raise SurveyInputError(problems, title=f"{source}: {len(problems)} problem(s) in the relations between "
                                               "the published tables:")
    return relations


def _pattern_table(raw: dict, key: str, references: list[Reference]) -> PatternTable:
    """A pattern table, recording every table, column and row it names."""
    references.append(Reference(f"{key}.table", raw["table"]))
    references.append(Reference(f"{key}.crosstab", raw["crosstab"]))
    patterns = []
    for column, answers in raw["patterns"].items():
        references.append(Reference(f"{key}.patterns", raw["table"], column=column))
        references.extend(Reference(f"{key}.patterns.{column}", raw["crosstab"], column=a) for a in answers)
        patterns.append((column, tuple(answers)))
    index = None
    if "index" in raw:
        ix = raw["index"]
        references.append(Reference(f"{key}.index.column", ix["table"], column=ix["column"]))
        for group, row in (ix.get("printed_as") or {}).items():
            references.append(Reference(f"{key}.index.printed_as", raw["table"], row=group))
            references.append(Reference(f"{key}.index.printed_as.{group}", ix["table"], row=row))
        index = PatternIndex(ix["table"], ix["column"], ix["section"], tuple((ix.get("printed_as") or {}).items()))
    return PatternTable(raw["table"], raw["crosstab"], tuple(patterns), index)


def _consistency_problems(relations: Relations, data: dict) -> list[Problem]:
    """What the schema cannot see: a relation that needs a column respondent_tables does not give,
    an unknown questionnaire."""
    problems = []

    def need(table: str, measure: str, key: str, why: str) -> None:
        declared = relations.respondent_table(table)
        if declared is None or getattr(declared, measure) is None:
            problems.append(Problem(
                f"{key}: Tabel {table} has no {measure} column in respondent_tables, and {why}",
                file=relations.source, hint=f"add `{measure}: <column>` to respondent_tables.{table}"))

    for i, pair in enumerate(relations.same_groups):
        for table in pair:
            need(table, "n", f"same_groups[{i}].tables", "a group is the same only at the same n")
    for i, sub in enumerate(relations.subgroups):
        need(sub.whole.table, "n", f"subgroups[{i}].whole", "the whole is compared by its n")
        need(sub.parts_table, "n", f"subgroups[{i}].parts", "the parts are compared by their n")
    for i, table in enumerate(relations.text_totals):
        need(table, "n", f"text_totals[{i}].table", "the n column is what must sum to the text's total")
    for i, band in enumerate(relations.bands):
        need(band.table, "share", f"bands[{i}].table", "the bands' shares of the whole are read from it")
        need(band.whole.table, "n", f"bands[{i}].whole", "the whole's n is read from it")
    for i, population in enumerate(relations.populations):
        need(population.size.table, "n", f"populations[{i}].size", "the population's size is read from it")
    for i, pattern in enumerate(relations.pattern_tables):
        if relations.crosstab(pattern.crosstab) is None:
            problems.append(Problem(f"pattern_tables[{i}].crosstab: Tabel {pattern.crosstab} is not in crosstabs",
                                    file=relations.source, hint="the crossed questions are read from crosstabs"))
    index_tables = data["index_tables"]
    for kind in ("per_group", "overall"):
        for i, raw in enumerate(index_tables[kind]):
            if raw["questionnaire"] not in QUESTIONNAIRES:
                problems.append(Problem(f"index_tables.{kind}[{i}].questionnaire: unknown questionnaire "
                                        f"'{raw['questionnaire']}'; known: {', '.join(QUESTIONNAIRES)}",
                                        file=relations.source))
    return problems


def unknown_references(relations: Relations, published: pd.DataFrame) -> list[Problem]:
    """A problem, naming the file and key, for each table, row, column or subrow label the relations
    name that the published tables do not have."""
    tables = set(published["table"])
    problems = []
    for ref in relations.references:
        where = f"Tabel {ref.table}"
        cells = published[published["table"].eq(ref.table)] if ref.table is not None else published
        if ref.table is not None and ref.table not in tables:
            problems.append(Problem(f"{ref.key}: no published table '{ref.table}'", file=relations.source,
                                    hint=_close(ref.table, tables)))
        elif ref.row is not None and ref.row not in set(cells["row"]):
            problems.append(Problem(f"{ref.key}: {where} has no row '{ref.row}'", file=relations.source,
                                    hint=_close(ref.row, set(cells["row"]))))
        elif ref.column is not None and ref.column not in set(cells["column"]):
            problems.append(Problem(f"{ref.key}: {where} has no column '{ref.column}'", file=relations.source,
                                    hint=_close(ref.column, set(cells["column"]))))
        elif ref.column_prefix is not None and not cells["column"].str.startswith(ref.column_prefix).any():
            problems.append(Problem(f"{ref.key}: no column of {where} begins with '{ref.column_prefix}'",
                                    file=relations.source))
        elif ref.subrow is not None and ref.subrow not in set(cells["subrow"]):
            problems.append(Problem(f"{ref.key}: no published table has a subrow '{ref.subrow}'",
                                    file=relations.source, hint=_close(ref.subrow, set(cells["subrow"]))))
    return problems


def _close(name: str, known: set[str]) -> str | None:
    match = difflib.get_close_matches(name, sorted(k for k in known if k), n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'?" if match else None
