# Opt-in, not part of `rule all`: snakemake --cores 2 reconstruct
# Writes the wave reconstructed from the published tables to results/reconstructed/; the bundled
# copy in data/reconstructed/ is that output, committed (tests/test_reconstruct.py keeps them equal).
rule reconstruct:
    input:
        published=PUBLISHED_FILES,
        specs=TABLE_SPECS,
        codebook=config["published_codebook"],
    output:
        expand(
            "results/reconstructed/{questionnaire}.csv",
            questionnaire=["studerende", "fagprofessionelle", "frivillige"],
        ),
    log:
        "results/logs/reconstruct.log",
    conda:
        SOFTWARE
    threads: 1
    resources:
        mem_mb=3000,
        runtime=30,
    params:
        settings={k: config[k] for k in ("seed", "reference_year", "indices")},
    script:
        "../scripts/reconstruct.py"
