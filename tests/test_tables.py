"""Each kind of table on small hand-made frames, and every specified table on a generated wave."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vive_survey.analysis import tables
from vive_survey.analysis.cells import frame
from vive_survey.cleaning.clean import clean_wave
from vive_survey.synthetic import SHARES, synthetic_frame
from vive_survey.analysis.indices import add_indices
from vive_survey.inputs.readers import RawTable
from vive_survey.analysis.cells import KEY
from vive_survey.review.published import load_published
from vive_survey.analysis.spec import TableSpec, load_specs

from conftest import ROOT, make_config

SETTINGS = {"seed": 1, "indices": {"min_answered": 1.0, "reverse_coding": True},
            "crosstab": {"min_expected": 5, "permutation_resamples": 2000}, "models": {"cov_type": "nonrobust"}}


def spec(**raw) -> TableSpec:
    raw.setdefault("id", "4.99")
    raw.setdefault("title", "test")
    return TableSpec(id=raw["id"], kind=raw["kind"], title=raw["title"], raw=raw, source="test")


def values(cells, **where) -> list:
    out = frame(cells)
    for key, value in where.items():
        out = out[out[key] == value]
    return out["value"].tolist()


def likert(*values) -> pd.Series:
    return pd.Series(pd.array(list(values), dtype="Int8"))


def test_likert_distribution_row_percentages_with_base_and_total(codebook):
    data = pd.DataFrame({
        "questionnaire": ["frivillige"] * 6 + ["studerende"],
        "gender": pd.Categorical(["Kvinde", "Kvinde", "Kvinde", "Kvinde", "Mand", "Mand", "Mand"]),
        "frv_central": likert(1, 1, 2, 4, 3, None, 4),
    })
    cells = tables.compute(spec(
        kind="likert_distribution", population={"questionnaire": ["frivillige"]},
        groups=[{"var": "gender", "levels": ["Kvinde", {"value": "Mand", "label": "Mænd"}]}], total_column=True,
        sections=[{"label": "Værdi", "items": [{"item": "frv_central", "label": "Centralt"}]}]), data, codebook, SETTINGS)
    kvinder = frame(cells).query("subrow == 'Kvinde'")
    assert kvinder["value"].tolist() == [50.0, 25.0, 0.0, 25.0, 100.0]
    assert kvinder["column"].tolist() == ["Stort set aldrig", "Sjældent", "Nogle gange", "Altid", "Total"]
    assert set(kvinder["base_n"]) == {4}
    assert values(cells, subrow="Mænd") == [0.0, 0.0, 100.0, 0.0, 100.0]   # the missing answer is not in the base
    assert set(frame(cells).query("subrow == 'Mænd'")["base_n"]) == {1}


def test_respondent_summary(codebook):
    data = pd.DataFrame({
        "questionnaire": ["studerende"] * 5,
        "experience_band": pd.Categorical(["Ingen", "Ingen", "1-3 år", "1-3 år", None]),
        "gender": pd.Categorical(["Kvinde", "Mand", "Kvinde", None, "Kvinde"]),
        "age": pd.array([20, 30, 25, 35, 40], dtype="Float64"),
    })
    cells = tables.compute(spec(
        kind="respondent_summary", groups=[{"var": "experience_band", "levels": ["Ingen", "1-3 år"]},
                                           {"label": "I alt"}],
        columns=[{"label": "Antal", "stat": "n"}, {"label": "Andel", "stat": "share_of_population"},
                 {"label": "Kvinder", "stat": "pct_of_group", "var": "gender", "value": "Kvinde"},
                 {"label": "Alder", "stat": "mean_sd", "var": "age"}]), data, codebook, SETTINGS)
    assert values(cells, row="Ingen", column="Antal") == [2]
    assert values(cells, row="Ingen", column="Andel") == [50.0]            # of the 4 with a band
    assert values(cells, row="1-3 år", column="Kvinder") == [100.0]        # the missing gender is not counted
    assert values(cells, row="I alt", column="Kvinder") == [75.0]
    assert values(cells, row="I alt", column="Andel") == [100.0]
    assert values(cells, row="Ingen", column="Alder") == [25.0, pytest.approx(np.sqrt(50))]


def test_share_table_with_answered_and_all_bases(codebook):
    data = pd.DataFrame({
        "questionnaire": ["frivillige"] * 5,
        "volunteer_role_group": pd.Categorical(["Leder"] * 5),
        "frv_indflydelse": likert(1, 2, 4, 3, None),
        "frv_ansvar": likert(2, 3, 4, 4, None),
    })
    columns = [{"label": "lav", "stat": "pct_of_group", "condition": {"frv_indflydelse": [1, 2], "frv_ansvar": [1, 2]}},
               {"label": "høj", "stat": "pct_of_group", "condition": {"frv_indflydelse": [3, 4], "frv_ansvar": [3, 4]}},
               {"label": "n", "stat": "n"}]
    groups = [{"var": "volunteer_role_group", "levels": ["Leder"]}]
    answered = tables.compute(spec(kind="share_table", groups=groups, columns=columns, base="answered"),
                                  data, codebook, SETTINGS)
    everyone = tables.compute(spec(kind="share_table", groups=groups, columns=columns, base="all"),
                                  data, codebook, SETTINGS)
    assert values(answered) == [25.0, 50.0, 4]
    assert values(everyone) == [20.0, 40.0, 5]


def test_crosstab_total_percentages_counts_and_test(codebook):
    data = pd.DataFrame({"questionnaire": ["frivillige"] * 6,
                         "frv_indflydelse": likert(1, 1, 3, 3, 4, None), "frv_ansvar": likert(1, 2, 3, 3, 4, 4)})
    cells = frame(tables.compute(spec(kind="crosstab", row_item="frv_indflydelse", column_item="frv_ansvar",
                                       percent="total"), data, codebook, SETTINGS))
    pct = cells.query("stat == 'pct'")
    assert pct.query("row == 'Nogle gange' and column == 'Nogle gange'")["value"].item() == 40.0
    assert pct["value"].sum() == pytest.approx(100.0)
    assert cells.query("stat == 'n' and section == ''")["value"].sum() == 5
    test = cells.query("section == '_test'").set_index("stat")["value"]
    assert test["df"] == (3 - 1) * (4 - 1) and test["n"] == 5   # the empty "Sjældent" row is left out
    assert not np.isnan(test["p_permutation"])           # expected counts are tiny
    assert set(cells.query("section == '_test'")["flag"]) == {"small_expected"}


def test_index_summary_as_rows_with_n_row(codebook):
    items = [i.id for i in codebook.theme_items("kontrol")]
    data = pd.DataFrame({"questionnaire": ["studerende"] * 3,
                         "group": pd.Categorical(["Studerende"] * 3),
                         "idx_kontrol": [2.0, 3.0, np.nan]})
    for item in items:
        data[item] = likert(2, 3, None)
        data[f"{item}_r"] = likert(3, 2, None)
    cells = tables.compute(spec(kind="index_summary", layout="indices_as_rows",
                                      groups=[{"var": "group", "levels": ["Studerende"]}],
                                      indices=[{"theme": "kontrol", "label": "Kontrol", "section": "E"}],
                                      n_row="Antal"), data, codebook, SETTINGS)
    assert values(cells, row="Kontrol", stat="mean") == [2.5]
    assert values(cells, row="Kontrol", stat="sd") == [pytest.approx(np.sqrt(0.5))]
    assert values(cells, row="Kontrol", stat="n") == [2]
    assert values(cells, row="Antal") == [3]                 # persons in the group, answered or not



def ols_data(n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    data = pd.DataFrame({
        "questionnaire": pd.Categorical(rng.choice(["studerende", "fagprofessionelle"], n)),
        "age": rng.uniform(20, 60, n),
        "gender": pd.Categorical(rng.choice(["Kvinde", "Mand"], n), categories=["Mand", "Kvinde", "Andet"]),
        "group": pd.Categorical(rng.choice(["Studerende", "Nyuddannede", "Erfarne"], n)),
        "institution": pd.array(rng.choice(["A", "B", "C", "D", "E"], n), dtype="string"),
        "idx_kontrol": rng.uniform(1, 4, n),
    })
    data["idx_faellesskab"] = 1 + 0.02 * data["age"] + 0.3 * data["idx_kontrol"] + rng.normal(0, 0.5, n)
    data.loc[[0, 1, 2], "institution"] = pd.NA
    return data


OLS_SPEC = dict(kind="ols", outcomes=[{"theme": "faellesskab", "label": "Fællesskab"}],
                predictors=[{"var": "age", "label": "Alder"},
                            {"var": "gender", "label": "Køn", "section": "Køn", "reference": "Kvinde",
                             "levels": ["Kvinde", "Mand", "Andet"]},
                            {"var": "group", "label": "Gruppe", "section": "Gruppe", "reference": "Studerende",
                             "levels": ["Studerende", "Nyuddannede", "Erfarne"]},
                            {"index": "kontrol", "label": "Kontrol"}])


@pytest.mark.parametrize("models, n", [({"cov_type": "nonrobust"}, 120), ({"cov_type": "HC3"}, 120),
                                       ({"cov_type": "cluster", "cluster": "institution"}, 117)])
def test_ols_cells_flag_the_reference_and_the_empty_level_and_count_the_model_s_respondents(codebook, models, n):
    import statsmodels.formula.api as smf

    data = ols_data()
    cells = frame(tables.compute(spec(**OLS_SPEC), data, codebook, {**SETTINGS, "models": models}))
    coef = cells[cells["stat"] == "coef"].set_index("row")
    assert coef.loc["Kvinde", "flag"] == "ref" and np.isnan(coef.loc["Kvinde", "value"])
    assert coef.loc["Andet", "flag"] == "not_estimable"          # nobody answered Andet
    assert values(cells, row="Model", stat="n") == [n]           # without a cluster, out of the cluster model
    complete = data.dropna(subset=["institution"]) if "cluster" in models else data
    theirs = smf.ols("idx_faellesskab ~ age + C(gender, Treatment('Kvinde')) + C(group, Treatment('Studerende'))"
                     " + idx_kontrol", data=complete.assign(gender=complete["gender"].astype(str))).fit(
        cov_type=models["cov_type"], cov_kwds={"groups": complete["institution"].astype(str)} if "cluster" in models
        else None)
    assert values(cells, row="Erfarne", stat="se") == [pytest.approx(
        theirs.bse["C(group, Treatment('Studerende'))[T.Erfarne]"], rel=1e-8)]
    assert values(cells, row="Model", stat="r2") == [pytest.approx(theirs.rsquared, rel=1e-10)]


@pytest.mark.parametrize("models, message", [
    ({"cov_type": "cluster"}, "models.cluster: not given"),
    ({"cov_type": "cluster", "cluster": "kommune"}, "models.cluster: 'kommune' is not a column of the cleaned data"),
    ({"cov_type": "nonrobust", "weights": "vaegt"}, "models.weights: 'vaegt' is not a column of the cleaned data"),
])
def test_ols_with_a_bad_cluster_or_weights_setting_is_an_error_naming_the_key(codebook, models, message):
    from vive_survey.errors import SurveyInputError

    with pytest.raises(SurveyInputError) as error:
        tables.compute(spec(**OLS_SPEC), ols_data(), codebook, {**SETTINGS, "models": models})
    assert message in error.value.render()


@pytest.fixture(scope="module")
def generated_wave(codebook):
    """A synthetic wave large enough that every group of every table has respondents."""
    config = make_config(ROOT)
    raws = {}
    for index, questionnaire in enumerate(("studerende", "fagprofessionelle", "frivillige")):
        raw = synthetic_frame(questionnaire, round(600 * SHARES[questionnaire]), codebook,
                              np.random.default_rng([5, index]))
        raws[questionnaire] = RawTable(file=f"{questionnaire}.csv", frame=raw,
                                       source_rows=np.arange(len(raw)) + 2)
    data = clean_wave(raws, codebook, config).data
    return add_indices(data, codebook)


def test_every_specified_table_yields_cells_for_every_published_cell(codebook, generated_wave):
    specs = load_specs(ROOT / "tables", codebook)
    published = load_published(ROOT / "data" / "published" / "tables")
    assert sorted(s.id for s in specs) == sorted(published["table"].unique())
    for table_spec in specs:
        cells = frame(tables.compute(table_spec, generated_wave, codebook, SETTINGS))
        assert len(cells), f"table {table_spec.id} yields no cells"
        expected = published[published["table"] == table_spec.id][KEY]
        merged = expected.merge(cells[KEY], on=KEY, how="left", indicator=True)
        missing = merged[merged["_merge"] == "left_only"]
        assert missing.empty, f"table {table_spec.id}: no regenerated cell for {missing.head(3).to_dict('records')}"


@pytest.mark.parametrize("codes", [[1, 2, 3, 4], [0, 1], [1, 3, 5], [-2, 0, 2], [1.5, 2.5]])
def test_scale_positions_equal_the_definition(codes):
    from vive_survey.analysis.tables import scale_positions

    rng = np.random.default_rng(3)
    values = rng.choice(codes + [np.nan, 0.5, 2.25, 7.0, -9.0, codes[0] - 1, codes[-1] + 1], size=500).astype(float)
    expected = np.array([codes.index(v) if v in codes else -1 for v in values])
    np.testing.assert_array_equal(scale_positions(values, codes), expected)


def test_value_mask_on_categories_matches_on_labels_and_never_on_missing():
    from vive_survey.analysis.tables import value_mask

    series = pd.Series(pd.Categorical(["Kvinde", None, "Mand", "Kvinde", "Andet"], categories=["Kvinde", "Mand", "Andet"]))
    assert value_mask(series, ["Kvinde", "Andet"]).tolist() == [True, False, False, True, True]
    assert value_mask(series, ["Ukendt"]).tolist() == [False] * 5
