# Two entry points: `make demo` (set-up, sample data, dbt build, top leads)
# and `make test` (set-up, lint, dbt build with all tests, pytest).
# Everything else here is a step of those two.

# Python 3.11 or newer; python3.11 where it exists.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
DBT := $(BIN)/dbt

# Where the raw files are read from; user data goes here (see README).
export LEAD_SCORING_RAW_DIR ?= data/raw
export LEAD_SCORING_DUCKDB_PATH ?= lead_scoring.duckdb
export DBT_PROFILES_DIR := $(CURDIR)
# Sample size for `make demo`.
LEADS ?= 5000

# `make test` runs on its own data and database, so it never touches yours.
TEST_RAW_DIR := data/test/raw
TEST_DUCKDB := data/test/lead_scoring.duckdb

.PHONY: help demo test test-spark install install-test engines bench sample-data build score top export \
	lint pytest lock clean fit promote backtest x-education

help:
	@echo "make demo   set up, generate sample data, dbt build, show top leads"
	@echo "make test   set up, then dbt build (all tests), lint and pytest"
	@echo "make score  dbt build on the files in LEAD_SCORING_RAW_DIR, show top leads"
	@echo "make lint   ruff on scripts and tests, sqlfluff on models and analyses"
	@echo "make bench  time full and daily builds at 10k, 100k and 1M leads (long)"
	@echo "make export write the CRM sync's changes as import files in exports/"
	@echo "make fit    fit the predictive model on LEAD_SCORING_RAW_DIR (writes its seed)"
	@echo "make promote  copy the proposed learned points (reports/proposed) into seeds/"
	@echo "make backtest  every model on past cut-offs: reports/backtest/report.html"
	@echo "make x-education  import the X Education leads and backtest on them"
	@echo "make install       .venv with what DuckDB scoring needs (make demo)"
	@echo "make install-test  .venv with everything (Postgres, Spark, MetricFlow, lint, pytest)"
	@echo "make lock   regenerate requirements.txt from pyproject.toml"

demo: install sample-data score backtest

score: build top

# Two installs into the same .venv. pyproject.toml says what each wants:
# `install` (make demo and the scoring scripts) its [project] dependencies,
# DuckDB scoring only; `install-test` (make test, lint) those plus every
# extra (Postgres, Spark, MetricFlow, lint and test tools). requirements.txt,
# the full lock, is the constraints file of both, so every package is pinned
# in the same pip step (dbt-core stays on 1.11). The project is installed as
# an empty package only for pip to read pyproject's lists (see there); a
# constraints file rather than two lock files keeps one lock to regenerate.
# A stamp each: `make test` after `make demo` adds the extras, `make demo`
# after `make test` installs nothing.
EXTRAS := postgres,spark,semantic,dev

install: $(VENV)/.installed-demo
install-test: $(VENV)/.installed-test

$(VENV)/.created:
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: set PYTHON=..."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "$(PYTHON) is older than 3.11: set PYTHON=..."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==25.3
	touch $@

# pip installs a package the constraints do not name, unpinned: fail then.
define check_locked
	@unlocked="$$($(PY) -m pip freeze --exclude pip --exclude lead-scoring-warehouse \
		| grep -vxFf requirements.txt)"; \
	if [ -n "$$unlocked" ]; then \
		echo "In $(VENV) but not in requirements.txt: $$unlocked" | tr '\n' ' ' >&2; \
		echo "(make lock; or rm -rf $(VENV) if left over from an older lock)" >&2; \
		exit 1; \
	fi
endef

$(VENV)/.installed-demo: pyproject.toml requirements.txt | $(VENV)/.created
	$(PY) -m pip install --quiet -c requirements.txt .
	$(check_locked)
	touch $@

# The full install satisfies `install` too.
$(VENV)/.installed-test: pyproject.toml requirements.txt | $(VENV)/.created
	$(PY) -m pip install --quiet -c requirements.txt '.[$(EXTRAS)]'
	$(check_locked)
	touch $@ $(VENV)/.installed-demo

# What the Postgres and Spark tests need besides Python: a PostgreSQL server
# (Debian's package; the tests start their own throwaway server) and a Java
# runtime for Spark. Installed when missing (as root, as on CI).
engines:
	@missing=""; \
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="postgresql"; \
	command -v java >/dev/null || missing="$$missing openjdk-17-jre-headless"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "Needed for the Postgres/Spark tests: apt-get install$$missing" >&2; \
		exit 1; \
	fi; \
	echo "Installing$$missing (Debian packages)"; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $$missing >/dev/null

# Not part of `make test`: the 1M-lead size takes many minutes.
BENCH_LEADS ?= 10000 100000 1000000
bench: install
	$(PY) scripts/benchmark.py --leads $(BENCH_LEADS) --out reports/benchmark.json

