"""Path-level entry points: read files, call the pure functions, write files atomically.

Snakemake's scripts call these (through `run_step`), and so do the tests, with temporary paths.
A step writes each output to a temporary file beside it and renames it into place, so a step that
fails leaves no partial output that a later run could trust.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Callable

import pandas as pd

from vive_survey.inputs.codebook import load_codebook
from vive_survey.errors import Problem, SurveyInputError
from vive_survey.inputs.readers import read_raw
from vive_survey.cleaning.clean import clean_wave
from vive_survey.files import atomic_path, write_csv, write_json, write_parquet


def clean(inputs: dict[str, dict], codebook_path: str | Path, config: dict, *, data_out: str | Path,
          exclusions_out: str | Path, log_out: str | Path) -> dict:
    """Read the wave's raw exports, clean them, and write the cleaned data (parquet, respondent
    level: results/), the exclusions (CSV, respondent level: results/) and the cleaning log (JSON,
    aggregate only: reports/). Returns the log."""
    from concurrent.futures import ThreadPoolExecutor

    codebook = load_codebook(codebook_path)

    def read(spec: dict):
        try:
            return read_raw(spec["path"], **{k: v for k, v in spec.items() if k != "path"}, limits=config.get("limits"))
        except SurveyInputError as exc:
            return exc

    # The files are read by two threads (Arrow parses and checks UTF-8 without the GIL).
    with ThreadPoolExecutor(max_workers=2) as pool:
        read_files = dict(zip(inputs, pool.map(read, inputs.values())))
    raws = {q: r for q, r in read_files.items() if not isinstance(r, SurveyInputError)}
    problems = [p for r in read_files.values() if isinstance(r, SurveyInputError) for p in r.problems]
    if problems:
        raise SurveyInputError(problems)
    result = clean_wave(raws, codebook, config)
    log = {"wave": config["wave"], "codebook": str(codebook_path), **result.log,
           "questionnaires_absent": list(config.get("absent_questionnaires", []))}
    write_parquet(result.data, data_out)
    write_csv(result.exclusions, exclusions_out)
    write_json(log, log_out)
    return log


def _blank_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing values as '' for display (works on nullable integer columns too)."""
    as_object = frame.astype(object)
    return as_object.where(as_object.notna(), "")


def run_step(function: Callable[[], object], log_file: str | None = None) -> None:
    """Run a step for Snakemake: a user's mistake ends the process with its message, no traceback."""
    try:
        function()
    except SurveyInputError as exc:
        message = f"vive-survey: {exc.render()}"
        print(message, file=sys.stderr)
        if log_file:
            Path(log_file).parent.mkdir(parents=True, exist_ok=True)
            Path(log_file).write_text(message + "\n", encoding="utf-8")
        sys.exit(1)


