# Adapter only: Snakemake's job -> vive_survey's wave settings files, then steps.build_reports.
from pathlib import Path

from vive_survey.inputs.config import write_config_sources, write_wave_settings
from vive_survey.steps import build_reports, run_step


def report():
    write_wave_settings(snakemake.params.wave_config, snakemake.output.settings)
    write_config_sources(snakemake.params.config_sources, snakemake.output.sources)
    return build_reports(
        snakemake.input.cells,
        snakemake.input.specs,
        snakemake.input.codebook,
        snakemake.input.cleaning_log,
        snakemake.input.published,
        snakemake.input.qualitative,
        [snakemake.output.settings],
        snakemake.params.settings,
        Path(snakemake.output.html).parent,
        availability_path=snakemake.input.availability,
        disclosure_path=snakemake.input.disclosure,
        reference_codebook_path=snakemake.input.reference_codebook,
    )


run_step(report, log_file=snakemake.log[0])
