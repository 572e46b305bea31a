"""What routes take from the app: settings and the service clients (built in the lifespan)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from kim_portal.clients.content import ContentClient
from kim_portal.clients.marketplace import MarketplaceClient
from kim_portal.clients.mentoring import MentoringClient
from kim_portal.clients.registry import RegistryClient
from kim_portal.settings import PortalSettings


@dataclass(frozen=True)
class Services:
    registry: RegistryClient
    content: ContentClient
    marketplace: MarketplaceClient
    mentoring: MentoringClient


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _settings(request: Request) -> PortalSettings:
    settings: PortalSettings = request.app.state.settings
    return settings


Apis = Annotated[Services, Depends(_services)]
Settings = Annotated[PortalSettings, Depends(_settings)]
