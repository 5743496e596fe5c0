"""The child process of :mod:`tilegrid.api.process`: ``python -m tilegrid.api.child
REQUEST`` runs the workflow as the request (JSON) says and writes what it did, or its
one-line error, to the request's ``result`` file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tilegrid.api.errors import TilegridError
from tilegrid.api.snake import run_here


def main(request_path: str) -> int:
    request = json.loads(Path(request_path).read_text())
    answer: dict = {"jobs": {}, "error": None}
    try:
        summary = run_here(
            Path(request["workdir"]),
            Path(request["configfile"]),
            request["targets"],
            request["cores"],
            request["profile"],
            request["progress"],
        )
        answer["jobs"] = dict(summary.jobs)
    except TilegridError as exc:
        answer["error"] = str(exc)
    Path(request["result"]).write_text(json.dumps(answer))
    return 0 if answer["error"] is None else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
