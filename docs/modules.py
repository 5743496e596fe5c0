"""The map's module table: one row per module of ``scripts/tilegrid``, by package.

Each row is the module's path, what it imports from other packages of
tilegrid and the first sentence of its docstring, so the table cannot drift from
the code: ``python docs/modules.py --write`` rewrites the table in
``docs/architecture.md`` and ``tests/test_docs.py`` checks that it is current.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "scripts" / "tilegrid"
DOC = ROOT / "docs" / "architecture.md"
BEGIN = "<!-- modules: python docs/modules.py --write -->"
END = "<!-- /modules -->"


def first_sentence(docstring: str | None) -> str:
    """The docstring's first sentence on one line, in Markdown, its pipes escaped."""
    paragraph = (docstring or "").split("\n\n")[0]
    text = " ".join(paragraph.split())
    match = re.match(r"(.+?\.)(\s|$)", text)
    sentence = match.group(1) if match else text
    sentence = re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", sentence).replace("``", "`")
    return sentence.replace("|", "\\|")


def stage_imports(path: Path, package: str) -> list[str]:
    """The other packages of tilegrid this module imports, relatively or absolutely."""
    own = ["tilegrid", package]
    stages: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name.split(".") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = own[: len(own) - node.level + 1] if node.level else []
            target = base + (node.module.split(".") if node.module else [])
            names = [alias.name for alias in node.names]
            targets = [target] if len(target) > 1 else [target + [n] for n in names]
        else:
            continue
        stages.update(t[1] for t in targets if len(t) > 1 and t[0] == "tilegrid")
    return sorted(s for s in stages if s != package and (PACKAGE / s).is_dir())


def rows() -> list[str]:
    """The table's lines: a heading row per package, then its modules."""
    lines = ["| module | uses | what it does |", "|---|---|---|"]
    for package in sorted(p for p in PACKAGE.iterdir() if (p / "__init__.py").exists()):
        for path in sorted(package.glob("*.py"), key=lambda p: (p.name != "__init__.py", p)):
            text = path.read_text()
            doc = first_sentence(ast.get_docstring(ast.parse(text)))
            uses = ", ".join(stage_imports(path, package.name))
            name = f"{package.name}/{path.name}"
            lines.append(f"| `{name}` | {uses} | {doc} |")
    return lines


def table() -> str:
    return "\n".join([BEGIN, *rows(), END])


def current(doc: str) -> str:
    """The table as the document has it now."""
    start, end = doc.index(BEGIN), doc.index(END) + len(END)
    return doc[start:end]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="rewrite docs/architecture.md")
    args = parser.parse_args(argv)
    doc = DOC.read_text()
    if args.write:
        DOC.write_text(doc.replace(current(doc), table()))
    else:
        print(table())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
