# Adapter only: Snakemake's job -> vive_survey.steps.diff.
from vive_survey.steps import diff, run_step

run_step(
    lambda: diff(
        snakemake.input.published,
        snakemake.input.cells,
        snakemake.input.codebook,
        wave=snakemake.params.wave,
        diff_out=snakemake.output.cells,
        summary_out=snakemake.output.summary,
        audit_out=snakemake.output.audit,
        html_out=snakemake.output.html,
        audit_in=snakemake.input.audit,
        availability_in=snakemake.input.availability,
        specs=snakemake.input.specs,
        limits_in=snakemake.input.limits or None,
        data_note=snakemake.params.data_note,
    ),
    log_file=snakemake.log[0],
)
