"""Services talk only through events: no service imports another service's package,
and nothing deployable imports the dev stack."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "pyproject.toml").exists())


def imported_modules(source: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def forbidden_imports(source: str, forbidden: set[str]) -> set[str]:
    return {m for m in imported_modules(source) if m.split(".")[0] in forbidden}


def python_files(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*.py") if ".venv" not in p.parts]


def test_the_check_catches_a_cross_service_import() -> None:
    source = "import os\nfrom kim_content.domain import Article\nimport kim_registry.api as r\n"
    assert forbidden_imports(source, {"kim_content"}) == {"kim_content.domain"}
    assert forbidden_imports(source, {"kim_registry", "kim_content"}) == {
        "kim_content.domain",
        "kim_registry.api",
    }
    assert forbidden_imports("from . import domain\n", {"kim_content"}) == set()


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
    text = (ROOT / "services" / service / "pyproject.toml").read_text()
    assert "kim-shared" in text
    for other in [*SERVICES, "devstack"]:
        if other != service:
            assert f'"kim-{other}' not in text, f"{service} depends on kim-{other}"
