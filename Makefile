PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# PyTorch's CPU build by default; a CUDA user overrides both, e.g.
#   make run TORCH_PIN=torch==2.13.0+cu126 TORCH_INDEX=https://download.pytorch.org/whl/cu126
TORCH_PIN ?= torch==2.13.0+cpu
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
# The index is asked only when it answers within 5 s: an unreachable one would cost pip
# five retries per package (minutes); pip's own indexes and wheel folders still serve.
# Probed once per make, when an install needs it.
TORCH_INDEX_OPTION = $(eval TORCH_INDEX_OPTION := $(shell $(PYTHON) -c 'import sys, \
	urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)' '$(TORCH_INDEX)' \
	2>/dev/null && echo '--extra-index-url $(TORCH_INDEX)'))$(TORCH_INDEX_OPTION)
# --no-compile: Python compiles the modules it imports on first use and caches them;
# compiling all of PyTorch ahead of time costs half a minute.
define pip_install
	@test -n "$(TORCH_INDEX_OPTION)" || echo "$(TORCH_INDEX) did not answer:" \
		"$(TORCH_PIN) must come from pip's configured indexes or wheel folders"
	$(BIN)/pip install --quiet --no-compile $(TORCH_INDEX_OPTION) -c constraints.txt \
		'$(TORCH_PIN)' -e '$(1)'
endef


.PHONY: run test lint bench clean

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	touch $@

$(VENV)/.installed: $(VENV)/.created pyproject.toml constraints.txt Makefile
	$(call pip_install,.)
	touch $@

# One resolve for the app and its test tools; it installs all that `make run` needs too.
$(VENV)/.installed-test: $(VENV)/.created pyproject.toml constraints.txt Makefile
	$(call pip_install,.[test])
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/studyapp

lint: $(VENV)/.installed-test
	$(BIN)/ruff check studyapp tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy

# With Python's bytecode cache on, as a user's Python has it: the modules are installed
# uncompiled, and without the cache every lab and CLI process the tests start would
# compile PyTorch's again. Two workers share the tests; those marked `serial` time a
# stop inside a round and run afterwards, alone.
test: lint
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -q -n 2 -m "not serial"
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -q -m serial

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/bench_store.py
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/bench_labs.py
	$(BIN)/python benchmarks/bench_busy.py

clean:
	rm -rf $(VENV)
