# One figure's rules (the Snakefile's "all" asks for its files).


include: "common.smk"
include: "example.smk"
include: "split.smk"
include: "render.smk"
include: "mosaic.smk"
include: "pages.smk"
include: "viewer.smk"
