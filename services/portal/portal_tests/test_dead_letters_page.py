"""The operators' dead-letter page asks the four services (``GET /dead-letters`` with the
operator's token), never Kafka: a record one service's consumer could not apply shows under
that service, within the operator's region only and without its payload; a service that
cannot answer is shown with its message while the others still are."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest

from kim_devstack.testing import eventually
from kim_shared.kafka import OutgoingRecord, Producer
from portal_tests.platform import PONOROGO, WITHIN, World
from portal_tests.support import dev_sign_in, portal, settings_for

PAGE = "/operator/surat-mati"
SECRET = "NIK 3502011201900001"  # in the refused record: never on the page


def _poison(event_id: str) -> OutgoingRecord:
    """A moderation decision (read by the marketplace alone) whose data is not one."""
    value = {
        "specversion": "1.0",
        "id": event_id,
        "source": "/kim/content",
        "type": "kim.content.moderation.decided.v1",
        "subject": event_id,
        "time": "2026-12-01T07:00:00Z",
        "datacontenttype": "application/json",
        "kabupaten": PONOROGO,
        "data": {"catatan": SECRET},
    }
    return OutgoingRecord(
        "kim.content.moderation.v1", event_id.encode(), json.dumps(value).encode()
    )


@pytest.mark.integration
async def test_a_services_dead_letter_shows_under_that_service(
    platform: World, kafka_bootstrap: str
) -> None:
    event_id = str(uuid.uuid4())
    producer = Producer(kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_all([_poison(event_id)])
    finally:
        await producer.stop()

    async with httpx.AsyncClient(base_url=platform.url) as operator:
        assert (await dev_sign_in(operator, "operator_kabupaten")).status_code == 303

        async def listed() -> bool:
            page = await operator.get(PAGE)
            assert page.status_code == 200, page.text
            return event_id in page.text

        await eventually(listed, within=WITHIN, what="the dead letter on the operator's page")
        text = (await operator.get(PAGE)).text
    market = text[text.index('id="dlq-marketplace"') :]
    assert event_id in market
    assert "marketplace.listing-decisions" in market
    assert "invalid_data" in market
    assert "kim.content.moderation.v1 [" in market
    assert "surat mati menunggu" in text
    assert "tidak dapat" not in text  # every service answered
    assert SECRET not in text

    async with httpx.AsyncClient(base_url=platform.url) as madiun:
        assert (await dev_sign_in(madiun, "operator_kabupaten", region="35.19")).status_code == 303
        elsewhere = await madiun.get(PAGE)
    assert elsewhere.status_code == 200
    assert event_id not in elsewhere.text  # Ponorogo's event, not Madiun's


async def test_services_that_cannot_answer_are_named_with_their_message(tmp_path: Path) -> None:
    async with portal(settings_for(tmp_path)) as client:  # every service URL is closed
        assert (await dev_sign_in(client, "operator_kabupaten")).status_code == 303
        page = await client.get(PAGE)
    assert page.status_code == 200
    for service in ("registry", "content", "marketplace", "mentoring"):
        assert f"Layanan {service} tidak dapat dihubungi saat ini." in page.text
    assert "0 surat mati menunggu" in page.text
    assert "Traceback" not in page.text
