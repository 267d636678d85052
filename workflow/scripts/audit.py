# Adapter only: Snakemake's job -> vive_survey.steps.audit_published.
from vive_survey.steps import audit_published, run_step

run_step(
    lambda: audit_published(snakemake.params.published_dir, snakemake.input.codebook, snakemake.output[0]),
    log_file=snakemake.log[0],
)
