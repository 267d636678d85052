# Adapter only: Snakemake's job -> vive_survey.steps.compare_wave_reports.
from pathlib import Path

from vive_survey.steps import compare_wave_reports, run_step

run_step(
    lambda: compare_wave_reports(
        Path(snakemake.input.base).parent.parent,
        Path(snakemake.input.wave).parent.parent,
        snakemake.input.specs,
        snakemake.input.base_codebook,
        snakemake.input.wave_codebook,
        snakemake.params.settings,
        Path(snakemake.output.cells).parent,
    ),
    log_file=snakemake.log[0],
)
