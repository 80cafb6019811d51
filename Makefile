# Two commands do all set-up on a fresh machine that has only python3:
#   make demo   trains an example on bundled data
#   make test   installs, then runs the test suite
# Both create (or refresh) the virtual environment .venv and install minigrad into it.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: test demo lint bench gpu-check clean

$(STAMP): setup.py pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q -m "not slow"

demo: $(STAMP)
	$(PY) examples/linear_regression.py

lint: $(STAMP)
	$(PY) -m ruff check minigrad kernels tests benchmarks examples scripts

bench: $(STAMP)
	$(PY) benchmarks/overhead.py

clean:
	rm -rf $(VENV) build *.egg-info
