"""The portal in a real browser (Debian's chromium) in front of the four real services:
each role's main journey, every page checked with axe-core, screenshots at 360 and 1280 px,
and page weight; the role x page matrix; an article sent while offline is created once."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, BrowserContext, Page, Route, expect

from kim_devstack.registry_api import TUGUREJO
from kim_devstack.testing import eventually
from kim_devstack.tokens import bearer
from portal_tests.browser import Checks
from portal_tests.platform import PONOROGO, WITHIN, World, ok

pytestmark = pytest.mark.integration

NIK = "3502011201900001"


@pytest.fixture
async def context(browser: Browser, platform: World) -> AsyncIterator[BrowserContext]:
    # bypass_csp lets the test inject axe-core; the pages themselves load nothing foreign
    made = await browser.new_context(base_url=platform.url, bypass_csp=True)
    try:
        yield made
    finally:
        await made.close()


async def sign_in(
    page: Page, role: str, *, subject: str, region: str = PONOROGO, kim_ids: str = ""
) -> None:
    await page.goto("/masuk")
    await page.get_by_label("Nama login").fill(subject)
    await page.get_by_label("Peran").select_option(role)
    await page.get_by_label("Kode wilayah").fill(region)
    await page.get_by_label("ID KIM yang dikelola (tidak wajib)").fill(kim_ids)
    await page.get_by_role("button", name="Masuk").click()
    await expect(page.get_by_role("button", name="Keluar")).to_be_visible()


async def sign_out(page: Page) -> None:
    await page.get_by_role("button", name="Keluar").click()
    await expect(page.get_by_role("link", name="Masuk")).to_be_visible()


async def test_each_roles_main_journey(
    context: BrowserContext, platform: World, checks: Checks
) -> None:
    page = await context.new_page()
    foreign: list[str] = []
    page.on(
        "request",
        lambda r: foreign.append(r.url) if not r.url.startswith(platform.url) else None,
    )
    await page.route("https://wa.me/**", _whatsapp_stand_in)

    # --- the public: home, directory with coverage chart, catalogue, certificate check
    await page.goto("/")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Ponorogo")
    await checks.page(page, "beranda")
    await page.goto(f"/kim?kabupaten={PONOROGO}")
    await expect(page.locator("svg.chart rect.fill")).to_have_count(21)
    await expect(page.get_by_role("cell", name="KIM Tugu Media")).to_be_visible()
    await checks.page(page, "direktori")
    await page.goto("/produk")
    await page.get_by_label("Cari produk").fill("sambel")
    await page.get_by_role("button", name="Cari").click()
    await expect(page).to_have_url(re.compile(r"q=sambel"))
    await expect(page.get_by_role("link", name="Sambel Pecel Khas Ponorogo")).to_be_visible()
    await checks.page(page, "katalog")
    await page.get_by_label("Kategori").select_option("kerajinan")  # htmx swaps the results
    await expect(page.get_by_text("Tidak ada produk yang cocok.")).to_be_visible()
    await page.goto("/sertifikat?kode=PALSU-123")
    await expect(page.get_by_role("alert")).to_contain_text("tidak ditemukan")
    await checks.page(page, "sertifikat")

    # --- a KIM officer writes; the NIK is marked where it is; revised, sent on
    await sign_in(page, "pengelola_kim", subject="user-ketua", kim_ids=platform.kim_id)
    await page.goto("/kerja/artikel/baru")
    await checks.page(page, "tulis-berita")
    title = "Penyaluran bantuan pangan di Desa Tugurejo"
    await page.get_by_label("Judul").fill(title)
    await page.get_by_label("Isi berita").fill(f"Bantuan diterima Pak Darmo, NIK {NIK}, tadi pagi.")
    # the village is chosen by name, the KIM's own village first; no code to type
    village = page.get_by_label("Desa/kelurahan", exact=True)
    await expect(village).to_have_value(TUGUREJO)
    await expect(village.locator("option:checked")).to_have_text("Desa Tugurejo")
    assert await village.locator("option").count() < 40  # one kecamatan, not the kabupaten
    await expect(page.get_by_label("Kode desa/kelurahan")).to_have_count(0)
    await village.select_option(label="Desa Tugurejo")
    await page.get_by_role("button", name="Kirim untuk diperiksa").click()
    await expect(page.get_by_text("Status: Dikembalikan")).to_be_visible()
    await expect(page.locator("mark.pii")).to_have_text(f"{NIK} (NIK)")
    await checks.page(page, "hasil-pemeriksaan")
    await page.get_by_label("Isi berita").fill(
        "Bantuan diterima Pak Darmo tadi pagi di balai desa."
    )
    await page.get_by_role("button", name="Simpan revisi dan kirim").click()
    await expect(page.get_by_text("Status: Ditinjau Diskominfo")).to_be_visible()
    await page.goto("/kerja")
    await expect(page.get_by_role("link", name=title)).to_be_visible()
    await checks.page(page, "ruang-kerja")
    await page.goto("/kerja/bantuan")
    await page.get_by_label("KIM", exact=True).select_option(platform.kim_id)
    await page.get_by_label("Apa yang dibutuhkan?").fill("Kami perlu belajar memotret kegiatan.")
    await page.get_by_label("Bidang").select_option("fotografi")
    await page.get_by_role("button", name="Kirim permintaan").click()
    await expect(page.get_by_role("status")).to_contain_text("Permintaan terkirim")
    await checks.page(page, "bantuan")
    await page.goto("/kerja/pelatihan")
    await page.get_by_label("Nama peserta (dicetak di sertifikat)").fill("Sutrisno Wibowo")
    await page.get_by_role("button", name="Daftar").click()
    await expect(page.get_by_role("status")).to_contain_text("terkonfirmasi")
    await checks.page(page, "pelatihan")
    await page.goto("/kerja/kim")
    await expect(page.get_by_role("heading", name="KIM Tugu Media")).to_be_visible()
    await sign_out(page)

    # --- a moderator claims the case and approves it; the audit trail shows both steps
    await sign_in(page, "moderator", subject="mod-rina", region="")
    await page.goto("/moderasi")
    await checks.page(page, "antrean-moderasi")
    await page.get_by_role("link", name=title).click()
    await page.get_by_role("button", name="Ambil kasus ini").click()
    await page.get_by_label("Setujui").check()
    await checks.page(page, "kasus-moderasi")
    await page.get_by_role("button", name="Simpan keputusan").click()
    await expect(page.locator("ol li")).to_have_count(3, timeout=10_000)
    await sign_out(page)

    # --- published: on the home page; a signed-in reader reports it
    await page.goto("/")
    await page.get_by_role("link", name=title).click()
    await checks.page(page, "berita")
    await sign_in(page, "pelaku_umkm", subject="pembaca-1")
    await page.goto("/")
    await page.get_by_role("link", name=title).click()
    await page.get_by_label("Alasan").select_option("hoaks")
    await page.get_by_role("button", name="Kirim laporan").click()
    await expect(page.get_by_role("status")).to_contain_text("laporan Anda sudah kami terima")

    # --- the WhatsApp hand-off, counted by the marketplace
    await page.goto(f"/produk/{platform.product_id}")
    await checks.page(page, "produk")
    await page.get_by_role("button", name="Tanya penjual lewat WhatsApp").click()
    await expect(page).to_have_url(re.compile(r"^https://wa\.me/"))
    await page.goto(f"{platform.url}/")
    await sign_out(page)

    # --- a seller adds a product; it goes to moderation like every listing
    await sign_in(page, "pelaku_umkm", subject="bu-sri")
    await page.goto("/usaha")
    await checks.page(page, "daftar-usaha-saya")
    await page.get_by_role("link", name="Sambel Pecel Bu Sri", exact=True).click()
    await page.get_by_role("link", name="Tambah produk").click()
    await page.get_by_label("Nama produk").fill("Jenang Mirah Ponorogo")
    await page.get_by_label("Deskripsi").fill("Jenang ketan gula merah khas Ponorogo, manis legit.")
    await page.get_by_label("Harga (Rp)").fill("15000")
    await page.get_by_label("Stok").fill("30")
    await checks.page(page, "tambah-produk")
    await page.get_by_role("button", name="Kirim untuk ditinjau").click()
    await expect(page.get_by_role("cell", name="Jenang Mirah Ponorogo")).to_be_visible()
    await checks.page(page, "usaha-saya")
    await sign_out(page)

    # --- a Diskominfo operator forms a KIM, adds its officers, activates it; sees coverage
    await sign_in(page, "operator_kabupaten", subject="op-ponorogo")
    await page.goto("/operator")
    await checks.page(page, "registri")
    # bad input: the registry's problem is shown in plain words, the form keeps what was typed
    # the village: kecamatan first, then its village by name (htmx brings the villages)
    await page.get_by_label("Kecamatan").select_option(label="Slahung")
    await page.get_by_label("Desa/kelurahan", exact=True).select_option(label="Desa Senepo")
    await page.get_by_label("Nama KIM").fill("KS")
    answer = await _submitted(page, "Simpan sebagai calon")
    assert answer == 422
    await expect(page.get_by_role("alert")).to_contain_text("name")
    await expect(page.get_by_label("Nama KIM")).to_have_value("KS")
    await expect(page.get_by_label("Desa/kelurahan", exact=True)).to_have_value("35.02.01.2002")
    assert "Traceback" not in await page.content()
    await page.get_by_label("Nama KIM").fill("KIM Sinar Slahung")
    await page.get_by_role("button", name="Simpan sebagai calon").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("KIM Sinar Slahung")
    for position, full_name, nik in (
        ("ketua", "Bambang Sutejo", "3502011507800004"),
        ("sekretaris", "Ani Wulandari", "3502014408920005"),
        ("bendahara", "Siti Aminah", "3502015909870006"),
    ):
        await page.get_by_label("Nama lengkap").fill(full_name)
        await page.get_by_label("NIK").fill(nik)
        await page.get_by_label("Jabatan").select_option(position)
        await page.get_by_role("button", name="Tambah").click()
        await expect(page.get_by_role("cell", name=full_name)).to_be_visible()
    await expect(page.get_by_role("cell", name="3502********0005")).to_be_visible()
    assert "3502014408920005" not in await page.content()  # never shown whole
    await page.get_by_label("Status baru").select_option("aktif")
    await page.get_by_label("Alasan").select_option("memenuhi_syarat")
    await page.get_by_role("button", name="Simpan status").click()
    await expect(page.get_by_text("status Aktif")).to_be_visible()
    await checks.page(page, "kim-operator")
    await page.goto("/operator/cakupan")
    await page.get_by_label("Nama target").fill("Target 2027")
    await page.get_by_label("Jumlah desa/kelurahan").fill("5")
    await page.get_by_label("Tenggat").fill("2027-12-31")
    await page.get_by_label("Berlaku untuk setiap kecamatan").check()
    await page.get_by_role("button", name="Simpan target").click()
    await expect(page.locator("svg.chart line.target")).to_have_count(21)
    await checks.page(page, "cakupan")
    await page.goto("/operator/evaluasi")
    await page.get_by_label("Nama periode").fill("Lomba KIM 2026")
    await page.get_by_label("Mulai").fill("2026-01-01")
    await page.get_by_label("Selesai").fill("2026-12-31")
    await page.get_by_role("button", name="Buat periode").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Lomba KIM 2026")
    await page.get_by_role("link", name="Nilai KIM Tugu Media").click()
    scores = page.get_by_label("Nilai 0-100")
    assert await scores.count() >= 1
    await scores.first.fill("101")
    assert await _submitted(page, "Simpan nilai") == 422
    await expect(page.get_by_role("alert")).to_contain_text("between 0 and 100")
    for i in range(await scores.count()):
        await scores.nth(i).fill("80")
    await checks.page(page, "nilai-juri")
    await page.get_by_role("button", name="Simpan nilai").click()
    await expect(page.get_by_role("status")).to_have_text("Nilai tersimpan.")
    await expect(scores.first).to_have_value("80.0")  # read back from the registry
    await page.get_by_role("link", name="Kembali ke periode").click()
    await checks.page(page, "periode-evaluasi")
    await page.goto("/operator/pendampingan")
    await checks.page(page, "pendampingan")
    await page.goto("/operator/surat-mati")
    await expect(page.get_by_text("surat mati menunggu")).to_be_visible()
    await checks.page(page, "surat-mati")

    # nothing left the portal but the hand-off the reader asked for
    assert foreign
    assert all(url.startswith("https://wa.me/") for url in foreign), foreign
    # the service state behind the journeys
    published = ok(
        await platform.http("content").get("/public/articles", params={"region": PONOROGO})
    )
    assert [a["title"] for a in published["items"]].count(title) == 1


async def _submitted(page: Page, button: str) -> int:
    """Click a form's button; the status of the page that answered."""
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.get_by_role("button", name=button).click()
    return (await answer.value).status


