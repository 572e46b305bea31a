"""Public HTTP routes of certificates: verification and the PDF. No token is read; an
unknown (forged) code is 404."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from kim_mentoring.certificates import pdf
from kim_mentoring.certificates import repository as repo
from kim_mentoring.certificates.repository import CertificateRow
from kim_mentoring.settings import MentoringSettings
from kim_shared.db import Connection
from kim_shared.errors import NotFound
from kim_shared.service import Pool, get_runtime

router = APIRouter(tags=["certificates"])

CERTIFICATE_NOT_FOUND = "No certificate has this code."


class Verification(BaseModel):
    """Only what a verifier needs: nothing else about the participant."""

    name: str
    training: str
    date: date
    issuer: str


async def _load(conn: Connection, code: str) -> CertificateRow:
    cert = await repo.by_code(conn, code)
    if cert is None:
        raise NotFound(CERTIFICATE_NOT_FOUND)
    return cert


def _base_url(request: Request) -> str:
    settings = get_runtime(request).settings
    assert isinstance(settings, MentoringSettings)
    return settings.public_base_url


@router.get(
    "/certificates/{code}.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, 404: {}},
    summary="The certificate as a PDF with a QR code of its verification page",
)
async def certificate_pdf(code: str, request: Request, pool: Pool) -> Response:
    async with pool.acquire() as conn:
        cert = await _load(conn, code)
    body = pdf.render(cert, pdf.verification_url(_base_url(request), cert.code))
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="sertifikat-{cert.code}.pdf"'},
    )


@router.get("/certificates/{code}", response_model=Verification, summary="Verify a certificate")
async def verify(code: str, pool: Pool) -> Verification:
    async with pool.acquire() as conn:
        cert = await _load(conn, code)
    return Verification(
        name=cert.participant_name,
        training=cert.training_title,
        date=cert.completed_on,
        issuer=cert.issuer,
    )
