# Runs before the configfile directive: a YAML syntax error in the bundled
# config.yaml stops with one line naming the file, line and column, instead of
# Snakemake's "Config file is not valid JSON or YAML".
import os
import sys
from pathlib import Path

TILEGRID = Path(str(workflow.current_basedir)).parent
sys.path.insert(0, str(TILEGRID / "scripts"))
# Script jobs import the tilegrid beside these rules, also where another one is
# installed (`pip install .`): Snakemake puts a script's own folder after site-packages.
# The one change of the environment at parse time, and only of where Python looks.
if not os.environ.get("PYTHONPATH", "").startswith(str(TILEGRID / "scripts")):
    # update(): the same assignment, which snakemake --lint does not take for a
    # variable the workflow needs the user to set (an envvars directive would)
    os.environ.update(
        PYTHONPATH=os.pathsep.join(
            [str(TILEGRID / "scripts"), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
    )

from tilegrid.workflow.startup import yaml_problem  # noqa: E402

if problem := yaml_problem(str(TILEGRID / "config.yaml")):
    sys.exit(f"tilegrid: error: {problem}")
