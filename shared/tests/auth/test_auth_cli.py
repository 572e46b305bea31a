"""``kim token``: mints dev tokens the verifier accepts; refuses outside development."""

from __future__ import annotations

from importlib.metadata import EntryPoints, entry_points
from pathlib import Path

import jwt
import pytest

import kim_shared.cli
from kim_shared.auth import Principal, create_token_verifier
from kim_shared.auth.cli import register
from kim_shared.cli import main
from kim_shared.settings import ServiceSettings


def test_token_entry_point_is_declared() -> None:
    (entry,) = entry_points(group="kim.commands", name="token")
    assert entry.load() is register


@pytest.fixture(autouse=True)
def only_token_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    """Load just the real ``token`` entry point, so other teams' plugins cannot interfere."""

    def token_only(*, group: str) -> EntryPoints:
        return EntryPoints(ep for ep in entry_points(group=group) if ep.name == "token")

    monkeypatch.setattr(kim_shared.cli, "entry_points", token_only)


@pytest.fixture
def fresh_key_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    key_dir = tmp_path / "dev-keys"
    monkeypatch.setenv("KIM_AUTH_DEV_KEY_DIR", str(key_dir))
    return key_dir


async def test_kim_token_is_accepted_by_the_verifier(
    fresh_key_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "token",
            "--role",
            "operator_kabupaten",
            "--role",
            "pengelola_kim",
            "--region",
            "35.02",
            "--sub",
            "alice",
            "--kim-id",
            "kim-1",
            "--kim-id",
            "kim-2",
            "--name",
            "Alice W",
            "--ttl",
            "120",
        ]
    )
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    token = out.strip()

    principal = await create_token_verifier(ServiceSettings()).verify(token)

    assert principal == Principal(
        subject="alice",
        roles=frozenset({"operator_kabupaten", "pengelola_kim"}),
        region_scope="35.02",
        name="Alice W",
        kim_ids=("kim-1", "kim-2"),
    )
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 120
    assert (claims["iss"], claims["aud"]) == ("kim-dev-local", "kim-platform")
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    assert (fresh_key_dir / "private.pem").stat().st_mode & 0o777 == 0o600


def test_kim_token_uses_configured_issuer_and_audience(
    fresh_key_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KIM_AUTH_ISSUER", "kim-laptop")
    monkeypatch.setenv("KIM_AUTH_AUDIENCE", "kim-content")
    assert main(["token", "--sub", "mod", "--role", "moderator"]) == 0
    claims = jwt.decode(capsys.readouterr().out.strip(), options={"verify_signature": False})
    assert (claims["iss"], claims["aud"], claims["roles"]) == (
        "kim-laptop",
        "kim-content",
        ["moderator"],
    )
    assert "kim_region" not in claims


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--sub", "a", "--role", "operator_kabupaten"], "memerlukan --region"),
        (["--sub", "a", "--role", "operator_kabupaten", "--region", "35.2"], "tidak valid"),
    ],
)
def test_kim_token_explains_mistakes_in_indonesian(
    fresh_key_dir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["token", *argv]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert message in err
    assert not fresh_key_dir.exists()


def test_kim_token_rejects_bad_ttl(fresh_key_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["token", "--sub", "a", "--ttl", "0"])
    assert "bilangan bulat positif" in capsys.readouterr().err


def test_kim_token_refused_when_dev_keys_disabled(
    fresh_key_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KIM_AUTH_DEV_KEYS", "false")
    assert main(["token", "--sub", "a", "--role", "moderator"]) == 2
    assert "kunci dev dinonaktifkan" in capsys.readouterr().err
    assert not fresh_key_dir.exists()


def test_kim_token_refused_in_production(
    fresh_key_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KIM_ENVIRONMENT", "production")
    assert main(["token", "--sub", "a", "--role", "moderator"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "pengaturan tidak valid" in err
    assert not fresh_key_dir.exists()
