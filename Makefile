# The course's two commands:
#   make lab    set up .venv (first time only) and open JupyterLab in notebooks/
#   make test   set up .venv (first time only) and run every test, notebooks included
# Every target is `python3 course.py <target>` (one implementation, which also runs
# on Windows without make); `python3 course.py help` lists them.

PYTHON ?= python3
.DEFAULT_GOAL := help
TARGETS := lab test test-unit test-browser outputs ko student site bench weights clean help setup

.PHONY: $(TARGETS)

$(TARGETS):
	@$(PYTHON) course.py $@

# The set-up step alone (create .venv, install the pinned environment).
.venv/.installed: pyproject.toml constraints.txt
	@$(PYTHON) course.py setup
