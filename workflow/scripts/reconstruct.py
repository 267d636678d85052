# Adapter only: Snakemake's job -> vive_survey.steps.reconstruct_wave.
from pathlib import Path

from vive_survey.steps import reconstruct_wave, run_step

run_step(
    lambda: reconstruct_wave(
        snakemake.input.published,
        snakemake.input.specs,
        snakemake.input.codebook,
        snakemake.params.settings,
        Path(snakemake.output[0]).parent,
    ),
    log_file=snakemake.log[0],
)
