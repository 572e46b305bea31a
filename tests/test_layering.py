"""Layers inside a service (STYLE §1): HTTP stays at the edge.

Commands, rules, SQL and read models (``handlers``, ``domain``, ``repository``,
``queries``, ``views`` modules, also ``member_handlers``-style variants) import neither
FastAPI/Starlette nor the kit's HTTP package: they raise the HTTP-free errors of
``kim_shared.errors``, which one handler renders.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.python_source import parse

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("handlers", "domain", "repository", "queries", "views", "importer", "dormancy", "nik")
FORBIDDEN = ("fastapi", "starlette", "kim_shared.http")


def core_modules() -> list[Path]:
    modules = [
        p
        for p in sorted((ROOT / "services").glob("*/kim_*/**/*.py"))
        if any(p.stem == layer or p.stem.endswith(f"_{layer}") for layer in LAYERS)
    ]
    assert modules, "no handler/domain/repository modules found"
    return modules


def http_imports(source: str) -> list[str]:
    found = []
    for node in ast.walk(parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        found += [n for n in names if any(n == f or n.startswith(f + ".") for f in FORBIDDEN)]
    return found


@pytest.mark.parametrize("module", core_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_modules_do_not_import_http(module: Path) -> None:
    assert http_imports(module.read_text()) == []


def test_the_check_catches_an_http_import() -> None:
    planted = "from kim_shared.http.problems import Problem\nimport fastapi.responses\n"
    assert http_imports(planted) == ["kim_shared.http.problems", "fastapi.responses"]
    assert http_imports("from kim_shared.errors import NotFound\n") == []
