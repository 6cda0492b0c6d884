# Every target installs what it needs first (idempotent: a stamp file
# records that .venv matches pyproject.toml).
#
# torch comes first and pinned, so pip takes the CPU wheel on disk instead of
# resolving a bare `torch` requirement to a multi-GB CUDA build. Override with
# `make TORCH=torch==X.Y.Z ...` on other machines.

PYTHON ?= python3
TORCH ?= torch==2.13.0
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.aekit-installed
DOCS_STAMP := $(VENV)/.aekit-docs-installed

.PHONY: install demo test test-slow bench docs lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check "$(TORCH)"
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test,parquet]"
	touch $(STAMP)

install: $(STAMP)

# the docs extra (mkdocs, material, mkdocstrings), on top of the install above
$(DOCS_STAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[docs]"
	touch $(DOCS_STAMP)

demo: install
	$(VENV)/bin/aekit demo --out demo-out

test: install
	$(PY) -m pytest -q

test-slow: install
	$(PY) -m pytest -q -m slow

bench: install
	$(PY) benchmarks/reconstruction.py

# the documentation site into site/, strict: a broken link or docstring reference fails
docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet

lint: install
	$(PY) -m pip install --quiet --disable-pip-version-check ruff
	$(VENV)/bin/ruff check --select F,E9 src tests benchmarks

clean:
	rm -rf $(VENV) demo-out site .pytest_cache
