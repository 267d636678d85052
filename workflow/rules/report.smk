# The rendered reports of a wave: index.html, tables.xlsx, tables/<id>.md|.tex and figures/.
# Wiring only: the work is vive_survey.steps.build_reports (workflow/scripts/report.py).
import os

REPORT_TABLE_IDS = [Path(p).stem for p in TABLE_SPECS]
# The templates are inputs, so that editing one reruns the report and nothing else.
import vive_survey

REPORT_TEMPLATES = sorted(
    os.path.relpath(str(p))
    for p in (Path(vive_survey.__file__).parent / "render" / "templates").glob("*.j2")
)


rule report:
    input:
        cells=TABLE_CELLS,
        availability=TABLE_AVAILABILITY,
        cleaning_log=CLEANING_LOG,
        disclosure=DISCLOSURE_DECISIONS,
        specs=TABLE_SPECS,
        codebook=lambda wc: wave_config(wc)["codebook"],
        # The codebook the tables' labels come from: a question worded otherwise is noted.
        reference_codebook=config["published_codebook"],
        published=PUBLISHED_FILES,
        qualitative="data/published/qualitative.yaml",
        labels="data/labels_en.yaml",
        templates=REPORT_TEMPLATES,
    output:
        html=f"{REPORTS}/index.html",
        xlsx=f"{REPORTS}/tables.xlsx",
        manifest=f"{REPORTS}/manifest.json",
        cleaning_log=PUBLISHED_CLEANING_LOG,
        markdown=expand(
            f"{REPORTS}/tables/{{id}}.md", id=REPORT_TABLE_IDS, allow_missing=True
        ),
        latex=expand(
            f"{REPORTS}/tables/{{id}}.tex", id=REPORT_TABLE_IDS, allow_missing=True
        ),
        figures=directory(f"{REPORTS}/figures"),
        # The wave's complete settings, which the provenance hashes, and the file each came from
        # (the run's record, which the report does not print): written here, not by jobs of their
        # own, which would cost more to schedule than to run.
        settings=WAVE_SETTINGS,
        sources=CONFIG_SOURCES,
    log:
        f"{RESULTS}/logs/report.log",
    benchmark:
        f"{RESULTS}/benchmarks/report.tsv"
    conda:
        SOFTWARE
    threads: 2
    resources:
        mem_mb=scaled(1500, 2),
        runtime=scaled(10, 0.05),
    params:
        settings=lambda wc: {
            "wave": wc.wave,
            "language": config["language"],
            # What the wave's data is (config data_note), said in every output; "" for real data.
            "data_note": wave_config(wc).get("data_note", ""),
            "labels": "data/labels_en.yaml",
            "min_cell_n": config["disclosure"]["min_cell_n"],
            "figure_cache": f"results/{wc.wave}/figure-cache",
            # Sources by kind, not file: the report is the same whichever file gave the wave.
            "config_settings": report_settings(WAVES.settings[wc.wave]),
        },
        wave_config=wave_config,
        config_sources=lambda wc: WAVES.settings[wc.wave],
    script:
        "../scripts/report.py"
