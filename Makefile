# KIM Platform — the two commands: `make run` and `make test`.
# Everything else they need is installed here: uv (from PyPI), the Python
# dependencies (uv.lock), the Kafka jars (Maven Central, via deploy/local/pom.xml),
# the AsyncAPI viewer the services serve at /asyncapi (npm, shared/docs-assets/package-lock.json),
# kustomize for the manifest tests (built with Go into .tools/)
# and, for `make test`, Debian's chromium (the browser check of /docs and /asyncapi).

SHELL := /bin/bash
.DEFAULT_GOAL := help

UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
KAFKA_JARS := deploy/local/.kafka/libs/.complete
DOCS_ASSETS := shared/docs-assets/node_modules/.package-lock.json
ASYNCAPI_CLI := tools/asyncapi-cli/node_modules/.package-lock.json
PORTAL_ASSETS := services/portal/assets-src/node_modules/.package-lock.json
CHROMIUM := /usr/bin/chromium

# $(call apt_install,PACKAGE): install a Debian package (we run as root here and in CI).
apt_install = { echo "Installing $(1) from Debian ..."; \
	if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then \
		echo "$(1) is required: apt-get install $(1) (as root)"; exit 1; fi; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null; }

.PHONY: help install run demo test lint typecheck format contracts bench clean kustomize

help:
	@echo "make run    - install, start Kafka, PostgreSQL, the four services and the portal (Ctrl-C stops all)"
	@echo "make demo   - the whole journey, step by step, against a running make run"
	@echo "make test   - install, start the test stack, run lint, type checks and the whole suite"
	@echo "make bench  - install, run the benchmark harness (own Kafka + PostgreSQL, numbers to bench/results)"
	@echo "make lint | typecheck | format | contracts | clean"

install: $(KAFKA_JARS) $(DOCS_ASSETS) $(ASYNCAPI_CLI) $(PORTAL_ASSETS) kustomize
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || \
		python3 -m pip install --quiet uv || python3 -m pip install --quiet --user uv
	@$(UV) sync --frozen --quiet

$(KAFKA_JARS): deploy/local/pom.xml
	@command -v java >/dev/null 2>&1 || { echo "Java 17+ is required to run Kafka (apt-get install openjdk-17-jre-headless)"; exit 1; }
	@command -v mvn >/dev/null 2>&1 || { echo "Maven is required to fetch the Kafka jars (apt-get install maven)"; exit 1; }
	@echo "Fetching Apache Kafka jars from Maven Central ..."
	@rm -rf deploy/local/.kafka/libs
	@mvn -q -B -f deploy/local/pom.xml package
	@touch $@

# The AsyncAPI viewer's standalone bundle (@asyncapi/react-component), from the committed lock.
$(DOCS_ASSETS): shared/docs-assets/package.json shared/docs-assets/package-lock.json
	@command -v npm >/dev/null 2>&1 || $(call apt_install,npm)
	@echo "Fetching the AsyncAPI viewer (npm ci in shared/docs-assets) ..."
	@npm ci --prefix shared/docs-assets --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# ------------------------------------------------------------------ kustomize
# The real kustomize renders deploy/k8s for tests/deploy. Built with the machine's Go
# into .tools/ (ignored, like the Kafka jars); GOPATH, GOCACHE and GOMODCACHE live
# there too, so a clean clone needs nothing outside the repository but Go itself.
# Pinned: a new version is a reviewed change (its rendering is what the tests check).
KUSTOMIZE_VERSION := v5.7.1
TOOLS := $(CURDIR)/.tools
KUSTOMIZE := .tools/bin/kustomize-$(KUSTOMIZE_VERSION)

$(KUSTOMIZE):
	@command -v go >/dev/null 2>&1 || $(call apt_install,golang-go)
	@echo "Building kustomize $(KUSTOMIZE_VERSION) with Go into .tools/ ..."
	@mkdir -p $(TOOLS)/bin
	@GOBIN=$(TOOLS)/gobin GOPATH=$(TOOLS)/go GOCACHE=$(TOOLS)/go-cache GOMODCACHE=$(TOOLS)/go-mod \
		GOFLAGS=-modcacherw GOTOOLCHAIN=local \
		go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)
	@mv $(TOOLS)/gobin/kustomize $@
	@ln -sf kustomize-$(KUSTOMIZE_VERSION) $(TOOLS)/bin/kustomize

kustomize: $(KUSTOMIZE)

# The AsyncAPI project's own CLI (@asyncapi/cli), from the committed lock: tests/test_asyncapi_cli.py
# runs `asyncapi validate` over every service's asyncapi.json. Never in an image.
$(ASYNCAPI_CLI): tools/asyncapi-cli/package.json tools/asyncapi-cli/package-lock.json
	@command -v npm >/dev/null 2>&1 || $(call apt_install,npm)
	@echo "Fetching the AsyncAPI CLI (npm ci in tools/asyncapi-cli) ..."
	@npm ci --prefix tools/asyncapi-cli --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# The portal's own assets (htmx) and, for its browser tests, axe-core: from the committed lock.
$(PORTAL_ASSETS): services/portal/assets-src/package.json services/portal/assets-src/package-lock.json
	@command -v npm >/dev/null 2>&1 || $(call apt_install,npm)
	@echo "Fetching htmx and axe-core (npm ci in services/portal/assets-src) ..."
	@npm ci --prefix services/portal/assets-src --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# Debian's chromium for tests/test_docs_pages.py (Playwright drives it; it never downloads one).
$(CHROMIUM):
	@$(call apt_install,chromium)

run: install
	@$(UV) run --frozen kim up

# The journey of every role through the public APIs, against a running `make run`.
demo: install
	@$(UV) run --frozen kim demo

lint: install
	@$(UV) run --frozen ruff check .
	@$(UV) run --frozen ruff format --check .

typecheck: install
	@$(UV) run --frozen mypy shared deploy/local services tests

format: install
	@$(UV) run --frozen ruff check --fix .
	@$(UV) run --frozen ruff format .

contracts: install
	@$(UV) run --frozen kim contracts write

test: install $(CHROMIUM) lint typecheck
	@$(UV) run --frozen pytest

# Numbers, not tests: bench/run.py starts its own stack (KIM_BENCH_PORT_BASE, default 37000)
# and writes bench/results/latest.{md,json} and the plots. BENCH_ARGS=--quick for a short run.
bench: install
	@$(UV) run --frozen python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf .local .venv .tools deploy/local/.kafka shared/docs-assets/node_modules tools/asyncapi-cli/node_modules services/portal/assets-src/node_modules .mypy_cache .ruff_cache .pytest_cache
