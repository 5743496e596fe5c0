"""Which files of the package a job runs: the import closure of its entry modules.

Snakemake reruns a job when one of its inputs changed, and its ``code`` trigger
watches only a rule's own script.  So the package files a rule imports are
inputs of the rule, and this module derives that list from the imports
themselves (read with :mod:`ast`, without importing anything), so it cannot
fall out of step with the code: a new module is picked up by the rules that
import it, and only by those.

Followed: ``from . import x``, ``from .x import y``, ``from ..x import y``,
``import tilegrid.x`` and ``from tilegrid.x import y``, at any depth (imports
inside functions too).  A package whose ``__init__`` imports its submodules by
name (``importlib.import_module(f"{__name__}.{name}")``, as ``kinds`` does)
depends on every submodule, unless the caller names the ones a job loads: a
job draws only the configured kind (:func:`job_files`' ``kind``), so editing
another kind's module reruns nothing.  A job's files are the closure of its
entry's module; how the job reaches the entry (rule script, worker) is in none.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import json
import os
from collections.abc import Collection, Mapping
from pathlib import Path

from .tasks import job_module

PACKAGE = Path(__file__).resolve().parent.parent
NAME = PACKAGE.name
#: a package __init__ that loads its submodules by name depends on all of them
_DYNAMIC = 'import_module(f"{__name__}.'
#: the package of the plot kinds, which loads the configured one by name
KINDS = "kinds"


def module_file(module: str, package: Path = PACKAGE) -> Path | None:
    """The file of ``module`` (dotted, relative to the package), or None if it is not ours."""
    path = package.joinpath(*module.split(".")) if module else package
    if path.is_dir() and (path / "__init__.py").exists():
        return path / "__init__.py"
    file = path.with_suffix(".py")
    return file if file.exists() else None


def _module_name(file: Path, package: Path) -> str:
    parts = file.relative_to(package).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _statements(node: ast.AST):
    """The statements directly inside ``node`` (imports are statements, never expressions)."""
    for field in ("body", "orelse", "finalbody", "handlers", "cases"):
        yield from getattr(node, field, None) or ()


def _imports(tree: ast.AST):
    """The import statements of ``tree``, at any depth (only statement lists are walked:
    imports are statements, never expressions)."""
    todo = list(_statements(tree))
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        else:
            todo.extend(_statements(node))


#: what each file imports, kept between processes by the file's stat (every parse of
#: the workflow asks for the closures: ~0.2 s of ast parsing a start without it)
STORE = os.path.join(".snakemake", "tilegrid", "imports.json")
_stored: dict[str, list] | None = None
_unsaved: list[bool] = []


def imported_modules(file: Path, package: Path = PACKAGE) -> set[str]:
    """Modules of the package that ``file`` imports by its import statements (dotted,
    relative to the package); see :func:`loaded_by_name` for those it imports by name."""
    named, _ = _parsed(file, package)
    # which of the names are modules is asked each time: a module may come or go
    return {m for m in named if module_file(m, package) is not None}


def loaded_by_name(file: Path, package: Path = PACKAGE) -> set[str]:
    """The submodules a package's ``__init__`` may import by name (dotted, relative to
    the package): every module beside it, as the folder holds them now; none for a
    file that imports nothing by name."""
    if file.name != "__init__.py" or not _parsed(file, package)[1]:
        return set()
    here = _module_name(file, package)
    return {
        ".".join(filter(None, [here, f.stem]))
        for f in file.parent.glob("*.py")
        if f.name != "__init__.py"
    }


def _parsed(file: Path, package: Path) -> tuple[set[str], bool]:
    """What ``file`` imports by its import statements, and whether it imports its
    package's modules by name; parsed once while the file is unchanged (its size,
    times, inode: the key of the record in ``.snakemake/tilegrid``, which no edit
    leaves in place)."""
    stat = file.stat()
    key = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, str(package)]
    stored = _load_store()
    entry = stored.get(str(file))
    if isinstance(entry, list) and len(entry) == 3 and entry[0] == key:
        return set(entry[1]), bool(entry[2])
    named, dynamic = _imported_modules(file, package, stat.st_mtime_ns, stat.st_size)
    stored[str(file)] = [key, sorted(named), dynamic]
    _unsaved.append(True)
    return set(named), dynamic


def _load_store() -> dict[str, list]:
    global _stored
    if _stored is None:
        try:
            with open(STORE, encoding="utf-8") as handle:
                _stored = json.load(handle)
        except (OSError, ValueError):
            _stored = {}
        if not isinstance(_stored, dict):
            _stored = {}
    return _stored


def _save_store() -> None:
    """Write what was parsed since the last save (atomically; a failure costs parsing)."""
    if not _unsaved or _stored is None:
        return
    _unsaved.clear()
    tmp = f"{STORE}.tmp{os.getpid()}"
    try:
        os.makedirs(os.path.dirname(STORE), exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(_stored, handle)
        os.replace(tmp, STORE)
    except OSError:
        with contextlib.suppress(OSError):
            os.remove(tmp)


@functools.cache
def _imported_modules(
    file: Path, package: Path, mtime_ns: int, size: int
) -> tuple[frozenset[str], bool]:
    """The package modules one version of ``file`` names in its imports, whether or not
    they exist, and whether it imports its package's modules by name (its time and size
    key the cache)."""
    module = _module_name(file, package)
    is_init = file.name == "__init__.py"
    # the package a relative import of level 1 starts from
    here = module.split(".") if is_init else module.split(".")[:-1]
    if module == "":
        here = []
    source = file.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(file))
    found: set[str] = set()
    for node in _imports(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)] if node.level > 1 else list(here)
            elif node.module and node.module.split(".")[0] == package.name:
                base = []
                node_module = node.module.split(".")[1:]
                found.add(".".join(node_module))
                for alias in node.names:
                    found.add(".".join([*node_module, alias.name]))
                continue
            else:
                continue
            target = base + (node.module.split(".") if node.module else [])
            found.add(".".join(target))
            for alias in node.names:  # `from . import x` imports the module x
                found.add(".".join([*target, alias.name]))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == package.name:
                    found.add(".".join(parts[1:]))
    return frozenset(found), is_init and _DYNAMIC in source


def closure(
    entries: list[str],
    package: Path = PACKAGE,
    loaded: Mapping[str, Collection[str]] | None = None,
) -> list[Path]:
    """Every package file the modules ``entries`` import, directly or not, sorted.

    The parent packages' ``__init__`` files are included: importing ``a.b``
    runs ``a/__init__.py`` first.  A package that imports its modules by name
    brings all of them, or, when ``loaded`` names the package, only those
    (``{"kinds": ["violin"]}``).
    """
    seen: set[str] = set()
    todo = list(entries)
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        parts = module.split(".") if module else []
        todo.extend(".".join(parts[:i]) for i in range(len(parts)))  # parent packages
        file = module_file(module, package)
        if file is None:
            raise ValueError(f"{NAME}.{module} is not a module of {package}")
        todo.extend(imported_modules(file, package) - seen)
        if by_name := loaded_by_name(file, package):
            if loaded is not None and module in loaded:
                by_name = {".".join(filter(None, [module, m])) for m in loaded[module]}
            todo.extend(by_name - seen)
    _save_store()
    return sorted(module_file(m, package) for m in seen)


def job_files(job: str, package: Path = PACKAGE, kind: str | None = None) -> list[Path]:
    """The package files ``job``'s output depends on: the import closure of its entry's
    module (:data:`tilegrid.core.tasks.JOBS`); with ``kind``, of that plot kind's
    module alone among the kinds (a job loads only the configured kind)."""

    loaded = None if kind is None else {KINDS: [kind]}
    return closure([job_module(job)], package, loaded)


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes (hashlib releases the GIL: threads hash in parallel)."""

    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def files_digest(paths: list[str | Path], package: Path = PACKAGE) -> str:
    """A SHA-256 of ``paths`` by name and content: a package file named relative to
    the package, any other as given, so a copied or moved folder digests the same."""

    lines = []
    for path in paths:
        file = Path(path).resolve()
        name = file.relative_to(package).as_posix() if file.is_relative_to(package) else str(path)
        lines.append(f"{name}:{file_digest(file)}")
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()
