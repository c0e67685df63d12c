"""The rooms: a lower app never imports a higher one (pagecache < accounts < articles < comments <
newsletter < api < newsblog), so there is no import circle between folders."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROOMS = ["pagecache", "accounts", "articles", "comments", "newsletter", "api", "newsblog"]


def imported_packages(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


def upward_imports():
    found = []
    for floor, room in enumerate(ROOMS):
        for path in sorted((ROOT / room).rglob("*.py")):
            for package in imported_packages(path):
                if package in ROOMS and ROOMS.index(package) > floor:
                    found.append(f"{path.relative_to(ROOT)} imports {package}")
    return found


def test_no_room_imports_a_higher_one():
    assert upward_imports() == []


def test_the_rule_catches_an_upward_import(tmp_path):
    module = tmp_path / "example.py"
    module.write_text("import os\nfrom articles.models import Article\nfrom . import sibling\n")
    assert list(imported_packages(module)) == ["os", "articles"]
