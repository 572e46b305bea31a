"""The journey of issue 11, step by step, through the public APIs only.

Import Ponorogo → form a KIM in a desa with its pengurus → activate it → a member's article
with a phone number is blocked by screening (and shows where) → fixed → approved by a
moderator → in the kecamatan's RSS and JSON feeds → a seller assisted by the KIM lists
sambel pecel → screened and live → a buyer orders → the seller confirms and completes → the
registry's activity, dormancy and coverage show it → three rejected articles open a
mentoring request → the officers attend a training and get certificates that verify → an
evaluation period uses all of it and publishes a band → a low band opens a mentoring plan.

Each step tells the operator in Bahasa Indonesia what happened, with the ids it created.
"""

from __future__ import annotations

import functools
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from lokal.rupiah import format_rupiah

from kim_devstack.demo.client import JourneyFailed, Platform, ok
from kim_shared.clock import WIB

PONOROGO = "35.02"
OPERATOR = "operator_kabupaten"
MODERATOR = "moderator"

PENGURUS = (
    ("ketua", "Sutrisno Wibowo", date(1985, 1, 12), False),
    ("sekretaris", "Dewi Anggraini", date(1990, 3, 12), True),
    ("bendahara", "Rahayu Lestari", date(1988, 1, 25), True),
)
WRITER = ("anggota", "Bagus Prasetyo", date(1998, 7, 4), False)


def nik(kecamatan: str, born: date, female: bool, serial: int) -> str:
    """A NIK as Dukcapil issues it: kecamatan code, birth date (day + 40 for women), serial."""
    day = born.day + (40 if female else 0)
    return f"{kecamatan.replace('.', '')}{day:02d}{born:%m%y}{serial:04d}"


def phone(rng: random.Random) -> str:
    return f"0812-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"


