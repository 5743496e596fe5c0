"""Drawing one tile: ``tile.py`` (a shard and sidecar into a PNG), ``figures.py``
(exact-pixel figures saved reproducibly), ``job.py`` (the render job's entry)."""
