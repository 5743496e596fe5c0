# Runs before the configfile directive: a YAML syntax error in the bundled
# config.yaml stops with one line naming the file, line and column, instead of
# Snakemake's "Config file is not valid JSON or YAML".
import sys
from pathlib import Path

TILEGRID = Path(str(workflow.current_basedir)).parent
sys.path.insert(0, str(TILEGRID / "scripts"))

from tilegrid.workflow.startup import yaml_problem  # noqa: E402

if problem := yaml_problem(str(TILEGRID / "config.yaml")):
    sys.exit(f"tilegrid: error: {problem}")
