"""Commands of coverage: setting targets."""

from __future__ import annotations

import uuid

import asyncpg

from kim_registry.access import staff_sees
from kim_registry.coverage import repository as repo
from kim_registry.coverage.schemas import TargetCreate
from kim_shared.auth import Principal
from kim_shared.db import Connection
from kim_shared.errors import Invalid


async def create_target(
    conn: Connection, principal: Principal, body: TargetCreate
) -> asyncpg.Record:
    """A target for a region in the caller's scope (a provinsi needs admin_provinsi's scope)."""
    region = None
    if staff_sees(principal, body.region_code):
        region = await repo.region_villages(conn, body.region_code)
    if region is None:
        raise Invalid(
            f"{body.region_code} is not a known region inside your region "
            f"({principal.region_scope}).",
            slug="unknown-region",
            field="body.region_code",
        )
    if body.per_kecamatan and region["level"] == 3:
        raise Invalid(
            "per_kecamatan targets are set on a provinsi or kabupaten/kota for each kecamatan "
            f"below it; {region['name']} is itself a kecamatan: set a plain target.",
            field="body.per_kecamatan",
        )
    if (
        not body.per_kecamatan
        and body.villages_target is not None
        and body.villages_target > region["villages"]
    ):
        raise Invalid(
            f"{region['name']} ({body.region_code}) has {region['villages']} desa and "
            f"kelurahan; a target of {body.villages_target} villages cannot be reached.",
            field="body.villages_target",
        )
    return await repo.insert_target(
        conn,
        target_id=uuid.uuid4(),
        region_code=body.region_code,
        label=body.label,
        due_on=body.due_on,
        villages_target=body.villages_target,
        per_kecamatan=body.per_kecamatan,
        created_by=principal.subject,
    )
