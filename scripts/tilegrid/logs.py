"""Log records of the rule scripts, written to stderr (which the scripts send to their log)."""

from __future__ import annotations

import logging
import sys


def log_to_stderr() -> None:
    """Write INFO log records to the current ``sys.stderr``."""
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s %(name)s: %(message)s",
        force=True,
    )
