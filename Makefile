# Quick start: `make run` serves the demo, `make test` runs the whole suite.
# Only python3.11, git and make are needed; everything else goes into .venv.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
CONSTRAINTS := requirements/constraints.txt
# pytest-xdist workers for `make test`: one per core by default; 0 runs in this process (pdb).
PYTEST_WORKERS ?= auto

.PHONY: run test lint format typecheck messages lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-runtime: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e ".[dev]"
	touch $(VENV)/.installed-runtime $@

run: $(VENV)/.installed-runtime
	DEBUG=1 $(BIN)/medmissions migrate --noinput
	DEBUG=1 $(BIN)/medmissions seed-demo --skip-if-loaded
	DEBUG=1 $(BIN)/medmissions runserver 127.0.0.1:8000

test: $(VENV)/.installed-dev
	DEBUG=1 $(BIN)/pytest --numprocesses $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy medmissions

# Extract and compile translations (needs GNU gettext; compiled catalogues are committed
# so that a fresh clone works without it).
messages: $(VENV)/.installed-dev
	cd medmissions && ../$(BIN)/django-admin makemessages --locale fr --ignore 'tests/*' --no-obsolete
	cd medmissions && ../$(BIN)/django-admin compilemessages --locale fr

# Re-resolve dependencies inside the ranges of pyproject.toml and record exact versions.
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install --quiet --upgrade pip
	.lockenv/bin/pip install --quiet -e ".[dev]"
	.lockenv/bin/pip freeze --exclude-editable | grep -v '^pip==' > $(CONSTRAINTS)
	rm -rf .lockenv

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
