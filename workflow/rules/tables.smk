rule tables:
    input:
        data=CLEAN_DATA,
        codebook=config["codebook"],
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
    params:
        settings={
            **{
                k: config[k]
                for k in ("seed", "indices", "crosstab", "models", "disclosure")
            },
            "absent_questionnaires": ABSENT_QUESTIONNAIRES,
        },
    script:
        "../scripts/tables.py"
