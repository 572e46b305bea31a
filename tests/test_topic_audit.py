"""Every record a journey puts on the public topics is a valid CloudEvent of its topic, its
``data`` matches the committed JSON Schema, and it carries no personal data
(``kim_devstack.topic_audit``).

The journey: the registry forms a KIM whose officers have names, NIKs and phones, activates
it; a member writes an article that content screens and a moderator publishes; a pelaku UMKM
with a name, a WhatsApp number and an address registers a business assisted by the KIM, and
its product goes live through content's listing moderation. Then every record those three
services put on the catalogue topics (and their dead-letter topics) is audited.

The auditor's own checks are shown to fail on planted records first, without the broker.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from kim_devstack.topic_audit import RecordAuditor
from kim_shared.events.envelope import CONTENT_TYPE
from kim_shared.events.types.registry import KimStateChanged, RosterEntry
from kim_shared.outbox.store import EventSource, envelope

PONOROGO = "35.02"
TUGUREJO = "35.02.01.2001"
WITHIN = 90.0

OFFICERS = (  # position, name, NIK, phone
    ("ketua", "Sutrisno Wibowo", "3502011201850001", "081234560001"),
    ("sekretaris", "Dewi Anggraini", "3502015203900002", "085678900002"),
    ("bendahara", "Rahayu Lestari", "3502016501880003", "087812340003"),
)
SELLER_OWNER = "Sri Wahyuningsih"
SELLER_PHONE = "0812-3456-7890"
SELLER_ADDRESS = "Jl. Raya Slahung No. 17 RT 02 RW 01"
FORBIDDEN = [
    *(s for _, name, nik, phone in OFFICERS for s in (name, nik, phone)),
    SELLER_OWNER,
    SELLER_PHONE,
    "081234567890",  # the same WhatsApp number as typed digits and normalised
    "6281234567890",
    SELLER_ADDRESS,
]
KIM_STATE = "kim.registry.kim_state.v1"
HEADERS = [("content-type", CONTENT_TYPE.encode())]


# --- the auditor, on planted records (no broker) -----------------------------------------


def _kim_state(**overrides: Any) -> KimStateChanged:
    fields: dict[str, Any] = {
        "kim_id": uuid.uuid4(),
        "revision": 1,
        "name": "KIM Tugu Media",
        "status": "aktif",
        "village_code": TUGUREJO,
        "kecamatan_code": "35.02.01",
        "kabupaten_code": PONOROGO,
        "roster": [
            RosterEntry(
                member_id=uuid.uuid4(),
                position="ketua",
                user_subject="user-ketua",
                term_start=date(2024, 1, 1),
            )
        ],
        "changed_at": datetime.now(UTC),
    }
    fields.update(overrides)
    return KimStateChanged(**fields)


def _record(event: KimStateChanged) -> tuple[bytes, bytes]:
    ce = envelope(event, EventSource("registry", PONOROGO))
    return ce.subject.encode(), ce.to_bytes()


def _edit(value: bytes, **changes: Any) -> bytes:
    obj = json.loads(value)
    for path, new in changes.items():
        *parents, last = path.split("__")
        target = obj
        for part in parents:
            target = target[part]
        target[last] = new
    return json.dumps(obj).encode()


def test_a_record_as_the_platform_publishes_it_passes() -> None:
    key, value = _record(_kim_state())
    assert RecordAuditor(FORBIDDEN).check(KIM_STATE, key, value, HEADERS) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"data__status": "bubar"}, "does not match kim.registry.kim_state.changed.v1.json"),
        ({"data__kim_id": "bukan-uuid"}, "does not match"),
        ({"id": "42"}, "not the platform's CloudEvent profile"),
        ({"specversion": "0.3"}, "not the platform's CloudEvent profile"),
        ({"source": "/kim/content"}, "source /kim/content did not publish"),
        ({"type": "kim.registry.kim.formed.v1"}, "belongs on kim.registry.kim.v1"),
        ({"type": "kim.registry.kim.vanished.v1"}, "not in the event catalogue"),
        ({"data__name": "Sutrisno Wibowo"}, "forbidden string 'Sutrisno Wibowo'"),
        ({"data__roster": [{"nik": "3502011201850009"}]}, "personal data (NIK"),
        ({"data__village_code": "hubungi 0812 9988 7766"}, "personal data (PHONE"),
        ({"subject": "9e1c0b6e-5a51-4c35-9a0e-3f1f4f1d2a10"}, "is not data.kim_id"),
    ],
)
def test_the_auditor_finds_what_is_wrong(change: dict[str, Any], expected: str) -> None:
    key, value = _record(_kim_state())
    found = RecordAuditor(FORBIDDEN).check(KIM_STATE, key, _edit(value, **change), HEADERS)
    assert any(expected in problem for problem in found), found


def test_the_auditor_checks_the_record_around_the_envelope() -> None:
    auditor = RecordAuditor(FORBIDDEN)
    key, value = _record(_kim_state())
    assert auditor.check(KIM_STATE, key, value, []) == [
        f"content-type header is not {CONTENT_TYPE}"
    ]
    assert any("is not the subject" in p for p in auditor.check(KIM_STATE, b"x", value, HEADERS))
    assert any("tombstone" in p for p in auditor.check(KIM_STATE, key, None, HEADERS))
    assert any("CloudEvents SDK" in p for p in auditor.check(KIM_STATE, key, b"{}", HEADERS))
    not_an_event = b"NIK 3502011201850009, WA 0812 9988 7766"
    found = auditor.check(KIM_STATE, key, not_an_event, HEADERS)
    assert {p.split(",")[0] for p in found if p.startswith("personal data")} == {
        "personal data (NIK",
        "personal data (PHONE",
    }
    leak = [*HEADERS, ("traceparent", b"3502011201850001")]
    assert any("forbidden" in p for p in auditor.check(KIM_STATE, key, value, leak))
    dead = [("kim-dlq-consumer", b"content.projection.kim"), ("kim-dlq-error", b"boom")]
    assert auditor.check(f"{KIM_STATE}.dlq", key, value, dead) == [
        "dead letter of content.projection.kim: boom"
    ]


def test_a_person_s_name_in_a_public_name_field_is_still_found_by_exact_match() -> None:
    """``name`` may hold a NAME match (a KIM's name), but never a name the journey typed."""
    key, value = _record(_kim_state(name="KIM Bu Sri"))
    assert RecordAuditor(FORBIDDEN).check(KIM_STATE, key, value, HEADERS) == []
    key, value = _record(_kim_state(name="KIM Dewi Anggraini"))
    assert RecordAuditor().check(KIM_STATE, key, value, HEADERS) == []
    found = RecordAuditor(FORBIDDEN).check(KIM_STATE, key, value, HEADERS)
    assert found == ["contains the forbidden string 'Dewi Anggraini'"]


# The auditor over a real journey's records: tests/test_journey.py (every topic, all four
# services, the NIKs, phones and names the journey typed).


def test_ids_whose_digits_read_like_a_phone_number_are_not_personal_data() -> None:
    """A UUID such as ``08657790-7069-…`` is an id, though ``detect_pii`` alone calls its
    first groups a phone number; a real phone number next to it is still found."""
    kim_id = uuid.UUID("08657790-7069-4c2e-9d4f-2a1b3c4d5e6f")
    key, value = _record(_kim_state(kim_id=kim_id))
    assert RecordAuditor(FORBIDDEN).check(KIM_STATE, key, value, HEADERS) == []
    key, value = _record(_kim_state(kim_id=kim_id, name="KIM 0812-3456-7890"))
    found = RecordAuditor().check(KIM_STATE, key, value, HEADERS)
    assert any("PHONE" in p for p in found), found
