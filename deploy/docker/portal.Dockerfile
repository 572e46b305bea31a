# syntax=docker/dockerfile:1.7
# The portal's image: kim-shared + kim-portal only, plus the htmx build it serves itself
# (from the portal's committed npm lock). Build from the repository root:
#
#   docker build -f deploy/docker/portal.Dockerfile -t kim-portal:0.1.0 .
#
# Health checks are Kubernetes probes (/healthz, /readyz), so no HEALTHCHECK here.

ARG UV_VERSION=0.13.9

FROM ghcr.io/astral-sh/uv:${UV_VERSION} AS uv

# ------------------------------------------------------------- browser assets
# htmx only (the lock's devDependencies, axe-core, are for the browser tests).
FROM node:22-slim AS portal-assets
WORKDIR /assets
COPY services/portal/assets-src/package.json services/portal/assets-src/package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# ---------------------------------------------------------------- build stage
FROM python:3.11-slim AS builder
COPY --from=uv /uv /bin/uv

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=0 \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv

WORKDIR /src

# 1. Third-party dependencies from the lock file; every member's pyproject.toml lets uv
#    discover the workspace, only kim-portal's dependency tree is installed.
COPY pyproject.toml uv.lock ./
COPY shared/pyproject.toml shared/pyproject.toml
COPY deploy/local/pyproject.toml deploy/local/pyproject.toml
COPY services/registry/pyproject.toml services/registry/pyproject.toml
COPY services/content/pyproject.toml services/content/pyproject.toml
COPY services/marketplace/pyproject.toml services/marketplace/pyproject.toml
COPY services/mentoring/pyproject.toml services/mentoring/pyproject.toml
COPY services/portal/pyproject.toml services/portal/pyproject.toml
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package kim-portal --no-install-workspace --no-editable

# 2. The two workspace packages the portal is made of, installed as wheels.
COPY shared/ shared/
COPY services/portal/ services/portal/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package kim-portal --no-editable

# -------------------------------------------------------------- runtime stage
FROM python:3.11-slim AS runtime

RUN groupadd --system --gid 10001 kim \
    && useradd --system --uid 10001 --gid kim --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin kim

COPY --from=builder /app/.venv /app/.venv
COPY --from=portal-assets /assets/node_modules/htmx.org/dist /app/portal-assets/htmx.org/dist
COPY --from=portal-assets /assets/node_modules/htmx.org/LICENSE /app/portal-assets/htmx.org/LICENSE

ENV PATH="/app/.venv/bin:${PATH}" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    KIM_ENVIRONMENT=production \
    KIM_LOG_JSON=true \
    KIM_PORTAL_ASSETS_DIR=/app/portal-assets \
    UVICORN_APP=kim_portal.main:create_app

WORKDIR /app
USER 10001:10001
EXPOSE 8000

CMD ["uvicorn", "--factory", "--host", "0.0.0.0", "--port", "8000", "--no-use-colors", "--timeout-graceful-shutdown", "20"]