async def _whatsapp_stand_in(route: Route) -> None:
    """The browser would leave for WhatsApp; the test has no internet."""
    await route.fulfill(status=200, content_type="text/html", body="<title>WhatsApp</title>")


async def test_an_article_sent_offline_is_created_once_when_the_connection_returns(
    context: BrowserContext, platform: World
) -> None:
    page = await context.new_page()
    await sign_in(page, "pengelola_kim", subject="user-sekretaris", kim_ids=platform.kim_id)
    await page.goto("/kerja/artikel/baru")
    title = f"Posyandu balita bulan ini {uuid.uuid4().hex[:6]}"
    await page.get_by_label("Judul").fill(title)
    await page.get_by_label("Isi berita").fill(
        "Posyandu balita dibuka di balai desa mulai pukul 8."
    )
    await page.get_by_label("Desa/kelurahan", exact=True).select_option(TUGUREJO)

    # the first send reaches the portal and the service, but the answer is lost on the way
    lost: list[str] = []

    async def lose_the_answer(route: Route) -> None:
        if not lost:
            lost.append(route.request.url)
            await route.fetch()  # the article is created and submitted
            await route.abort("internetdisconnected")
        else:
            await route.continue_()

    await page.route("**/kerja/artikel", lose_the_answer)
    await page.get_by_role("button", name="Kirim untuk diperiksa").click()
    await expect(page.locator("[data-offline-status]")).to_contain_text("Koneksi terputus")
    # offline now: typing goes on, the draft stays on the device
    await context.set_offline(True)
    await page.get_by_role("button", name="Kirim untuk diperiksa").click()
    await expect(page.locator("[data-offline-status]")).to_contain_text("Koneksi terputus")
    stored = await page.evaluate("localStorage.getItem('kim-draft:artikel-baru')")
    assert stored is not None
    assert title in stored
    await context.set_offline(False)  # back online: the pending draft is sent by itself
    await expect(page).to_have_url(re.compile(r"/kerja/artikel/[0-9a-f-]{36}$"), timeout=20_000)
    assert lost
    assert await page.evaluate("localStorage.getItem('kim-draft:artikel-baru')") is None

    content_http, content = platform.services["content"]
    author = bearer(
        content.settings,
        "pengelola_kim",
        region=PONOROGO,
        sub="user-sekretaris",
        kim_ids=(platform.kim_id,),
    )

    async def listed() -> bool:
        mine = ok(await content_http.get("/articles", headers=author))
        return any(a["title"] == title for a in mine["items"])

    await eventually(listed, within=WITHIN, what="the offline article")
    mine = ok(await content_http.get("/articles", headers=author))
    same = [a for a in mine["items"] if a["title"] == title]
    assert len(same) == 1, same
    assert same[0]["status"] == "diskominfo_review"  # submitted once, screened clean


