"""The split: the table into one shard per tile, and what tiles must agree on.

``job.py`` is the one path (scan the table's parts, gather them); ``spec.py`` what
the split is asked; ``route.py``/``scan.py`` one part read once; ``gather.py``,
``writer.py`` and ``finish.py`` the shards, sidecars and manifest.
"""

from .job import SplitResult, run_split, split_job
from .spec import SplitError, SplitSpec

__all__ = ["SplitError", "SplitResult", "SplitSpec", "run_split", "split_job"]
