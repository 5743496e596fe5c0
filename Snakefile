# tilegrid: a large table -> one shard per tile -> one PNG per tile -> one mosaic.
# See README.md; the config keys are described in schemas/config.schema.yaml.
from snakemake.utils import min_version

min_version("9.0")


include: "rules/preflight.smk"


from tilegrid.workflow.ending import skip_exit_collection, stop_waiting_timers  # noqa: E402
from tilegrid.core.logs import warn  # noqa: E402
from tilegrid.workflow.pacing import lift_local_rate_limit, threads_note  # noqa: E402

# the run's objects are freed by the exit, not by one last collection over them all
skip_exit_collection()

# The bundled example's settings, unless a --configfile of yours names its own data
# or figures: then your files and the schema's defaults alone (README: "Your own data").
if not {"data", "figures"} & set(workflow.config_settings.overwrite_config):

    configfile: "config.yaml"


if config.get("figures") is not None:  # many figures (README: "Many figures from one config")

    include: "rules/figures.smk"

    rule all:
        default_target: True
        input:
            [getattr(rules, f"{figures.rule_prefix(name)}all").input for name in FIGURES],

else:

    include: "rules/figure.smk"

    rule all:
        default_target: True
        input:
            specs.mosaic_outputs(config),
            lambda w: tile_targets(tile_ids(read_manifest()), specs.print_tiles_wanted(config)),
            lambda w: page_targets(),


# A local run starts a job as another ends, not also on the job-rate limiter's clock,
# and draws its tiles from Snakemake's threads (tilegrid.workflow.pacing).
onstart:
    lift_local_rate_limit(workflow)
    if note := threads_note(workflow):
        warn(note)


# The run is over: the job-rate limiter's last timer need not hold the exit for a
# second (tilegrid.workflow.ending).
onsuccess:
    stop_waiting_timers()


onerror:
    stop_waiting_timers()