OPERATOR_PAGES = {
    "/operator",
    "/operator/cakupan",
    "/operator/surat-mati",
    "/operator/permintaan",
    "/operator/evaluasi",
    "/operator/pelatihan",
}
KIM_PAGES = {"/kerja", "/kerja/bantuan", "/kerja/permintaan"}
SELLER_PAGES = {"/usaha", "/usaha/produk/baru"}
MATRIX = {
    # role: (region, pages it may open)
    "anggota_kim": ("35.02", KIM_PAGES),
    "pengelola_kim": ("35.02", KIM_PAGES | SELLER_PAGES),
    "moderator": ("", {"/moderasi"}),
    "operator_kabupaten": ("35.02", {"/moderasi"} | OPERATOR_PAGES),
    # mentoring gives a kabupaten's requests and trainings to its operators only
    "admin_provinsi": ("35", OPERATOR_PAGES - {"/operator/permintaan", "/operator/pelatihan"}),
    "pendamping": ("", set()),
    "pelaku_umkm": ("35.02", SELLER_PAGES | {"/usaha/daftar"}),
}
ROLE_PAGES = (
    *sorted(KIM_PAGES),
    *sorted(SELLER_PAGES),
    "/usaha/daftar",
    "/moderasi",
    *sorted(OPERATOR_PAGES),
)


