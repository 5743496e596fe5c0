# Runs before the configfile directive: a YAML syntax error in the bundled
# config.yaml stops with one line naming the file, line and column, instead of
# Snakemake's "Config file is not valid JSON or YAML".
import os
import sys

import yaml


def check_yaml_syntax(path):
    """Exit with one line when ``path`` exists and is not valid YAML."""
    path = os.path.normpath(path)
    try:
        with open(path, encoding="utf-8") as handle:
            yaml.safe_load(handle)
    except FileNotFoundError:
        return
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        shown = os.path.relpath(path) if not os.path.relpath(path).startswith("..") else path
        sys.exit(f"tilegrid: error: config file {shown!r}{where}: {problem}; fix the YAML syntax")


check_yaml_syntax(os.path.join(str(workflow.current_basedir), os.pardir, "config.yaml"))
