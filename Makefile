# skills_app — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := skills_app:create_app

.PHONY: run test install chromium db demo clean help fuzz soak bench mutate

# Where `make run` serves: `make run PORT=8080`, `make run HOST=0.0.0.0` (reachable from other machines).
PORT ?= 5000
HOST ?= 127.0.0.1

help:
	@echo "make run    create .venv, install, migrate, load frameworks and demo data, serve on http://$(HOST):$(PORT)"
	@echo "            (choose with PORT=8080 and HOST=0.0.0.0)"
	@echo "make demo   the same without serving: migrate the database and load the frameworks and demo organisation"
	@echo "make test   create .venv, install (Node's axe-core, and Debian's chromium when missing), run the whole test suite"
	@echo "make fuzz   the importer fuzzing with a thousand generated files per format"
	@echo "make soak   a bounded load and fault test against gunicorn on PostgreSQL"
	@echo "make mutate mutation testing of the policy, gap engine, assessment service and every importer,"
	@echo "            each against its own tests (about 30 minutes; MUTATE_AREA=policy for one area)"
	@echo "make bench  docs/performance.md's table: 100,000 people on PostgreSQL, each figure against its floor (about 15 minutes)"
	@echo "make clean  remove .venv, instance/ (the SQLite database and uploads), node_modules and test artefacts"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

db: install
	$(BIN)/skills-app db upgrade

demo: db
	$(BIN)/skills-app demo load

run: demo
	@echo
	@echo "skills_app is starting on http://$(HOST):$(PORT) (Ctrl-C stops it)."
	$(BIN)/skills-app run --host $(HOST) --port $(PORT)

# axe-core, for the accessibility checks in the browser tests (from the npm registry).
node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian's Chromium drives the browser tests; install it when it is missing.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "Installing Debian's chromium for the browser tests"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

# Two pytest-xdist workers (TEST_WORKERS=0 runs in one process); each has its own
# SQLite files and its own PostgreSQL database (see tests/conftest.py).
TEST_WORKERS ?= 2
test: install chromium node_modules/axe-core/axe.min.js
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# Fuzzing: at least a thousand generated files per importer (the normal run has a few dozen).
fuzz: install
	HYPOTHESIS_PROFILE=bench $(BIN)/pytest tests/test_fuzz.py -q -p no:cacheprovider -k "not postgresql"

# A bounded load and fault test on loopback: gunicorn (2 workers) on a PostgreSQL database
# of its own; SOAK_SECONDS (default 120) of mixed traffic, then a phase of dropped connections.
SOAK_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test_security_soak
SOAK_SECONDS ?= 120
soak: install
	SOAK_DATABASE_URL=$(SOAK_DATABASE_URL) SOAK_SECONDS=$(SOAK_SECONDS) $(BIN)/python -m tests.soak

# The figures of docs/performance.md against their floors (bench/floors.py): a fresh database
# of BENCH_PEOPLE generated people on PostgreSQL (BENCH_DATABASE_URL, and <name>_empty, dropped
# and made again). BENCH_REDIS_URL: a Redis database of the benchmark's own for the page load part.
BENCH_PEOPLE ?= 100000
BENCH_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/skills_bench
bench: install
	$(BIN)/python bench/floors.py --build $(BENCH_PEOPLE) --url $(BENCH_DATABASE_URL)

# Mutation testing (tools/mutate.py; docs/testing.md): single-point changes of the code
# that matters most, each run against its area's own test files on SQLite; prints the
# share killed per area and every survivor. Not part of `make test`.
MUTATE_AREA ?=
MUTATE_JOBS ?= 2
# The areas' tests run on PostgreSQL too when it answers (the gap engine's COPY and JSON
# streams run only there); each copy gets a database of its own. Empty: SQLite only.
MUTATE_DATABASE_URL ?= $(shell pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && echo postgresql+psycopg://postgres@127.0.0.1:5432/test)
mutate: install
	MUTATE_DATABASE_URL=$(MUTATE_DATABASE_URL) $(BIN)/python tools/mutate.py $(if $(MUTATE_AREA),--area $(MUTATE_AREA)) --jobs $(MUTATE_JOBS)

clean:
	rm -rf $(VENV) instance test-artifacts .pytest_cache node_modules
