# One figure's rules (the Snakefile's "all" asks for its files).


include: "common.smk"
include: "example.smk"
include: "split.smk"
include: "render.smk"
include: "mosaic.smk"
include: "pages.smk"
include: "viewer.smk"


# a run with results in storage starts without an earlier run's local copy of the split's
# folder (tilegrid.workflow.tidy)
if workflow.is_main_process and STORED:
    remove_storage_copy(rules.split.output.shards)
