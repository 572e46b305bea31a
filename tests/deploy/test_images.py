"""The images: one Dockerfile builds each service, the portal has its own; both install
from uv.lock only (parsed here: Docker is not available on these machines)."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from kim_shared.http.docs import DocsAssets
from tests.deploy.rendering import ROOT
from tests.deploy.support import CONTAINER_PORT, SERVICES


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str


def parse_dockerfile(path: Path) -> list[Instruction]:
    instructions: list[Instruction] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, args = full.partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip()))
    assert not pending, f"{path}: dangling line continuation"
    return instructions


def stages(instructions: list[Instruction]) -> list[list[Instruction]]:
    result: list[list[Instruction]] = []
    for ins in instructions:
        if ins.keyword == "FROM":
            result.append([])
        if result:
            result[-1].append(ins)
    return result


DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile"


def instructions_for(svc: str) -> list[Instruction]:
    """The Dockerfile as built with ``--build-arg SERVICE=<svc>``."""
    return [
        Instruction(i.keyword, i.args.replace("${SERVICE}", svc))
        for i in parse_dockerfile(DOCKERFILE)
    ]


PORTAL_DOCKERFILE = ROOT / "deploy" / "docker" / "portal.Dockerfile"


def workspace_members() -> list[str]:
    """The uv workspace members that exist (uv discovers them from their pyproject.toml)."""
    with (ROOT / "pyproject.toml").open("rb") as f:
        globs: list[str] = tomllib.load(f)["tool"]["uv"]["workspace"]["members"]
    return sorted(
        str(path.relative_to(ROOT))
        for pattern in globs
        for path in ROOT.glob(pattern)
        if (path / "pyproject.toml").is_file()
    )


def check_one_package_image(
    instructions: list[Instruction], package: str, code: str
) -> tuple[list[Instruction], str, list[list[str]]]:
    """What every image shares: one workspace package (+ kim-shared) from uv.lock, no dev
    stack, non-root, uvicorn on 8000. Returns the final stage, its ENV and its COPYs."""
    for ins in instructions:
        assert "devstack" not in ins.args, f"{ins.keyword} {ins.args}"
    assert not any(i.keyword == "HEALTHCHECK" for i in instructions)

    syncs = [i.args for i in instructions if i.keyword == "RUN" and "uv sync" in i.args]
    assert syncs, "dependencies come from uv.lock"
    for run in syncs:
        words = shlex.split(run[run.index("uv sync") :])
        assert "--frozen" in words, run
        assert "--no-dev" in words, run
        assert words[words.index("--package") + 1] == package, run
        assert words.count("--package") == 1
        assert "--all-packages" not in words
    assert "--no-editable" in shlex.split(syncs[-1])
    assert "--no-install-workspace" not in shlex.split(syncs[-1])

    sources: set[str] = set()
    for ins in instructions:
        if ins.keyword in {"COPY", "ADD"} and "--from=" not in ins.args:
            *srcs, _dest = shlex.split(ins.args)
            sources.update(srcs)
    manifests = ("pyproject.toml", "uv.lock", "package.json", "package-lock.json")
    packages = {s for s in sources if not s.endswith(manifests)}
    assert packages == {"shared/", f"{code}/"}, "only shared + this package's code"
    assert not any(s.startswith("deploy/") and not s.endswith("pyproject.toml") for s in sources)
    # uv resolves the workspace from uv.lock and every member's pyproject.toml.
    for member in workspace_members():
        assert f"{member}/pyproject.toml" in sources, member

    build_stages = stages(instructions)
    images = [stage[0].args.split()[0] for stage in build_stages]
    assert any(image.startswith("ghcr.io/astral-sh/uv") for image in images)
    final = build_stages[-1]
    assert final[0].args.split()[0] == "python:3.11-slim"
    users = [i.args for i in final if i.keyword == "USER"]
    assert users
    assert users[-1].split(":")[0] not in {"0", "root"}
    copies = [shlex.split(i.args) for i in final if i.keyword == "COPY"]
    assert ["--from=builder", "/app/.venv", "/app/.venv"] in copies
    env = " ".join(i.args for i in final if i.keyword == "ENV")
    assert "KIM_ENVIRONMENT=production" in env
    (cmd,) = [i.args for i in final if i.keyword == "CMD"]
    argv = json.loads(cmd)
    assert argv[:2] == ["uvicorn", "--factory"]
    module = package.replace("-", "_")
    assert f"UVICORN_APP={module}.main:create_app" in env
    assert argv[argv.index("--port") + 1] == str(CONTAINER_PORT)
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    return final, env, copies


def npm_stage(instructions: list[Instruction], name: str) -> list[str]:
    node = next(st for st in stages(instructions) if st[0].args.split()[-1] == name)
    return [i.args for i in node if i.keyword == "RUN"]


@pytest.mark.parametrize("svc", SERVICES)
def test_dockerfile_installs_only_its_own_service(svc: str) -> None:
    instructions = instructions_for(svc)
    _final, env, copies = check_one_package_image(instructions, f"kim-{svc}", f"services/{svc}")
    # Besides the venv, only the AsyncAPI viewer's files, where the service looks for them.
    viewer = re.search(r"KIM_ASYNCAPI_VIEWER_DIR=(\S+)", env)
    assert viewer, "the image tells the service where the AsyncAPI viewer is"
    expected = DocsAssets.locate(viewer.group(1))
    other = {c[-1] for c in copies if c[0] != "--from=builder"}
    assert {str(expected.asyncapi_js), str(expected.asyncapi_css)} <= other
    for copied in copies:
        assert copied[0] in {"--from=builder", "--from=docs-assets"}, copied
        if copied[0] == "--from=docs-assets":
            assert copied[-1].startswith(viewer.group(1) + "/"), copied
    assert npm_stage(instructions, "docs-assets") == [
        "npm ci --ignore-scripts --no-audit --no-fund"
    ], "the viewer comes from the committed lock"


def test_portal_image_holds_the_portal_and_its_htmx_only() -> None:
    instructions = parse_dockerfile(PORTAL_DOCKERFILE)
    _final, env, copies = check_one_package_image(instructions, "kim-portal", "services/portal")
    assets = re.search(r"KIM_PORTAL_ASSETS_DIR=(\S+)", env)
    assert assets, "the image tells the portal where htmx is"
    for copied in copies:
        assert copied[0] in {"--from=builder", "--from=portal-assets"}, copied
        if copied[0] == "--from=portal-assets":
            assert copied[-1].startswith(f"{assets.group(1)}/htmx.org/"), copied
    # kim_portal serves <assets_dir>/htmx.org/dist.
    assert [c for c in copies if c[-1] == f"{assets.group(1)}/htmx.org/dist"]
    assert npm_stage(instructions, "portal-assets") == [
        "npm ci --omit=dev --ignore-scripts --no-audit --no-fund"
    ], "htmx from the committed lock, without the test tools"


def test_dockerignore_keeps_local_state_and_the_dev_stack_out() -> None:
    lines = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*", "an allow-list: nothing enters the build context by default"
    allowed = {line[1:] for line in lines if line.startswith("!")}
    assert allowed == {
        "pyproject.toml",
        "uv.lock",
        "shared/",
        "services/",
        "deploy/local/pyproject.toml",
    }
