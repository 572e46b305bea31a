"""Public pages (no sign-in): a kabupaten's home, the KIM directory with its coverage chart,
articles with a report button, the UMKM catalogue and certificate verification."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from kim_portal.charts import coverage_chart
from kim_portal.clients.base import ApiProblem
from kim_portal.deps import Apis, Settings
from kim_portal.places import in_kabupaten
from kim_portal.web.access import SignedIn, Token
from kim_portal.web.csrf import verify_csrf
from kim_portal.web.errors import NotFound, uuid_or_404
from kim_portal.web.templating import render

router = APIRouter(dependencies=[Depends(verify_csrf)])

KABUPATEN = re.compile(r"^[0-9]{2}\.[0-9]{2}$")
REGION = re.compile(r"^[0-9]{2}(\.[0-9]{2}){0,2}(\.[0-9]{4})?$")
CERTIFICATE_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # secrets.token_urlsafe
REPORT_REASONS = {
    "hoaks": "Hoaks atau informasi menyesatkan",
    "sara": "SARA atau ujaran kebencian",
    "judi_pinjol": "Judi atau pinjaman online ilegal",
    "data_pribadi": "Memuat data pribadi",
    "anak": "Membahayakan anak",
    "tidak_relevan": "Tidak relevan",
    "kualitas": "Mutu tulisan buruk",
    "spam": "Spam atau promosi",
    "permintaan_kim": "Permintaan KIM",
}
CATEGORIES = {
    "makanan": "Makanan",
    "minuman": "Minuman",
    "kerajinan": "Kerajinan",
    "batik_tenun": "Batik dan tenun",
    "fashion": "Fesyen",
    "pertanian": "Pertanian",
    "perikanan": "Perikanan",
    "oleh_oleh": "Oleh-oleh",
    "jasa": "Jasa",
    "lainnya": "Lainnya",
}


async def _kabupaten_page(request: Request, apis: Apis, code: str) -> Response:
    if not KABUPATEN.match(code):
        raise NotFound()
    region, news, children = await asyncio.gather(
        apis.registry.region(code),
        apis.content.public_articles(region=code, limit=10),
        apis.registry.children(code),
    )
    return render(
        request,
        "home.html",
        {"region": region, "articles": news["items"], "kecamatan": children["items"]},
    )


@router.get("/")
async def home(request: Request, apis: Apis, settings: Settings) -> Response:
    return await _kabupaten_page(request, apis, settings.default_kabupaten)


@router.get("/kabupaten/{code}")
async def kabupaten(request: Request, apis: Apis, code: str) -> Response:
    return await _kabupaten_page(request, apis, code)


@router.get("/kim")
async def directory(
    request: Request,
    apis: Apis,
    settings: Settings,
    kabupaten: Annotated[str | None, Query(max_length=5)] = None,
    kecamatan: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    code = kabupaten or settings.default_kabupaten
    if not KABUPATEN.match(code) or (kecamatan and not kecamatan.startswith(code + ".")):
        raise NotFound()
    coverage, groups = await asyncio.gather(
        apis.registry.coverage(code),
        apis.registry.kim_directory(kabupaten=None if kecamatan else code, kecamatan=kecamatan),
    )
    return render(
        request,
        "directory.html",
        {
            "coverage": coverage,
            "chart": coverage_chart(coverage["rows"]),
            "groups": groups["items"],
            "kabupaten": code,
            "kecamatan": kecamatan,
        },
    )


@router.get("/berita/{article_id}")
async def article(request: Request, apis: Apis, article_id: str) -> Response:
    found = await apis.content.public_article(uuid_or_404(article_id))
    return render(request, "article.html", {"article": found, "reasons": REPORT_REASONS})


@router.post("/berita/{article_id}/laporkan")
async def report(
    request: Request,
    apis: Apis,
    user: SignedIn,
    token: Token,
    article_id: str,
    reason_code: Annotated[str, Form()],
    note: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    found = await apis.content.public_article(uuid_or_404(article_id))
    context: dict[str, Any] = {"article": found, "reasons": REPORT_REASONS}
    if reason_code not in REPORT_REASONS:
        context["report_error"] = "Pilih alasan laporan."
        return render(request, "article.html", context, status_code=422)
    body = {"reason_code": reason_code, "note": note.strip() or None}
    try:
        await apis.content.report(found["id"], body, token)
    except ApiProblem as problem:
        if not problem.for_the_form:
            raise
        context["report_error"] = problem.message
        return render(request, "article.html", context, status_code=problem.status)
    context["reported"] = True
    return render(request, "article.html", context)


@router.get("/produk")
async def catalogue(
    request: Request,
    apis: Apis,
    q: Annotated[str, Query(max_length=100)] = "",
    category: Annotated[str, Query(max_length=20)] = "",
    region: Annotated[str, Query(max_length=13)] = "",
    max_price: Annotated[str, Query(max_length=12)] = "",
    halal: Annotated[str, Query(max_length=4)] = "",
    verified: Annotated[str, Query(max_length=4)] = "",
) -> Response:
    filters = {
        "q": q.strip(),
        "category": category if category in CATEGORIES else "",
        "region": region if REGION.match(region) else "",
        "max_price": max_price if max_price.isdigit() else "",
        "halal": "true" if halal else "",
        "verified": "true" if verified else "",
    }
    page = await apis.marketplace.catalogue(**filters)
    context = {"products": page["items"], "filters": filters, "categories": CATEGORIES}
    partial = request.headers.get("HX-Request") == "true"
    return render(request, "catalogue_results.html" if partial else "catalogue.html", context)


@router.get("/wilayah/desa")
async def villages(
    request: Request,
    apis: Apis,
    kecamatan: Annotated[str, Query(max_length=8, pattern=r"^(\d{2}\.\d{2}\.\d{2})?$")] = "",
) -> Response:
    """The village select of one kecamatan: what htmx swaps in when a form's kecamatan
    changes (without JS the form's own button asks for the whole form again)."""
    choice = await in_kabupaten(apis.registry, kecamatan[:5], kecamatan=kecamatan, selected="")
    return render(request, "_village_options.html", {"choice": choice, "stepwise": True})


@router.get("/produk/{product_id}")
async def product(request: Request, apis: Apis, product_id: str) -> Response:
    found = await apis.marketplace.product(uuid_or_404(product_id))
    context = {"product": found, "categories": CATEGORIES, "inquiry_key": str(uuid.uuid4())}
    return render(request, "product.html", context)


@router.post("/produk/{product_id}/whatsapp")
async def whatsapp(
    request: Request,
    apis: Apis,
    user: SignedIn,
    token: Token,
    product_id: str,
    key: Annotated[str, Form(alias="idempotency_key", min_length=8, max_length=64)],
) -> Response:
    """The WhatsApp hand-off: the marketplace counts the inquiry and answers the wa.me link
    with its template message; the browser goes there."""
    answer = await apis.marketplace.whatsapp(uuid_or_404(product_id), key, token)
    link = answer.get("whatsapp_url") or f"/produk/{product_id}"
    return RedirectResponse(link, status_code=303)


@router.get("/sertifikat")
async def certificate(
    request: Request, apis: Apis, kode: Annotated[str, Query(max_length=64)] = ""
) -> Response:
    code = kode.strip()
    if code and not CERTIFICATE_CODE.match(code):
        return render(request, "certificate.html", {"code": code, "missing": True}, status_code=404)
    if not code:
        return render(request, "certificate.html", {"code": ""})
    try:
        found = await apis.mentoring.certificate(code)
    except ApiProblem as problem:
        if problem.status != 404 and problem.status != 422:
            raise
        return render(request, "certificate.html", {"code": code, "missing": True}, status_code=404)
    return render(request, "certificate.html", {"code": code, "certificate": found})
