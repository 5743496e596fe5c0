# Many figures from one config (figures:): each figure is this workflow again, a
# Snakemake module with its own config, its rules named <name>_<rule> and its files
# under results/<name>/ (logs/<name>/, benchmarks/<name>/); see tilegrid.workflow.figures.
from tilegrid.workflow import figures  # noqa: E402

try:
    FIGURES = figures.figure_configs(config)
except figures.FigureError as exc:
    sys.exit(f"tilegrid: error: {exc}")

for FIGURE, FIGURE_CONFIG in FIGURES.items():
    RULES = figures.rule_prefix(FIGURE)
    figures.reading(FIGURE)

    module:
        name: FIGURE
        snakefile:
            "../Snakefile"
        config:
            FIGURE_CONFIG
        replace_prefix:
            figures.folders(FIGURE)

    # the example table (resources/, shared) is made by the first figure's rule only
    if FIGURE == next(iter(FIGURES)):

        use rule * from FIGURE as RULES*

    else:

        use rule * from FIGURE exclude example_data as RULES*


figures.reading(None)
