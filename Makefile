# Two commands do all set-up on a fresh machine that has only python3:
#   make demo   trains an example on bundled data
#   make test   installs, then runs the test suite
# Both create (or refresh) the virtual environment .venv and install minigrad into it.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: test demo lint bench bench-devices gpu-check clean

$(STAMP): setup.py pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The suite is thousands of tiny ops: BLAS threads only fight each other there.
test: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(PY) -m pytest -q -m "not slow"

# LeNet-5 with batch norm on the bundled Fashion-MNIST subset (about half a minute on 2 cores).
demo: $(STAMP)
	$(PY) examples/lenet.py --act relu --batch-norm

lint: $(STAMP)
	$(PY) -m ruff check minigrad kernels tests benchmarks examples scripts

bench: $(STAMP)
	$(PY) benchmarks/overhead.py

# On a machine with an NVIDIA GPU (install the cuda extra first: .venv/bin/pip install -e ".[cuda]"):
# the GPU tests, the kernel checks, then the CPU-vs-GPU benchmark, whose table is printed last.
gpu-check: $(STAMP)
	$(PY) -c "import minigrad; assert minigrad.cuda.is_available(), 'no usable GPU (is cupy installed?)'"
	$(PY) -m pytest -q tests/gpu tests/kernels
	$(PY) benchmarks/devices.py --write

bench-devices: $(STAMP)
	$(PY) benchmarks/devices.py --write

clean:
	rm -rf $(VENV) build *.egg-info
