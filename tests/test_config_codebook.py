"""Config and codebook validation: one clear message per violation, naming the key."""

from __future__ import annotations

import copy

import pytest
import yaml

from vive_survey.inputs.codebook import load_codebook, parse_codebook
from vive_survey.inputs.config import (WAVE_KEYS, absent_questionnaires, defaults, load_config, merge_layers, present_inputs,
                                resolve_config, run_layers, settings_markdown, validate_config)
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
    (lambda c: c.pop("wave"), "wave: not given: every wave needs its own id"),
    (lambda c: c.update(wave="../../etc"), "wave: '../../etc' is not a valid wave id"),
    (lambda c: c["inputs"].pop("frivillige"), "inputs.frivillige: not given: give the raw export of the frivillige "
                                              "questionnaire, or `frivillige: absent`"),
    (lambda c: c["inputs"].update(frivillige=None), "inputs.frivillige: must be a file path"),
    (lambda c: c["inputs"].update(borgere="d.csv"), "Additional properties are not allowed ('borgere' was unexpected)"),
    (lambda c: c.update(cleaning={"invalid_values": "ignore"}), "cleaning.invalid_values: 'ignore' is not one of"),
    (lambda c: c.update(reference_year="2020a"), "reference_year: '2020a' is not of type 'integer'"),
    (lambda c: c["inputs"].update(studerende={"file": "a.csv"}), "inputs.studerende: must be a file path, a mapping"),
    (lambda c: c.update(derive={"job_types": {"rules": []}}), "derive.job_types.rules: [] should be non-empty"),
    (lambda c: c.update(wave="x\n"), "wave: 'x\\n' is not a valid wave id: use 1-64 letters"),
    (lambda c: c.update(crosstab={"permutation_resamples": 1e11}),
     "crosstab.permutation_resamples: 100000000000.0 is greater than the maximum of 1000000"),
    (lambda c: c.update(crosstab={"min_expected": -1}), "crosstab.min_expected: -1 is less than the minimum of 0"),
    (lambda c: c.update(disclosure={"min_cell_n": 10**9}),
     "disclosure.min_cell_n: 1000000000 is greater than the maximum"),
    (lambda c: c.update(indices={"min_answered": 1e9}),
     "indices.min_answered: 1000000000.0 is greater than the maximum"),
    (lambda c: c.update(seed=2**40), "seed: 1099511627776 is greater than the maximum of 4294967295"),
    (lambda c: c.update(limits={"max_columns": 0}), "limits.max_columns: 0 is less than the minimum of 1"),
    (lambda c: c.update(limits={"max_field_chars": 10**12}), "limits.max_field_chars: 1000000000000 is greater than"),
    (lambda c: c["inputs"].update(studerende={"path": "a.csv", "header_rows": 10**6}), "inputs.studerende: must be"),
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
    assert "wave:" in text and "colour" in text and "inputs.studerende: not given" in text


def test_a_questionnaire_can_be_declared_absent():
    raw = copy.deepcopy(VALID)
    raw["inputs"]["frivillige"] = "absent"
    config = validate_config(raw)
    assert absent_questionnaires(config) == ["frivillige"]
    assert set(present_inputs(config)) == {"studerende", "fagprofessionelle"}
    raw["inputs"] = {q: "absent" for q in raw["inputs"]}
    assert "every questionnaire is declared absent" in config_error(raw)


def test_booleans_given_as_text_on_the_command_line_are_booleans():
    # snakemake --config strict_diff=true hands the workflow the string 'true'
    assert validate_config({**VALID, "strict_diff": "true"})["strict_diff"] is True
    assert validate_config({**VALID, "cleaning": {"enforce_filter": "False"}})["cleaning"]["enforce_filter"] is False
    assert "strict_diff: 'yes please' is not of type 'boolean'" in config_error({**VALID, "strict_diff": "yes please"})


def test_later_layers_win_key_by_key_and_each_setting_names_its_source():
    first = {"wave": "a", "inputs": {"studerende": {"path": "s.csv", "encoding": "cp1252"}, "frivillige": "f.csv"},
             "cleaning": {"min_age": 16, "max_age": 90}}
    second = {"inputs": {"studerende": "t.csv"}, "cleaning": {"max_age": 95}}
    merged, sources = merge_layers([("base.yaml", first), ("wave.yaml", second)])
    # a questionnaire's input is replaced whole: t.csv does not inherit base.yaml's encoding
    assert merged["inputs"]["studerende"] == "t.csv"
    assert merged["cleaning"] == {"min_age": 16, "max_age": 95}
    assert sources == {"wave": "base.yaml", "inputs.studerende": "wave.yaml", "inputs.frivillige": "base.yaml",
                       "cleaning.min_age": "base.yaml", "cleaning.max_age": "wave.yaml"}


