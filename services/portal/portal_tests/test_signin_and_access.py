"""Sign-in, sessions, CSRF and the role x area matrix, answered by the portal alone (every
service URL points at a closed port, so a page that asked one would fail)."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest
from pydantic import SecretStr

from kim_portal.settings import PortalSettings
from kim_portal.signin.dev import dev_user, mint_dev
from kim_portal.web.session import ROLE_LABELS
from kim_shared.auth.keys import load_or_create_dev_keys
from portal_tests.support import csrf_of, dev_sign_in, portal, settings_for

REGIONS = {"moderator": "", "pendamping": "", "admin_provinsi": "35"}


async def test_dev_sign_in_mints_a_token_the_services_trust(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    async with portal(settings) as client:
        answer = await dev_sign_in(
            client, "pengelola_kim", subject="budi", kim_ids="5f1c2a9e-1111-4a4a-9b9b-123456789abc"
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == "/"
        cookie = answer.headers["set-cookie"].lower()
        assert "httponly" in cookie
        assert "samesite=lax" in cookie
        home = await client.get("/kerja/bantuan")
        assert home.status_code == 200
        assert "budi" in home.text
    # the token minted for a choice verifies with the dev key pair, issuer and audience
    pair = load_or_create_dev_keys(tmp_path)
    _, principal = dev_user(
        subject="budi", role="pengelola_kim", region="35.02", name=None, kim_ids=()
    )
    claims = jwt.decode(
        mint_dev(settings, principal),
        pair.public_key,
        algorithms=["RS256"],
        audience=settings.auth_audience,
        issuer=settings.auth_issuer,
    )
    assert claims["sub"] == "budi"
    assert claims["roles"] == ["pengelola_kim"]
    assert claims["kim_region"] == "35.02"


async def test_a_kabupaten_role_without_a_region_is_refused_with_the_form(tmp_path: Path) -> None:
    async with portal(settings_for(tmp_path)) as client:
        answer = await dev_sign_in(client, "operator_kabupaten", region="")
        assert answer.status_code == 422
        assert "kode wilayah" in answer.text
        assert (await client.get("/kerja/bantuan")).status_code == 303  # still signed out


def test_production_settings_refuse_the_dev_sign_in() -> None:
    with pytest.raises(ValueError, match="SESSION_SECRET"):
        PortalSettings(environment="production")
    settings = PortalSettings(
        environment="production",
        session_secret=SecretStr("a-real-secret-from-the-vault"),
        oidc_issuer_url="https://sso.example.go.id/realms/kim",
        oidc_client_id="portal",
    )
    assert settings.dev_sign_in is False


async def test_production_portal_has_no_dev_sign_in(tmp_path: Path) -> None:
    settings = settings_for(
        tmp_path,
        environment="production",
        session_secret="a-real-secret-from-the-vault",
        oidc_issuer_url="https://sso.example.go.id/realms/kim",
        oidc_client_id="portal",
    )
    async with portal(settings) as client:
        page = await client.get("/masuk")
        assert "secure" in page.headers["set-cookie"].lower()  # HTTPS only in production
        assert "Masuk untuk pengembangan" not in page.text
        assert 'href="/masuk/oidc' in page.text
        answer = await dev_sign_in(client, "operator_kabupaten")
        assert answer.status_code == 403
        assert (await client.get("/kerja/bantuan")).status_code == 303


async def test_a_form_without_the_sessions_csrf_token_is_refused(tmp_path: Path) -> None:
    async with portal(settings_for(tmp_path)) as client:
        await csrf_of(client)
        for token in ("", "forged-token"):
            answer = await client.post(
                "/masuk/dev",
                data={"csrf_token": token, "subject": "x", "role": "moderator", "region": ""},
            )
            assert answer.status_code == 403
            assert "token keamanannya tidak cocok" in answer.text
        assert (await client.get("/kerja/bantuan")).status_code == 303  # nobody signed in
        # a token from another session is refused too
        other = await csrf_of(client)
        client.cookies.clear()
        answer = await client.post(
            "/masuk/dev",
            data={"csrf_token": other, "subject": "x", "role": "moderator", "region": ""},
        )
        assert answer.status_code == 403


async def test_signed_out_visitors_are_sent_to_sign_in(tmp_path: Path) -> None:
    async with portal(settings_for(tmp_path)) as client:
        for path in ("/kerja", "/moderasi", "/operator", "/operator/cakupan"):
            answer = await client.get(path)
            assert answer.status_code == 303
            assert answer.headers["location"].startswith("/masuk?next=")


@pytest.mark.parametrize("role", sorted(ROLE_LABELS))
async def test_role_pages_refuse_other_roles_with_a_403_page(tmp_path: Path, role: str) -> None:
    """Pages the portal answers without a service: a member page for members only; the
    moderation and operator areas refuse every other role before calling a service."""
    async with portal(settings_for(tmp_path)) as client:
        signed = await dev_sign_in(client, role, region=REGIONS.get(role, "35.02"))
        assert signed.status_code == 303
        areas = {
            "/kerja/bantuan": {"anggota_kim", "pengelola_kim"},
            "/moderasi": {"moderator", "operator_kabupaten"},
            "/operator": {"operator_kabupaten", "admin_provinsi"},
        }
        for path, allowed in areas.items():
            answer = await client.get(path)
            if role in allowed:
                # allowed: the page asks its service, which this test never runs
                assert answer.status_code in (200, 503), (path, role)
            else:
                assert answer.status_code == 403, (path, role)
                assert "Akses ditolak" in answer.text
                assert "Traceback" not in answer.text


async def test_a_service_that_cannot_be_reached_is_a_plain_503_page(tmp_path: Path) -> None:
    async with portal(settings_for(tmp_path)) as client:
        answer = await client.get("/produk")
        assert answer.status_code == 503
        assert "Layanan marketplace tidak dapat dihubungi" in answer.text
        assert "Traceback" not in answer.text


async def test_unknown_pages_and_malformed_ids_are_a_404_page(tmp_path: Path) -> None:
    async with portal(settings_for(tmp_path)) as client:
        for path in ("/tidak-ada", "/berita/bukan-id", "/produk/123", "/kabupaten/35"):
            answer = await client.get(path)
            assert answer.status_code == 404, path
            assert "Halaman tidak ditemukan" in answer.text
            assert answer.headers["content-security-policy"].startswith("default-src 'self'")
        forged = await client.get("/sertifikat", params={"kode": "../../etc/passwd"})
        assert forged.status_code == 404
        assert "tidak ditemukan" in forged.text


async def test_metrics_count_the_pages_served(tmp_path: Path) -> None:
    """The portal's ServiceMonitor scrapes /metrics: requests per route template and status."""
    async with portal(settings_for(tmp_path)) as client:
        assert (await client.get("/masuk")).status_code == 200
        scraped = await client.get("/metrics")
    assert scraped.status_code == 200
    line = next(
        x
        for x in scraped.text.splitlines()
        if x.startswith("http_requests_total{") and "/masuk" in x
    )
    assert 'route="/masuk"' in line
    assert 'status="200"' in line
    assert line.endswith(" 1.0")
