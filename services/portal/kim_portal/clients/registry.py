"""The registry's endpoints the portal uses: regions, KIM, members, coverage, targets,
activity and evaluations."""

from __future__ import annotations

from typing import Any

from kim_portal.clients.base import JSON, ServiceApi


class RegistryClient(ServiceApi):
    async def region(self, code: str) -> JSON:
        return await self.api.get(f"/regions/{code}")

    async def children(self, code: str) -> JSON:
        return await self.api.get(f"/regions/{code}/children")

    async def kim_directory(self, token: str | None = None, **params: Any) -> JSON:
        return await self.api.get("/kim", token=token, params={"limit": 100, **params})

    async def kim(self, kim_id: str, token: str | None = None) -> JSON:
        return await self.api.get(f"/kim/{kim_id}", token=token)

    async def form_kim(self, body: dict[str, Any], token: str, key: str) -> JSON:
        return await self.api.send(
            "POST", "/kim", token=token, json=body, headers={"Idempotency-Key": key}
        )

    async def change_status(self, kim_id: str, body: dict[str, Any], token: str) -> JSON:
        return await self.api.send("POST", f"/kim/{kim_id}/status", token=token, json=body)

    async def members(self, kim_id: str, token: str) -> JSON:
        return await self.api.get(f"/kim/{kim_id}/members", token=token)

    async def add_member(self, kim_id: str, body: dict[str, Any], token: str, key: str) -> JSON:
        return await self.api.send(
            "POST",
            f"/kim/{kim_id}/members",
            token=token,
            json=body,
            headers={"Idempotency-Key": key},
        )

    async def coverage(self, code: str, token: str | None = None) -> JSON:
        return await self.api.get(f"/coverage/{code}", token=token)

    async def targets(self, token: str, region: str) -> JSON:
        return await self.api.get("/targets", token=token, params={"region": region})

    async def create_target(self, body: dict[str, Any], token: str, key: str) -> JSON:
        return await self.api.send(
            "POST", "/targets", token=token, json=body, headers={"Idempotency-Key": key}
        )

    async def kim_activity(self, kim_id: str, token: str) -> JSON:
        return await self.api.get(f"/kim/{kim_id}/activity", token=token)

    async def kim_evaluations(self, kim_id: str, token: str | None = None) -> JSON:
        return await self.api.get(f"/kim/{kim_id}/evaluations", token=token)

    async def evaluation_periods(self, token: str, kabupaten: str) -> JSON:
        return await self.api.get(
            "/evaluation-periods", token=token, params={"kabupaten": kabupaten}
        )

    async def period_results(self, period_id: str, token: str) -> JSON:
        return await self.api.get(f"/evaluation-periods/{period_id}/results", token=token)

    async def create_period(self, body: dict[str, Any], token: str, key: str) -> JSON:
        return await self.api.send(
            "POST", "/evaluation-periods", token=token, json=body, headers={"Idempotency-Key": key}
        )

    async def period(self, period_id: str, token: str) -> JSON:
        return await self.api.get(f"/evaluation-periods/{period_id}", token=token)

    async def scores(self, period_id: str, kim_id: str, token: str) -> JSON:
        return await self.api.get(
            f"/evaluation-periods/{period_id}/kim/{kim_id}/scores", token=token
        )

    async def put_scores(
        self, period_id: str, kim_id: str, body: dict[str, Any], token: str, etag: str
    ) -> JSON:
        return await self.api.send(
            "PUT",
            f"/evaluation-periods/{period_id}/kim/{kim_id}/scores",
            token=token,
            json=body,
            headers={"If-Match": etag},
        )

    async def finalize(self, period_id: str, token: str, *, close_early: bool, key: str) -> JSON:
        path = f"/evaluation-periods/{period_id}/finalize"
        if close_early:
            path += "?close_early=true"
        return await self.api.send("POST", path, token=token, headers={"Idempotency-Key": key})
