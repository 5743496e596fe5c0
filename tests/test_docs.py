"""docs/architecture.md is the map of the package: its module table is current, and the
layers it states are the layers the imports have."""

import importlib.util
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "architecture.md"
PACKAGE = REPO / "scripts" / "tilegrid"


def _modules_tool():
    spec = importlib.util.spec_from_file_location("modules_doc", REPO / "docs" / "modules.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _floors() -> dict[str, int]:
    """The doc's package table: package -> floor."""
    rows = re.findall(r"^\| (\d) \| `([a-z_]+)/` \|", DOC.read_text(), flags=re.M)
    return {package: int(floor) for floor, package in rows}


def test_the_module_table_is_current():
    tool = _modules_tool()
    assert tool.current(DOC.read_text()) == tool.table(), "run: python docs/modules.py --write"


def test_every_package_has_a_floor_and_imports_only_lower_floors():
    tool = _modules_tool()
    floors = _floors()
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert set(floors) == packages
    upward = [
        f"{path.relative_to(PACKAGE)} imports {used}"
        for path in PACKAGE.glob("*/*.py")
        for used in tool.stage_imports(path, path.parent.name)
        if floors[used] >= floors[path.parent.name]
    ]
    assert not upward


def test_the_layer_check_sees_an_upward_import(tmp_path, monkeypatch):
    tool = _modules_tool()
    (tmp_path / "core").mkdir()
    (tmp_path / "split").mkdir()
    module = tmp_path / "core" / "levels.py"
    module.write_text("from ..split.grid import make_grid\nfrom . import ids\n")
    monkeypatch.setattr(tool, "PACKAGE", tmp_path)
    assert tool.stage_imports(module, "core") == ["split"]


def test_no_module_is_over_400_lines():
    long = {
        str(path.relative_to(PACKAGE)): n
        for path in PACKAGE.rglob("*.py")
        if (n := path.read_text().count("\n")) > 400
    }
    assert not long