sample-data: install
	$(PY) scripts/generate_sample_data.py --leads $(LEADS) \
		--out $(LEAD_SCORING_RAW_DIR)

build: install
	$(DBT) build

top: install
	$(PY) scripts/show_top_leads.py --limit 20

# What changed since the last export, as CRM import files (after `make score`).
export: install
	$(PY) scripts/export_crm_sync.py --out exports
# Fits on past cut-offs of the raw data; the committed seed came from
# `make sample-data fit` (5,000 sample leads, seed 42).
# FIT_ATTRIBUTES=industry,country: lead columns to learn fit rules from.
fit: install
	$(PY) scripts/fit.py --raw-dir $(LEAD_SCORING_RAW_DIR) \
		$(if $(FIT_ATTRIBUTES),--fit-attributes $(FIT_ATTRIBUTES))

# After reviewing what `make fit` proposed in reports/proposed: checks the
# files, keeps the seeds they replace in reports/proposed/replaced, copies
# them into seeds/.
promote: install
	$(PY) scripts/promote_points.py --proposed reports/proposed --seeds seeds

# Extra options in BACKTEST_ARGS, e.g. BACKTEST_ARGS="--score-at-age-days 14
# --compare-seeds reports/proposed/replaced" (docs/predictive.md).
backtest: install
	$(PY) scripts/backtest.py --raw-dir $(LEAD_SCORING_RAW_DIR) --out reports/backtest \
		$(BACKTEST_ARGS)

# The public X Education leads (../shared/realdata), timestamps made up by the
# importer: monthly cohorts of new leads, followed for 60 days.
X_EDUCATION_RAW := data/x_education/raw
x-education: install
	$(PY) scripts/import_x_education.py --out $(X_EDUCATION_RAW)
	$(PY) scripts/backtest.py --raw-dir $(X_EDUCATION_RAW) \
		--vars $(X_EDUCATION_RAW)/dbt_vars.json \
		--horizon-days 60 --max-lead-age-days 30 \
		--train-cutoffs 2025-02-01 2025-03-01 2025-04-01 2025-05-01 2025-06-01 \
			2025-07-01 2025-08-01 \
		--test-cutoffs 2025-10-01 2025-11-01 2025-12-01 \
		--out reports/x_education $(BACKTEST_ARGS)

# sqlfluff compiles the models against a database (the fit-rule unpivot reads
# the catalogue): an empty build makes every relation, with no rows and no
# tests, for it. Every dbt test (data and unit) runs in pytest's builds.
test: install-test engines
	rm -rf data/test
	$(PY) scripts/generate_sample_data.py --leads 200 --out $(TEST_RAW_DIR)
	LEAD_SCORING_RAW_DIR=$(TEST_RAW_DIR) LEAD_SCORING_DUCKDB_PATH=$(TEST_DUCKDB) \
		$(DBT) build --empty --exclude-resource-type unit_test \
		--exclude-resource-type test
	LEAD_SCORING_RAW_DIR=$(TEST_RAW_DIR) LEAD_SCORING_DUCKDB_PATH=$(TEST_DUCKDB) \
		$(MAKE) --no-print-directory lint
	# Two workers, each taking a whole test file at a time (a file's tests
	# share its builds), longest files first (conftest.py; without
	# --no-loadscope-reorder xdist hands out the files with the most tests
	# first, and Spark's build ran alone at the end). A third worker made
	# Spark's build crawl. pytest exits 5 when it collects nothing: that is
	# a failure here.
	$(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder --durations=25; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; \
	exit $$status

# The project on Spark alone (tests/pytest/test_spark.py, part of make test):
# about four minutes on 2 cores.
test-spark: install-test engines
	$(BIN)/pytest -m spark; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; \
	exit $$status

# sqlfluff on every core (--processes 0): dbt compiles the project once,
# then the files are linted side by side (docs/testing.md).
lint: install-test
	$(BIN)/ruff check scripts tests
	$(BIN)/ruff format --check scripts tests
	$(BIN)/sqlfluff lint --processes 0 models analyses

# The full lock: pyproject.toml's pins with every extra, and whatever they
# pull in, as pip freeze of a fresh venv (without the empty project itself).
LOCK_VENV ?= /tmp/lead-scoring-lock
lock:
	rm -rf $(LOCK_VENV) && $(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --upgrade pip==25.3
	$(LOCK_VENV)/bin/python -m pip install --quiet '.[$(EXTRAS)]'
	{ echo "# Pinned lock of pyproject.toml with every extra (pip freeze of a fresh venv)."; \
	  echo "# Both installs use it as a constraints file. Regenerate: make lock"; \
	  $(LOCK_VENV)/bin/python -m pip freeze --exclude pip --exclude lead-scoring-warehouse; \
	} > requirements.txt

clean:
	rm -rf target logs data/test $(LEAD_SCORING_DUCKDB_PATH)