def test_resolved_settings_say_which_file_or_default_each_came_from():
    wave = {"wave": "w2", "inputs": {"studerende": "s.csv", "fagprofessionelle": "p.csv", "frivillige": "absent"},
            "reference_year": 2023}
    config, rows = resolve_config([("wave.yaml", wave), ("--config", {"strict_diff": "true"})])
    by_setting = {r["setting"]: (r["value"], r["source"]) for r in rows}
    assert by_setting["wave"] == ("w2", "wave.yaml")
    assert by_setting["inputs.frivillige"] == ("absent", "wave.yaml")
    assert by_setting["inputs.studerende"] == ("s.csv", "wave.yaml")
    assert by_setting["reference_year"] == (2023, "wave.yaml")
    assert by_setting["missing_codes"] == ([], "default")
    assert by_setting["strict_diff"] == (True, "--config")
    assert by_setting["derive.volunteer_roles.unmatched"] == ("Ukendt rolle", "default")
    assert config["strict_diff"] is True


def test_a_wave_config_on_the_command_line_inherits_nothing_from_config_yaml(tmp_path):
    (tmp_path / "config.yaml").write_text("wave: bundled\nreference_year: 2020\nmissing_codes: [9]\n"
                                          "disclosure: {min_cell_n: 5}\ninputs: {studerende: a.csv, "
                                          "fagprofessionelle: b.csv, frivillige: c.csv}\n", encoding="utf-8")
    (tmp_path / "new.yaml").write_text("wave: new\ninputs: {studerende: x.csv, fagprofessionelle: y.csv}\n",
                                       encoding="utf-8")
    layers = run_layers([tmp_path / "new.yaml"], {}, default_file=tmp_path / "config.yaml", relative_to=tmp_path)
    assert [source for source, _ in layers] == ["new.yaml"]
    with pytest.raises(SurveyInputError, match="inputs.frivillige: not given"):
        resolve_config(layers)
    (tmp_path / "new.yaml").write_text("wave: new\ninputs: {studerende: x.csv, fagprofessionelle: y.csv, "
                                       "frivillige: absent}\n", encoding="utf-8")
    config, rows = resolve_config(run_layers([tmp_path / "new.yaml"], {}, default_file=tmp_path / "config.yaml",
                                             relative_to=tmp_path))
    assert config["wave"] == "new" and config["missing_codes"] == [] and config["disclosure"]["min_cell_n"] == 0
    assert {r["source"] for r in rows} == {"new.yaml", "default"}
    # without --configfile, config.yaml is the run's config
    bundled, _ = resolve_config(run_layers([], {}, default_file=tmp_path / "config.yaml", relative_to=tmp_path))
    assert bundled["wave"] == "bundled" and bundled["disclosure"]["min_cell_n"] == 5


def test_the_pipeline_and_the_tests_take_their_defaults_from_one_place():
    """config.yaml sets only the bundled wave's own keys, so every analysis setting the pipeline
    uses on it is the schema's default, the same one make_config (the tests' configs) gets."""
    from conftest import make_config

    pipeline, rows = resolve_config(run_layers([], {}, default_file=ROOT / "config.yaml", relative_to=ROOT))
    tests = make_config(ROOT)
    for key in set(defaults()) - set(WAVE_KEYS):
        assert pipeline[key] == tests[key], key
    assert {r["source"] for r in rows if r["setting"].split(".")[0] not in WAVE_KEYS} == {"default"}


def test_docs_config_md_lists_every_setting_with_its_default():
    page = (ROOT / "docs" / "config.md").read_text(encoding="utf-8")
    assert page == settings_markdown(), "docs/config.md is stale: run `vive-survey settings > docs/config.md`"
    for key in ("wave", "inputs", "reference_year", "missing_codes", "disclosure.min_cell_n",
                "derive.volunteer_roles"):
        assert f"| `{key}` |" in page


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


def test_a_config_file_that_asks_to_be_a_template_is_refused(tmp_path):
    from vive_survey.errors import SurveyInputError as Refused

    path = tmp_path / "wave.yaml"
    path.write_text("__use_yte__: true\nwave: w\n?if True:\n  inputs: {studerende: a.csv}\n", encoding="utf-8")
    with pytest.raises(Refused) as info:
        run_layers([path], {}, relative_to=tmp_path)
    text = info.value.render()
    assert "wave.yaml: __use_yte__: a wave's config is data, not a template" in text
    assert "Snakemake has already evaluated this file's expressions" in text


