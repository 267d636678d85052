# Adapter only: Snakemake's job -> vive_survey.steps.build_reports.
from pathlib import Path

from vive_survey.steps import build_reports, run_step

run_step(
    lambda: build_reports(
        snakemake.input.cells,
        snakemake.input.specs,
        snakemake.input.codebook,
        snakemake.input.cleaning_log,
        snakemake.input.published,
        snakemake.input.qualitative,
        [snakemake.input.settings],
        snakemake.params.settings,
        Path(snakemake.output.html).parent,
        availability_path=snakemake.input.availability,
        disclosure_path=snakemake.input.disclosure,
        reference_codebook_path=snakemake.input.reference_codebook,
    ),
    log_file=snakemake.log[0],
)