@pytest.mark.parametrize("role", sorted(MATRIX))
async def test_role_page_matrix_in_the_browser(
    context: BrowserContext, platform: World, role: str
) -> None:
    region, allowed = MATRIX[role]
    page = await context.new_page()
    await sign_in(page, role, subject=f"matrix-{role}", region=region)
    for path in ROLE_PAGES:
        answer = await page.goto(path)
        assert answer is not None
        if path in allowed:
            assert answer.status == 200, (role, path, await page.content())
        else:
            assert answer.status == 403, (role, path)
            await expect(page.get_by_role("heading", level=1)).to_have_text("Akses ditolak")
    for path in ("/", "/kim", "/produk", "/sertifikat"):  # public pages open for everyone
        answer = await page.goto(path)
        assert answer is not None
        assert answer.status == 200, (role, path)


async def test_a_product_typed_offline_is_sent_once_when_the_connection_returns(
    context: BrowserContext, platform: World
) -> None:
    page = await context.new_page()
    await sign_in(page, "pelaku_umkm", subject="bu-sri")
    await page.goto(f"/usaha/produk/baru?penjual={platform.seller_id}")
    name = f"Keripik Singkong {uuid.uuid4().hex[:6]}"
    await page.get_by_label("Nama produk").fill(name)
    await page.get_by_label("Deskripsi").fill("Keripik singkong pedas manis, renyah dan gurih.")
    await page.get_by_label("Harga (Rp)").fill("12000")
    await page.get_by_label("Stok").fill("15")
    await context.set_offline(True)
    await page.get_by_role("button", name="Kirim untuk ditinjau").click()
    await page.get_by_role("button", name="Kirim untuk ditinjau").click()  # impatient twice
    await expect(page.locator("[data-offline-status]")).to_contain_text("Koneksi terputus")
    await context.set_offline(False)
    await expect(page).to_have_url(re.compile(r"/usaha/[0-9a-f-]{36}$"), timeout=20_000)
    await expect(page.get_by_role("cell", name=name)).to_be_visible()

    market_http, market = platform.services["marketplace"]
    owner = bearer(market.settings, "pelaku_umkm", region=PONOROGO, sub="bu-sri")
    listed = ok(await market_http.get(f"/sellers/{platform.seller_id}/products", headers=owner))
    assert [p["name"] for p in listed].count(name) == 1


