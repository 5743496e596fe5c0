"""The split's inputs, found when the workflow is parsed: the data files, how the table
is cut into scan jobs, and the content digest of what each job reads.

Data files are inputs by content, not by time: Snakemake ignores their times
(``ancient``) and each job that reads them has their digests as a parameter, so a file
restored with an older time is read again and a touched one is not.  The bundled
example table, which a rule makes, is judged by time like any rule's output.

Remote files (``s3://``, ``http(s)://``) are inputs through Snakemake's storage
plugins (:mod:`.remote`), also ``ancient``: the plugins judge them by time, and
their digest parameter is the object's version (its ETag), so a changed object is
read again and one uploaded again unchanged is not.  The jobs read their local
copies: the parameters that name files name those, and the source column their URLs.

Snakemake compares parameters only where it keeps a record of them (``.snakemake/``),
so each of those jobs also records the digests it read (:meth:`DataInputs.reads`,
:func:`tilegrid.table.contents.record_content`): without Snakemake's records, a change
still reruns it (:mod:`tilegrid.workflow.reruns`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ..table import Table, Unit, input_files, is_glob, remote, schema_token
from ..table import contents as content_digests
from ..table.units import ScanPart, by_id, content_keys, scan_parts, sizes_from, unit_fields
from .paths import scan_folders
from .remote import RemoteStorage


class DataInputs:
    """The data a run reads: ``table`` opened once (None: the example table, made by a
    rule), the scan parts of a table of several files, the digests of their content."""

    def __init__(
        self,
        data: Any,
        table: Table | None,
        chunks: bool,
        environ: Mapping[str, str],
        storage: RemoteStorage | None = None,
    ):
        self.data, self.table, self.storage = data, table, storage
        #: judged by time: the example table a rule makes
        self.by_time = table is None
        self.parts: dict[str, ScanPart] = self._scan_parts(chunks, environ)
        keys = (
            content_keys(table, list(self.parts.values()))
            if self.parts
            else [(path, None) for path in self.paths()]
        )
        self.content = {} if table is None else _digests(keys)
        #: the table's column names and types: a parameter of every scan, so a file whose
        #: types change the table's rescans every part
        self.schema = schema_token(table.schema) if self.parts else None

    def _scan_parts(self, chunks: bool, environ: Mapping[str, str]) -> dict[str, ScanPart]:
        """The parts of a table of several files, each scanned by a job of its own, by
        scan id; none for a table of one file (the checkpoint scans it, a large one's
        ranges side by side), with facet.chunks (it splits by row position) or the
        example table."""
        if self.table is None or chunks or len(self.table.units) < 2:
            return {}
        parts = scan_parts(self.table, *sizes_from(dict(environ)))
        return by_id(parts) if len(parts) > 1 else {}

    def paths(self) -> list[str]:
        """Every file ``data`` names, globs expanded now (a new file matching a glob is a
        new input; a folder's own time does not change when a file inside is rewritten)."""
        if self.table is None:
            return input_files(self.data)
        return [unit.path for unit in self.table.units]

    def split_paths(self) -> list[str]:
        """The split's data files when it reads the table whole (per file: none)."""
        return [] if self.parts else self.paths()

    def split_content(self) -> list[str | None] | None:
        """The content digests of the split's data files (a parameter), when it reads them."""
        if self.parts:
            return None
        return [self.content.get((path, None)) for path in self.paths()]

    def scans(self) -> list[str]:
        """The scan folder of every part, in the table's order (a split per file)."""
        return scan_folders(list(self.parts))

    def scan_paths(self, scan: str) -> list[str]:
        """The files one scan reads."""
        return self.parts[scan].paths

    def scan_content(self, scan: str) -> list[str | None]:
        """The content digests of what one scan reads, unit by unit (a parameter)."""
        return [self.content.get(key) for key in content_keys(self.table, [self.parts[scan]])]

    def reads(self, shards: str, scan: str) -> dict[str, list[str | None]]:
        """What each job that reads the data reads, by its output: the split's folder
        ``shards`` for a table read whole, else each scan's folder (``scan``: the scan
        rule's output, ``{scan}`` in it), both as the rules name them.  The example
        table's split reads nothing by content: its record is missing only once
        ``.snakemake/`` was deleted, and then every job runs again, as none has a record
        of its parameters."""
        if not self.parts:
            return {str(shards): self.split_content()}
        return {str(scan).replace("{scan}", s): self.scan_content(s) for s in self.parts}

    def scan_units(self, scan: str) -> list[dict]:
        """What one scan reads: its input units, as the table reads them (remote files:
        their local copies, labelled with their URLs)."""
        part = self.parts[scan]
        if self.storage is not None:
            part = ScanPart(tuple(self._local_unit(unit) for unit in part.units))
        return unit_fields(part)

    def is_remote(self, path: str) -> bool:
        """Whether ``path`` is a remote file (an input through its storage plugin)."""
        return self.storage is not None and remote.is_remote(path)

    def _local(self, url: str) -> str:
        return self.storage.local_copy(url) if self.storage and remote.is_remote(url) else url

    def _local_unit(self, unit: Unit) -> Unit:
        if not remote.is_remote(unit.path):
            return unit
        folder = None if unit.folder is None else self._local(unit.folder)
        return dataclasses.replace(
            unit, path=self._local(unit.path), folder=folder, label=unit.path
        )

    def split_spec(self, spec: dict[str, Any]) -> dict[str, Any]:
        """The split's parameters: with remote data, ``data`` names the local copies the
        job reads (a glob's files listed) and ``sources`` their URLs."""
        if self.storage is None or self.table is None:
            return spec
        entries = [self.data] if isinstance(self.data, str) else list(self.data)
        local, sources = [], {}
        for entry in entries:
            if not remote.is_remote(entry):
                local.append(entry)
                continue
            urls = (
                [p.path for p in self.table.parts if p.entry == entry]
                if is_glob(entry)
                else [entry]
            )
            for url in urls:
                local.append(self._local(url))
                sources[local[-1]] = url
        data = local[0] if isinstance(self.data, str) and not is_glob(self.data) else local
        return {**spec, "data": data, "sources": sources}


def _digests(keys: list[tuple[str, tuple[int, int] | None]]) -> dict:
    """The content digest of each key: a local file's of its bytes, a remote file's of
    its version."""
    found = content_digests.span_digests([k for k in keys if not remote.is_remote(k[0])])
    for path, span in keys:
        if remote.is_remote(path) and (digest := remote.content_digest(path, span)):
            found[(path, span)] = digest
    return found
