# What the rules ask of the package, in one-line calls: the checks before any job
# (tilegrid.workflow.startup), the split's inputs (.data), each job's parameters
# (.specs), where the files are (.paths), the code keys (tilegrid.core.code) and the
# clean-up steps (.tidy). Nothing here changes a file or the environment at parse time.
# The package is on sys.path (rules/preflight.smk) and TILEGRID is the workflow's folder.
import json
import os

from snakemake.exceptions import WorkflowError
from snakemake.settings.types import DeploymentMethod
from snakemake.utils import validate

from tilegrid.core.code import files_digest, job_files  # noqa: E402
from tilegrid.core.pages import page_manifests  # noqa: E402
from tilegrid.workflow import specs  # noqa: E402
from tilegrid.workflow.data import DataInputs  # noqa: E402
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
    unwritable,
    user_config_files,
)
from tilegrid.workflow.tidy import remove_incomplete_split, remove_old_tiles  # noqa: E402

SCHEMA = str(TILEGRID / "schemas" / "config.schema.yaml")
CONDA = DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method


wildcard_constraints:
    tile=r"[a-z0-9][a-z0-9-]*",
    scan=r"[a-z0-9][a-z0-9-]*",
    fmt=r"png|pdf|svg",


def fail(problem):
    """Stop before any job runs, with one line that says what is wrong."""
    sys.exit(f"tilegrid: error: {problem}")


USER_FILES = user_config_files(workflow.overwrite_configfiles)
try:
    validate(config, SCHEMA)
except WorkflowError as exc:
    fail(schema_problem(config, SCHEMA, exc, USER_FILES))
try:
    DATA = DataInputs(
        config["data"],
        open_data(config, EXAMPLE_DATA, USER_FILES),
        config["facet"]["chunks"],
        os.environ,
    )
except StartError as exc:
    fail(exc)
if not workflow.dryrun and (problem := unwritable(["results", SHARDS, TILES, "logs", "."])):
    fail(problem)
if prefix := specs.shell_prefix(sys.executable, CONDA):
    shell.prefix(prefix)


def code_files(job):
    """The package files job's output depends on: inputs, so a change reruns it."""
    return [local(relative(f)) for f in job_files(job)]


def data_input(path):
    """A data file by content (ancient: its digest is a parameter), the example by time."""
    return local(path) if DATA.by_time else ancient(local(path))


def render_code_digest():
    """The render code as one parameter (not ~30 inputs in each of 1000 render jobs)."""
    return files_digest(code_files("render_json") + specs.user_modules(config))


def read_manifest():
    """The split's manifest (waits for the checkpoint), after the results are tidied."""
    tidy_results()
    with open(f"{checkpoints.split.get().output.shards}/manifest.json") as handle:
        return json.load(handle)


TIDIED = []


def tidy_results():
    """Once a run, while the DAG is built (where a dry run is known): remove an incomplete
    split and the tiles an earlier tilegrid drew, in the folders as the rules name them."""
    if not TIDIED:
        TIDIED.append(remove_incomplete_split(rules.split.output.shards, workflow.dryrun))
        for pattern in (rules.render.output.png, rules.render_print.output.png):
            remove_old_tiles(os.path.dirname(pattern), workflow.dryrun)


PAGES = {}


def grid_pages():
    """Every page's manifest (mosaic.page), cut once per manifest while the DAG is built:
    every page job asks (a grid of many pages would read and cut it once each)."""
    tidy_results()
    path = f"{checkpoints.split.get().output.shards}/manifest.json"
    stat = os.stat(path)
    key = (path, stat.st_mtime_ns, stat.st_size)
    if PAGES.get("key") != key:
        with open(path) as handle:
            manifest = json.load(handle)
        col_wrap, page = config["facet"]["col_wrap"], specs.page_spec(config)
        PAGES.update(key=key, pages=page_manifests(manifest, col_wrap, page))
    return PAGES["pages"]


def page_of(wildcards):
    """The page job's page as a manifest of its own (a parameter: it changes only when
    what the page draws does, not when another page's tile changes)."""
    return grid_pages()[int(wildcards.page) - 1]


def page_inputs(wildcards):
    """A page job's tiles (and their print versions for an svg page)."""
    ids = [tile["id"] for tile in page_of(wildcards)["tiles"]]
    svg = "svg" in specs.page_figures(config)
    return {"pngs": tile_pngs(ids), "print_pngs": tile_pngs(ids, PRINT_TILES) if svg else []}


def page_targets():
    """Every page's files, once the split's grid is known (none without mosaic.page)."""
    if not specs.page_spec(config):
        return []
    return specs.page_targets(config, len(grid_pages()))