class Journey:
    """One run of the journey on ``platform``; ``run()`` does every step in order."""

    def __init__(self, platform: Platform, *, seed: int | None = None) -> None:
        self.p = platform
        self.rng = random.Random(seed)
        self.run_id = uuid.uuid4().hex[:6]
        self.op = platform.token(OPERATOR, sub=f"op-ponorogo-{self.run_id}", region=PONOROGO)
        self.moderator = platform.token(MODERATOR, sub=f"moderator-{self.run_id}")
        self.officers: dict[str, dict[str, str]] = {}
        self.officer_names: dict[str, str] = {}
        self.village: dict[str, Any] = {}
        self.kecamatan: dict[str, Any] = {}
        self.kim_id = ""

    def sub(self, role: str) -> str:
        return f"{role}-{self.run_id}"

    def member_token(self, position: str) -> dict[str, str]:
        role = "anggota_kim" if position == "anggota" else "pengelola_kim"
        return self.p.token(role, sub=self.sub(position), region=PONOROGO)

    async def run(self) -> dict[str, str]:
        for step in (
            self.import_regions,
            self.form_kim,
            self.activate,
            self.blocked_then_published,
            self.in_the_feeds,
            self.seller_lists_sambel_pecel,
            self.an_order_is_completed,
            self.registry_sees_it,
            self.rejections_open_a_request,
            self.the_request_is_resolved,
            self.officers_get_certificates,
            self.evaluation_publishes_a_band,
            self.low_band_opens_a_plan,
        ):
            await step()
        self.p.say("Perjalanan selesai: semua langkah berhasil.")
        return self.p.created

    # -- registry --------------------------------------------------------------------------

    async def import_regions(self) -> None:
        got = ok(
            await self.p.registry.post(
                "/regions/imports", json={"scope": PONOROGO}, headers=self.op
            )
        )
        self.p.say(
            f"1. Wilayah Kabupaten Ponorogo diimpor: {got['total']} wilayah "
            f"({got['unchanged']} tidak berubah)."
        )

    async def _empty_village(self) -> tuple[dict[str, Any], dict[str, Any]]:
        kabupaten = ok(await self.p.registry.get(f"/coverage/{PONOROGO}"))
        for kec in kabupaten["rows"]:
            rows = ok(await self.p.registry.get(f"/coverage/{kec['code']}"))["rows"]
            for village in rows:
                if not village["kim"] and village["type"] == "desa":
                    return kec, village
        raise JourneyFailed("tidak ada desa di Ponorogo yang belum memiliki KIM")

    async def form_kim(self) -> None:
        self.kecamatan, self.village = await self._empty_village()
        name = f"KIM {self.village['name']} Media"
        kim = ok(
            await self.p.registry.post(
                "/kim",
                json={"name": name, "village_code": self.village["code"]},
                headers=self.op,
            )
        )
        self.kim_id = self.p.note("kim_id", kim["id"])
        serials = self.rng.sample(range(1, 9999), len(PENGURUS) + 1)
        for (position, full_name, born, female), serial in zip(
            (*PENGURUS, WRITER), serials, strict=True
        ):
            number = nik(self.kecamatan["code"], born, female, serial)
            self.p.personal.update({number, full_name})
            member = ok(
                await self.p.registry.post(
                    f"/kim/{self.kim_id}/members",
                    json={
                        "full_name": full_name,
                        "nik": number,
                        "position": position,
                        "term_start": "2024-01-01",
                        "user_subject": self.sub(position),
                    },
                    headers=self.op,
                )
            )
            self.p.note(f"member_{position}", member["id"])
            self.officers[position] = self.member_token(position)
            self.officer_names[position] = full_name
        self.p.say(
            f"2. {name} dibentuk di Desa {self.village['name']}, Kecamatan "
            f"{self.kecamatan['name']} (id {self.kim_id}) dengan pengurus ketua, sekretaris, "
            "bendahara dan satu anggota."
        )

    async def activate(self) -> None:
        ok(
            await self.p.registry.post(
                f"/kim/{self.kim_id}/status", json={"to": "aktif"}, headers=self.op
            )
        )

        async def onboarding() -> str | None:
            r = await self.p.mentoring.get(
                f"/kim/{self.kim_id}/invitations", headers=self.officers["ketua"]
            )
            if r.status_code == 404:
                return None  # mentoring has not learnt the KIM and its officers yet
            invited = ok(r)
            if invited:
                return f"pengurus diundang ke diklat orientasi {invited[0]['training_id']}"
            requests = await self._system_requests(rule="onboarding")
            if requests:
                self.p.note("onboarding_request_id", requests[0]["id"])
                return (
                    "belum ada diklat orientasi terjadwal, maka permintaan "
                    f"{requests[0]['id']} dibuka otomatis untuk itu"
                )
            return None

        done = await self.p.until(onboarding, "undangan atau permintaan diklat orientasi")
        self.p.say(f"3. KIM {self.kim_id} diaktifkan (calon → aktif); {done}.")

    # -- content -----------------------------------------------------------------------------

    def _article(self, title: str, body: str) -> dict[str, Any]:
        return {
            "kim_id": self.kim_id,
            "title": title,
            "body": body,
            "category": "kegiatan_desa",
            "village_code": self.village["code"],
            "tags": ["gotong royong"],
        }

    async def _write(self, title: str, body: str) -> dict[str, Any]:
        """A draft by the KIM's anggota, once content knows the KIM is aktif."""
        out: dict[str, Any] = await self.p.accepted(
            lambda: self.p.content.post(
                "/articles", json=self._article(title, body), headers=self.officers["anggota"]
            ),
            "KIM aktif dikenal layanan konten",
        )
        return out

    async def _submit(self, article_id: str) -> dict[str, Any]:
        got: dict[str, Any] = ok(
            await self.p.content.post(
                f"/articles/{article_id}/submit", headers=self.officers["anggota"]
            )
        )
        return got

    async def _moderate(self, article_id: str, decision: dict[str, Any]) -> str:
        async def case() -> str | None:
            cases = ok(
                await self.p.content.get(
                    "/moderation/cases",
                    params={"kabupaten": PONOROGO, "subject_type": "article"},
                    headers=self.moderator,
                )
            )
            found = [c["id"] for c in cases if c["subject_id"] == article_id]
            return found[0] if found else None

        case_id: str = await self.p.until(case, f"kasus moderasi artikel {article_id}")
        ok(await self.p.content.post(f"/moderation/cases/{case_id}/claim", headers=self.moderator))
        ok(
            await self.p.content.post(
                f"/moderation/cases/{case_id}/decision", json=decision, headers=self.moderator
            )
        )
        return case_id

    async def blocked_then_published(self) -> None:
        number = phone(self.rng)
        self.p.personal.add(number)
        title = f"Kerja bakti saluran air Desa {self.village['name']} ({self.run_id})"
        body = (
            "Warga RT 02 bergotong royong membersihkan saluran air pada Minggu pagi. "
            f"Informasi kegiatan berikutnya hubungi {number}."
        )
        article = await self._write(title, body)
        article_id = self.p.note("article_id", article["id"])
        got = await self._submit(article_id)
        if (got["status"], got["reason_code"]) != ("rejected", "data_pribadi"):
            raise JourneyFailed(f"nomor telepon tidak diblokir penyaringan: {got['status']}")
        places = ", ".join(
            f"{f['category']} di {f['field']} karakter {f['start']}-{f['end']}"
            for f in got["screening"]["findings"]
        )
        at = body.index(number)
        if not any(f["start"] == at for f in got["screening"]["findings"]):
            raise JourneyFailed("penyaringan tidak menunjukkan letak nomor telepon")
        self.p.say(f"4. Artikel {article_id} diblokir penyaringan: {places}.")

        fixed = body.replace(number, "kantor desa")
        revised = ok(
            await self.p.content.put(
                f"/articles/{article_id}",
                json={k: v for k, v in self._article(title, fixed).items() if k != "kim_id"},
                headers={**self.officers["anggota"], "If-Match": f'"{got["version"]}"'},
            )
        )
        got = await self._submit(article_id)
        if got["status"] != "diskominfo_review":
            raise JourneyFailed(f"artikel yang diperbaiki tidak masuk antrean: {got['status']}")
        self.p.say(
            f"5. Anggota memperbaiki artikel (revisi {revised['current_revision']}); "
            "masuk antrean moderasi Diskominfo."
        )
        case_id = await self._moderate(article_id, {"decision": "approve"})
        self.p.note("article_case_id", case_id)
        self.p.say(f"6. Moderator menyetujui artikel (kasus {case_id}); artikel terbit.")
        self.title = title

    async def in_the_feeds(self) -> None:
        kec = self.kecamatan["code"]

        async def in_feeds() -> bool:
            rss = await self.p.content.get(f"/feeds/{kec}.rss")
            feed = await self.p.content.get(f"/feeds/{kec}.json")
            return (
                rss.status_code == 200
                and self.title in rss.text
                and feed.status_code == 200
                and any(i.get("title") == self.title for i in feed.json().get("items", []))
            )

        await self.p.until(in_feeds, "artikel di umpan RSS dan JSON kecamatan")
        self.p.say(f"7. Artikel tampil di umpan /feeds/{kec}.rss dan /feeds/{kec}.json.")

    # -- marketplace -------------------------------------------------------------------------

    async def seller_lists_sambel_pecel(self) -> None:
        self.owner = self.p.token("pelaku_umkm", sub=self.sub("bu-sri"), region=PONOROGO)
        whatsapp = phone(self.rng)
        owner_name = "Sri Wahyuningsih"
        self.p.personal.update({whatsapp, owner_name})

        seller = await self.p.accepted(
            lambda: self.p.marketplace.post(
                "/sellers",
                json={
                    "business_name": f"Sambel Pecel Bu Sri {self.run_id}",
                    "owner_name": owner_name,
                    "village_code": self.village["code"],
                    "address": "Jl. Raya Desa No. 17 RT 02 RW 01",
                    "whatsapp": whatsapp,
                    "business_category": "makanan_minuman",
                    "nib": "".join(str(self.rng.randint(0, 9)) for _ in range(13)),
                    "kim_id": self.kim_id,
                },
                headers=self.owner,
            ),
            "KIM aktif dikenal layanan marketplace",
        )
        self.seller_id = self.p.note("seller_id", seller["id"])
        product = ok(
            await self.p.marketplace.post(
                f"/sellers/{self.seller_id}/products",
                json={
                    "name": "Sambel Pecel Khas Ponorogo",
                    "description": "Sambel pecel dari kacang tanah pilihan, pedas sedang, "
                    "tahan 3 bulan.",
                    "category": "makanan",
                    "price_rupiah": 25000,
                    "unit": "pack",
                    "stock": 40,
                    "photo_urls": ["https://pasar.ponorogo.go.id/foto/sambel-pecel.jpg"],
                    "weight_grams": 250,
                    "needs_pirt": True,
                },
                headers=self.owner,
            )
        )
        self.product_id = self.p.note("product_id", product["id"])
        ok(await self.p.marketplace.post(f"/products/{self.product_id}/submit", headers=self.owner))
        self.p.say(
            f"8. Penjual {self.seller_id} dibina KIM; produk sambel pecel {self.product_id} "
            "diajukan dan disaring layanan konten."
        )

        async def live() -> bool:
            got = ok(
                await self.p.marketplace.get(f"/products/{self.product_id}", headers=self.owner)
            )
            if got["status"] == "rejected":
                raise JourneyFailed(f"sambel pecel ditolak: {got['reason_code']}")
            return bool(got["status"] == "live")

        await self.p.until(live, "sambel pecel tayang di katalog")
        public = ok(await self.p.marketplace.get(f"/catalogue/products/{self.product_id}"))
        if public["name"] != "Sambel Pecel Khas Ponorogo":
            raise JourneyFailed("sambel pecel tidak tampil di katalog publik")
        self.p.say("9. Sambel pecel lolos penyaringan dan tayang di katalog UMKM.")

    async def an_order_is_completed(self) -> None:
        buyer_phone = phone(self.rng)
        buyer_name = "Dewi Lestari"
        self.p.personal.update({buyer_phone, buyer_name})
        buyer = self.p.token(sub=self.sub("pembeli"))
        order = ok(
            await self.p.marketplace.post(
                "/orders",
                json={
                    "buyer": {"name": buyer_name, "phone": buyer_phone},
                    "items": [{"product_id": self.product_id, "quantity": 2}],
                    "fulfilment": "pickup",
                    "note": "Diambil sore hari setelah jam 4.",
                },
                headers={**buyer, "Idempotency-Key": f"order-{self.run_id}"},
            )
        )
        order_id = self.p.note("order_id", order["id"])
        for action in ("confirm", "ready", "complete"):
            ok(await self.p.marketplace.post(f"/orders/{order_id}/{action}", headers=self.owner))
        self.p.say(
            f"10. Pembeli memesan 2 pack (pesanan {order_id}, "
            f"{format_rupiah(order['total_rupiah'])}); penjual mengonfirmasi dan "
            "menyelesaikannya."
        )

    # -- registry reflects it ----------------------------------------------------------------

    async def registry_sees_it(self) -> None:
        async def counted() -> dict[str, Any] | None:
            got = ok(await self.p.registry.get(f"/kim/{self.kim_id}/activity", headers=self.op))
            recent = got["recent"]
            wanted = {"article_published", "listing_published", "order_completed"}
            return got if all(recent.get(k, 0) >= 1 for k in wanted) else None

        activity = await self.p.until(counted, "aktivitas KIM tercatat di registry")
        if activity["dormant_suggested"]:
            raise JourneyFailed("KIM yang aktif masih disarankan dorman")
        coverage = ok(await self.p.registry.get(f"/coverage/{self.kecamatan['code']}"))
        row = next(r for r in coverage["rows"] if r["code"] == self.village["code"])
        if not row["has_active_kim"]:
            raise JourneyFailed("cakupan belum menghitung desa ini")
        recent = ", ".join(f"{k} {v}" for k, v in sorted(activity["recent"].items()))
        self.p.say(
            f"11. Registry mencatat aktivitas ({recent}); tidak dorman; Desa "
            f"{self.village['name']} terhitung di cakupan Kecamatan {self.kecamatan['name']} "
            f"({coverage['totals']['villages_with_active_kim']} dari "
            f"{coverage['totals']['villages']} desa/kelurahan ber-KIM aktif)."
        )

    # -- mentoring ---------------------------------------------------------------------------

    async def _system_requests(self, rule: str | None = None) -> list[dict[str, Any]]:
        got = ok(
            await self.p.mentoring.get(
                "/help-requests", params={"kim_id": self.kim_id}, headers=self.op
            )
        )
        items: list[dict[str, Any]] = got["items"] if isinstance(got, dict) else got
        return [
            r
            for r in items
            if r.get("origin") == "system" and (rule is None or r.get("rule") == rule)
        ]

    async def rejections_open_a_request(self) -> None:
        self.expert = f"pendamping-{self.run_id}"
        ok(
            await self.p.mentoring.put(
                f"/experts/{self.expert}",
                json={
                    "kabupaten_code": PONOROGO,
                    "skills": ["jurnalistik", "media_sosial", "kehumasan"],
                    "weekly_capacity": 10,
                },
                headers=self.op,
            )
        )
        rejected = []
        for n in range(1, 4):
            article = await self._write(
                f"Kabar singkat {n} dari Desa {self.village['name']}",
                "Ada kegiatan di balai desa minggu ini, tetapi sumbernya belum jelas.",
            )
            await self._submit(article["id"])
            await self._moderate(
                article["id"],
                {
                    "decision": "reject",
                    "reason_code": "kualitas",
                    "feedback": "Sumber dan waktu kegiatan belum jelas.",
                },
            )
            rejected.append(article["id"])
        self.p.say(f"12. Tiga artikel ditolak moderator (kualitas): {', '.join(rejected)}.")

        async def opened() -> list[dict[str, Any]]:
            return await self._system_requests(rule="rejected_articles")

        requests = await self.p.until(opened, "permintaan pendampingan otomatis")
        self.request = requests[0]
        self.p.note("system_request_id", self.request["id"])
        self.p.say(
            f"13. Permintaan pendampingan {self.request['id']} dibuka otomatis "
            f"(keahlian {self.request['skill']}, pendamping {self.request['expert_subject']})."
        )

    @staticmethod
    def _working_slot(after: date) -> datetime:
        """The next working day after ``after`` at 10:00 WIB (the service refuses holidays)."""
        day = after + timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return datetime.combine(day, datetime.min.time(), WIB).replace(hour=10)

    @staticmethod
    def _working_day_before(day: date) -> date:
        """The last weekday before ``day`` (the service refuses holidays)."""
        day -= timedelta(days=1)
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        return day

    async def the_request_is_resolved(self) -> None:
        expert = self.p.token("pendamping", sub=str(self.request["expert_subject"]))
        start = self._working_slot(datetime.now(WIB).date())
        for _ in range(30):
            r = await self.p.mentoring.post(
                f"/help-requests/{self.request['id']}/sessions",
                json={"starts_at": start.isoformat(), "duration_minutes": 90},
                headers=expert,
            )
            if r.status_code != 422:
                break
            start = self._working_slot(start.date())  # a holiday or cuti bersama
        session = ok(r, 201)
        ok(
            await self.p.mentoring.post(
                f"/help-requests/{self.request['id']}/done",
                json={"outcome": "Pendampingan penulisan berita selesai.", "rating": 5},
                headers=self.officers["ketua"],
            )
        )
        self.p.say(
            f"14. Sesi pendampingan {session['id']} dijadwalkan "
            f"{start:%d-%m-%Y %H:%M} WIB; permintaan diselesaikan dengan nilai 5."
        )

    async def officers_get_certificates(self) -> None:
        # the training took place on the last working day up to today: attendance is
        # recorded from a training day on, never ahead of it
        first = self._working_day_before(datetime.now(WIB).date() + timedelta(days=1))
        training: dict[str, Any] | None = None
        for _ in range(30):
            r = await self.p.mentoring.post(
                "/trainings",
                json={
                    "title": f"Diklat Jurnalistik Dasar KIM Baru ({self.run_id})",
                    "skill": "jurnalistik",
                    "level": "dasar",
                    "kabupaten_code": PONOROGO,
                    "venue": "Aula Diskominfo Ponorogo",
                    "starts_on": first.isoformat(),
                    "ends_on": first.isoformat(),
                    "capacity": 10,
                    "waitlist": True,
                    "audience": "KIM baru",
                    "prerequisites": "Membawa ponsel.",
                },
                headers=self.op,
            )
            if r.status_code != 422:
                training = ok(r, 201)
                break
            first = self._working_day_before(first)
        if training is None:
            raise JourneyFailed("tidak ada hari kerja untuk diklat dalam 30 percobaan")
        training_id = self.p.note("training_id", training["id"])
        registrations = []
        for position in ("ketua", "sekretaris"):
            reg = await self.p.accepted(
                functools.partial(
                    self.p.mentoring.post,
                    f"/trainings/{training_id}/registrations",
                    json={"participant_name": self.officer_names[position]},
                    headers=self.officers[position],
                ),
                "KIM aktif dikenal layanan pendampingan",
            )
            registrations.append(reg["id"])
        done = ok(
            await self.p.mentoring.post(
                f"/trainings/{training_id}/attendance",
                json={"day": first.isoformat(), "registration_ids": registrations},
                headers=self.op,
            )
        )
        codes = [r["certificate_code"] for r in done if r["certificate_code"]]
        if len(codes) != 2:
            raise JourneyFailed("pengurus yang hadir belum mendapat sertifikat")
        for code in codes:
            verified = ok(await self.p.mentoring.get(f"/certificates/{code}"))
            if verified.get("name") not in self.officer_names.values():
                raise JourneyFailed(f"sertifikat {code} tidak terverifikasi")
        forged = await self.p.mentoring.get(f"/certificates/{codes[0][:-2]}xx")
        if forged.status_code != 404:
            raise JourneyFailed("kode sertifikat palsu tidak ditolak")
        self.p.say(
            f"15. Ketua dan sekretaris mengikuti diklat {training_id}; sertifikat "
            f"{', '.join(codes)} terverifikasi (kode palsu: 404)."
        )

    # -- evaluation ---------------------------------------------------------------------------

    async def evaluation_publishes_a_band(self) -> None:
        seen: dict[str, int] = {}

        async def counted() -> bool:
            got = ok(await self.p.registry.get(f"/kim/{self.kim_id}/activity", headers=self.op))
            seen.update(got["recent"])
            return seen.get("training_attended", 0) >= 1 and seen.get("request_resolved", 0) >= 1

        await self.p.until(counted, lambda: f"diklat dan pendampingan tercatat di registry {seen}")
        today = datetime.now(UTC).astimezone(WIB).date()
        period = ok(
            await self.p.registry.post(
                "/evaluation-periods",
                json={
                    "kabupaten_code": PONOROGO,
                    "name": f"Evaluasi KIM Ponorogo {self.run_id}",
                    "starts_on": (today - timedelta(days=30)).isoformat(),
                    "ends_on": (today + timedelta(days=30)).isoformat(),
                },
                headers=self.op,
            ),
            201,
        )
        period_id = self.period_id = self.p.note("evaluation_period_id", period["id"])
        outcome = ok(
            await self.p.registry.post(
                f"/evaluation-periods/{period_id}/finalize",
                params={"close_early": "true"},
                headers=self.op,
            )
        )
        mine = next(r for r in outcome["results"] if r["kim_id"] == self.kim_id)
        metrics = mine["metrics"]
        if metrics.get("training_attended", 0) < 1 or metrics.get("request_resolved", 0) < 1:
            raise JourneyFailed(f"evaluasi tidak menghitung diklat dan pendampingan: {metrics}")
        self.band, self.bands = mine["band"], [b["band"] for b in outcome["period"]["bands"]]
        self.p.say(
            f"16. Periode evaluasi {period_id} ditutup: KIM mendapat nilai {mine['score']} "
            f"(predikat {self.band}; diklat {metrics['training_attended']}, pendampingan "
            f"selesai {metrics['request_resolved']}, "
            f"artikel {metrics.get('article_published', 0)})."
        )

    async def low_band_opens_a_plan(self) -> None:
        if self.band != self.bands[-1]:
            self.p.say(f"17. Predikat {self.band} bukan yang terendah: tidak perlu rencana.")
            return

        async def planned() -> list[dict[str, Any]]:
            plans: list[dict[str, Any]] = ok(
                await self.p.mentoring.get(
                    f"/kim/{self.kim_id}/mentoring-plans", headers=self.officers["ketua"]
                )
            )
            return [p for p in plans if p["period_id"] == self.period_id]

        plan = (await self.p.until(planned, "rencana pendampingan untuk predikat terendah"))[0]
        self.p.note("mentoring_plan_id", plan["id"])
        suggestion = (
            f"; diklat yang disarankan: {plan['suggested_training_title']}"
            if plan["suggested_training_id"]
            else "; belum ada diklat yang cocok"
        )
        self.p.say(
            f"17. Predikat terendah ({self.band}): rencana pendampingan {plan['id']} dibuat "
            f"otomatis (permintaan {plan['request_id']}, keahlian {plan['skill']}{suggestion})."
        )
