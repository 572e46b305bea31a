"""The certificate as a PDF (ReportLab) with a QR code (segno) of its verification URL."""

from __future__ import annotations

import io

import segno
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from kim_mentoring.certificates.repository import CertificateRow
from kim_shared.clock import long_date


def verification_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/certificates/{code}"


def qr_png(url: str) -> bytes:
    """The QR code of ``url`` as a PNG (error correction M, quiet zone kept)."""
    out = io.BytesIO()
    segno.make_qr(url, error="m").save(out, kind="png", scale=10, border=4)
    return out.getvalue()


def render(cert: CertificateRow, url: str) -> bytes:
    """One landscape A4 page: name, training, date, issuer, the QR code and the URL."""
    out = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(out, pagesize=(width, height))
    pdf.setTitle(f"Sertifikat {cert.training_title}")
    pdf.setAuthor(cert.issuer)
    mid = width / 2
    pdf.setFont("Helvetica-Bold", 30)
    pdf.drawCentredString(mid, height - 4 * cm, "SERTIFIKAT")
    pdf.setFont("Helvetica", 14)
    pdf.drawCentredString(mid, height - 5.5 * cm, "diberikan kepada")
    pdf.setFont("Helvetica-Bold", 24)
    pdf.drawCentredString(mid, height - 7.2 * cm, cert.participant_name)
    pdf.setFont("Helvetica", 14)
    pdf.drawCentredString(mid, height - 8.7 * cm, "yang telah menyelesaikan pelatihan")
    pdf.setFont("Helvetica-Bold", 18)
    pdf.drawCentredString(mid, height - 10 * cm, cert.training_title)
    day = cert.completed_on
    pdf.setFont("Helvetica", 13)
    pdf.drawCentredString(mid, height - 11.4 * cm, long_date(day))
    pdf.drawCentredString(mid, height - 12.6 * cm, cert.issuer)
    size = 4.5 * cm
    pdf.drawImage(ImageReader(io.BytesIO(qr_png(url))), 2 * cm, 2 * cm, size, size)
    pdf.setFont("Helvetica", 9)
    pdf.drawString(2 * cm, 1.4 * cm, f"Verifikasi: {url}")
    pdf.showPage()
    pdf.save()
    return out.getvalue()
