"""Labels of the rendered reports: Danish as printed in the report (default), or English.

Danish is the source language: every label in the cells, the specifications and the published
metadata is Danish as printed, and the fixed words of the reports (headings, notes, captions) are
in `WORDS_DA` below. English comes from a label map, data/labels_en.yaml:

    words:  {key: English text}            the fixed words (same keys as WORDS_DA)
    titles: {table id: English title}      table titles
    labels: {Danish label: English label}  section, row, column and group labels, notes, headers

A label or word without an English entry falls back to the Danish text and is recorded in
`Labels.unmapped`, so a test can say how many are left.
"""

from __future__ import annotations

import re
from pathlib import Path

from vive_survey.yamlfile import read_yaml


LANGUAGES = ("da", "en")
# An appendix table's id (B2.1): the report prints it as "Bilagstabel 2.1", not "Tabel B2.1".
APPENDIX_ID = re.compile(r"B(\d+(?:\.\d+)*)")

# The fixed words of the reports, in Danish. Templates with {fields} are filled with str.format.
WORDS_DA: dict[str, str] = {
    "decimal_mark": ",",
    "table": "Tabel",
    "appendix_table": "Bilagstabel",
    "section": "Tema",
    "question": "Spørgsmål",
    "group": "Gruppe",
    "distribution": "Fordeling",
    "n": "n",
    "sd": "standardafvigelse",
    "significance": "signifikans",
    "model_section": "Model",
    "model_n": "Antal personer i modellen",
    "model_r2": "R²",
    "not_estimable": "ikke est.",
    "suppressed": "..",
    "suppressed_note": "..: undertrykt af diskretionshensyn (færre end {k} svar bag tallet, eller for at et undertrykt tal ikke kan regnes ud).",
    "ols_legend": "Note: † p < {p10}; * p < {p05}; ** p < {p01}",
    "ols_abbreviations": "Ref.: referencekategori. N.S.: ikke signifikant (p ≥ {p10}).",
    "ols_not_estimable": "ikke est.: kan ikke estimeres med disse data.",
    "chi2_significant": "statistisk signifikant",
    "chi2_not_significant": "ikke statistisk signifikant",
    "chi2_note": ("Anm.: Sammenhængen er ifølge en chi²-test {significance} på 5 %-niveau: "
                  "χ² = {chi2}, df = {df}, p {p} (n = {n})."),
    "chi2_small_expected": ("Mindst én forventet celleværdi er under {min_expected_limit} (mindste {min_expected}); "
                            "p-værdien fra en permutationstest er p {p_permutation} og afgør signifikansen."),
    "chi2_missing": "Anm.: Chi²-testen kunne ikke beregnes (for få besvarelser).",
    "p_equals": "= {p}",
    "p_below": "< {p}",
    "not_available": "ikke tilgængelig for denne bølge",
    "not_available_note": ("Tabellen kan ikke beregnes for denne bølge: den har intet spørgeskema til "
                           "{questionnaires} (erklæret fraværende i konfigurationen)."),
    "not_asked_note": "Ikke stillet i denne bølge, og derfor udeladt (kodebogens not_asked): {names}.",
    "not_asked_table_note": ("Tabellen kan ikke beregnes for denne bølge: den bygger på {names}, som ikke blev "
                             "stillet i denne bølge (kodebogens not_asked)."),
    "reworded_note": "Omformuleret i denne bølge (rækken har rapportens ordlyd; spørgsmålet lød her): {rows}.",
    "questionnaire_studerende": "studerende",
    "questionnaire_fagprofessionelle": "fagprofessionelle",
    "questionnaire_frivillige": "frivillige",
    "settings": "Indstillinger",
    "settings_intro": ("Hver indstilling for bølgen, og hvor den kom fra: en konfigurationsfil ('config'), "
                       "kommandolinjen ('--config') eller standardværdien ('default', se docs/config.md)."),
    "setting": "Indstilling",
    "source": "Kilde",
    "qualitative": "transkriberet, ikke beregnet",
    "qualitative_note": "Tabellen er transkriberet fra rapporten, ikke beregnet ud fra data.",
    "report_title": "Tabeller fra spørgeskemaundersøgelsen",
    "report_subtitle": ("Kompetencer til samarbejde mellem kommuner og civilsamfund (VIVE, 2021): "
                        "tabellerne genberegnet for bølgen {wave}."),
    "contents": "Indhold",
    "tables": "Tabeller",
    "figures": "Figurer",
    "cleaning": "Datarensning",
    "provenance": "Proveniens",
    "figure_likert": ("Fordeling af svarene i {caption}, i procent af dem, der har svaret; de to laveste svar "
                      "til venstre for 0, de to højeste til højre."),
    "figure_index": "Indeksgennemsnit med 95 %-konfidensinterval (t-fordeling), {caption}",
    "axis_percent": "Procent",
    "axis_index": "Indeksværdi (1-4)",
    "all_respondents": "Alle",
    "cleaning_intro": ("Rækker læst, beholdt og udeladt pr. spørgeskema, og værdier sat til manglende. "
                       "Kun optællinger; ingen besvarelser på respondentniveau."),
    "questionnaire": "Spørgeskema",
    "file": "Fil",
    "rows_read": "Rækker læst",
    "rows_kept": "Beholdt",
    "rows_excluded": "Udeladt",
    "reason": "Årsag",
    "count": "Antal",
    "column": "Variabel",
    "total": "I alt",
    "exclusions": "Udeladte rækker efter årsag",
    "values_set_missing": "Værdier sat til manglende",
    "none": "Ingen",
    "columns_ignored": "Ukendte kolonner, der er set bort fra",
    "derived": "Afledte grupper (antal respondenter)",
    "variable": "Variabel",
    "value": "Værdi",
    "provenance_intro": "Kontrolsummer (SHA-256) for de filer, rapporten er lavet af.",
    "input_file": "Fil",
    "role": "Rolle",
    "sha256": "SHA-256",
    "role_input": "Rådata ({questionnaire})",
    "role_config": "Konfiguration",
    "role_codebook": "Kodebog",
    "role_cells": "Tabelceller",
    "role_qualitative": "Kvalitative tabeller (transkriberet)",
    "role_labels": "Engelske etiketter",
    "package_version": "vive_survey version {version}",
    "wave": "Bølge",
    "language": "Sprog",
    "reason_empty_row": "Tom række",
    "reason_missing_id": "Manglende respondent-id",
    "reason_duplicate_id": "Gentaget respondent-id",
    "reason_no_answers": "Id uden svar",
    "missing_implausible_age": "Usandsynlig alder",
    "missing_implausible_experience": "Usandsynlig erfaring",
    "missing_missing_label_or_code": "Ved ikke / manglende-kode",
    "missing_invalid_value": "Ugyldig værdi",
    "missing_filter": "Ikke stillet (filterspørgsmål)",
    "missing_answered_despite_filter": "Ikke stillet (filterspørgsmål)",
    "missing_missing_label": "Ved ikke / ønsker ikke at svare",
    "missing_missing_code": "Manglende-kode (missing_codes)",
    "missing_short_record": "Posten slutter før kolonnen",
    "missing_excel_error": "Fejl i Excel-celle (#DIV/0!, #N/A …)",
    "missing_formula_without_value": "Excel-formel uden gemt værdi",
    "missing_user_missing": "Brugerdefineret manglende værdi (SPSS/Stata)",
    "short_records": "Poster med færre felter end overskriften (antal poster)",
    "derived_from_blank": "Blankt svar, kodet som ukendt",
}


