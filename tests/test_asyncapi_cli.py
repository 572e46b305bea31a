"""Every service's generated AsyncAPI document passes the AsyncAPI project's own CLI
(``asyncapi validate``, ``@asyncapi/cli`` from ``tools/asyncapi-cli``, installed by
``make install`` with ``npm ci`` from the committed lock).

Warnings fail too, not only errors; the one diagnostic allowed is the CLI's note that
AsyncAPI 3.1.0 exists (the documents are 3.0.0; moving to 3.1.0 is a decision of its own,
since the viewer the services serve at /asyncapi must read it too). The CLI's anonymous
usage metrics are switched off through its own config file, kept in the test's temporary
directory (``ASYNCAPI_METRICS_CONFIG_PATH``), never in ``$HOME``.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLI = ROOT / "tools" / "asyncapi-cli" / "node_modules" / ".bin" / "asyncapi"
DOCUMENTS = sorted(ROOT.glob("services/*/asyncapi.json"))
SERVICES = ("content", "marketplace", "mentoring", "registry")
ALLOWED = {"asyncapi-latest-version"}  # information only: "3.1.0 exists"


def _env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "asyncapi-analytics.json"
    config.write_text(
        json.dumps({"analyticsEnabled": "false", "infoMessageShown": "true", "userID": "kim"})
    )
    return {**os.environ, "ASYNCAPI_METRICS_CONFIG_PATH": str(config), "NO_COLOR": "1"}


async def _validate(document: Path, tmp_path: Path) -> tuple[int, list[dict[str, object]], str]:
    """Exit code, diagnostics (JSON) and the CLI's whole output for one document."""
    report = tmp_path / f"{document.parent.name}-{document.name}.diagnostics.json"
    proc = await asyncio.create_subprocess_exec(
        str(CLI),
        "validate",
        str(document),
        "--fail-severity=warn",
        "--diagnostics-format=json",
        f"--save-output={report}",
        cwd=tmp_path,
        env=_env(tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode is not None
    diagnostics = json.loads(report.read_text()) if report.exists() else []
    return proc.returncode, diagnostics, out.decode(errors="replace")


def _cli_present() -> None:
    assert CLI.exists(), (
        f"{CLI.relative_to(ROOT)} is missing: run `make install` "
        "(npm ci --prefix tools/asyncapi-cli)"
    )


def test_every_service_has_an_asyncapi_document() -> None:
    assert sorted(d.parent.name for d in DOCUMENTS) == list(SERVICES)


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.parent.name)
async def test_the_asyncapi_cli_validates_the_document(document: Path, tmp_path: Path) -> None:
    _cli_present()
    code, diagnostics, out = await _validate(document, tmp_path)
    problems = [d for d in diagnostics if d.get("code") not in ALLOWED]
    assert problems == [], out
    assert code == 0, out


async def test_the_cli_refuses_a_broken_document(tmp_path: Path) -> None:
    """The check can fail: a channel naming a message that does not exist is an error the
    CLI reports, with a failing exit code."""
    _cli_present()
    doc = json.loads((ROOT / "services" / "registry" / "asyncapi.json").read_text())
    channel = next(iter(doc["channels"].values()))
    channel["messages"]["ghost"] = {"$ref": "#/components/messages/does_not_exist"}
    broken = tmp_path / "broken" / "asyncapi.json"
    broken.parent.mkdir()
    broken.write_text(json.dumps(doc))
    code, diagnostics, out = await _validate(broken, tmp_path)
    assert code != 0, out
    assert any(d.get("severity") == 0 for d in diagnostics), out  # 0 = error (Spectral)
