# The audit of the published tables needs no wave: computed once, reused by every wave's diff.
rule audit:
    input:
        published=PUBLISHED_FILES,
        codebook=config["codebook"],
    output:
        AUDIT_FINDINGS,
    params:
        published_dir=config["published"],
    log:
        "results/logs/audit.log",
    benchmark:
        "results/benchmarks/audit.tsv"
    script:
        "../scripts/audit.py"


rule diff:
    input:
        cells=TABLE_CELLS,
        codebook=config["codebook"],
        published=PUBLISHED_FILES,
        audit=AUDIT_FINDINGS,
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
    benchmark:
        f"{RESULTS}/benchmarks/diff.tsv"
    script:
        "../scripts/diff.py"
