"""What every stage shares: the contracts between stages (sidecar, manifest, tile
metadata), ids, category levels, moments, palettes and colour norms, shard files,
histogram bins, logs and the one way to write a job's files."""
