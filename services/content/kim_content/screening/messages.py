"""Reasons in Bahasa Indonesia for authors and moderators.

Offsets in messages are for people: characters counted from 1, both ends included
(a finding at ``[119, 135)`` reads "karakter 120\\u2013135", with an en dash).
"""

from __future__ import annotations

import re

from .model import Finding

_FIELD = {
    "title": "judul",
    "body": "isi",
    "summary": "ringkasan",
    "tags": "tag",
    "cover.caption": "keterangan gambar sampul",
    "cover.alt": "teks alternatif gambar sampul",
}
_MEDIA = re.compile(r"^media\.(\d+)\.(caption|alt)$")
_TAG = re.compile(r"^tags\.(\d+)$")

_PERSONAL = {
    "nik": "NIK",
    "kk": "nomor KK",
    "nik_shaped": "angka 16 digit yang mirip NIK/KK",
    "phone": "nomor telepon",
    "email": "alamat e-mail",
    "address": "alamat jalan",
    "npwp": "NPWP",
    "passport": "nomor paspor",
    "sim": "nomor SIM",
    "nip": "NIP",
    "bpjs": "nomor BPJS",
    "nisn": "NISN",
    "akta": "nomor akta",
    "bank_account": "nomor rekening",
    "card": "nomor kartu",
    "plate": "nomor polisi kendaraan",
    "ip": "alamat IP",
    "geo": "koordinat lokasi",
    "name": "nama orang",
    "birth_date": "tanggal lahir",
    "gender": "jenis kelamin",
    "religion": "agama seseorang",
    "marital_status": "status perkawinan",
    "nationality": "kewarganegaraan",
    "health": "data kesehatan",
    "financial": "data keuangan pribadi",
    "criminal_record": "catatan kriminal",
    "biometric": "data biometrik",
}
_WORDS = {
    "judi": "terkait judi",
    "pinjol": "terkait pinjaman online ilegal",
    "sara": "bernuansa SARA",
    "kasar": "kasar",
    "hoaks": "terkait hoaks",
    "lainnya": "yang dipantau",
}
_SPAM = {
    "link": "Terlalu banyak tautan",
    "unknown_domain": "Tautan ke situs yang tidak dikenal",
    "repeated": "Kalimat yang diulang-ulang",
    "repeated_word": "Kata yang diulang-ulang",
    "shouting": "Teks hampir seluruhnya huruf kapital",
    "contact_number": "Ajakan menghubungi nomor telepon/WhatsApp",
    "chat_link": "Tautan obrolan (WhatsApp/Telegram)",
}


def field_label(field: str) -> str:
    """``body`` → ``isi``, ``media.0.caption`` → ``keterangan media 1``, ``tags.2`` → ``tag 3``."""
    if field in _FIELD:
        return _FIELD[field]
    m = _MEDIA.match(field)
    if m:
        what = "keterangan" if m.group(2) == "caption" else "teks alternatif"
        return f"{what} media {int(m.group(1)) + 1}"
    t = _TAG.match(field)
    if t:
        return f"tag {int(t.group(1)) + 1}"
    return field


def _where(f: Finding) -> str:
    return f"pada {field_label(f.field)} (karakter {f.start + 1}\u2013{f.end})"


def reason(f: Finding) -> str:
    """One sentence on what was found, where, and what to do."""
    if f.category == "children":
        return (
            "Artikel menampilkan anak tetapi belum ada persetujuan orang tua/wali yang tercatat "
            "(UU PDP Pasal 25). Catat persetujuan wali atau hapus gambar anak sebelum terbit."
        )
    if f.category in _PERSONAL:
        todo = (
            "Hapus atau samarkan sebelum terbit."
            if f.action == "block"
            else "Moderator akan memeriksa apakah ini data pribadi."
        )
        return f"Ditemukan {_PERSONAL[f.category]} {_where(f)}. {todo}"
    if f.category in _WORDS:
        todo = {
            "block": "Hapus kata tersebut sebelum terbit.",
            "review": "Moderator akan memeriksanya.",
            "flag": "Artikel ditandai untuk diperiksa.",
            "censor": "Kata tersebut disensor otomatis.",
        }[f.action]
        return f'Ditemukan kata {_WORDS[f.category]} "{f.preview}" {_where(f)}. {todo}'
    label = _SPAM.get(f.category, f"Temuan {f.category}")
    suffix = f" ({f.preview})" if f.category in ("link", "unknown_domain") else ""
    return f"{label}{suffix} {_where(f)}."