def default_map_path() -> Path:
    """data/labels_en.yaml of the repository this package is run from (an editable install)."""
    return Path(__file__).resolve().parents[3] / "data" / "labels_en.yaml"


class Labels:
    """Translate Danish labels and look up fixed words; Danish is the identity."""

    def __init__(self, language: str = "da", mapping: dict | None = None):
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, got {language!r}")
        mapping = mapping or {}
        self.language = language
        self._words = {str(k): str(v) for k, v in (mapping.get("words") or {}).items()}
        self._titles = {str(k): str(v) for k, v in (mapping.get("titles") or {}).items()}
        self._labels = {str(k): str(v) for k, v in (mapping.get("labels") or {}).items()}
        self.unmapped: set[tuple[str, str]] = set()

    @classmethod
    def load(cls, language: str = "da", path: str | Path | None = None) -> "Labels":
        """Danish needs no map; English reads `path` (default data/labels_en.yaml) if it exists."""
        if language == "da":
            return cls("da")
        path = Path(path) if path is not None else default_map_path()
        mapping = read_yaml(path, "label map") if path.is_file() else {}
        return cls(language, mapping)

    @property
    def decimal_mark(self) -> str:
        return self.word("decimal_mark")

    def word(self, key: str, **fields) -> str:
        text = WORDS_DA[key]
        if self.language != "da":
            if key in self._words:
                text = self._words[key]
            else:
                self.unmapped.add(("word", key))
        return text.format(**fields) if fields else text

    def _translate(self, mapping: dict, key: str, kind: str, danish: str) -> str:
        """`mapping[key]` in English; the Danish text (noted as unmapped) when there is none."""
        if self.language == "da" or not danish:
            return danish
        if key in mapping:
            return mapping[key]
        self.unmapped.add((kind, key))
        return danish

    def caption(self, table_id: str) -> str:
        """A table's caption as the report prints it: "Tabel 4.4", "Bilagstabel 2.1" for B2.1."""
        appendix = APPENDIX_ID.fullmatch(table_id)
        if appendix:
            return f"{self.word('appendix_table')} {appendix.group(1)}"
        return f"{self.word('table')} {table_id}"

    def title(self, table_id: str, danish: str) -> str:
        return self._translate(self._titles, table_id, "title", danish)

    def __call__(self, danish: str) -> str:
        """A label (section, row, column, group, note): its English form, or the Danish one."""
        return self._translate(self._labels, danish, "label", danish)
