# Adapter only: Snakemake's job -> vive_survey.steps.check_diff.
from vive_survey.steps import check_diff, run_step

run_step(
    lambda: check_diff(snakemake.input.cells, snakemake.input.html, passed_out=snakemake.output[0]),
    log_file=snakemake.log[0],
)
