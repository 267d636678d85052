# Wave over wave (config `compare:` with `waves:`): reads only the two waves' published aggregates.
COMPARISONS = "reports/compare"


rule compare:
    input:
        base="reports/{base}/tables/cells.csv",
        wave="reports/{wave}/tables/cells.csv",
        base_manifest="reports/{base}/manifest.json",
        wave_manifest="reports/{wave}/manifest.json",
        specs=TABLE_SPECS,
        base_codebook=lambda wc: WAVES.configs[wc.base]["codebook"],
        wave_codebook=lambda wc: WAVES.configs[wc.wave]["codebook"],
    output:
        cells=f"{COMPARISONS}/{{base}}--{{wave}}/cells.csv",
        html=f"{COMPARISONS}/{{base}}--{{wave}}/index.html",
        xlsx=f"{COMPARISONS}/{{base}}--{{wave}}/tables.xlsx",
        figures=directory(f"{COMPARISONS}/{{base}}--{{wave}}/figures"),
    log:
        "results/logs/compare-{base}--{wave}.log",
    conda:
        SOFTWARE
    threads: 1
    resources:
        mem_mb=scaled(1000, 2),
        runtime=scaled(10, 0.05),
    params:
        settings={
            "seed": config["seed"],
            "crosstab": config["crosstab"],
            "multiple_testing": config["comparison"]["multiple_testing"],
        },
    script:
        "../scripts/compare.py"
