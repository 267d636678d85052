rule tables:
    input:
        data=CLEAN_DATA,
        codebook=lambda wc: wave_config(wc)["codebook"],
        specs=TABLE_SPECS,
    output:
        cells=TABLE_CELLS,
        models=f"{REPORTS}/tables/models.csv",
        availability=TABLE_AVAILABILITY,
        disclosure=DISCLOSURE_DECISIONS,
    log:
        f"{RESULTS}/logs/tables.log",
    benchmark:
        f"{RESULTS}/benchmarks/tables.tsv"
    conda:
        SOFTWARE
    threads: 2
    resources:
        mem_mb=scaled(800, 50),
        runtime=scaled(5, 0.1),
    params:
        settings=lambda wc: {
            **{
                k: config[k]
                for k in ("seed", "indices", "crosstab", "models", "disclosure")
            },
            "absent_questionnaires": absent_questionnaires(wave_config(wc)),
        },
    script:
        "../scripts/tables.py"
