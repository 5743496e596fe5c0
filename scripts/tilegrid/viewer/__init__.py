"""The zoomable page ``results/mosaic.html`` over an image pyramid of the tiles."""
