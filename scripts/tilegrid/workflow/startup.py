"""The checks a run makes when the workflow is parsed, before any job: the config file's
syntax, the config against its schema and against the data, the folders it writes.

Each problem is one line naming the file or key and what is wrong (:class:`StartError`);
the rules print it and stop.  Nothing here changes a file or the environment.
"""

from __future__ import annotations

import os
from typing import Any

from ..table import Table, TableError, open_table
from .config import ConfigError, check_config, data_is_generated, schema_error_line, with_source

#: what a problem's key is said to come from when the user's files do not set it
BUNDLED = "config.yaml"


class StartError(ValueError):
    """A problem found before any job runs, worded for the user on one line."""


def yaml_problem(path: str) -> str | None:
    """One line when ``path`` exists and is not valid YAML (None if it is, or is missing):
    the file, line and column, instead of Snakemake's "Config file is not valid JSON or
    YAML"."""
    import yaml

    path = os.path.normpath(path)
    try:
        with open(path, encoding="utf-8") as handle:
            yaml.safe_load(handle)
    except FileNotFoundError:
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        shown = os.path.relpath(path) if not os.path.relpath(path).startswith("..") else path
        return f"config file {shown!r}{where}: {problem}; fix the YAML syntax"
    return None


def user_config_files(paths: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """The ``--configfile`` files given on the command line, loaded, by relative path."""
    import yaml

    files = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            files.append((os.path.relpath(path), yaml.safe_load(handle) or {}))
    return files


def schema_problem(
    config: dict[str, Any], schema: str, error: Exception, user_files: list
) -> StartError:
    """The schema validation's ``error`` as one line naming the key and its source."""
    line = schema_error_line(config, schema) or str(error).splitlines()[0]
    return StartError(with_source(line, user_files, BUNDLED))


def open_data(config: dict[str, Any], example: str, user_files: list) -> Table | None:
    """The data, each file opened once and checked against the config (None for the
    example table, which a rule makes); a problem is a :class:`StartError`."""
    table = None
    try:
        if not data_is_generated(config, example):
            table = open_table(config["data"], config["source_column"])
        check_config(config, check_data=table is not None, table=table)
    except (TableError, ConfigError) as exc:
        raise StartError(with_source(str(exc), user_files, BUNDLED)) from None
    return table


def unwritable(folders: list[str]) -> str | None:
    """One line for the first of ``folders`` that exists and cannot be written (read-only or
    not ours), else None; Snakemake would stop later, on the first job, with a traceback."""
    for folder in folders:
        if os.path.isdir(folder) and not os.access(folder, os.W_OK | os.X_OK):
            shown = "the working folder" if folder == "." else folder
            return (
                f"{shown} ({os.path.abspath(folder)}) is not writable; make it writable "
                "or run in another folder (snakemake --directory DIR)"
            )
    return None
