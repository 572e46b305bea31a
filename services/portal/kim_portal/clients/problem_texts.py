"""What a service's refusal means, in Bahasa Indonesia, by its problem type.

The services answer in English (API text); the portal's people read Indonesian. Each KIM
problem type (``https://kim.example/problems/<slug>``) gets one sentence here, shown first;
the service's own words follow as "Keterangan layanan" because they often name the thing
(the holiday, the missing pengurus, the product out of stock). ``tests/test_portal_texts.py``
fails when a service raises a type that has no sentence here.
"""

from __future__ import annotations

from collections.abc import Mapping

PROBLEM_PREFIX = "https://kim.example/problems/"

TEXTS: Mapping[str, str] = {
    # the kit's error family
    "bad-request": "Permintaan tidak dapat diproses.",
    "unauthorized": "Sesi Anda tidak berlaku lagi. Silakan masuk kembali.",
    "forbidden": "Peran Anda tidak diizinkan melakukan ini.",
    "not-found": "Data yang dicari tidak ditemukan atau di luar wilayah Anda.",
    "conflict": "Perubahan ini bertentangan dengan keadaan data saat ini.",
    "unprocessable": "Isian belum benar.",
    "validation-error": "Isian belum benar. Periksa kolom yang disebutkan.",
    "invalid-data": "Ada isian yang nilainya tidak dapat diterima.",
    "precondition-required": "Muat ulang halaman lalu simpan lagi.",
    "precondition-failed": "Data sudah diubah orang lain. Muat ulang halaman lalu coba lagi.",
    "concurrent-change": "Data sedang diubah bersamaan oleh orang lain. Silakan coba lagi.",
    "payload-too-large": "Isian terlalu besar untuk dikirim.",
    "event-too-large": "Isian terlalu besar untuk disimpan.",
    "service-unavailable": "Layanan sedang tidak tersedia. Tidak ada yang disimpan; "
    "silakan coba lagi beberapa saat lagi.",
    "internal-error": "Terjadi kesalahan di layanan. Sebutkan kode kejadian saat melapor.",
    "duplicate": "Data yang sama sudah ada.",
    "still-referenced": "Data ini masih dipakai oleh data lain sehingga tidak dapat dihapus.",
    "unknown-reference": "Data yang dirujuk tidak ditemukan.",
    "invalid-cursor": "Halaman daftar tidak dikenal. Mulai lagi dari halaman pertama.",
    "invalid-idempotency-key": "Kiriman tidak dapat dikenali. Muat ulang formulir lalu kirim lagi.",
    "idempotency-key-in-use": "Kiriman yang sama masih diproses. Tunggu sebentar.",
    "idempotency-key-reused": "Kiriman ini bertabrakan dengan kiriman lain. "
    "Muat ulang formulir lalu kirim lagi.",
    "invalid-transition": "Langkah ini tidak dapat dilakukan pada status saat ini.",
    # wilayah and the registry
    "unknown-region": "Kode wilayah tidak dikenal.",
    "unknown-village": "Desa/kelurahan tidak dikenal atau di luar wilayah Anda.",
    "import-outside-scope": "Wilayah ini di luar wilayah kewenangan Anda.",
    "import-all-cli-only": "Impor seluruh Indonesia hanya dapat dijalankan oleh operator "
    "di server.",
    "village-has-kim": "Desa/kelurahan ini sudah memiliki KIM.",
    "activation-requirements": "KIM belum memenuhi syarat untuk diaktifkan.",
    "kim-dissolved": "KIM ini sudah dibubarkan; datanya tidak dapat diubah lagi.",
    "kim-not-active": "Hanya KIM yang aktif yang dapat melakukan ini.",
    "invalid-nik": "NIK tidak valid.",
    "nik-mismatch": "NIK tidak cocok dengan data yang diisikan.",
    "invalid-phone": "Nomor telepon tidak valid.",
    "member-too-young": "Umur anggota belum memenuhi syarat untuk jabatan ini.",
    "members-full": "Jumlah anggota KIM sudah mencapai batas.",
    "duplicate-member": "Orang ini (NIK yang sama) sudah menjadi anggota KIM ini.",
    "position-taken": "Jabatan ini sudah dipegang pengurus lain. Akhiri dulu masa jabatannya.",
    "membership-ended": "Keanggotaan ini sudah berakhir.",
    "period-open": "Periode evaluasi belum ditutup; hasilnya belum ada.",
    "period-finalized": "Periode evaluasi sudah ditutup; nilainya tidak dapat diubah.",
    "period-not-started": "Periode evaluasi belum dimulai.",
    "period-not-ended": "Periode evaluasi belum berakhir. Tutup lebih awal bila perlu.",
    # content and moderation
    "not-a-member": "Hanya anggota dan pengurus KIM ini yang dapat menulis untuknya.",
    "appeal-open": "Artikel ini sudah memiliki banding yang sedang diproses.",
    "article-changed": "Artikel sudah berubah sejak banding diajukan.",
    "case-closed": "Kasus ini sudah diputuskan.",
    "case-claimed": "Kasus ini sedang ditangani moderator lain.",
    "not-holder": "Ambil kasus ini terlebih dahulu sebelum memutuskannya.",
    "stale-case": "Data sudah berubah sejak kasus dibuka.",
    "already-hidden": "Artikel ini sudah disembunyikan sambil menunggu peninjauan.",
    # marketplace
    "duplicate-item": "Satu produk tercantum dua kali dalam pesanan.",
    "unknown-product": "Ada produk yang tidak dikenal dalam pesanan.",
    "several-sellers": "Satu pesanan hanya untuk satu penjual.",
    "listing-not-live": "Produk ini sedang tidak tayang sehingga tidak dapat dipesan.",
    "out-of-stock": "Stok produk tidak mencukupi.",
    "seller-exists": "Akun ini sudah memiliki profil usaha.",
    "licence-expired": "Masa berlaku izin usaha sudah habis.",
    # mentoring
    "not-a-working-day": "Tanggal itu bukan hari kerja (akhir pekan, libur nasional, "
    "atau cuti bersama).",
    "outside-office-hours": "Waktu itu di luar jam kantor.",
    "double-booked": "Tenaga ahli sudah memiliki sesi pada waktu itu.",
    "invalid-training": "Data pelatihan belum benar.",
    "training-full": "Pelatihan sudah penuh dan tidak memiliki daftar tunggu.",
    "already-registered": "Anda sudah terdaftar di pelatihan ini.",
    "not-live": "Pendaftaran ini tidak aktif lagi.",
    "not-a-day": "Tanggal itu bukan hari pelatihan.",
    "day-not-yet": "Kehadiran baru dapat dicatat mulai hari pelatihan itu.",
    "not-a-participant": "Hanya peserta terkonfirmasi pelatihan ini yang dapat dicatat hadir.",
}


def slug_of(problem_type: object) -> str | None:
    """``validation-error`` of ``https://kim.example/problems/validation-error``."""
    if isinstance(problem_type, str) and problem_type.startswith(PROBLEM_PREFIX):
        return problem_type.removeprefix(PROBLEM_PREFIX)
    return None


def indonesian(slug: str | None) -> str | None:
    """The sentence for a problem type, if the portal knows it."""
    return TEXTS.get(slug) if slug else None
