# The README's commands. `make run` starts the embedded setup; `make test` runs the whole suite.
# The newest Python of pyproject's requires-python that runs here (pyenv's versions included),
# unless PYTHON=... names one; VENV=... keeps a second virtualenv beside .venv.
SUPPORTED_PYTHONS := 3.13 3.12 3.11
PYENV_ROOT ?= $(shell pyenv root 2>/dev/null)
ifeq ($(origin PYTHON),undefined)
PYTHON := $(firstword $(foreach version,$(SUPPORTED_PYTHONS),$(shell for candidate in python$(version) \
	$(PYENV_ROOT)/versions/$(version)*/bin/python$(version); do $$candidate -c '' >/dev/null 2>&1 \
	&& command -v $$candidate && break; done)))
endif
ifeq ($(PYTHON),)
$(error No Python $(SUPPORTED_PYTHONS) found: install one, or name it with PYTHON=...)
endif
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
VERSION_OF = -c 'import sys; print("%d.%d" % sys.version_info[:2])'
WANTED_VERSION := $(shell $(PYTHON) $(VERSION_OF))
VENV_VERSION := $(shell test -x $(BIN)/python && $(BIN)/python $(VERSION_OF) 2>/dev/null)

.PHONY: install run test lint format worker beat messages screenshots bench loadtest other-python restore-check

# A virtualenv made by another Python (or one whose Python is gone) is rebuilt, not reused.
$(STAMP): pyproject.toml constraints.txt $(if $(filter $(WANTED_VERSION),$(VENV_VERSION)),,other-python)
	@if [ "$(VENV_VERSION)" != "$(WANTED_VERSION)" ] && [ -e $(VENV) ]; then \
		echo "$(VENV) was made by Python $(or $(VENV_VERSION),that is gone), not $(WANTED_VERSION): rebuilding it"; \
		rm -rf $(VENV); fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

other-python: ;

install: $(STAMP)

run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install
	$(BIN)/python manage.py makemessages --locale da --ignore '.venv/*' --ignore 'node_modules/*'
	$(BIN)/python manage.py compilemessages --locale da --ignore '.venv/*'

worker: install
	$(BIN)/celery -A akuttilbud worker --loglevel INFO

beat: install
	$(BIN)/celery -A akuttilbud beat --loglevel INFO

screenshots: install
	$(BIN)/python manage.py screenshots

bench: install
	$(BIN)/python bench/run.py --write-docs

loadtest: install
	$(BIN)/python loadtest/run.py

# The restore drill (tests/test_backup_restore.py) on the PostgreSQL of DATABASE_URL.
restore-check: install
	@test -n "$(DATABASE_URL)" || { echo "restore-check needs DATABASE_URL=postgres://..."; exit 1; }
	$(BIN)/python -m pytest tests/test_backup_restore.py -q
