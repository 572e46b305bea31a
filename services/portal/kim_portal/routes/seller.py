"""UMKM sellers (and the KIM officers who assist them): the sellers the user manages (listed
by marketplace, never typed in), registering a business, a seller's products and the product
form (which keeps its draft on the device while offline like the article form), and the
seller's orders with the next step for each."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from kim_portal.clients.base import ApiProblem
from kim_portal.deps import Apis
from kim_portal.places import in_kabupaten, kecamatan_code
from kim_portal.routes.public import CATEGORIES
from kim_portal.web.access import Seller, Token, role_in
from kim_portal.web.csrf import verify_csrf
from kim_portal.web.errors import uuid_or_404
from kim_portal.web.session import User
from kim_portal.web.templating import render

router = APIRouter(prefix="/usaha", dependencies=[Depends(verify_csrf)])

UNITS = ("pcs", "kg", "gram", "liter", "pack", "botol", "toples", "lusin", "porsi", "set")
STATUS_LABELS = {
    "draft": "Draf",
    "in_review": "Ditinjau",
    "live": "Tayang",
    "rejected": "Ditolak",
}


BUSINESS_CATEGORIES = {
    "makanan_minuman": "Makanan dan minuman",
    "kerajinan": "Kerajinan",
    "fashion": "Fesyen",
    "pertanian": "Pertanian",
    "perikanan": "Perikanan",
    "jasa": "Jasa",
    "lainnya": "Lainnya",
}
BADGES = {"nib": "NIB", "pirt": "PIRT", "halal": "Halal", "bpom": "BPOM"}
ORDER_STATUSES = {
    "placed": "Baru",
    "confirmed": "Dikonfirmasi",
    "ready": "Siap diambil",
    "shipped": "Dikirim",
    "completed": "Selesai",
    "cancelled": "Dibatalkan",
    "expired": "Kedaluwarsa",
}
ACTIONS = {
    "confirm": "Konfirmasi",
    "ready": "Siap diambil",
    "ship": "Sudah dikirim",
    "complete": "Selesai",
    "cancel": "Batalkan",
}
FULFILMENTS = {"pickup": "Ambil sendiri", "delivery": "Diantar"}
CURSOR = r"^[A-Za-z0-9_-]{1,300}$"

Owner = Annotated[User, Depends(role_in(frozenset({"pelaku_umkm"})))]


def order_actions(order: dict[str, Any]) -> list[str]:
    """The steps the seller's side may take next (marketplace checks them again)."""
    status, pickup = order["status"], order["fulfilment"] == "pickup"
    if status == "placed":
        return ["confirm", "cancel"]
    if status == "confirmed":
        return ["ready" if pickup else "ship", "cancel"]
    if status in ("ready", "shipped"):
        return ["complete", "cancel"]
    return []


@router.get("")
async def sellers(
    request: Request,
    apis: Apis,
    user: Seller,
    token: Token,
    penjual: Annotated[str, Query(max_length=40)] = "",
    setelah: Annotated[str, Query(max_length=300, pattern=CURSOR)] = "",
) -> Response:
    """The sellers the user owns or whose KIM assists them, each with its products and
    orders one click away."""
    if penjual:  # the address of the earlier version of this page
        return RedirectResponse(f"/usaha/{uuid_or_404(penjual)}", status_code=303)
    listed = await apis.marketplace.sellers(token, cursor=setelah or None)
    return render(
        request,
        "seller/sellers.html",
        {
            "sellers": listed["items"],
            "next_cursor": listed.get("next_cursor"),
            "categories": BUSINESS_CATEGORIES,
            "badges": BADGES,
            "owner": user.has(frozenset({"pelaku_umkm"})),
        },
    )