def compute_tables(data_path: str | Path, codebook_path: str | Path, specs_dir: str | Path, settings: dict, *,
                   cells_out: str | Path, models_out: str | Path,
                   availability_out: str | Path | None = None,
                   disclosure_out: str | Path | None = None) -> pd.DataFrame:
    """Every table of the specification from the cleaned data: reports/<wave>/tables/cells.csv
    (aggregates only), the full OLS estimates in wide form, which tables the wave can have
    (`availability.csv`: a table needing an absent questionnaire or a not-asked item has no cells),
    and disclosure control's decisions (`disclosure_out`: which groups are hidden, by variable and
    value, for the cleaning summary to hide them too). settings["threads"]: the job's threads (default 2)."""
    from vive_survey.analysis import tables
    from vive_survey.analysis.cells import context_frame, frame, write_cells
    from vive_survey.inputs.config import QUESTIONNAIRES
    from vive_survey.analysis.disclosure import GroupLedger, suppress
    from vive_survey.analysis.indices import add_indices
    from vive_survey.analysis.spec import availability, load_specs

    codebook = load_codebook(codebook_path)
    specs = load_specs(specs_dir, codebook)
    available = availability(specs, settings.get("absent_questionnaires", []), QUESTIONNAIRES)
    specs = [s for s, status in zip(specs, available["status"]) if status == "available"]
    data = read_analysis_columns(data_path, codebook, settings, specs)
    data = add_indices(data, codebook, min_answered=settings["indices"]["min_answered"],
                       reverse_coding=settings["indices"]["reverse_coding"])
    min_cell_n = settings.get("disclosure", {}).get("min_cell_n", 0)
    ledger = GroupLedger(len(data)) if min_cell_n else None
    populations = tables.Populations(data, ledger)
    computed = [c for table in tables.compute_all(specs, populations, codebook, settings,
                                                  threads=int(settings.get("threads", 2))) for c in table]
    crosstab_items = [{s["row_item"], s["column_item"]} for s in specs if s.kind == "crosstab"]
    crosstab_shares = [s.id for s in specs if s.kind == "share_table"
                       and {v for c in s["columns"] for v in c.get("condition", {})} in crosstab_items]
    cells = suppress(frame(computed), min_cell_n, context=context_frame(computed), ledger=ledger,
                     crosstabs=[s.id for s in specs if s.kind == "crosstab"], crosstab_shares=crosstab_shares)
    if disclosure_out is not None:
        hidden = ledger.hidden_origins(ledger.protected_groups(min_cell_n)) if ledger else {}
        write_json({"min_cell_n": min_cell_n, "hidden_groups": hidden}, disclosure_out)
    write_cells(cells, cells_out)
    write_csv(model_estimates(cells, [s.id for s in specs if s.kind == "ols"]), models_out)
    if availability_out is not None:
        write_csv(available, availability_out)
    return cells


def read_analysis_columns(data_path: str | Path, codebook, settings: dict | None = None, specs=()) -> pd.DataFrame:
    """The cleaned data without its identifiers and open-text answers: no table uses them (no
    respondent's own words may reach a report), and they are most of the file's bytes. The cluster
    and weight columns that `settings['models']` names are read all the same (a cluster is often a
    text column such as `institution`); the models use them only to group and weight respondents.
    So is a metadata text column (codebook `metadata: true`, not a respondent's words) whose levels
    a table of `specs` lists by name: Tabel 3.2's institutions (a `levels` column)."""
    import pyarrow.parquet as pq
    from vive_survey.analysis.models import settings_columns

    left_out = {"respondent_id", "source_row"} | {i.id for i in codebook.items if codebook.scale_of(i).kind == "text"}
    left_out -= set(settings_columns((settings or {}).get("models")))
    listed = {column.get("var") for spec in specs if spec.kind == "respondent_summary"
              for column in spec.get("columns", []) if column.get("stat") == "levels"}
    left_out -= {item.id for item in codebook.items if item.metadata and item.id in listed}
    names = pq.read_schema(data_path).names
    return pd.read_parquet(data_path, columns=[c for c in names if c not in left_out])


def model_estimates(cells: pd.DataFrame, table_ids: list[str]) -> pd.DataFrame:
    """OLS cells in wide form: one row per table, outcome and term (in the table's order), a column
    per statistic, then the model's n, R² and adjusted R²."""
    stats = ["coef", "se", "t", "p", "ci_low", "ci_high"]
    ols_cells = cells[cells["table"].isin(table_ids)]
    terms = ols_cells[ols_cells["section"] != "_model"]
    keys = ["table", "column", "section", "row"]
    order = terms[keys].drop_duplicates()
    wide = terms[terms["stat"].isin(stats)].set_index(keys + ["stat"])["value"].unstack("stat")
    wide = order.merge(wide.reset_index(), on=keys, how="left").reindex(columns=keys + stats)
    model = ols_cells[ols_cells["section"] == "_model"].set_index(["table", "column", "stat"])["value"]
    per_model = model.unstack("stat").reindex(columns=["n", "r2", "adj_r2"]).reset_index()
    flags = terms[terms["stat"] == "coef"][keys + ["flag"]]
    out = wide.merge(flags, on=keys, how="left").merge(per_model, on=["table", "column"], how="left")
    return out.rename(columns={"column": "outcome", "row": "term"})