async def _reload_until(page: Page, locator_text: str, *, within: float = WITHIN) -> None:
    """Reload until ``locator_text`` shows (the services act on events, a moment later)."""

    async def shown() -> bool:
        await page.reload()
        return bool(await page.get_by_text(locator_text).count())

    await eventually(shown, within=within, what=f"{locator_text!r} on {page.url}")


async def test_sellers_orders_help_requests_evaluation_and_a_genuine_certificate(
    context: BrowserContext, platform: World, checks: Checks
) -> None:
    page = await context.new_page()
    market_http, market = platform.services["marketplace"]
    mentoring_http, mentoring = platform.services["mentoring"]

    # --- a pelaku UMKM registers its business, assisted by the KIM; no id is ever typed
    await sign_in(page, "pelaku_umkm", subject="pak-tono")
    await page.goto("/usaha")
    await expect(page.get_by_text("Usaha Anda belum terdaftar.")).to_be_visible()
    await page.get_by_role("link", name="Daftarkan usaha").click()
    await page.get_by_label("Nama usaha").fill("Reog Mini Pak Tono")
    await page.get_by_label("Nama pemilik").fill("Sutono Hadi")
    await page.get_by_label("Jenis usaha").select_option("kerajinan")
    # kecamatan first; htmx brings that kecamatan's villages, chosen by name
    await expect(page.get_by_label("Desa/kelurahan", exact=True)).to_have_count(0)
    await page.get_by_label("Kecamatan").select_option(label="Slahung")
    await page.get_by_label("Desa/kelurahan", exact=True).select_option(label="Desa Tugurejo")
    await expect(page.get_by_role("button", name="Tampilkan desa/kelurahan")).to_be_hidden()
    await page.get_by_label("Alamat").fill("Dusun Krajan RT 01 RW 02, Tugurejo")
    await page.get_by_label("Nomor WhatsApp").fill("0813-2222-3333")
    await page.get_by_label("KIM pendamping").select_option(label="KIM Tugu Media")
    await page.get_by_label("NIB (tidak wajib, 13 angka)").fill("12345")
    await checks.page(page, "daftar-usaha")
    # bad input: marketplace's problem in plain words, what was typed kept, nothing stored
    assert await _submitted(page, "Daftarkan") == 422
    await expect(page.get_by_role("alert")).to_contain_text("nib")
    await expect(page.get_by_label("Nama usaha")).to_have_value("Reog Mini Pak Tono")
    await expect(page.get_by_label("Desa/kelurahan", exact=True)).to_have_value(TUGUREJO)
    await page.get_by_label("NIB (tidak wajib, 13 angka)").fill("")
    await page.get_by_role("button", name="Daftarkan").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Reog Mini Pak Tono")
    await expect(page.get_by_text("Belum ada produk.")).to_be_visible()
    await page.goto("/usaha")
    await expect(page.get_by_role("link", name="Reog Mini Pak Tono", exact=True)).to_have_count(1)
    await expect(page.get_by_role("link", name="Daftarkan usaha")).to_have_count(0)
    await sign_out(page)

    # --- the KIM's officer sees the sellers the KIM assists, and their products
    await sign_in(page, "pengelola_kim", subject="user-ketua", kim_ids=platform.kim_id)
    await page.goto("/kerja")
    await page.get_by_role("link", name="UMKM binaan KIM").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("UMKM binaan KIM")
    await expect(page.get_by_role("link", name="Reog Mini Pak Tono", exact=True)).to_be_visible()
    await expect(page.get_by_role("link", name="Sambel Pecel Bu Sri", exact=True)).to_have_count(0)
    await checks.page(page, "umkm-binaan")
    await page.get_by_role("link", name="Reog Mini Pak Tono", exact=True).click()
    await expect(page.get_by_role("link", name="Tambah produk")).to_be_visible()

    # --- help requests: the one the system opened when the KIM was formed is marked
    await page.goto("/kerja/permintaan")
    await _reload_until(page, "Dibuka otomatis oleh sistem")
    await expect(page.get_by_text("KIM baru dibentuk: pendampingan awal")).to_be_visible()
    await checks.page(page, "permintaan-kim")
    await sign_out(page)

    # --- a buyer orders Bu Sri's sambel; Bu Sri handles the order from her page
    buyer = bearer(market.settings, "anggota_kim", region=PONOROGO, sub="pembeli-wati")
    order = ok(
        await market_http.post(
            "/orders",
            json={
                "buyer": {"name": "Wati Puspita", "phone": "0812-9999-0001"},
                "items": [{"product_id": platform.product_id, "quantity": 2}],
                "fulfilment": "pickup",
                "note": "Diambil Sabtu pagi.",
            },
            headers=buyer,
        )
    )
    await sign_in(page, "pelaku_umkm", subject="bu-sri")
    await page.goto("/usaha")
    await page.get_by_role("link", name="Pesanan Sambel Pecel Bu Sri").click()
    heading = page.get_by_role("heading", name=re.compile("Pesanan Wati Puspita"))
    await expect(heading).to_contain_text("Baru")
    await expect(page.get_by_text("Rp50.000")).to_be_visible()
    await checks.page(page, "pesanan-usaha")
    for step, status in (
        ("Konfirmasi", "Dikonfirmasi"),
        ("Siap diambil", "Siap diambil"),
        ("Selesai", "Selesai"),
    ):
        await page.get_by_role("button", name=f"{step} pesanan Wati Puspita").click()
        await expect(page.get_by_role("status")).to_contain_text("Pesanan diperbarui")
        await expect(heading).to_contain_text(status)
    await expect(page.get_by_role("button", name=re.compile("pesanan Wati Puspita"))).to_have_count(
        0
    )
    owner = bearer(market.settings, "pelaku_umkm", region=PONOROGO, sub="bu-sri")
    done = ok(await market_http.get(f"/orders/{order['id']}", headers=owner))
    assert done["status"] == "completed"
    await sign_out(page)

    # --- a member registers for the training; attendance makes a certificate she can show
    await sign_in(page, "pengelola_kim", subject="user-bendahara", kim_ids=platform.kim_id)
    await page.goto("/kerja/pelatihan")
    await page.get_by_label("Nama peserta (dicetak di sertifikat)").fill("Rahayu Lestari")
    await page.get_by_role("button", name="Daftar").click()
    await expect(page.get_by_role("status")).to_contain_text("terkonfirmasi")
    await sign_out(page)

    # --- the operator records attendance day by day; the second day completes and certifies
    await sign_in(page, "operator_kabupaten", subject="op-ponorogo")
    await page.goto("/operator")
    await page.get_by_role("link", name="Kehadiran pelatihan").click()
    await checks.page(page, "pelatihan-operator")
    await page.get_by_role("link", name="Diklat Jurnalistik Dasar KIM Ponorogo").click()
    participant = page.locator("li.card").filter(has_text="Rahayu Lestari")
    await expect(participant).to_contain_text("Terkonfirmasi")
    await expect(page.get_by_label("Hari pelatihan").locator("option")).to_have_count(2)
    await checks.page(page, "kehadiran-pelatihan")
    for day, shown in (("2026-11-10", "10 November 2026"), ("2026-11-11", "11 November 2026")):
        await page.get_by_label("Hari pelatihan").select_option(day)
        await page.get_by_label("Rahayu Lestari").check()
        await page.get_by_role("button", name="Simpan kehadiran").click()
        await expect(page.get_by_role("status")).to_have_text(f"Kehadiran {shown} tercatat.")
    await expect(participant).to_contain_text("Lulus")
    await expect(participant).to_contain_text("Hadir 2 dari 2 hari")
    certificate = (await participant.get_by_role("link").text_content() or "").strip()
    assert certificate
    await checks.page(page, "kehadiran-tercatat")
    op_mentoring = bearer(
        mentoring.settings, "operator_kabupaten", region=PONOROGO, sub="op-ponorogo"
    )
    listed = ok(
        await mentoring_http.get(f"/kim/{platform.kim_id}/registrations", headers=op_mentoring)
    )
    mine = next(r for r in listed["items"] if r["participant_name"] == "Rahayu Lestari")
    assert mine["days_attended"] == ["2026-11-10", "2026-11-11"]
    assert mine["certificate_code"] == certificate
    await sign_out(page)

    # --- the member sees the certificate she earned
    await sign_in(page, "pengelola_kim", subject="user-bendahara", kim_ids=platform.kim_id)
    await page.goto("/kerja/pelatihan")
    row = page.locator("li.card").filter(has_text="Rahayu Lestari")
    await expect(row).to_contain_text("Lulus")
    code = (await row.get_by_role("link").text_content() or "").strip()
    assert code
    await row.get_by_role("link", name=code).click()
    await expect(page).to_have_url(re.compile(r"/sertifikat\?kode="))
    verified = page.get_by_role("status")
    await expect(verified).to_contain_text("Sertifikat asli.")
    await expect(verified).to_contain_text("Rahayu Lestari")
    await expect(verified).to_contain_text("Diklat Jurnalistik Dasar KIM Ponorogo")
    await expect(verified.locator("dd").nth(2)).to_have_text(
        re.compile(r"^\d{1,2} [A-Z][a-z]+ \d{4}$")
    )
    await expect(verified.locator("dt").nth(3)).to_have_text("Penerbit")
    issuer = (await verified.locator("dd").nth(3).text_content() or "").strip()
    assert issuer
    assert issuer != "-"
    await checks.page(page, "sertifikat-asli")
    await sign_out(page)

    # --- the operator: finalizes a running period early (confirmed first); ranking follows
    await sign_in(page, "operator_kabupaten", subject="op-ponorogo")
    await page.goto("/operator/evaluasi")
    await page.get_by_label("Nama periode").fill("Evaluasi Semester II 2026")
    await page.get_by_label("Mulai").fill("2026-07-01")
    await page.get_by_label("Selesai").fill("2027-06-30")
    await page.get_by_role("button", name="Buat periode").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Evaluasi Semester II 2026")
    await expect(page.get_by_text("Peringkat terbit setelah periode ditutup")).to_be_visible()
    await page.get_by_role("link", name="Finalkan periode").click()
    await expect(page.get_by_text("Periode ini masih berjalan")).to_be_visible()
    await checks.page(page, "finalkan-periode")
    await page.get_by_role("button", name="Ya, tutup lebih awal dan finalkan").click()
    await expect(page.get_by_role("status")).to_contain_text("Periode sudah final")
    ranking = page.get_by_role("table", name="Peringkat KIM")
    await expect(ranking).to_contain_text("KIM Tugu Media")
    await expect(page.get_by_role("link", name="Finalkan periode")).to_have_count(0)
    await checks.page(page, "peringkat-final")

    # --- the kabupaten's help requests; the operator gives one to another expert
    ok(
        await mentoring_http.put(
            "/experts/ahli-foto",
            json={
                "kabupaten_code": PONOROGO,
                "skills": ["fotografi", "jurnalistik"],
                "weekly_capacity": 5,
            },
            headers=op_mentoring,
        )
    )
    await page.goto("/operator")
    await page.get_by_role("link", name="Permintaan pendampingan").click()
    await expect(page.get_by_text("Dibuka otomatis oleh sistem").first).to_be_visible()
    # evaluated in the lowest band: the mentoring plan's request comes a moment later
    await _reload_until(page, "Nilai evaluasi KIM pada predikat terendah")
    await checks.page(page, "permintaan-operator")
    card = (
        page.locator("article.card")
        .filter(has_text="KIM baru dibentuk")
        .filter(has=page.get_by_role("heading", name=re.compile("KIM Tugu Media$")))
    )
    await card.get_by_label("Tugaskan ke").select_option("ahli-foto")
    await card.get_by_role("button", name=re.compile("^Tugaskan")).click()
    await expect(page.get_by_role("status")).to_contain_text("sudah ditugaskan")
    assigned = ok(
        await mentoring_http.get(
            "/help-requests",
            params={"kim_id": platform.kim_id, "expert": "ahli-foto"},
            headers=op_mentoring,
        )
    )
    assert any(r["rule"] == "onboarding" for r in assigned["items"]), assigned


