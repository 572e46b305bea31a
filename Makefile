# KIM Platform — the two commands: `make run` and `make test`.
# Everything else they need is installed here: uv (from PyPI), the Python
# dependencies (uv.lock), and the Kafka jars (Maven Central, via deploy/local/pom.xml).

SHELL := /bin/bash
.DEFAULT_GOAL := help

UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
KAFKA_JARS := deploy/local/.kafka/libs/.complete

.PHONY: help install run test lint typecheck format contracts clean

help:
	@echo "make run    - install, start Kafka, PostgreSQL and the four services (Ctrl-C stops all)"
	@echo "make test   - install, start the test stack, run lint, type checks and the whole suite"
	@echo "make lint | typecheck | format | contracts | clean"

install: $(KAFKA_JARS)
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

run: install
	@$(UV) run --frozen kim up

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

test: install lint typecheck
	@$(UV) run --frozen pytest

clean:
	rm -rf .local .venv deploy/local/.kafka .mypy_cache .ruff_cache .pytest_cache
