# Adapter only: Snakemake's job -> vive_survey.steps.audit_published.
from vive_survey.steps import audit_published, run_step

run_step(
    lambda: audit_published(
        snakemake.input.published,
        snakemake.input.codebook,
        snakemake.output[0],
        relations_path=snakemake.input.relations,
    ),
    log_file=snakemake.log[0],
)
