# dispatch112: `make run` serves the product, `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
# npm's tools, exactly package-lock.json's versions, no install scripts run: axe-core, which the
# browser tests inject into the consoles (WCAG checks), and eslint and TypeScript (lint-js).
NPM_STAMP := node_modules/.installed
# Every Python package comes from a lock with hashes (requirements.txt for
# `make run`, requirements-dev.txt for the rest; made by `make lock`):
# a fresh clone installs exactly what was tested, whatever PyPI holds that day.
PIP_LOCKED := $(PY) -m pip install --quiet --require-hashes -r
LOCK := $(VENV)/bin/uv pip compile --quiet --generate-hashes --universal --python-version 3.11 \
	--no-header --annotation-style line $(if $(UPGRADE),--upgrade)
# A bound on the whole suite on top of each test's own timeout (pyproject: timeout): if
# anything outlives every test (a thread that keeps the interpreter from exiting), the run
# still ends.
SUITE_LIMIT ?= 45m
# pytest-xdist workers of `make test`: each has its own PostgreSQL, Redis and Chromium.
TEST_WORKERS ?= 2
# `make run-cluster`: server processes behind HAProxy, and HAProxy's port.
CLUSTER_PROCESSES ?= 2
CLUSTER_PORT ?= 8112

.PHONY: run run-cluster test test-fast lint lint-js typecheck format install system-deps npm-deps clean lock bench-geo bench-summary \
	bench-cards bench-consoles bench-queues bench-day bench-requests bench-sign-in reliability \
	bench-analytics bench-cues bench-history

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): requirements.txt pyproject.toml | $(VENV)/bin/python
	$(PIP_LOCKED) requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(DEV_STAMP): requirements-dev.txt pyproject.toml | $(VENV)/bin/python
	$(PIP_LOCKED) requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@ $(RUN_STAMP)

install: $(DEV_STAMP)

$(NPM_STAMP): package.json package-lock.json | system-deps
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

npm-deps: $(NPM_STAMP)

## Re-resolve the locks from pyproject.toml (same versions where still allowed;
## `make lock UPGRADE=1` takes the newest), then reinstall from them on the next make.
lock: $(DEV_STAMP)
	$(LOCK) pyproject.toml requirements-build.in --extra dev -o requirements-dev.txt
	$(LOCK) pyproject.toml requirements-build.in -c requirements-dev.txt -o requirements.txt
	$(VENV)/bin/uv pip compile --quiet --universal --python-version 3.11 --no-header \
		pyproject.toml requirements-build.in --extra dev -c requirements-dev.txt -o pylock.toml
	# uv's project lock, holding every package at the version requirements-dev.txt pins (pip,
	# setuptools and wheel install the project; uv.lock does not list them).
	$(VENV)/bin/uv lock --quiet --python 3.11 $$(sed -n 's/^\([A-Za-z0-9_.-]*==[^ \\;]*\).*/-P \1/p' \
		requirements-dev.txt | grep -v -e '-P pip==' -e '-P setuptools==' -e '-P wheel==')

## Serve the whole product on SQLite (./var/) with the in-process bus: http://127.0.0.1:8112
run: $(RUN_STAMP)
	$(PY) -m dispatch serve

## PostgreSQL, Redis, CLUSTER_PROCESSES server processes and HAProxy (Debian's), the data kept
## in ./var/cluster/: http://127.0.0.1:$(CLUSTER_PORT) through HAProxy; Ctrl-C stops them all
## (README "Several processes"). CLUSTER_ARGS=... passes options, e.g. "--var-dir DIR".
run-cluster: $(RUN_STAMP) system-deps
	$(PY) scripts/run_cluster.py --processes $(CLUSTER_PROCESSES) --port $(CLUSTER_PORT) $(CLUSTER_ARGS)

system-deps:
	./scripts/system-deps.sh

## Install what the tests need, then run the whole suite (SQLite and a real PostgreSQL);
## prints the 25 slowest tests at the end. Then the card schema library's own tests again,
## under its gate of 100% branch coverage: measured over the whole suite, coverage's tracer
## cost the tests a fifth more CPU (BENCHMARKS.md, "The suite's own time").
test: $(DEV_STAMP) system-deps $(NPM_STAMP)
	timeout --kill-after=60s $(SUITE_LIMIT) $(PY) -m pytest -q -p no:cacheprovider \
		-n $(TEST_WORKERS) --durations=25 --durations-min=1 $(PYTEST_ARGS)
	timeout --kill-after=60s 10m $(PY) -m pytest -q -p no:cacheprovider tests/cardschema \
		--cov=cardschema --cov-branch --cov-report=term-missing:skip-covered --cov-fail-under=100

## Only SQLite (no PostgreSQL), for a quick loop while editing.
test-fast: $(DEV_STAMP) $(NPM_STAMP)
	timeout --kill-after=60s $(SUITE_LIMIT) $(PY) -m pytest -q -p no:cacheprovider -m "not postgres" $(PYTEST_ARGS)

lint: $(DEV_STAMP) lint-js
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest -q -p no:cacheprovider --noconftest tests/test_status_assignments.py \
		tests/test_event_topics.py tests/test_row_locks.py tests/test_import_contracts.py

## The consoles' JavaScript: eslint (eslint.config.js) over every console's js/, and TypeScript
## type-checking the modules marked // @ts-check (tsconfig.json; nothing is emitted).
lint-js: $(NPM_STAMP)
	npx --no-install eslint .
	npx --no-install tsc -p tsconfig.json

