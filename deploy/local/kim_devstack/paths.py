"""Where the dev stack keeps its files (all git-ignored)."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DEPLOY_LOCAL = PACKAGE_DIR.parent  # deploy/local: pom.xml, log4j2.properties
KAFKA_LIBS = DEPLOY_LOCAL / ".kafka" / "libs"


def repo_root() -> Path:
    return DEPLOY_LOCAL.parent.parent


def state_dir(name: str) -> Path:
    """``.local/<name>`` under the repo (override the base with ``KIM_STATE_DIR``)."""
    base = Path(os.environ.get("KIM_STATE_DIR", repo_root() / ".local"))
    path = base / name
    path.mkdir(parents=True, exist_ok=True)
    return path
