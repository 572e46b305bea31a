"""marketplace's endpoints the portal uses: the public catalogue and the WhatsApp hand-off."""

from __future__ import annotations

from typing import Any

from kim_portal.clients.base import JSON, ServiceApi


class MarketplaceClient(ServiceApi):
    async def catalogue(self, **params: Any) -> JSON:
        return await self.api.get("/catalogue/products", params={"limit": 24, **params})

    async def product(self, product_id: str) -> JSON:
        return await self.api.get(f"/catalogue/products/{product_id}")

    async def whatsapp(self, product_id: str, key: str, token: str | None) -> JSON:
        return await self.api.send(
            "POST",
            f"/products/{product_id}/inquiries",
            token=token,
            json={"kind": "whatsapp"},
            headers={"Idempotency-Key": key},
        )

    async def add_product(self, seller_id: str, body: dict[str, Any], token: str, key: str) -> JSON:
        return await self.api.send(
            "POST",
            f"/sellers/{seller_id}/products",
            token=token,
            json=body,
            headers={"Idempotency-Key": key},
        )

    async def products_of(self, seller_id: str, token: str) -> JSON:
        return await self.api.get(f"/sellers/{seller_id}/products", token=token)

    async def my_product(self, product_id: str, token: str) -> JSON:
        return await self.api.get(f"/products/{product_id}", token=token)

    async def submit(self, product_id: str, token: str) -> JSON:
        return await self.api.send("POST", f"/products/{product_id}/submit", token=token)

    async def sellers(self, token: str, **params: Any) -> JSON:
        """The sellers the caller manages or oversees (marketplace decides), newest first."""
        return await self.api.get("/sellers", token=token, params={"limit": 50, **params})

    async def seller(self, seller_id: str, token: str) -> JSON:
        return await self.api.get(f"/sellers/{seller_id}", token=token)

    async def register_seller(self, body: dict[str, Any], token: str, key: str) -> JSON:
        return await self.api.send(
            "POST", "/sellers", token=token, json=body, headers={"Idempotency-Key": key}
        )

    async def seller_orders(self, seller_id: str, token: str) -> JSON:
        return await self.api.get(f"/sellers/{seller_id}/orders", token=token)

    async def order_action(self, order_id: str, action: str, token: str) -> JSON:
        return await self.api.send("POST", f"/orders/{order_id}/{action}", token=token)
