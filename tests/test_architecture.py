"""Services talk only through events: no service imports another service's package,
and nothing deployable imports the dev stack.

Imports are read from the syntax tree (``import``, ``from … import`` and dynamic
``importlib.import_module(…)`` / ``__import__(…)`` with a literal module name), and
dependencies from the parsed ``pyproject.toml`` (every dependency list, uv sources and
entry points), so neither a string that happens to contain a name nor a spelling
variant (``kim_content``, ``KIM-Content>=0.1``, single quotes) decides the outcome.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.python_source import parse

ROOT = Path(__file__).resolve().parent.parent
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "pyproject.toml").exists())

_DYNAMIC_IMPORTERS = {"import_module", "__import__"}


def _literal_prefix(node: ast.expr) -> tuple[str, bool] | None:
    """``(text, complete)`` of a string expression's leading literal part, if it has one."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, True
    if isinstance(node, ast.JoinedStr) and node.values:  # f"kim_content.{name}"
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value, False
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):  # "kim_content." + name
        left = _literal_prefix(node.left)
        return (left[0], False) if left else None
    return None


def _dynamic_import(node: ast.Call, importers: set[str]) -> str | None:
    """The module named by ``import_module("x")``/``__import__("x")`` (or its literal prefix)."""
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    if name not in importers or not node.args:
        return None
    literal = _literal_prefix(node.args[0])
    if literal is None:
        return None
    text, complete = literal
    return text if complete else f"{text}…"


def imported_modules(source: str) -> set[str]:
    tree = parse(source)
    importers = set(_DYNAMIC_IMPORTERS)
    for node in ast.walk(tree):  # from importlib import import_module as load
        if isinstance(node, ast.ImportFrom) and node.module == "importlib":
            importers |= {a.asname for a in node.names if a.name == "import_module" and a.asname}
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Call) and (module := _dynamic_import(node, importers)):
            found.add(module)
    return found


def _names(module: str, forbidden: set[str]) -> bool:
    """Whether ``module`` (``a.b``, or a literal prefix ``a.b…``/``a…``) lies in a forbidden
    top-level package."""
    if module.endswith("…"):
        prefix = module[:-1]
        if "." not in prefix:
            return any(prefix.startswith(f) for f in forbidden)
        module = prefix
    return module.split(".")[0] in forbidden


def forbidden_imports(source: str, forbidden: set[str]) -> set[str]:
    return {m for m in imported_modules(source) if _names(m, forbidden)}


