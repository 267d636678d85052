rule tables:
    input:
        data=CLEAN_DATA,
        codebook=config["codebook"],
        specs=TABLE_SPECS,
    output:
        cells=f"{REPORTS}/tables/cells.csv",
        models=f"{REPORTS}/tables/models.csv",
    params:
        specs_dir="tables",
        settings={k: config[k] for k in ("seed", "indices", "crosstab", "models", "disclosure")},
    log:
        f"{RESULTS}/logs/tables.log",
    benchmark:
        f"{RESULTS}/benchmarks/tables.tsv"
    script:
        "../scripts/tables.py"
