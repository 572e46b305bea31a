"""Issuing a certificate for a completed training registration."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from kim_mentoring.certificates import repository as repo
from kim_mentoring.certificates.repository import CertificateRow
from kim_mentoring.trainings.repository import RegistrationRow, TrainingRow
from kim_shared import clock, outbox
from kim_shared.db import Connection
from kim_shared.events.types.mentoring_trainings import CertificateIssued
from kim_shared.outbox import EventSource
from kim_shared.projections.regions.lookups import region

CODE_BYTES = 18
"""Random bytes of a verification code (``secrets.token_urlsafe``: 24 characters)."""


def new_code() -> str:
    """A verification code nobody can guess."""
    return secrets.token_urlsafe(CODE_BYTES)


async def issuer_of(conn: Connection, kabupaten_code: str) -> str:
    """The issuing office: the Diskominfo of the training's kabupaten or kota. Kemendagri
    names carry their kind ("Kabupaten Ponorogo", "Kota Madiun"); a bare name gets it."""
    found = await region(conn, kabupaten_code)
    if found is None:
        return f"Dinas Komunikasi dan Informatika {kabupaten_code}"
    name = found.name
    if name.split(" ", 1)[0] not in ("Kabupaten", "Kota"):
        name = f"{'Kota' if found.type == 'kota' else 'Kabupaten'} {name}"
    return f"Dinas Komunikasi dan Informatika {name}"


async def issue(
    conn: Connection,
    source: EventSource,
    training: TrainingRow,
    registration: RegistrationRow,
    now: datetime,
) -> CertificateRow:
    """Issue the registration's certificate (once: a second call returns the first)."""
    cert = await repo.insert(
        conn,
        CertificateRow(
            id=uuid.uuid4(),
            code=new_code(),
            registration_id=registration.id,
            training_id=training.id,
            participant_name=registration.participant_name,
            training_title=training.title,
            completed_on=clock.today(now),
            issuer=await issuer_of(conn, training.kabupaten_code),
            issued_at=now,
        ),
    )
    if cert is None:
        existing = await repo.of_registration(conn, registration.id)
        assert existing is not None
        return existing
    await outbox.add(
        conn,
        CertificateIssued(
            training_id=training.id,
            registration_id=registration.id,
            certificate_id=cert.id,
            kim_id=registration.kim_id,
            issued_at=now,
        ),
        source,
        kabupaten=training.kabupaten_code,
    )
    return cert
