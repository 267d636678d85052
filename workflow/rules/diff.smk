# The audit of the published tables needs no wave: computed once, reused by every wave's diff.
rule audit:
    input:
        published=PUBLISHED_FILES,
        relations=PUBLISHED_RELATIONS,
        claims=PUBLISHED_CLAIMS,
        codebook=config["published_codebook"],
    output:
        AUDIT_FINDINGS,
    log:
        "results/logs/audit.log",
    benchmark:
        "results/benchmarks/audit.tsv"
    conda:
        SOFTWARE
    threads: 1
    resources:
        mem_mb=1500,
        runtime=15,
    script:
        "../scripts/audit.py"


rule diff:
    input:
        cells=TABLE_CELLS,
        availability=TABLE_AVAILABILITY,
        codebook=lambda wc: wave_config(wc)["codebook"],
        published=PUBLISHED_FILES,
        specs=TABLE_SPECS,
        audit=AUDIT_FINDINGS,
        limits=lambda wc: wave_config(wc).get("reconstruction_limits") or [],
    output:
        cells=DIFF_CELLS,
        summary=f"{REPORTS}/diff/summary.csv",
        audit=f"{REPORTS}/diff/audit.csv",
        html=DIFF_HTML,
    log:
        f"{RESULTS}/logs/diff.log",
    benchmark:
        f"{RESULTS}/benchmarks/diff.tsv"
    conda:
        SOFTWARE
    threads: 1
    resources:
        mem_mb=scaled(800, 2),
        runtime=scaled(5, 0.05),
    params:
        wave=lambda wc: wc.wave,
        data_note=lambda wc: wave_config(wc).get("data_note", ""),
    script:
        "../scripts/diff.py"


# strict_diff: true. A rule of its own, after the diff, so that a failure deletes only this rule's
# note and the diff's files stay on disk as the evidence.
rule check_diff:
    input:
        cells=DIFF_CELLS,
        html=DIFF_HTML,
    output:
        STRICT_DIFF_PASSED,
    log:
        f"{RESULTS}/logs/check_diff.log",
    conda:
        SOFTWARE
    threads: 1
    resources:
        mem_mb=300,
        runtime=5,
    script:
        "../scripts/check_diff.py"
