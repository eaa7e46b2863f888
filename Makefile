# skills_app — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := skills_app:create_app

.PHONY: run test install chromium db demo clean help

help:
	@echo "make run    create .venv, install, migrate, load frameworks and demo data, serve on http://127.0.0.1:5000"
	@echo "make test   create .venv, install (and Chromium for the browser tests), run the whole test suite"

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
	@echo "skills_app is starting on http://127.0.0.1:5000 (Ctrl-C stops it)."
	$(BIN)/skills-app run --host 127.0.0.1 --port 5000

# Debian's Chromium drives the browser tests; install it when it is missing.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "Installing Debian's chromium for the browser tests"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

test: install chromium
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance test-artifacts .pytest_cache
