# The course's two commands:
#   make lab    set up .venv (first time only) and open JupyterLab in notebooks/
#   make test   set up .venv (first time only) and run every test, notebooks included
# The environment is re-installed only when pyproject.toml or constraints.txt change.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))
PYTEST_NBVAL := --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=600

export PATH := $(abspath $(BIN)):$(PATH)
export PYTHONUNBUFFERED := 1

.PHONY: lab test test-unit test-browser outputs student site bench clean help

help:
	@echo "make lab      set up and open JupyterLab in notebooks/"
	@echo "make test     set up and run all tests (unit tests + every notebook under nbval strict)"
	@echo "make outputs  re-execute every notebook in a fresh kernel and save its outputs"
	@echo "make test-browser  drive JupyterLab in headless Chromium: run notebooks, move sliders"
	@echo "make student  write student/: notebooks with solutions removed and outputs cleared"
	@echo "make site     write site/: every notebook as HTML (widgets included) and an index"
	@echo "make bench    time every notebook and cell; write benchmarks/results/course_timing.*"

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "Python >= 3.10 is needed"' \
		|| { echo "error: the course needs Python 3.10 or newer ($(PYTHON) is older)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) \
		|| { echo "error: '$(PYTHON) -m venv' failed; on Debian/Ubuntu install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

lab: $(STAMP)
	@echo "Starting JupyterLab in notebooks/; open the http://127.0.0.1:... URL it prints below."
	$(BIN)/jupyter lab --notebook-dir=notebooks --ServerApp.ip=127.0.0.1 \
		$(if $(DISPLAY)$(WAYLAND_DISPLAY),,--no-browser) $(if $(filter 0,$(shell id -u)),--allow-root,)

test: $(STAMP)
	$(BIN)/python -m pytest tests notebooks $(PYTEST_NBVAL)

test-unit: $(STAMP)
	$(BIN)/python -m pytest tests --ignore=tests/browser

test-browser: $(STAMP)
	$(BIN)/python -m pytest tests/browser

student: $(STAMP)
	$(BIN)/python tools/make_student.py --out student

site: $(STAMP)
	$(BIN)/python tools/make_site.py --out site

bench: $(STAMP)
	$(BIN)/python benchmarks/course_timing.py

outputs: $(STAMP)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=900 --ExecutePreprocessor.kernel_name=python3 $(NOTEBOOKS)
	$(BIN)/python tools/finish_progress_bars.py $(NOTEBOOKS)

clean:
	rm -rf $(VENV) .pytest_cache student site
