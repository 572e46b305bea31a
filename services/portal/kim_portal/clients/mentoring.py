"""mentoring's endpoints the portal uses: certificates, trainings and help requests."""

from __future__ import annotations

from typing import Any

from kim_portal.clients.base import JSON, ServiceApi


class MentoringClient(ServiceApi):
    async def certificate(self, code: str) -> JSON:
        return await self.api.get(f"/certificates/{code}")

    async def trainings(self, kabupaten: str | None = None, token: str | None = None) -> JSON:
        return await self.api.get("/trainings", token=token, params={"kabupaten": kabupaten})

    async def register(self, training_id: str, body: dict[str, Any], token: str, key: str) -> JSON:
        return await self.api.send(
            "POST",
            f"/trainings/{training_id}/registrations",
            token=token,
            json=body,
            headers={"Idempotency-Key": key},
        )

    async def ask_help(self, body: dict[str, Any], token: str, key: str) -> JSON:
        return await self.api.send(
            "POST", "/help-requests", token=token, json=body, headers={"Idempotency-Key": key}
        )

    async def experts(self, token: str, kabupaten: str) -> JSON:
        return await self.api.get("/experts", token=token, params={"kabupaten_code": kabupaten})

    async def help_requests(self, token: str, **params: Any) -> JSON:
        """The help requests the caller may see (mentoring decides), newest first."""
        return await self.api.get(
            "/help-requests", token=token, params={"order": "opened", "limit": 50, **params}
        )

    async def assign(self, request_id: str, expert_subject: str, token: str) -> JSON:
        return await self.api.send(
            "POST",
            f"/help-requests/{request_id}/assign",
            token=token,
            json={"expert_subject": expert_subject},
        )

    async def my_registrations(self, token: str) -> JSON:
        return await self.api.get("/my/registrations", token=token)

    async def training(self, training_id: str) -> JSON:
        return await self.api.get(f"/trainings/{training_id}")

    async def registrations(self, training_id: str, token: str) -> JSON:
        """A training's registrations in order (operators of its kabupaten)."""
        return await self.api.get(f"/trainings/{training_id}/registrations", token=token)

    async def record_attendance(
        self, training_id: str, day: str, registration_ids: list[str], token: str
    ) -> JSON:
        """Who attended on ``day``; mentoring completes and certifies whoever met the rule."""
        return await self.api.send(
            "POST",
            f"/trainings/{training_id}/attendance",
            token=token,
            json={"day": day, "registration_ids": registration_ids},
        )