def python_files(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*.py") if ".venv" not in p.parts]


def normalise(distribution: str) -> str:
    """PEP 503 name: ``KIM_Content`` and ``kim.content`` are ``kim-content``."""
    return re.sub(r"[-_.]+", "-", distribution).lower()


def _requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match, f"not a PEP 508 requirement: {requirement!r}"
    return normalise(match.group(1))


def _requirement_lists(pyproject: dict[str, Any]) -> Iterator[list[Any]]:
    project = pyproject.get("project", {})
    yield project.get("dependencies", [])
    yield from project.get("optional-dependencies", {}).values()
    yield from pyproject.get("dependency-groups", {}).values()
    uv = pyproject.get("tool", {}).get("uv", {})
    yield uv.get("dev-dependencies", [])
    yield uv.get("constraint-dependencies", [])
    yield uv.get("override-dependencies", [])


def declared_distributions(pyproject: dict[str, Any]) -> set[str]:
    """Every distribution a ``pyproject.toml`` depends on, by normalised name."""
    names = {
        _requirement_name(item)
        for requirements in _requirement_lists(pyproject)
        for item in requirements
        if isinstance(item, str)  # {include-group = "…"} entries name a group, not a package
    }
    sources = pyproject.get("tool", {}).get("uv", {}).get("sources", {})
    return names | {normalise(name) for name in sources}


def entry_point_modules(pyproject: dict[str, Any]) -> set[str]:
    """Modules that the project's scripts and entry points load (``pkg.mod:attr``)."""
    project = pyproject.get("project", {})
    groups = [project.get("scripts", {}), project.get("gui-scripts", {})]
    groups += list(project.get("entry-points", {}).values())
    return {value.split(":")[0].strip() for group in groups for value in group.values()}


def foreign_references(pyproject: dict[str, Any], others: set[str]) -> set[str]:
    """What a service's ``pyproject.toml`` takes from ``others`` (service names or
    ``devstack``): dependencies on ``kim-<other>`` and entry points into ``kim_<other>``."""
    distributions = {f"kim-{o}" for o in others}
    packages = {f"kim_{o}" for o in others}
    found = declared_distributions(pyproject) & distributions
    found |= {m for m in entry_point_modules(pyproject) if m.split(".")[0] in packages}
    return found


# ------------------------------------------------------------------ self-tests


def test_the_check_catches_a_cross_service_import() -> None:
    source = "import os\nfrom kim_content.domain import Article\nimport kim_registry.api as r\n"
    assert forbidden_imports(source, {"kim_content"}) == {"kim_content.domain"}
    assert forbidden_imports(source, {"kim_registry", "kim_content"}) == {
        "kim_content.domain",
        "kim_registry.api",
    }
    assert forbidden_imports("from . import domain\n", {"kim_content"}) == set()


def test_the_check_catches_dynamic_imports() -> None:
    planted = {
        'importlib.import_module("kim_content.domain")': "kim_content.domain",
        "import_module('kim_content')": "kim_content",
        '__import__("kim_content.api")': "kim_content.api",
        'importlib.import_module(f"kim_content.{name}")': "kim_content.…",
        'importlib.import_module("kim_content." + name)': "kim_content.…",
        'importlib.import_module(f"kim_content{suffix}")': "kim_content…",
    }
    for call, module in planted.items():
        assert forbidden_imports(call, {"kim_content"}) == {module}, call
    aliased = "from importlib import import_module as load\nload('kim_content.api')\n"
    assert forbidden_imports(aliased, {"kim_content"}) == {"kim_content.api"}
    # Not another service: the service's own modules, a name built at run time, other strings.
    for harmless in (
        'importlib.import_module("kim_registry.api")',
        'importlib.import_module(f"kim_{name}.settings")',
        "importlib.import_module(name)",
        'print("kim_content")',
    ):
        assert forbidden_imports(harmless, {"kim_content"}) == set(), harmless


def test_the_check_catches_a_dependency_on_another_service() -> None:
    others = {"content", "devstack"}
    planted = {
        "[project]\ndependencies = ['kim-content']\n": {"kim-content"},
        '[project]\ndependencies = ["KIM_Content >=0.1"]\n': {"kim-content"},
        "[project.optional-dependencies]\nx = [\"kim.content; python_version>'3'\"]\n": {
            "kim-content"
        },
        '[dependency-groups]\ndev = ["kim-devstack"]\n': {"kim-devstack"},
        "[tool.uv.sources]\nkim-content = { workspace = true }\n": {"kim-content"},
        '[project.entry-points."kim.commands"]\nx = "kim_content.cli:register"\n': {
            "kim_content.cli"
        },
    }
    for text, expected in planted.items():
        assert foreign_references(tomllib.loads(text), others) == expected, text
    fine = '[project]\ndependencies = ["kim-shared", "kim-contents-client"]\n'
    assert foreign_references(tomllib.loads(fine), others) == set()


# ------------------------------------------------------------------ the checks


@pytest.mark.parametrize("service", SERVICES)
def test_service_imports_no_other_service(service: str) -> None:
    """Nowhere in the service's folder, its tests included."""
    others = {f"kim_{s}" for s in SERVICES if s != service}
    offenders = {
        str(path.relative_to(ROOT)): sorted(bad)
        for path in python_files(ROOT / "services" / service)
        if (bad := forbidden_imports(path.read_text(), others))
    }
    assert offenders == {}


@pytest.mark.parametrize("service", SERVICES)
def test_deployable_code_never_imports_the_dev_stack(service: str) -> None:
    """The image holds ``kim_<service>`` only; its tests may use the dev-stack fixtures."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(bad)
        for path in python_files(ROOT / "services" / service / f"kim_{service}")
        if (bad := forbidden_imports(path.read_text(), {"kim_devstack"}))
    }
    assert offenders == {}


def test_shared_kit_imports_no_service() -> None:
    forbidden = {f"kim_{s}" for s in SERVICES} | {"kim_devstack"}
    offenders = {
        str(path.relative_to(ROOT)): sorted(bad)
        for path in python_files(ROOT / "shared" / "kim_shared")
        if (bad := forbidden_imports(path.read_text(), forbidden))
    }
    assert offenders == {}


@pytest.mark.parametrize("service", SERVICES)
def test_service_declares_only_what_it_needs(service: str) -> None:
    pyproject = tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text())
    assert "kim-shared" in declared_distributions(pyproject)
    others = {s for s in SERVICES if s != service} | {"devstack"}
    assert foreign_references(pyproject, others) == set()


def test_shared_kit_declares_no_service() -> None:
    pyproject = tomllib.loads((ROOT / "shared" / "pyproject.toml").read_text())
    assert foreign_references(pyproject, {*SERVICES, "devstack"}) == set()
