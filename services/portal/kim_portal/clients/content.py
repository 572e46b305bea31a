"""content's endpoints the portal uses: public articles, the authors' workspace,
reader reports and moderation."""

from __future__ import annotations

from typing import Any

from kim_portal.clients.base import JSON, ServiceApi


class ContentClient(ServiceApi):
    async def public_articles(self, **params: Any) -> JSON:
        return await self.api.get("/public/articles", params={"limit": 20, **params})

    async def public_article(self, article_id: str) -> JSON:
        return await self.api.get(f"/public/articles/{article_id}")

    async def report(self, article_id: str, body: dict[str, Any], token: str) -> JSON:
        return await self.api.send(
            "POST", f"/public/articles/{article_id}/reports", token=token, json=body
        )

    async def my_articles(self, token: str) -> JSON:
        return await self.api.get("/articles", token=token, params={"limit": 50})

    async def article(self, article_id: str, token: str) -> JSON:
        return await self.api.get(f"/articles/{article_id}", token=token)

    async def write(self, body: dict[str, Any], token: str, key: str) -> JSON:
        return await self.api.send(
            "POST", "/articles", token=token, json=body, headers={"Idempotency-Key": key}
        )

    async def revise(self, article_id: str, body: dict[str, Any], token: str, etag: str) -> JSON:
        return await self.api.send(
            "PUT", f"/articles/{article_id}", token=token, json=body, headers={"If-Match": etag}
        )

    async def submit(self, article_id: str, token: str, etag: str) -> JSON:
        return await self.api.send(
            "POST", f"/articles/{article_id}/submit", token=token, headers={"If-Match": etag}
        )

    async def cases(self, token: str, kabupaten: str) -> JSON:
        return await self.api.get("/moderation/cases", token=token, params={"kabupaten": kabupaten})

    async def case(self, case_id: str, token: str) -> JSON:
        return await self.api.get(f"/moderation/cases/{case_id}", token=token)

    async def claim(self, case_id: str, token: str) -> JSON:
        return await self.api.send("POST", f"/moderation/cases/{case_id}/claim", token=token)

    async def decide(self, case_id: str, body: dict[str, Any], token: str, key: str) -> JSON:
        return await self.api.send(
            "POST",
            f"/moderation/cases/{case_id}/decision",
            token=token,
            json=body,
            headers={"Idempotency-Key": key},
        )

    async def audit(self, case_id: str, token: str) -> JSON:
        return await self.api.get(f"/moderation/cases/{case_id}/audit", token=token)