def test_a_wave_id_with_a_line_break_gets_one_message():
    raw = copy.deepcopy(VALID)
    raw["wave"] = "x y\n"
    text = config_error(raw)
    assert text.count("is not a valid wave id") == 1


def test_limits_have_defaults():
    config = validate_config(copy.deepcopy(VALID))
    assert config["limits"] == {"max_columns": 2000, "max_field_chars": 100000}


@pytest.mark.parametrize("code, message", [
    (200, "scales: 'likert4': code 200 is outside -128..127, the range the answers of this ordinal scale are "
          "stored in (Int8)"),
    (-129, "code -129 is outside -128..127"),
    ("a", "scales: 'likert4': code 'a' is not a whole number"),
    (1.5, "code 1.5 is not a whole number"),
])
def test_codebook_codes_must_fit_their_storage(code, message):
    data = yaml.safe_load(CODEBOOK_PATH.read_text(encoding="utf-8"))
    data["scales"]["likert4"]["codes"][code] = "Anden"
    with pytest.raises(SurveyInputError) as info:
        parse_codebook(data, source="cb.yaml")
    assert str(info.value).startswith("cb.yaml: ") and message in str(info.value)


def test_a_codebook_that_is_not_yaml_is_not_echoed(tmp_path):
    path = tmp_path / "raw.csv"
    path.write_text("respondent_id;q1;q2\n" + "1;2;3\n" * 5000, encoding="utf-8")
    with pytest.raises(SurveyInputError) as info:
        load_codebook(path)
    text = str(info.value)
    assert "the codebook must be a mapping" in text and "(30019 characters)" in text and len(text) < 600


def test_a_yaml_error_is_cut_and_names_the_line(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("a: b\n" + "x" * 5000 + ": [\n", encoding="utf-8")
    with pytest.raises(SurveyInputError) as info:
        load_codebook(path)
    assert "c.yaml, line 2: not valid YAML" in str(info.value) and len(str(info.value)) < 600


def test_a_fifo_as_codebook_is_named_and_never_opened(tmp_path):
    import os

    fifo = tmp_path / "codebook.yaml"
    os.mkfifo(fifo)
    with pytest.raises(SurveyInputError, match=r"this is a named pipe \(FIFO\), not a regular file"):
        load_codebook(fifo)


def test_the_same_settings_in_any_key_order_are_the_same_config_and_the_report_names_no_file():
    from vive_survey.inputs.config import config_sources_rows, report_settings, settings_yaml

    wave = {"wave": "w2", "inputs": {"studerende": "s.csv", "fagprofessionelle": "p.csv", "frivillige": "absent"},
            "reference_year": 2023, "disclosure": {"min_cell_n": 5}, "crosstab": {"min_expected": 1}}
    shuffled = {"crosstab": {"min_expected": 1}, "disclosure": {"min_cell_n": 5}, "reference_year": 2023,
                "inputs": {"frivillige": "absent", "fagprofessionelle": "p.csv", "studerende": "s.csv"}, "wave": "w2"}
    first, first_rows = resolve_config([("one.yaml", wave)])
    second, second_rows = resolve_config([("shared.yaml", {k: v for k, v in shuffled.items() if k != "wave"}),
                                          ("other.yaml", {"wave": "w2"})])
    assert settings_yaml(first) == settings_yaml(second)
    assert list(first)[:3] == ["wave", "inputs", "codebook"]          # the schema's order
    assert list(second["inputs"]) == ["studerende", "fagprofessionelle", "frivillige"]
    assert report_settings(first_rows) == report_settings(second_rows)
    kinds = {r["setting"]: r["source"] for r in report_settings(second_rows + [
        {"setting": "strict_diff", "value": True, "source": "--config"}])}
    assert kinds["wave"] == kinds["disclosure.min_cell_n"] == "config" and kinds["strict_diff"] == "--config"
    assert kinds["seed"] == "default"
    files = {r["setting"]: r["source"] for r in config_sources_rows(second_rows)}
    assert files["wave"] == "other.yaml" and files["reference_year"] == "shared.yaml" and files["seed"] == "default"
    assert yaml.safe_load(settings_yaml(first).split("\n", 2)[2]) == first     # the YAML is the config
