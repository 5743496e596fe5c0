"""The figure :func:`tilegrid.plot` returns: the workflow's results in its folder,
shown in Jupyter (the mosaic PNG, or the zoomable page) and saved by format."""

from __future__ import annotations

import html
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tilegrid.api.errors import TilegridError
from tilegrid.api.snake import RunSummary

#: formats the mosaic rule draws, and the viewer's page
FIGURE_FORMATS = ("png", "pdf", "svg")
PAGE = "results/mosaic.html"


class Mosaic:
    """A facet grid drawn by the workflow in ``folder``.

    ``summary``: what the call ran (``summary.jobs``: jobs by rule, e.g.
    ``{"split": 1, "render": 1, "mosaic": 1, "all": 1}`` after a one-cell edit);
    ``config``: the config the call wrote (``folder/tilegrid-plot.yaml``).
    """

    def __init__(
        self,
        folder: Path,
        config: dict[str, Any],
        summary: RunSummary,
        rerun: Callable[[list[str], dict[str, Any]], RunSummary],
    ):
        self.folder = Path(folder)
        self.config = config
        self.summary = summary
        self._rerun = rerun

    @property
    def path(self) -> Path:
        """The mosaic PNG."""
        return self.folder / "results" / "mosaic.png"

    @property
    def tiles_rendered(self) -> int:
        """How many tiles the call drew (the others were up to date)."""
        return self.summary["render"]

    @property
    def tiles(self) -> list[dict[str, Any]]:
        """The grid's tiles in grid order (id, facet values, rows), from the manifest."""
        with open(self.folder / "results" / "shards" / "manifest.json", encoding="utf-8") as f:
            return json.load(f)["tiles"]

    def __repr__(self) -> str:
        jobs = ", ".join(f"{rule} {n}" for rule, n in self.summary.jobs.items() if rule != "all")
        return f"<tilegrid Mosaic {self.path}; jobs run: {jobs or 'none, all up to date'}>"

    def _repr_png_(self) -> bytes:
        return self.path.read_bytes()

    def save(self, path: str | os.PathLike, format: str | None = None) -> Path:
        """Save the mosaic to ``path``: png, pdf, svg (drawn by the workflow, tiles
        kept), or html (the zoomable page), by ``format`` or ``path``'s suffix."""
        path = Path(path)
        fmt = (format or path.suffix.lstrip(".")).lower()
        if fmt == "html":
            source = self._page()
        elif fmt in FIGURE_FORMATS:
            source = self._figure(fmt)
        else:
            raise TilegridError(
                f"tilegrid: error: cannot save {str(path)!r} as {fmt!r}: "
                "png, pdf, svg or html (give format= or a suffix)"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, path)
        return path

    def viewer(self, height: int = 600) -> Page:
        """The zoomable page (``results/mosaic.html``, built from the tiles on first
        use), shown in Jupyter in a frame ``height`` pixels high."""
        return Page(self._page(), height)

    def _figure(self, fmt: str) -> Path:
        """The mosaic in ``fmt``, drawn when the config does not ask for it yet."""
        formats = self.config.get("mosaic", {}).get("formats", ["png"])
        if fmt not in formats:
            mosaic = {**self.config.get("mosaic", {}), "formats": [*formats, fmt]}
            config = {**self.config, "mosaic": mosaic}
            self._rerun([], config)
            self.config = config
        return self.folder / "results" / f"mosaic.{fmt}"

    def _page(self) -> Path:
        self._rerun([PAGE], self.config)
        return self.folder / PAGE


class Page:
    """The zoomable page: shown in Jupyter as a frame holding it (it needs no server:
    its script and tiles are inside it)."""

    def __init__(self, path: Path, height: int = 600):
        self.path = Path(path)
        self.height = height

    def __repr__(self) -> str:
        return f"<tilegrid page {self.path}>"

    def _repr_html_(self) -> str:
        page = html.escape(self.path.read_text(encoding="utf-8"), quote=True)
        return (
            f'<iframe srcdoc="{page}" style="width: 100%; height: {int(self.height)}px; '
            'border: 1px solid #ddd"></iframe>'
        )
