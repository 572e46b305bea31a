"""A KIM formed the way an operator forms one: through the registry's public API.

End-to-end tests share it: form the KIM in a desa, give it its pengurus (and members), make
it aktif. The login subject of each member is ``user-<position>``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import httpx

TUGUREJO = "35.02.01.2001"

#: (position, full name, NIK) of the three pengurus every KIM needs.
PENGURUS: tuple[tuple[str, str, str], ...] = (
    ("ketua", "Sutrisno Wibowo", "3502011201850001"),
    ("sekretaris", "Dewi Anggraini", "3502015203900002"),
    ("bendahara", "Rahayu Lestari", "3502016501880003"),
)
ANGGOTA = ("anggota", "Agus Priyanto", "3502011506000004")


def _created(r: httpx.Response) -> str:
    assert r.status_code in (200, 201), r.text
    return str(r.json()["id"])


async def form_aktif_kim(
    registry: httpx.AsyncClient,
    operator: dict[str, str],
    *,
    name: str = "KIM Tugu Media",
    village_code: str = TUGUREJO,
    members: Sequence[tuple[str, str, str]] = PENGURUS,
) -> uuid.UUID:
    """Form a KIM with ``members`` (position, full name, NIK) and activate it."""
    kim_id = _created(
        await registry.post(
            "/kim", json={"name": name, "village_code": village_code}, headers=operator
        )
    )
    for position, full_name, nik in members:
        _created(
            await registry.post(
                f"/kim/{kim_id}/members",
                json={
                    "full_name": full_name,
                    "nik": nik,
                    "position": position,
                    "term_start": "2024-01-01",
                    "user_subject": f"user-{position}",
                },
                headers=operator,
            )
        )
    r = await registry.post(f"/kim/{kim_id}/status", json={"to": "aktif"}, headers=operator)
    assert r.status_code == 200, r.text
    return uuid.UUID(kim_id)
