# Adapter only: Snakemake's job -> vive_survey.render.report.build_reports.
from vive_survey.render.report import build_reports
from vive_survey.steps import run_step

run_step(
    lambda: build_reports(
        snakemake.input.cells,
        snakemake.params.specs_dir,
        snakemake.input.codebook,
        snakemake.input.cleaning_log,
        snakemake.params.published_dir,
        snakemake.input.qualitative,
        list(snakemake.input.configs),
        snakemake.params.settings,
        snakemake.params.out_dir,
        availability_path=snakemake.input.availability,
    ),
    log_file=snakemake.log[0],
)