def audit_published(published: str | Path | list, codebook_path: str | Path, audit_out: str | Path,
                    relations_path: str | Path | None = None) -> pd.DataFrame:
    """The audit of the published tables: it needs no wave, so it is computed once and reused.
    `published` is the folder of published tables or the list of its files; `relations_path`
    (which tables describe the same respondents) defaults to relations.yaml beside that folder
    (data/published/relations.yaml)."""
    from vive_survey.review import audit
    from vive_survey.review.published import load_metadata, load_published

    if relations_path is None:
        relations_path = default_relations_path(published)
    findings = audit.audit(load_published(published), load_metadata(published), load_codebook(codebook_path),
                           audit.load_relations(relations_path))
    write_csv(findings, audit_out)
    return findings


def read_findings(path: str | Path) -> pd.DataFrame:
    from vive_survey.safe_text import restore

    findings = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in findings.columns:
        findings[column] = findings[column].map(restore)
    findings["unattainable"] = findings["unattainable"].map({"True": True, "False": False}).astype(bool)
    return findings


def default_relations_path(published: str | Path | list) -> Path:
    """data/published/relations.yaml: beside the folder of published tables (or of its files)."""
    from vive_survey.review import audit
    from vive_survey.review.published import published_files

    folder = Path(published) if isinstance(published, (str, Path)) and Path(published).is_dir() else \
        published_files(published, ".csv")[0].parent
    return folder.parent / audit.RELATIONS_FILE


def diff(published: str | Path | list, cells_path: str | Path, codebook_path: str | Path, *, wave: str,
         diff_out: str | Path, summary_out: str | Path, audit_out: str | Path, html_out: str | Path,
         audit_in: str | Path | None = None, availability_in: str | Path | None = None,
         specs: str | Path | list | None = None, limits_in: str | Path | None = None,
         data_note: str = "") -> pd.DataFrame:
    """Compare every published cell with the regenerated one: reports/<wave>/diff/cells.csv, a
    per-table summary, the audit findings it used, and an HTML page with the tables side by side.
    The diff is a report and never fails; `check_diff` is the strict test of it.
    `audit_in` is the audit's findings computed before (`audit_published`); without it the audit
    runs here. `availability_in` (tables/availability.csv) marks the tables the wave cannot have.
    `specs` (the table specifications) print each regenerated cell as its table's format says.
    `limits_in` (the wave's `reconstruction_limits`) explains mismatches by the wave's known limits;
    `data_note` (the wave's) is shown at the top of the page."""
    from vive_survey.analysis.cells import read_cells
    from vive_survey.review.audit.print_quirks import judged_cells
    from vive_survey.review.compare import compare, summarise
    from vive_survey.review.published import load_metadata, load_published
    from vive_survey.render.diff_page import diff_page_context
    from vive_survey.render.labels import Labels
    from vive_survey.render.templating import render

    metadata = load_metadata(published)
    relations = default_relations_path(published)
    # A cell printed against its table's format ('30,80' in a table of one decimal) is judged at
    # the table's precision, as the audit judges it (print_quirk).
    published = judged_cells(load_published(published))
    if audit_in is not None:
        findings = read_findings(audit_in)
    else:
        from vive_survey.review import audit

        findings = audit.audit(published, metadata, load_codebook(codebook_path),
                               audit.load_relations(relations))
    availability = read_availability(availability_in) if availability_in is not None else None
    formats = left_out = None
    if specs is not None:
        from vive_survey.analysis.spec import load_specs

        loaded = load_specs(specs, load_codebook(codebook_path))
        formats = {spec.id: spec.format for spec in loaded}
        left_out = {spec.id: spec.left_out for spec in loaded if spec.left_out}
    limits = None
    if limits_in is not None:
        from vive_survey.review.limits import limit_of, load_limits

        limits = limit_of(load_limits(limits_in))
    result = compare(published, read_cells(cells_path), findings, availability, formats=formats, limits=limits,
                     left_out=left_out)
    summary = summarise(result)
    write_csv(result, diff_out)
    write_csv(summary, summary_out)
    write_csv(findings, audit_out)
    html = render("diff.html.j2", **diff_page_context(_blank_missing(result), summary, metadata, wave,
                                                      Labels.load("da").caption, data_note))
    with atomic_path(html_out) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return result


