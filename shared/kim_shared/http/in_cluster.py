"""Operational endpoints answer the cluster, not the internet.

``/metrics`` and ``/status`` describe a process's insides (consumer groups, outbox backlog,
check messages naming hosts). Prometheus and the probes call the pod directly; a request from
outside arrives through the Ingress controller (or a gateway), which always adds a forwarding
header (``X-Forwarded-For``, ``X-Real-IP`` or RFC 7239 ``Forwarded``). A caller cannot remove a
header the proxy adds, so such a request is answered 404, as if the path did not exist.
``/healthz`` and ``/readyz`` stay open, but say only ok or fail to such a request.
"""

from __future__ import annotations

from fastapi import Request, Response

from kim_shared.http.problems import Problem

PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def relayed(request: Request) -> bool:
    """Whether a proxy (the Ingress controller) relayed ``request`` from outside the pod."""
    return any(name in request.headers for name in PROXY_HEADERS)


def not_here(request: Request) -> Response:
    """The 404 an outside caller gets for an operational path."""
    return Problem(404, "Not found.", slug="not-found").response(request.url.path)
