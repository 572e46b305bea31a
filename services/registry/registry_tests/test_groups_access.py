"""Who may do what in the registry: the whole role x tenant matrix, multi-role tokens
included, on every endpoint that needs a token.

The rule (``kim_registry.access``): 401 without a valid token; 403 when no role of the
token may do the action anywhere; 404 when the resource in the path lies outside the scope
of the roles that grant the action (another tenant's resource looks absent); the same 422
as an unknown reference when a region or village named in the body lies outside it. Scope
follows the granting role, never the union of the token's roles.

Allowed callers are told apart from refused ones without changing anything: updates are
sent with a stale ``If-Match`` (an allowed caller gets 412 after the access check), creates
with a value that the handler refuses after the access check.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import pytest

from kim_registry.regions.importer import ImportResult
from kim_shared.service import Runtime
from registry_tests.test_groups_support import (
    MADIUN,
    PONOROGO,
    SENEPO,
    TAMBAKMAS,
    TUGUREJO,
    Auth,
    add,
    counts,
    form,
    kim_body,
    member_body,
    operator,
    pengelola,
)

pytestmark = pytest.mark.integration

Grant = Literal["public", "staff", "editor"]
"""Who may act: anyone; Diskominfo staff of the region; staff or the KIM's own pengelola."""

STALE = {"If-Match": '"999"'}
RULES = {
    "max_kim_per_village": 3,
    "required_positions": [],
    "min_members": 1,
    "max_members": 5,
    "dormant_after_days": 30,
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    url: str
    grant: Grant
    allowed: int  # what an allowed caller gets (a refusal after the access check)
    body: dict[str, Any] | None = None
    headers: dict[str, str] | None = None
    out_of_scope: int = 404  # 422 where the region is named in the body
    allowed_slug: str | None = None  # to tell an allowed 422 from an out-of-scope 422


@dataclass(frozen=True)
class Caller:
    name: str
    roles: tuple[str, ...]
    region: str | None = None
    kim_ids: tuple[str, ...] = ()
    staff_in_scope: bool = False  # a staff role whose scope covers Ponorogo
    staff_elsewhere: bool = False  # a staff role, scoped to another tenant
    own_pengelola: bool = False  # pengelola of KIM A, inside its region
    pengelola_elsewhere: bool = False  # pengelola role, but not of A (or A outside its scope)


A = "A"  # placeholder for KIM A's id in kim_ids
CALLERS = [
    Caller("operator of Ponorogo", ("operator_kabupaten",), PONOROGO, staff_in_scope=True),
    Caller("admin of Jawa Timur", ("admin_provinsi",), "35", staff_in_scope=True),
    Caller("operator of Madiun", ("operator_kabupaten",), MADIUN, staff_elsewhere=True),
    Caller("admin of Jawa Tengah", ("admin_provinsi",), "33", staff_elsewhere=True),
    Caller(
        "operator of Madiun + pendamping",
        ("operator_kabupaten", "pendamping"),
        MADIUN,
        staff_elsewhere=True,
    ),
    Caller(
        "operator of Madiun + moderator",
        ("operator_kabupaten", "moderator"),
        MADIUN,
        staff_elsewhere=True,
    ),
    Caller(
        "admin of Jawa Tengah + pendamping",
        ("admin_provinsi", "pendamping"),
        "33",
        staff_elsewhere=True,
    ),
    Caller("pengelola of A", ("pengelola_kim",), PONOROGO, (A,), own_pengelola=True),
    Caller(
        "pengelola of another KIM",
        ("pengelola_kim",),
        PONOROGO,
        (str(uuid.uuid4()),),
        pengelola_elsewhere=True,
    ),
    Caller(
        "pengelola of Madiun claiming A",
        ("pengelola_kim",),
        MADIUN,
        (A,),
        pengelola_elsewhere=True,
    ),
    Caller(
        "pendamping + pengelola of Madiun claiming A",
        ("pendamping", "pengelola_kim"),
        MADIUN,
        (A,),
        pengelola_elsewhere=True,
    ),
    Caller(
        "operator of Madiun + pengelola claiming A",
        ("operator_kabupaten", "pengelola_kim"),
        MADIUN,
        (A,),
        staff_elsewhere=True,
        pengelola_elsewhere=True,
    ),
    Caller("moderator", ("moderator",)),
    Caller("pendamping", ("pendamping",)),
    Caller("anggota of Ponorogo", ("anggota_kim",), PONOROGO),
    Caller("pelaku UMKM of Ponorogo", ("pelaku_umkm",), PONOROGO),
]


def endpoints(kim_id: str, member_id: str, period_id: str) -> list[Endpoint]:
    kim = f"/kim/{kim_id}"
    member = f"{kim}/members/{member_id}"
    period = f"/evaluation-periods/{period_id}"
    second_ketua = member_body("ketua", who="anggota", serial="0031")  # the position is held
    return [
        Endpoint("POST", "/kim", "staff", 409, kim_body(TUGUREJO), out_of_scope=422),
        Endpoint("PATCH", kim, "editor", 412, {"name": "KIM Diambil Alih"}, STALE),
        Endpoint("POST", f"{kim}/status", "staff", 412, {"to": "aktif"}, STALE),
        Endpoint("GET", f"{kim}/history", "editor", 200),
        Endpoint("GET", f"{kim}/activity", "editor", 200),
        Endpoint("GET", f"{kim}/members", "editor", 200),
        Endpoint("POST", f"{kim}/members", "editor", 409, second_ketua),
        Endpoint("GET", member, "editor", 200),
        Endpoint("PATCH", member, "editor", 412, {"full_name": "Nama Lain"}, STALE),
        Endpoint("POST", f"{member}/end", "editor", 412, {"reason_code": "lainnya"}, STALE),
        Endpoint("GET", f"/kabupaten/{PONOROGO}/rules", "staff", 200),
        Endpoint("PUT", f"/kabupaten/{PONOROGO}/rules", "staff", 412, RULES, STALE),
        Endpoint("GET", f"/kim/activity?kabupaten={PONOROGO}", "staff", 200),
        Endpoint("GET", f"/evaluation-periods?kabupaten={PONOROGO}", "staff", 200),
        Endpoint("GET", period, "staff", 200),
        Endpoint("PUT", f"{period}/kim/{kim_id}/scores", "staff", 412, {"scores": {}}, STALE),
        Endpoint("GET", f"{period}/kim/{kim_id}/scores", "staff", 200),
        Endpoint("POST", f"{period}/finalize", "staff", 412, None, STALE),
        Endpoint("GET", f"{period}/results", "staff", 409),
        Endpoint(
            "POST",
            "/evaluation-periods",
            "staff",
            422,
            {
                "kabupaten_code": PONOROGO,
                "name": "Lomba KIM",
                "starts_on": "2026-06-01",
                "ends_on": "2026-01-01",
            },
            out_of_scope=422,
            allowed_slug="unprocessable",
        ),
        Endpoint(
            "POST",
            "/targets",
            "staff",
            422,
            {
                "region_code": PONOROGO,
                "label": "Semua desa",
                "due_on": "2027-12-31",
                "villages_target": 99_999,
            },
            out_of_scope=422,
            allowed_slug="unprocessable",
        ),
        Endpoint("POST", "/regions/imports", "staff", 200, {"scope": PONOROGO}, out_of_scope=422),
    ]


def expected(endpoint: Endpoint, caller: Caller) -> tuple[int, bool]:
    """The rule of the module docstring for one caller on one endpoint: (status, allowed)."""
    if endpoint.grant == "staff":
        if caller.staff_in_scope:
            return endpoint.allowed, True
        if caller.staff_elsewhere:
            return endpoint.out_of_scope, False
        return 403, False
    if caller.staff_in_scope or caller.own_pengelola:
        return endpoint.allowed, True
    if caller.staff_elsewhere or caller.pengelola_elsewhere:
        return 404, False
    return 403, False


def token(auth: Auth, caller: Caller, kim_id: str) -> dict[str, str]:
    ids = tuple(kim_id if k == A else k for k in caller.kim_ids)
    return auth(*caller.roles, region=caller.region, kim_ids=ids, sub=caller.name)


async def scenario(http: httpx.AsyncClient, auth: Auth) -> tuple[str, str, str]:
    op = operator(auth)
    kim = await form(http, op)
    member = await add(http, kim["id"], op, member_body("ketua"))
    period = {
        "kabupaten_code": PONOROGO,
        "name": "Lomba KIM 2026",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
    }
    r = await http.post("/evaluation-periods", json=period, headers=op)
    assert r.status_code == 201, r.text
    return kim["id"], member["id"], r.json()["id"]


async def test_the_role_and_tenant_matrix_on_every_endpoint(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    kim_id, member_id, period_id = await scenario(http, auth)
    before = await counts(runtime)
    failures = []
    for caller in CALLERS:
        headers = token(auth, caller, kim_id)
        for e in endpoints(kim_id, member_id, period_id):
            r = await http.request(
                e.method, e.url, json=e.body, headers={**headers, **(e.headers or {})}
            )
            want, allowed = expected(e, caller)
            wrong = r.status_code != want
            if not wrong and want >= 400:
                wrong = r.headers["content-type"] != "application/problem+json"
            if not wrong and e.allowed_slug is not None and want == e.allowed:
                slug = r.json()["type"].rsplit("/", 1)[-1]
                wrong = (slug == e.allowed_slug) != allowed  # an allowed 422 vs a refused one
            if wrong:
                failures.append(f"{caller.name}: {e.method} {e.url} → {r.status_code}, want {want}")
    assert not failures, "\n".join(failures)
    assert await counts(runtime) == before, "no refused (or probing) request changed anything"


async def test_anonymous_callers_must_authenticate_on_every_endpoint(
    http: httpx.AsyncClient, auth: Auth, ponorogo: ImportResult
) -> None:
    kim_id, member_id, period_id = await scenario(http, auth)
    for e in endpoints(kim_id, member_id, period_id):
        r = await http.request(e.method, e.url, json=e.body, headers=e.headers or {})
        assert r.status_code == 401, f"{e.method} {e.url}: {r.status_code}"
        assert r.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("caller", CALLERS, ids=[c.name for c in CALLERS])
async def test_the_kim_profile_shows_each_caller_its_own_view(
    http: httpx.AsyncClient, auth: Auth, ponorogo: ImportResult, caller: Caller
) -> None:
    """Personal data (members' NIK and phone) only for staff of the region and the KIM's own
    pengelola; other tenants' staff get 404; everyone else the public profile."""
    kim_id, _, _ = await scenario(http, auth)
    r = await http.get(f"/kim/{kim_id}", headers=token(auth, caller, kim_id))
    if caller.staff_in_scope:
        assert (r.status_code, r.json()["view"]) == (200, "staff")
        assert r.json()["members"][0]["nik_masked"] is False
    elif caller.staff_elsewhere:
        assert r.status_code == 404
    elif caller.own_pengelola:
        assert (r.status_code, r.json()["view"]) == (200, "pengelola")
        assert r.json()["members"][0]["nik_masked"] is True
    else:
        assert (r.status_code, r.json()["view"]) == (200, "public")
        assert "members" not in r.json()


async def test_anyone_reads_the_public_profile_without_a_token(
    http: httpx.AsyncClient, auth: Auth, ponorogo: ImportResult
) -> None:
    kim_id, _, _ = await scenario(http, auth)
    r = await http.get(f"/kim/{kim_id}")
    assert (r.status_code, r.json()["view"]) == (200, "public")


async def test_staff_form_a_kim_only_in_their_region(
    http: httpx.AsyncClient, runtime: Runtime, auth: Auth, ponorogo: ImportResult
) -> None:
    """Another tenant's village answers exactly like an unknown one (422, same message)."""
    before = await counts(runtime)
    madiun = operator(auth, MADIUN, "op-madiun")
    unknown = await http.post("/kim", json=kim_body("35.19.99.9999"), headers=madiun)
    other = await http.post("/kim", json=kim_body(TUGUREJO), headers=madiun)
    assert unknown.status_code == other.status_code == 422
    assert other.json()["type"].endswith("/unknown-village")
    assert other.json()["detail"].replace(TUGUREJO, "X") == unknown.json()["detail"].replace(
        "35.19.99.9999", "X"
    )
    both = auth("operator_kabupaten", "pendamping", region=MADIUN, sub="op+pendamping")
    assert (await http.post("/kim", json=kim_body(SENEPO), headers=both)).status_code == 422
    assert await counts(runtime) == before
    r = await http.post("/kim", json=kim_body(TAMBAKMAS), headers=madiun)
    assert r.status_code == 201, r.text
    r = await http.post(
        "/kim", json=kim_body(SENEPO), headers=auth("admin_provinsi", region="35", sub="gub")
    )
    assert r.status_code == 201, r.text


async def test_a_pengelola_edits_its_own_kim(
    http: httpx.AsyncClient, auth: Auth, ponorogo: ImportResult
) -> None:
    kim_id, member_id, _ = await scenario(http, auth)
    own = pengelola(auth, kim_id)
    r = await http.patch(
        f"/kim/{kim_id}", json={"name": "KIM Tugu Baru"}, headers={**own, "If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text
    r = await http.post(
        f"/kim/{kim_id}/members", json=member_body("sekretaris", serial="0002"), headers=own
    )
    assert r.status_code == 201, r.text
    r = await http.patch(
        f"/kim/{kim_id}/members/{member_id}",
        json={"full_name": "Sutrisno Hadi Wijaya"},
        headers={**own, "If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
