rule diff:
    input:
        cells=TABLE_CELLS,
        codebook=config["codebook"],
        published=PUBLISHED_FILES,
    output:
        cells=DIFF_CELLS,
        summary=f"{REPORTS}/diff/summary.csv",
        audit=f"{REPORTS}/diff/audit.csv",
        html=f"{REPORTS}/diff/index.html",
    params:
        published_dir=config["published"],
        wave=WAVE,
        strict=config["strict_diff"],
    log:
        f"{RESULTS}/logs/diff.log",
    script:
        "../scripts/diff.py"
