# Adapter only: Snakemake's job -> vive_survey.steps.compute_tables.
from vive_survey.steps import compute_tables, run_step

run_step(
    lambda: compute_tables(
        snakemake.input.data,
        snakemake.input.codebook,
        snakemake.input.specs,
        # The threads Snakemake gave the job (the rule's `threads`, or --set-threads).
        {**snakemake.params.settings, "threads": snakemake.threads},
        cells_out=snakemake.output.cells,
        models_out=snakemake.output.models,
        availability_out=snakemake.output.availability,
        disclosure_out=snakemake.output.disclosure,
    ),
    log_file=snakemake.log[0],
)
