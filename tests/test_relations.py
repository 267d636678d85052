"""data/published/relations.yaml: read with safe_load, validated against its schema and against the
published tables, every mistake reported with the file and the key."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

from vive_survey.errors import SurveyInputError
from vive_survey.review.audit.relations import load_relations, parse_relations, schema
from vive_survey.review.published import load_published

ROOT = Path(__file__).resolve().parents[1]
RELATIONS_PATH = ROOT / "data" / "published" / "relations.yaml"
TEXT = RELATIONS_PATH.read_text(encoding="utf-8")


def written(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "relations.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def edited(old: str, new: str) -> str:
    assert TEXT.count(old) == 1, old
    return TEXT.replace(old, new)


def problems_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(SurveyInputError) as caught:
        load_relations(written(tmp_path, text))
    return caught.value.render()


def test_the_bundled_relations_are_valid_and_say_what_the_audit_uses():
    relations = load_relations(RELATIONS_PATH)
    assert relations.source == str(RELATIONS_PATH)
    assert relations.respondent_table("4.2").n == "Antal respondenter"
    assert relations.same_groups == (("3.2", "4.2"),)
    assert [(s.table, s.groups_in) for s in relations.group_sizes] == [("4.2", "row"), ("4.8", "column")]
    assert relations.printed_labels_of("Studerende") == ("Studerende med praktikerfaring",)
    assert relations.crosstab("4.13").same_respondents == ("4.14",)
    assert relations.overall_index_tables[0].table_of_module("Krav til samarbejde") == "4.15"
    relations.check_against(load_published(ROOT / "data" / "published" / "tables"))


def test_the_schema_is_draft_07_and_ships_with_the_package():
    # The installed package's copy (schemas/*.yaml is package data in pyproject.toml), not the checkout's.
    packaged = resources.files("vive_survey").joinpath("schemas/relations.schema.yaml")
    assert packaged.is_file()
    jsonschema.Draft7Validator.check_schema(schema())
    assert schema()["$schema"] == "http://json-schema.org/draft-07/schema#"
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"schemas/*.yaml"' in pyproject


def test_every_relation_says_what_it_states_and_where_the_report_says_so():
    # Each relation opens with a comment, and its block cites the report's lines.
    lines = TEXT.splitlines()
    keys = list(yaml.safe_load(TEXT))
    starts = [lines.index(f"{key}:") for key in keys] + [len(lines)]
    for key, start, end in zip(keys, starts, starts[1:]):
        assert lines[start + 1].lstrip().startswith("#"), f"{key}: no comment under it"
        assert "line" in "\n".join(lines[start:end]), f"{key}: no line of the report cited"


def test_an_unquoted_table_id_is_refused_with_the_key_and_a_hint(tmp_path):
    message = problems_of(tmp_path, edited('- tables: ["3.2", "4.2"]', "- tables: [3.2, 4.2]"))
    assert "relations.yaml" in message
    assert "same_groups[0].tables[0]: 3.2 is not of type 'string'" in message
    assert 'hint: write it in quotes ("3.2")' in message


def test_an_unknown_key_is_refused_naming_the_allowed_ones(tmp_path):
    message = problems_of(tmp_path, edited("    called: students\n", "    called: students\n    colled: x\n"))
    assert "bands[0]: Additional properties are not allowed ('colled' was unexpected)" in message
    assert "allowed keys: table, total_row, whole, called, by" in message


def test_a_missing_key_and_a_wrong_value_are_all_reported_together(tmp_path):
    text = edited('{table: "4.2", groups_in: row}', '{table: "4.2", groups_in: rows}')
    text = text.replace("    by: experience\n", "")
    message = problems_of(tmp_path, text)
    assert "2 problem(s) in the relations between the published tables" in message
    assert "bands[0]: 'by' is a required property" in message
    assert "groups.sizes[0].groups_in: 'rows' is not one of ['row', 'column']" in message


def test_a_relation_that_needs_a_column_the_table_does_not_declare(tmp_path):
    message = problems_of(tmp_path, edited('"3.2": {n: Antal, ', '"3.2": {'))
    assert "same_groups[0].tables: Tabel 3.2 has no n column in respondent_tables" in message
    assert "hint: add `n: <column>` to respondent_tables.3.2" in message


def test_an_unknown_questionnaire(tmp_path):
    message = problems_of(tmp_path, edited("questionnaire: frivillige", "questionnaire: volunteers"))
    assert "index_tables.overall[0].questionnaire: unknown questionnaire 'volunteers'" in message


def test_a_row_the_published_tables_do_not_have_is_named_with_its_key(tmp_path):
    relations = load_relations(written(tmp_path, edited("row: Frivillige}", "row: Frivilige}")))
    with pytest.raises(SurveyInputError) as caught:
        relations.check_against(load_published(ROOT / "data" / "published" / "tables"))
    message = caught.value.render()
    assert "populations[0].size.row: Tabel 3.2 has no row 'Frivilige'" in message
    assert "did you mean 'Frivillige'?" in message and "relations.yaml" in message


def test_the_audit_stops_on_such_a_relation(tmp_path):
    from vive_survey import steps

    bad = written(tmp_path, edited('same_respondents: ["4.14"]', 'same_respondents: ["4.41"]'))
    with pytest.raises(SurveyInputError, match=r"crosstabs\[0\]\.same_respondents\[0\]: no published table '4.41'"):
        steps.audit_published(ROOT / "data" / "published" / "tables", ROOT / "data" / "codebook.yaml",
                              tmp_path / "findings.csv", relations_path=bad)
    assert not (tmp_path / "findings.csv").exists()


def test_not_yaml_is_reported_with_file_and_line(tmp_path):
    message = problems_of(tmp_path, TEXT + "\nbands: [\n")
    assert "relations.yaml" in message and "not valid YAML" in message and "line" in message


def test_parse_relations_refuses_a_document_that_is_not_a_mapping():
    with pytest.raises(SurveyInputError, match=r"\(top level\): \['a'\] is not of type 'object'"):
        parse_relations(["a"], source="relations.yaml")
