"""Pure rules about sellers: WhatsApp numbers, licences and their badges (no I/O)."""

from __future__ import annotations

from datetime import date
from typing import Final, Literal, get_args

from lokal.phone import parse_phone

from kim_shared.errors import Invalid
from kim_shared.events.types.marketplace import DocumentKind, VerificationStatus

BusinessCategory = Literal[
    "makanan_minuman", "kerajinan", "fashion", "pertanian", "perikanan", "jasa", "lainnya"
]
DOCUMENTS: Final[tuple[DocumentKind, ...]] = get_args(DocumentKind)
STATUSES: Final[tuple[VerificationStatus, ...]] = get_args(VerificationStatus)
OperatorVerdict = Literal["terverifikasi", "ditolak"]


def normalise_whatsapp(raw: str, *, field: str = "body.whatsapp") -> str:
    """The number in E.164 (``+6281234567890``); 422 on ``field`` unless it is an
    Indonesian mobile number (WhatsApp needs one). The message never echoes the number."""
    info = parse_phone(raw)
    if not info.valid or info.e164 is None:
        raise Invalid("The WhatsApp number is not a valid Indonesian phone number.", field=field)
    if info.type != "mobile":
        raise Invalid("The WhatsApp number must be a mobile number.", field=field)
    return info.e164


def whatsapp_link(e164: str) -> str:
    """``https://wa.me/62…`` for a stored number."""
    return "https://wa.me/" + e164.removeprefix("+")


def effective_status(
    status: VerificationStatus, expires_on: date | None, today: date
) -> VerificationStatus:
    """A verified licence whose expiry has passed shows as ``kedaluwarsa``."""
    if status == "terverifikasi" and expires_on is not None and expires_on < today:
        return "kedaluwarsa"
    return status


def check_verdict(
    document: DocumentKind, verdict: OperatorVerdict, expires_on: date | None, today: date
) -> None:
    """An operator cannot verify an expired halal certificate (422 on its expiry)."""
    if verdict == "terverifikasi" and expires_on is not None and expires_on < today:
        raise Invalid(
            f"The {document} licence expired on {expires_on.isoformat()}: it cannot be verified.",
            field="body.document",
            slug="licence-expired",
        )
