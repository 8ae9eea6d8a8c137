"""Every environment variable the settings read has a row in docs/configuration.md, and no row
names a variable the settings no longer read.

The variables are found by parsing the source (``ast``), not from a list kept by hand: a call to
an ``env_*`` reader, ``os.environ.get``, ``os.environ[...]`` or ``os.getenv`` with the name as
its first argument. A read whose name is not a literal (other than a reader passing on its own
parameter) cannot be checked and is reported as such.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

SOURCES = ("buurtwacht/settings.py", "buurtwacht/env.py")
DOC = "docs/configuration.md"


@dataclass
class Reads:
    names: dict[str, int] = field(default_factory=dict)  # variable -> first line read
    unresolved: list[int] = field(default_factory=list)  # lines whose variable is not a literal


def _is_environ(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ" and _name(node.value) == "os"


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _is_reader(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id.startswith("env_")
    if isinstance(func, ast.Attribute):
        return (func.attr == "get" and _is_environ(func.value)) or (func.attr == "getenv" and _name(func.value) == "os")
    return False


class _Finder(ast.NodeVisitor):
    def __init__(self) -> None:
        self.reads = Reads()
        self._parameters: list[set[str]] = []

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        arguments = node.args
        every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        self._parameters.append({a.arg for a in every})
        self.generic_visit(node)
        self._parameters.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def _read(self, argument: ast.AST | None, line: int) -> None:
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            self.reads.names.setdefault(argument.value, line)
        elif not (isinstance(argument, ast.Name) and any(argument.id in p for p in self._parameters)):
            self.reads.unresolved.append(line)

    def visit_Call(self, node: ast.Call) -> None:
        if _is_reader(node):
            self._read(node.args[0] if node.args else None, node.lineno)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if _is_environ(node.value):
            self._read(node.slice, node.lineno)
        self.generic_visit(node)


def variables_read(source: str) -> Reads:
    finder = _Finder()
    finder.visit(ast.parse(source))
    return finder.reads


def variables_documented(markdown: str) -> set[str]:
    """The names in backquotes in the first cell of each table row."""
    names = set()
    for line in markdown.splitlines():
        if line.startswith("|"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", first_cell))
    return names


def undocumented(sources: dict[str, str], markdown: str) -> list[str]:
    """Problems: a variable read without a row, or a read whose variable cannot be told."""
    documented = variables_documented(markdown)
    problems = []
    for path, source in sources.items():
        reads = variables_read(source)
        problems += [f"{path}:{line} reads {name}" for name, line in reads.names.items() if name not in documented]
        problems += [f"{path}:{line} reads a variable whose name is not a literal" for line in reads.unresolved]
    return problems


def _project() -> tuple[dict[str, str], str]:
    base = Path(settings.BASE_DIR)
    return {path: (base / path).read_text() for path in SOURCES}, (base / DOC).read_text()


def test_every_variable_read_is_documented():
    sources, markdown = _project()
    assert undocumented(sources, markdown) == []


def test_the_doc_names_no_variable_that_is_no_longer_read():
    sources, markdown = _project()
    read = set()
    for source in sources.values():
        read |= set(variables_read(source).names)
    assert sorted(variables_documented(markdown) - read) == []


def test_the_settings_read_what_the_doc_describes():
    # A sample of variables known to be read, so a checker that found nothing could not pass.
    sources, _ = _project()
    found = set(variables_read(sources["buurtwacht/settings.py"]).names)
    assert {"SECRET_KEY", "DATABASE_URL", "BUURTWACHT_QUIET_HOURS", "LOG_LEVEL", "EMAIL_TIMEOUT"} <= found


SYNTHETIC_SETTINGS = """
import os
from .env import env_bool, env_int, env_str

DEBUG = env_bool("DEBUG", False)
TIMEOUT = env_int("SYNTHETIC_TIMEOUT", 5, minimum=1)
HOME = os.environ.get("SYNTHETIC_HOME", "/")
TOKEN = os.environ["SYNTHETIC_TOKEN"]
OTHER = os.getenv("SYNTHETIC_OTHER")
NAME = "SYNTHETIC_" + "DYNAMIC"
DYNAMIC = env_str(NAME)


def reader(name):
    return os.environ.get(name)
"""

SYNTHETIC_DOC = """
| variable | default | meaning |
|---|---|---|
| `DEBUG` | off | debugging |
| `SYNTHETIC_HOME`, `SYNTHETIC_OTHER` | `/` | mentions `SYNTHETIC_TOKEN` only outside the first cell |
"""


def test_the_checker_reports_an_undocumented_variable():
    problems = undocumented({"synthetic.py": SYNTHETIC_SETTINGS}, SYNTHETIC_DOC)
    assert problems == [
        "synthetic.py:6 reads SYNTHETIC_TIMEOUT",
        "synthetic.py:8 reads SYNTHETIC_TOKEN",
        "synthetic.py:11 reads a variable whose name is not a literal",
    ]


def test_the_checker_finds_every_kind_of_read():
    reads = variables_read(SYNTHETIC_SETTINGS)
    assert set(reads.names) == {"DEBUG", "SYNTHETIC_TIMEOUT", "SYNTHETIC_HOME", "SYNTHETIC_TOKEN", "SYNTHETIC_OTHER"}
    assert variables_documented(SYNTHETIC_DOC) == {"DEBUG", "SYNTHETIC_HOME", "SYNTHETIC_OTHER"}