async def test_a_seller_chooses_the_village_without_javascript(
    browser: Browser, platform: World
) -> None:
    """No JS: the kecamatan's button sends the form back with that kecamatan's villages,
    keeping what was typed; nothing is registered until the seller sends it."""
    context = await browser.new_context(
        base_url=platform.url, bypass_csp=True, java_script_enabled=False
    )
    try:
        page = await context.new_page()
        await sign_in(page, "pelaku_umkm", subject="bu-tanpa-js")
        await page.goto("/usaha/daftar")
        await page.get_by_label("Nama usaha").fill("Batik Tulis Bu Ning")
        await page.get_by_label("Kecamatan").select_option(label="Slahung")
        await page.get_by_role("button", name="Tampilkan desa/kelurahan").click()
        await expect(page.get_by_label("Nama usaha")).to_have_value("Batik Tulis Bu Ning")
        await expect(page.get_by_label("Kecamatan")).to_have_value("35.02.01")
        await page.get_by_label("Desa/kelurahan", exact=True).select_option(TUGUREJO)
        await page.get_by_label("Nama pemilik").fill("Ningsih Rahayu")
        await page.get_by_label("Jenis usaha").select_option("fashion")
        await page.get_by_label("Alamat").fill("Dusun Krajan RT 03 RW 01, Tugurejo")
        await page.get_by_label("Nomor WhatsApp").fill("0813-4444-5555")
        await page.get_by_role("button", name="Daftarkan").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Batik Tulis Bu Ning")
    finally:
        await context.close()
    market_http, market = platform.services["marketplace"]
    owner = bearer(market.settings, "pelaku_umkm", region=PONOROGO, sub="bu-tanpa-js")
    mine = ok(await market_http.get("/sellers", headers=owner))
    assert [(s["business_name"], s["village_code"]) for s in mine["items"]] == [
        ("Batik Tulis Bu Ning", TUGUREJO)
    ]