async def _register_page(
    request: Request,
    apis: Apis,
    user: User,
    values: dict[str, Any],
    *,
    status_code: int = 200,
    kecamatan: str = "",
    **extra: Any,
) -> Response:
    selected = str(values.get("village_code") or "")
    kims, choice = await asyncio.gather(
        apis.registry.kim_directory(kabupaten=user.kabupaten, status="aktif"),
        in_kabupaten(
            apis.registry,
            user.kabupaten,
            kecamatan=kecamatan or kecamatan_code(selected) or kecamatan_code(user.region),
            selected=selected,
        ),
    )
    return render(
        request,
        "seller/register.html",
        {
            "values": values,
            "categories": BUSINESS_CATEGORIES,
            "kims": kims["items"],
            "choice": choice,
            **extra,
        },
        status_code=status_code,
    )


@router.get("/daftar")
async def register_form(request: Request, apis: Apis, user: Owner) -> Response:
    values = {
        "key": str(uuid.uuid4()),
        "village_code": user.region if user.region and len(user.region) == 13 else "",
    }
    return await _register_page(request, apis, user, values)


@router.post("/daftar")
async def register_seller(
    request: Request,
    apis: Apis,
    user: Owner,
    token: Token,
    key: Annotated[str, Form(min_length=8, max_length=64)],
    business_name: Annotated[str, Form(max_length=150)] = "",
    owner_name: Annotated[str, Form(max_length=150)] = "",
    village_code: Annotated[str, Form(max_length=20)] = "",
    address: Annotated[str, Form(max_length=300)] = "",
    whatsapp: Annotated[str, Form(max_length=30)] = "",
    business_category: Annotated[str, Form(max_length=30)] = "",
    kim_id: Annotated[str, Form(max_length=40)] = "",
    nib: Annotated[str, Form(max_length=20)] = "",
    kecamatan: Annotated[str, Form(max_length=8)] = "",
    pilih: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Register the user's business (once per login); its licences start unverified. The
    kecamatan's button (``pilih``) only shows that kecamatan's villages: nothing is sent."""
    values = {
        "business_name": business_name.strip(),
        "owner_name": owner_name.strip(),
        "village_code": village_code.strip(),
        "address": address.strip(),
        "whatsapp": whatsapp.strip(),
        "business_category": business_category,
        "kim_id": kim_id.strip() or None,
        "nib": nib.strip() or None,
    }
    if pilih == "kecamatan":
        values["village_code"] = ""
        return await _register_page(
            request, apis, user, {**values, "key": key}, kecamatan=kecamatan
        )
    body = {k: v for k, v in values.items() if v is not None}
    try:
        created = await apis.marketplace.register_seller(body, token, key)
    except ApiProblem as problem:
        if not problem.for_the_form:
            raise
        return await _register_page(
            request,
            apis,
            user,
            {**values, "key": key},
            status_code=problem.status,
            error=problem.message,
            issues=problem.issues,
        )
    return RedirectResponse(f"/usaha/{created['id']}", status_code=303)


def _form(
    request: Request, values: dict[str, Any], *, status_code: int = 200, **extra: Any
) -> Response:
    return render(
        request,
        "seller/product_form.html",
        {"values": values, "categories": CATEGORIES, "units": UNITS, "sellers": [], **extra},
        status_code=status_code,
    )


@router.get("/produk/baru")
async def new_product(
    request: Request,
    apis: Apis,
    user: Seller,
    token: Token,
    penjual: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """For the seller named (its page links here), or a choice among the user's sellers."""
    values = {"draft_key": str(uuid.uuid4()), "seller_id": penjual, "unit": "pcs"}
    return _form(request, values, sellers=(await apis.marketplace.sellers(token))["items"])


@router.post("/produk")
async def add_product(
    request: Request,
    apis: Apis,
    user: Seller,
    token: Token,
    seller_id: Annotated[str, Form(max_length=40)],
    name: Annotated[str, Form(max_length=150)],
    description: Annotated[str, Form(max_length=5000)],
    category: Annotated[str, Form(max_length=20)],
    unit: Annotated[str, Form(max_length=10)],
    price_rupiah: Annotated[str, Form(max_length=12)],
    stock: Annotated[str, Form(max_length=9)],
    draft_key: Annotated[str, Form(min_length=8, max_length=64)],
) -> Response:
    """Add and submit the listing. The draft's key is the Idempotency-Key: the same form
    sent again gets the same product, submitted once."""
    values = {
        "seller_id": seller_id.strip(),
        "name": name.strip(),
        "description": description.strip(),
        "category": category,
        "unit": unit,
        "price_rupiah": price_rupiah.strip(),
        "stock": stock.strip(),
        "draft_key": draft_key,
    }
    if not values["price_rupiah"].isdigit() or not values["stock"].isdigit():
        return _form(
            request, values, status_code=422, error="Harga dan stok harus berupa angka bulat."
        )
    body = {
        "name": values["name"],
        "description": values["description"],
        "category": category,
        "unit": unit,
        "price_rupiah": int(values["price_rupiah"]),
        "stock": int(values["stock"]),
    }
    try:
        created = await apis.marketplace.add_product(
            uuid_or_404(values["seller_id"]), body, token, draft_key
        )
        if created["status"] == "draft":
            await apis.marketplace.submit(created["id"], token)
    except ApiProblem as problem:
        if not problem.for_the_form:
            raise
        return _form(
            request,
            values,
            status_code=problem.status,
            error=problem.message,
            issues=problem.issues,
        )
    return RedirectResponse(f"/usaha/{uuid_or_404(values['seller_id'])}", status_code=303)


@router.get("/{seller_id}")
async def products(
    request: Request, apis: Apis, user: Seller, token: Token, seller_id: str
) -> Response:
    ident = uuid_or_404(seller_id)
    seller, listed = await asyncio.gather(
        apis.marketplace.seller(ident, token), apis.marketplace.products_of(ident, token)
    )
    return render(
        request,
        "seller/products.html",
        {"seller": seller, "products": listed, "statuses": STATUS_LABELS},
    )


async def _orders_page(
    request: Request,
    apis: Apis,
    token: str,
    seller_id: str,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    seller, orders = await asyncio.gather(
        apis.marketplace.seller(seller_id, token), apis.marketplace.seller_orders(seller_id, token)
    )
    context = {
        "seller": seller,
        "orders": [{**o, "actions": order_actions(o)} for o in orders],
        "statuses": ORDER_STATUSES,
        "actions": ACTIONS,
        "fulfilments": FULFILMENTS,
        "done": request.query_params.get("selesai") if status_code == 200 else None,
        **extra,
    }
    return render(request, "seller/orders.html", context, status_code=status_code)


@router.get("/{seller_id}/pesanan")
async def orders(
    request: Request, apis: Apis, user: Seller, token: Token, seller_id: str
) -> Response:
    return await _orders_page(request, apis, token, uuid_or_404(seller_id))


@router.post("/{seller_id}/pesanan/{order_id}")
async def act_on_order(
    request: Request,
    apis: Apis,
    user: Seller,
    token: Token,
    seller_id: str,
    order_id: str,
    aksi: Annotated[str, Form(max_length=20)],
) -> Response:
    """Confirm, make ready or ship, complete or cancel one of the seller's orders."""
    seller_ident, order_ident = uuid_or_404(seller_id), uuid_or_404(order_id)
    if aksi not in ACTIONS:
        return await _orders_page(
            request, apis, token, seller_ident, status_code=422, error="Langkah tidak dikenal."
        )
    try:
        await apis.marketplace.order_action(order_ident, aksi, token)
    except ApiProblem as problem:
        if not problem.for_the_form:
            raise
        return await _orders_page(
            request, apis, token, seller_ident, status_code=problem.status, error=problem.message
        )
    return RedirectResponse(f"/usaha/{seller_ident}/pesanan?selesai={aksi}", status_code=303)
