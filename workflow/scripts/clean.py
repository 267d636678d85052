# Adapter only: Snakemake's job -> vive_survey.steps.clean.
from vive_survey.steps import clean, run_step

run_step(
    lambda: clean(
        snakemake.params.inputs,
        snakemake.input.codebook,
        snakemake.params.settings,
        data_out=snakemake.output.data,
        exclusions_out=snakemake.output.exclusions,
        log_out=snakemake.output.log,
    ),
    log_file=snakemake.log[0],
)
