# dispatch112: `make run` serves the product, `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast lint typecheck format install system-deps clean bench-geo bench-cards \
	bench-consoles bench-queues

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Serve the whole product on SQLite (./var/) with the in-process bus: http://127.0.0.1:8112
run: $(STAMP)
	$(PY) -m dispatch serve

system-deps:
	./scripts/system-deps.sh

## Install what the tests need, then run the whole suite (SQLite and a real PostgreSQL).
test: $(STAMP) system-deps
	$(PY) -m pytest -q -p no:cacheprovider \
		--cov=cardschema --cov-branch --cov-report=term-missing:skip-covered \
		--cov-fail-under=100 $(PYTEST_ARGS)

## Only SQLite (no PostgreSQL), for a quick loop while editing.
test-fast: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider -m "not postgres" $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

## Micro-benchmark of resolving points to districts (figures in BENCHMARKS.md).
bench-geo: $(STAMP)
	$(PY) benchmarks/geo_resolve.py

## Cards created, routed and pulled from a service's feed against a real server on SQLite and
## on a PostgreSQL it starts, with a bare FastAPI endpoint as the ceiling (figures in
## BENCHMARKS.md). BENCH_ARGS=... passes options, e.g. BENCH_ARGS="--backend sqlite --json".
bench-cards: $(STAMP) system-deps
	$(PY) benchmarks/card_pipeline.py $(BENCH_ARGS)

## A queue change fanned out to 500 operator consoles (websockets) on SQLite and PostgreSQL,
## with a bare websockets broadcast to the same clients as the ceiling (figures in BENCHMARKS.md).
## BENCH_ARGS=... passes options, e.g. BENCH_ARGS="--backend sqlite --ceiling both".
bench-consoles: $(STAMP) system-deps
	$(PY) benchmarks/console_fanout.py $(BENCH_ARGS)

## Offers per second the ACD worker hands out with 200 operators and 1,000 waiting calls, on
## SQLite, PostgreSQL, and two workers on PostgreSQL + Redis (figures in BENCHMARKS.md).
## BENCH_ARGS=... passes options, e.g. BENCH_ARGS="--setup sqlite --rounds-one 50".
bench-queues: $(STAMP) system-deps
	$(PY) benchmarks/queue_assignment.py $(BENCH_ARGS)

## A compressed day against `make run`'s server (start it in simulation mode, see README
## "Simulators"); SIM_ARGS=... passes options, e.g. SIM_ARGS="--speed 20 --hours 2 --json".
.PHONY: simulate
simulate: $(STAMP)
	$(PY) -m simulators day $(SIM_ARGS)

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
