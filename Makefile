# The README's two set-up commands are `make demo` and `make test`; each builds .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := demo-output

.PHONY: demo test lint bench screenshot clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(BIN)/qualcode --project $(DEMO)/demo.qualcode ingest transcripts/
	$(BIN)/qualcode --project $(DEMO)/demo.qualcode status
	$(BIN)/qualcode --project $(DEMO)/demo.qualcode code --codebook codebooks/justice.yaml
	$(BIN)/qualcode --project $(DEMO)/demo.qualcode segments --code inequality/housing \
		--city Barcelona --limit 2
	$(BIN)/qualcode --project $(DEMO)/demo.qualcode export segments \
		--out $(DEMO)/segments.xlsx --matrix $(DEMO)/matrix.csv
	$(BIN)/qualcode --project $(DEMO)/demo.qualcode export quotes --format docx \
		--out $(DEMO)/quotes.docx
	$(BIN)/qualcode --project $(DEMO)/demo.qualcode report --compare \
		--chart $(DEMO)/shares.png --out $(DEMO)/report --html $(DEMO)/report.html
	@echo "Demo outputs are in $(DEMO)/: report.html (open it in a browser), report/ (CSV, XLSX,"
	@echo "Markdown), shares.png, segments.xlsx, matrix.csv, quotes.docx"

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_match.py
	$(BIN)/python bench/bench_code.py
	$(BIN)/python bench/bench_report.py
	$(BIN)/python bench/bench_html.py

# The README's screenshot of the HTML report (needs Debian's chromium).
screenshot: $(VENV)/.installed-dev
	$(BIN)/python tools/screenshot.py

clean:
	rm -rf $(VENV) $(DEMO) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
