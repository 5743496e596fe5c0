# What the rules ask of the package, in one-line calls: the checks before any job
# (tilegrid.workflow.startup), the split's inputs (.data), how a rule names its inputs
# and code keys (.inputs), each job's parameters (.specs), where the files are (.paths),
# the mosaic's run: block (.jobs), what Snakemake must make again (.reruns) and the
# clean-up steps (.tidy). Nothing here changes the environment or removes a file.
# The package is on sys.path (rules/preflight.smk) and TILEGRID is the workflow's folder.
import json
import os

from snakemake.exceptions import WorkflowError
from snakemake.settings.types import DeploymentMethod
from snakemake.utils import validate

from tilegrid.core.manifest import DIGESTS, MANIFEST  # noqa: E402
from tilegrid.workflow import figures  # noqa: E402
from tilegrid.workflow import specs  # noqa: E402
from tilegrid.workflow.data import DataInputs  # noqa: E402
from tilegrid.workflow.inputs import JobInputs  # noqa: E402
from tilegrid.workflow.jobs import command_job, mosaic_job, render_job  # noqa: E402
from tilegrid.workflow.pages import GridPages  # noqa: E402
from tilegrid.workflow.remote import RemoteStorage, checkpoint_file, entries  # noqa: E402
from tilegrid.workflow.stored import StoredTiles  # noqa: E402
from tilegrid.workflow.paths import (  # noqa: E402
    EXAMPLE_DATA,
    PRINT_TILES,
    SCANS,
    SHARDS,
    TILES,
    block_levels,
    mosaic_inputs,
    relative,
    tile_ids,
    tile_pngs,
    tile_targets,
    viewer_inputs,
)
from tilegrid.workflow.startup import (  # noqa: E402
    StartError,
    open_data,
    schema_problem,
    user_config_files,
)
from tilegrid.workflow.reruns import DagStart  # noqa: E402
from tilegrid.workflow.tidy import remove_storage_copy  # noqa: E402

SCHEMA = str(TILEGRID / "schemas" / "config.schema.yaml")
CONDA = DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method


wildcard_constraints:
    tile=r"[a-z0-9][a-z0-9-]*",
    scan=r"[a-z0-9][a-z0-9-]*",
    fmt=r"png|pdf|svg",


def fail(problem):
    """Stop before any job runs, with one line that says what is wrong (and, in a config
    of many figures, which figure)."""
    sys.exit(f"tilegrid: error: {figures.where()}{problem}")


USER_FILES = user_config_files(workflow.overwrite_configfiles)
try:
    validate(config, SCHEMA)
except WorkflowError as exc:
    fail(schema_problem(config, SCHEMA, exc, USER_FILES))
try:
    # remote data (s3://, http(s)://): through Snakemake's storage plugins
    REMOTE = RemoteStorage(storage, config["data"]) if entries(config["data"]) else None
    DATA = DataInputs(
        config["data"],
        open_data(config, EXAMPLE_DATA, USER_FILES),
        config["facet"]["chunks"],
        os.environ,
        REMOTE,
    )
except StartError as exc:
    fail(exc)
if prefix := specs.shell_prefix(sys.executable, CONDA):
    shell.prefix(prefix)


# results in storage (--default-storage-provider): where no file system is shared, a job
# with a local input runs where Snakemake does, so none has one (tilegrid.workflow.stored)
STORED = workflow.storage_settings.default_storage_provider is not None
RENDER_ENTRY = relative(TILEGRID / "scripts" / "render.py")
RENDER_COMMAND = specs.render_command(RENDER_ENTRY)
TASK_ENTRY = relative(TILEGRID / "scripts" / "task.py")
# a tile or the mosaic is asked for from Snakemake's own process (tilegrid.workflow.jobs),
# but with --sdm conda the job's environment draws it, through its command
ASK_FROM_SNAKEMAKE = not CONDA
# how each rule names its inputs (tilegrid.workflow.inputs)
INPUTS = JobInputs(
    stored=STORED,
    shards=SHARDS,
    render_entry=RENDER_ENTRY,
    user_modules=tuple(specs.user_modules(config)),
    data=DATA,
    remote=REMOTE,
    kind=config["plot"]["kind"],
)


def read_manifest():
    """The split's manifest (waits for the checkpoint)."""
    with open(manifest_path()) as handle:
        return json.load(handle)


GRID_PAGES = GridPages(config["facet"]["col_wrap"], specs.page_spec(config))


# what a run does as its DAG is built, before the split's files are read (.reruns)
DAG_START = DagStart(workflow, STORED, DATA, ["results", SHARDS, TILES, "logs", "."])


def started(files=()):
    """``files``, after DAG_START: the first input function of the split, a scan or a
    file of the split's folder that a run evaluates does it (whatever the target)."""
    if problem := DAG_START(rules):
        fail(problem)
    return list(files)


def split_file(name):
    """A file of the split's folder (waits for the checkpoint)."""
    started()
    return checkpoint_file(checkpoints.split.get().output.shards, name)


def manifest_path():
    return split_file(MANIFEST)


STORED_TILES = StoredTiles(STORED, workflow.is_main_process, lambda: split_file(DIGESTS))


def page_of(wildcards):
    return GRID_PAGES.page_of(manifest_path(), int(wildcards.page))


def page_inputs(wildcards):
    svg = "svg" in specs.page_figures(config)
    return GRID_PAGES.inputs(manifest_path(), int(wildcards.page), svg)


def page_targets():
    """Every page's files, once the split's grid is known (none without mosaic.page)."""
    pages = GRID_PAGES.pages(manifest_path()) if specs.page_spec(config) else []
    return specs.page_targets(config, len(pages))
