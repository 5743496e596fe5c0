# tilegrid: a large table -> one shard per tile -> one PNG per tile -> one mosaic.
# See README.md; the config keys are described in schemas/config.schema.yaml.
from snakemake.utils import min_version

min_version("9.0")


include: "rules/preflight.smk"


# The bundled example's settings, unless a --configfile of yours names its own data:
# then your files and the schema's defaults alone (README: "Your own data").
if "data" not in workflow.config_settings.overwrite_config:

    configfile: "config.yaml"


include: "rules/common.smk"
include: "rules/example.smk"
include: "rules/split.smk"
include: "rules/render.smk"
include: "rules/mosaic.smk"
include: "rules/pages.smk"
include: "rules/viewer.smk"


rule all:
    default_target: True
    input:
        specs.mosaic_outputs(config),
        lambda w: tile_targets(tile_ids(read_manifest()), specs.print_tiles_wanted(config)),
        lambda w: page_targets(),
