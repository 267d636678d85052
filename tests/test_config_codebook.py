"""Config and codebook validation: one clear message per violation, naming the key."""

from __future__ import annotations

import copy

import pytest
import yaml

from vive_survey.codebook import load_codebook, parse_codebook
from vive_survey.config import load_config, validate_config
from vive_survey.errors import SurveyInputError

from conftest import CODEBOOK_PATH, ROOT

VALID = {"wave": "w1", "inputs": {"studerende": "a.csv", "fagprofessionelle": {"path": "b.xlsx", "sheet": 0},
                                  "frivillige": "c.sav"}}


def config_error(raw) -> str:
    with pytest.raises(SurveyInputError) as info:
        validate_config(raw, source="wave.yaml")
    return str(info.value)


def test_repository_config_is_valid_and_gets_defaults():
    config = load_config(ROOT / "config.yaml")
    assert config["wave"] and set(config["inputs"]) == {"studerende", "fagprofessionelle", "frivillige"}
    assert all("path" in spec for spec in config["inputs"].values())


def test_defaults_are_filled_in():
    config = validate_config(copy.deepcopy(VALID))
    assert config["cleaning"]["invalid_values"] == "error"
    assert config["derive"]["experienced_min_years"] == 4
    assert config["inputs"]["studerende"] == {"path": "a.csv"}
    assert config["derive"]["volunteer_roles"]["unmatched"] == "Ukendt rolle"


@pytest.mark.parametrize("mutate, message", [
    (lambda c: c.pop("wave"), "(top level): 'wave' is a required property"),
    (lambda c: c.update(wave="../../etc"), "wave: '../../etc' is not a valid wave id"),
    (lambda c: c["inputs"].pop("frivillige"), "inputs: 'frivillige' is a required property"),
    (lambda c: c["inputs"].update(borgere="d.csv"), "Additional properties are not allowed ('borgere' was unexpected)"),
    (lambda c: c.update(cleaning={"invalid_values": "ignore"}), "cleaning.invalid_values: 'ignore' is not one of"),
    (lambda c: c.update(reference_year="2020"), "reference_year: '2020' is not of type 'integer'"),
    (lambda c: c["inputs"].update(studerende={"file": "a.csv"}), "inputs.studerende: must be a file path, or a mapping"),
    (lambda c: c.update(derive={"job_types": {"rules": []}}), "derive.job_types.rules: [] should be non-empty"),
])
def test_config_violations_name_the_key(mutate, message):
    raw = copy.deepcopy(VALID)
    mutate(raw)
    text = config_error(raw)
    assert text.startswith("wave.yaml: ") and message in text


def test_several_violations_are_reported_together():
    text = config_error({"wave": "a b", "inputs": {}, "colour": "red"})
    # colour, wave, and the three missing inputs: one line each
    assert text.startswith("wave.yaml: 5 problem(s) in the configuration:")
    assert "wave:" in text and "colour" in text and "'studerende' is a required property" in text


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("wave: a\ninputs: [unclosed\n", encoding="utf-8")
    with pytest.raises(SurveyInputError, match=r"c\.yaml, line \d+: .*not valid YAML"):
        load_config(path)


def test_yaml_is_read_safely(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("wave: !!python/object/apply:os.system ['echo hacked']\n", encoding="utf-8")
    with pytest.raises(SurveyInputError, match="not valid YAML"):
        load_config(path)


def test_codebook_covers_every_questionnaire_item_of_bilag_1():
    codebook = load_codebook(CODEBOOK_PATH)
    likert = {q: [i for i in codebook.likert_items() if q in i.questionnaires]
              for q in ("studerende", "fagprofessionelle", "frivillige")}
    # Bilagstabel 1.3-1.7: 6 + 6 + 9 (+3 Tryghed) + 11 for students and professionals;
    # 6 + 14 + 11 for volunteers (Bilag 1 says "15 spørgsmål" in five themes but lists 14).
    assert len(likert["studerende"]) == len(likert["fagprofessionelle"]) == 35
    assert len(likert["frivillige"]) == 31
    assert {t for i in codebook.items if i.theme for t in [i.theme]} == set(codebook.themes)
    assert [i.id for i in codebook.items if i.reverse] == ["erh_indsats", "erh_samme", "eks_planer", "eks_konkurrence"]


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["items"][20].update(theme="nope"), "unknown theme 'nope'"),
    (lambda d: d["items"][20].update(scale="likert5"), "unknown scale 'likert5'"),
    (lambda d: d["items"].append(dict(d["items"][20])), "id used twice"),
    (lambda d: d["items"][20].update(filter="gender"), "must be on the yes_no scale"),
    (lambda d: d["items"][20].pop("source_columns"), "'source_columns' is a required property"),
    (lambda d: d["items"][21].update(source_columns=["erh_let"]), "source column 'erh_let' is claimed by both"),
    (lambda d: d["items"][20].update(questionnaires=["borgere"]), "'borgere' is not one of"),
])
def test_codebook_errors_name_the_item(mutate, message):
    data = yaml.safe_load(CODEBOOK_PATH.read_text(encoding="utf-8"))
    mutate(data)
    with pytest.raises(SurveyInputError) as info:
        parse_codebook(data, source="cb.yaml")
    assert message in str(info.value) and str(info.value).startswith("cb.yaml: ")
