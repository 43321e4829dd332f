# The two set-up commands: `make run` and `make test`. Both create .venv themselves.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_VERSION := $(shell cat .python-version)
PYTHON_MINOR := $(basename $(PYTHON_VERSION))
# The interpreter that creates .venv: pyenv's exact version, else any python3.13 on PATH.
PYTHON := $(firstword $(wildcard $(HOME)/.pyenv/versions/$(PYTHON_VERSION)/bin/python3 $(PYENV_ROOT)/versions/$(PYTHON_VERSION)/bin/python3) $(shell command -v python$(PYTHON_MINOR) 2>/dev/null))
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: help run test lint format unit package template-check bench chromium

help:
	@echo "make run   - start the local stack (API, web form, emulated DynamoDB + SES)"
	@echo "make test  - install what the tests need and run the whole suite"

$(STAMP): requirements.txt requirements-dev.txt .python-version pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
	  echo "No Python $(PYTHON_MINOR) interpreter found. Install it (e.g. 'pyenv install $(PYTHON_VERSION)') and run make again." >&2; \
	  exit 1; fi
	@[ -x $(PY) ] && $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != tuple(map(int, "$(PYTHON_MINOR)".split("."))))' \
	  || (rm -rf $(VENV) && $(PYTHON) -m venv $(VENV))
	@echo "Instalando las dependencias en $(VENV) (solo cuando cambian; la primera vez, 1-2 minutos)..."
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@# The project itself, editable: .venv/bin/ecuapass-admin, the help desk's tool (R-ADM-1).
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi
	@[ -x $(CHROMIUM) ] || (echo "chromium is required for the browser tests" >&2; exit 1)

run: $(STAMP)
	@$(PY) -m devstack.run

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: $(STAMP) chromium lint template-check
	$(PY) -m pytest -n 2 --dist loadgroup

# The CloudFormation template (docs/deploy.md). Needs no AWS account: chalice only reads the
# region, and the Lambda wheels come from pip's configured indexes. compile_bytecode.py then adds
# bytecode to the zip: Lambda's /var/task is read-only, so nothing compiled there is kept.
STAGE ?= prod
PACKAGE_DIR := build/package
package: $(STAMP)
	rm -rf $(PACKAGE_DIR)
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(VENV)/bin/chalice package \
	  --stage $(STAGE) --merge-template infra/resources.json $(PACKAGE_DIR)
	$(PY) scripts/compile_bytecode.py $(PACKAGE_DIR)

# Zero errors and zero warnings: cfn-lint exits non-zero on either.
template-check: package
	$(VENV)/bin/cfn-lint $(PACKAGE_DIR)/sam.json infra/web.json

unit: $(STAMP)
	$(PY) -m pytest -m "not browser and not slow"

# Cold start, AWS calls and CPU per route, password hashing, cost per user: prints the table and
# writes it into docs/performance.md. Budgets print PASS/FAIL; nothing is asserted.
bench: package
	$(PY) bench/run.py