def read_availability(path: str | Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def check_diff(diff_path: str | Path, html_path: str | Path, *, passed_out: str | Path) -> int:
    """The strict diff (`strict_diff: true`): fail when a published cell that data could reproduce
    was not reproduced (mismatch or missing). It only reads the diff, so the diff's files stay on
    disk as the evidence; on success it writes a one-line note to `passed_out`."""
    from vive_survey.review.compare import NOT_REPRODUCED
    from vive_survey.safe_text import restore

    result = pd.read_csv(diff_path, dtype=str, keep_default_na=False)
    bad = result[result["status"].isin(NOT_REPRODUCED)]
    if len(bad):
        first = bad.iloc[0]
        counts = ", ".join(f"{n} {status}" for status, n in bad["status"].value_counts().sort_index().items())
        raise SurveyInputError(Problem(
            f"strict diff: {len(bad)} published cell(s) not reproduced ({counts}); the first: Tabel "
            f"{restore(first['table'])}, {restore(first['row'])!r}, {restore(first['column'])!r}: published "
            f"{restore(first['published'])!r}, regenerated {restore(first['regenerated'])!r}", file=str(diff_path),
            hint=f"see {html_path} (the tables side by side) and {diff_path}; run without "
                 "strict_diff to report only"))
    with atomic_path(passed_out) as tmp:
        tmp.write_text(f"strict diff passed: no published cell of {diff_path} is a mismatch or missing\n",
                       encoding="utf-8")
    return 0


def reconstruct_wave(published: str | Path | list, specs: str | Path | list, codebook_path: str | Path, settings: dict,
                     out_dir: str | Path, *, steps: int | None = None) -> list[Path]:
    """Write the three raw files of a wave reconstructed from the published tables."""
    from vive_survey.review.published import load_published
    from vive_survey.reconstruction.reconstruct import reconstruct, write_frames
    from vive_survey.analysis.spec import load_specs

    codebook = load_codebook(codebook_path)
    frames = reconstruct(load_published(published), load_specs(specs, codebook), codebook,
                         seed=settings["seed"], reference_year=settings["reference_year"],
                         reverse_coding=settings["indices"]["reverse_coding"],
                         **({"steps": steps} if steps else {}))
    return write_frames(frames, out_dir)


def build_reports(cells_path, specs, codebook_path, cleaning_log_path, published, qualitative_path,
                  config_path, settings: dict, out_dir, availability_path=None,
                  disclosure_path=None, reference_codebook_path=None) -> list[Path]:
    """Write the rendered reports of a wave under `out_dir` (reports/<wave>/); returns the paths:
    index.html (self-contained: every table in report order with the three qualitative tables, a
    table of contents, the cleaning summary, the provenance and the figures inline), tables/<id>.md
    and tables/<id>.tex per table, tables.xlsx (one sheet per table), manifest.json and
    figures/*.png|svg. Only aggregate cells are read; no respondent-level row or open-text answer.

    settings: wave, language (da|en), and optionally data_note (config `data_note`: what the wave's
    data is, said at the top of every output; absent for real data), labels (the English label map,
    default data/labels_en.yaml beside the codebook), min_cell_n (the footnote of suppressed cells),
    figure_cache (a directory of figures drawn by earlier runs, reused when their content is
    unchanged; see figures.FigureCache) and config_settings (every setting with its source, as
    config.report_settings gives them). `config_path` is the wave's settings file
    (results/<wave>/config.yaml) or a list of files, each given with its SHA-256. `availability_path`
    (tables/availability.csv) names the tables the wave cannot have: each is shown with the reason.
    `specs` and `published` are the folders of the table specifications and the published tables,
    or the lists of their files. The cleaning log (results/<wave>/clean/cleaning_log.json) is
    published as cleaning_log.json with its group counts under disclosure control, following the
    groups the tables hid (`disclosure_path`, written by `compute_tables`). A question the wave's
    codebook words otherwise than `reference_codebook_path` (published_codebook) is noted under its table."""
    from vive_survey.analysis.cells import read_cells
    from vive_survey.analysis.disclosure.summary import protect_cleaning_log
    from vive_survey.inputs.codebook import reworded_items
    from vive_survey.analysis.spec import load_specs
    from vive_survey.render.cleaning import cleaning_context
    from vive_survey.render.figures import FigureDrawing
    from vive_survey.render.labels import Labels
    from vive_survey.render.layout import report_grids
    from vive_survey.render.provenance import manifest_json, provenance_rows, setting_rows
    from vive_survey.render.qualitative import load_qualitative
    from vive_survey.render.templating import render
    from vive_survey.render.writers.html import figure_entries, html_context
    from vive_survey.render.writers.latex import tex_context
    from vive_survey.render.writers.markdown import markdown_context
    from vive_survey.render.writers.xlsx import workbook_bytes
    from vive_survey.review.published import load_metadata

    out_dir = Path(out_dir)
    language, wave = settings.get("language", "da"), str(settings["wave"])
    labels_path = settings.get("labels") or Path(codebook_path).parent / "labels_en.yaml"
    labels = Labels.load(language, labels_path)
    codebook = load_codebook(codebook_path)
    specs = load_specs(specs, codebook)
    cells = read_cells(cells_path)
    metadata = load_metadata(published)
    qualitative = load_qualitative(qualitative_path)
    min_cell_n = int(settings.get("min_cell_n", 0))
    decisions = json.loads(Path(disclosure_path).read_text(encoding="utf-8")) if disclosure_path else {}
    log = protect_cleaning_log(json.loads(Path(cleaning_log_path).read_text(encoding="utf-8")), min_cell_n,
                               decisions.get("hidden_groups"))
    absent = {}
    if availability_path is not None:
        absent = {row.table: row.absent_questionnaires.split() for row in
                  read_availability(availability_path).itertuples(index=False) if row.status == "not_available"}
    missing = [s.id for s in specs if s.id not in absent and not (cells["table"] == s.id).any()]
    if missing:
        raise SurveyInputError(Problem(f"no cells for table(s) {', '.join(missing)}", file=str(cells_path),
                                       hint="rerun the tables step"))
    data_note = settings.get("data_note") or ""
    reworded = reworded_items(load_codebook(reference_codebook_path), codebook) if reference_codebook_path else {}
    grids, all_grids = report_grids(specs, cells, labels, absent=absent, metadata=metadata, qualitative=qualitative,
                                    codebook=codebook, min_cell_n=min_cell_n, data_note=data_note, reworded=reworded)
    config_paths = [config_path] if isinstance(config_path, (str, Path)) else list(config_path)
    provenance = provenance_rows(log, config_paths, codebook_path, cells_path, qualitative_path, language,
                                 labels_path, labels)
    settings_list = settings.get("config_settings") or []

    def write(target: Path, data: str | bytes) -> Path:
        with atomic_path(target) as tmp:
            tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return target

    written: list[Path] = []
    write_json(log, out_dir / "cleaning_log.json")
    written.append(out_dir / "cleaning_log.json")
    (out_dir / "figures").mkdir(parents=True, exist_ok=True)
    # The figures are drawn by other processes while this one writes the tables.
    with FigureDrawing([s for s in specs if s.id not in absent], cells, labels, out_dir / "figures",
                       {g.id: g.caption for g in grids}, cache_dir=settings.get("figure_cache"),
                       data_note=data_note) as drawing:
        for grid in grids:
            tables = out_dir / "tables"
            written.append(write(tables / f"{grid.id}.md", render("table.md.j2", md=markdown_context(grid))))
            written.append(write(tables / f"{grid.id}.tex", render("table.tex.j2", tex=tex_context(grid))))
        written.append(write(out_dir / "tables.xlsx", workbook_bytes(all_grids, labels, provenance, wave,
                                                                     setting_rows(settings_list))))
        written.append(write(out_dir / "manifest.json", manifest_json(wave, log, config_paths, codebook_path,
                                                                      cells_path, qualitative_path,
                                                                      [s.source for s in specs], settings_list)))
        figure_files = drawing.result()
    written += [p for f in figure_files for p in (f.png, f.svg)]
    html = render("report.html.j2", **html_context(all_grids, figure_entries(figure_files, out_dir),
                                                  cleaning_context(log, labels), provenance, labels, wave,
                                                  setting_rows(settings.get("config_settings"))))
    written.append(write(out_dir / "index.html", html))
    return written


def compare_wave_reports(base_reports: str | Path, wave_reports: str | Path, specs: str | Path | list,
                         base_codebook: str | Path, wave_codebook: str | Path, settings: dict,
                         out_dir: str | Path) -> pd.DataFrame:
    """Wave over wave (reports/compare/<base>--<wave>/): the cells of two waves' reports side by side
    with a test of each change (review.waves: conventions there), as cells.csv, index.html in the
    report's layout, tables.xlsx and a figure of the index means by wave with 95 % intervals. Reads
    only the two waves' published aggregates (tables/cells.csv, manifest.json for the data notes).
    settings: seed, crosstab.permutation_resamples and crosstab.min_expected (of the config), and
    multiple_testing (None or 'fdr_bh')."""
    from vive_survey.analysis.cells import read_cells
    from vive_survey.analysis.spec import load_specs
    from vive_survey.inputs.codebook import reworded_items
    from vive_survey.render.compare_page import write_comparison_reports
    from vive_survey.review.waves import compare_waves, index_items

    base_reports, wave_reports, out_dir = Path(base_reports), Path(wave_reports), Path(out_dir)
    for folder in (base_reports, wave_reports):
        if not (folder / "tables" / "cells.csv").is_file():
            raise SurveyInputError(Problem(f"no tables/cells.csv in the reports folder {folder}",
                                           file=str(folder / "tables" / "cells.csv"),
                                           hint="give a wave's reports/<wave> folder; run snakemake for the wave "
                                                "first"))
    codebooks = [load_codebook(base_codebook), load_codebook(wave_codebook)]
    loaded = load_specs(specs, codebooks[1])
    compared = compare_waves(read_cells(base_reports / "tables" / "cells.csv"),
                             read_cells(wave_reports / "tables" / "cells.csv"), loaded, seed=int(settings["seed"]),
                             permutation_resamples=int(settings["crosstab"]["permutation_resamples"]),
                             min_expected=float(settings["crosstab"]["min_expected"]),
                             multiple_testing={"none": None}.get(settings.get("multiple_testing"),
                                                                 settings.get("multiple_testing")),
                             base_items=index_items(codebooks[0]), wave_items=index_items(codebooks[1]),
                             reworded=reworded_items(codebooks[0], codebooks[1]))
    names = [base_reports.name, wave_reports.name]
    write_csv(compared, out_dir / "cells.csv")
    write_comparison_reports(compared, loaded, names[0], names[1], out_dir,
                             data_notes={name: _data_note(folder) for name, folder in
                                         zip(names, (base_reports, wave_reports))})
    return compared


def _data_note(reports: Path) -> str:
    """The wave's data_note as its manifest records it ('' for real data or an older report)."""
    manifest = reports / "manifest.json"
    if not manifest.is_file():
        return ""
    settings = json.loads(manifest.read_text(encoding="utf-8")).get("settings") or []
    return next((str(s.get("value") or "") for s in settings if s.get("setting") == "data_note"), "")