format: $(DEV_STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: $(DEV_STAMP)
	$(VENV)/bin/mypy

## Micro-benchmark of resolving points to districts (figures in BENCHMARKS.md).
bench-geo: $(DEV_STAMP)
	$(PY) benchmarks/geo_resolve.py

## Cards created, routed and pulled from a service's feed against a real server on SQLite and
## on a PostgreSQL it starts, with a bare FastAPI endpoint as the ceiling (figures in
## BENCHMARKS.md). BENCH_ARGS=... passes options, e.g. BENCH_ARGS="--backend sqlite --json".
bench-cards: $(DEV_STAMP) system-deps
	$(PY) benchmarks/card_pipeline.py $(BENCH_ARGS)

## A queue change fanned out to 500 operator consoles (websockets) on SQLite and PostgreSQL,
## with a bare websockets broadcast to the same clients as the ceiling (figures in BENCHMARKS.md).
## BENCH_ARGS=... passes options, e.g. BENCH_ARGS="--backend sqlite --ceiling both".
bench-consoles: $(DEV_STAMP) system-deps
	$(PY) benchmarks/console_fanout.py $(BENCH_ARGS)

## Offers per second the ACD worker hands out with 200 operators and 1,000 waiting calls, on
## SQLite, PostgreSQL, and two workers on PostgreSQL + Redis (figures in BENCHMARKS.md).
## BENCH_ARGS=... passes options, e.g. BENCH_ARGS="--setup sqlite --rounds-one 50".
bench-queues: $(DEV_STAMP) system-deps
	$(PY) benchmarks/queue_assignment.py $(BENCH_ARGS)

## CPU per queues' summary (every console's queue part, at every flush) at a surge's size, on
## SQLite and PostgreSQL (figures in BENCHMARKS.md). BENCH_ARGS="--operators 500 --waiting 1000".
bench-summary: $(DEV_STAMP) system-deps
	$(PY) benchmarks/queue_summary.py $(BENCH_ARGS)

## The day-long reads on tables that grow (the Redis mirror, the consoles' parts, the workers),
## planned and timed on PostgreSQL against a year of history (figures in BENCHMARKS.md).
bench-history: $(DEV_STAMP) system-deps
	$(PY) benchmarks/history_plans.py $(BENCH_ARGS)

## A simulated day against a real server process on SQLite and PostgreSQL: marginal server
## CPU per call, idle CPU, requests per call, command lag, with the bare endpoint's floor
## (figures in BENCHMARKS.md). BENCH_ARGS=... passes options, e.g. BENCH_ARGS="--find-max".
bench-day: $(DEV_STAMP) system-deps
	$(PY) benchmarks/day.py $(BENCH_ARGS)

## Scale-out (issue 21): 1, then 2 server processes on PostgreSQL + Redis behind HAProxy, each
## held to the same CPU quota (cgroup; root): the highest rate with SL >= 0.95, CPU per call,
## lock waits per process; then kill -9 of the leader under load: take-over and losses
## (figures in BENCHMARKS.md; about 15 minutes). BENCH_ARGS=... e.g. "--quick" or "--quota 0.4".
.PHONY: bench-scale
bench-scale: $(DEV_STAMP) system-deps
	$(PY) benchmarks/scale_out.py $(BENCH_ARGS)

## A surge (issue 22): a steady period, then a surge around one point of a city through HAProxy,
## the deliverer and 1 then 2 server processes (each held to 0.4 core, cgroup; root); staffed
## and short of operators, then kill -9 in the surge: service level, callbacks, consoles,
## delivery lag, losses (figures in BENCHMARKS.md; about 17 minutes). BENCH_ARGS="--quick".
.PHONY: bench-surge
bench-surge: $(DEV_STAMP) system-deps
	$(PY) benchmarks/surge.py $(BENCH_ARGS)

## How soon the surge judgement sees a surge, and how often it takes calm hours for one: the
## product's arrival-rate reading on simulated arrivals, no server (figures in BENCHMARKS.md).
.PHONY: bench-surge-judgement
bench-surge-judgement: $(DEV_STAMP)
	$(PY) benchmarks/surge_judgement.py $(BENCH_ARGS)

## Server CPU and SQL statements per request along one call's path, in process (a profiling
## aid; BENCH_ARGS="--backend postgresql").
bench-requests: $(DEV_STAMP) system-deps
	$(PY) benchmarks/request_costs.py $(BENCH_ARGS)

## A year of generated history on PostgreSQL (COPY), and the period reports' answers over it
## (BENCH_ARGS="--log-rows 10000000" for the issue's larger figure).
bench-analytics: $(DEV_STAMP) system-deps
	$(PY) benchmarks/analytics_periods.py $(BENCH_ARGS)

## A flood of wrong passwords against one server: what is checked, what is slowed, and what
## the flood does to another operator's requests (RELIABILITY.md).
bench-sign-in: $(DEV_STAMP) system-deps
	$(PY) benchmarks/sign_in_flood.py $(BENCH_ARGS)

## Cues in text (issue 25): the rules' precision and recall per language and cue over the
## evaluation set tests/protocols/cues/ (figures in BENCHMARKS.md); pure, no server.
bench-cues: $(DEV_STAMP)
	$(PY) benchmarks/cues.py

## Faults under load (RELIABILITY.md): kill -9 five times, the service's system down, PostgreSQL
## restarted the hard way; every acknowledged card kept and delivered once or marked, in order.
reliability: $(DEV_STAMP) system-deps
	$(PY) benchmarks/reliability.py $(BENCH_ARGS)

## A compressed day against `make run`'s server (start it in simulation mode, see README
## "Simulators"); SIM_ARGS=... passes options, e.g. SIM_ARGS="--speed 20 --hours 2 --json".
.PHONY: simulate
simulate: $(DEV_STAMP)
	$(PY) -m simulators day $(SIM_ARGS)

clean:
	rm -rf $(VENV) var node_modules .mypy_cache .ruff_cache .pytest_cache
