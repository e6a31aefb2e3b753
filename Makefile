# einkauf — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
DEMO_PASSWORD ?= einkauf-demo-2027
# The contracting authority printed on the demo's tender documents (cover, header). `make run`
# serves with it unless EINKAUF_COOPERATIVE_NAME / EINKAUF_COOPERATIVE_ADDRESS are set.
DEMO_COOPERATIVE_NAME ?= Einkaufskooperation NRW-Großstädte
DEMO_COOPERATIVE_ADDRESS ?= Geschäftsstelle der Einkaufskooperation\nBeispielstraße 1\n44135 Dortmund

.PHONY: run test lint install assets db demo serve bench clean translations messages

install: $(VENV)/.installed assets translations

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

assets: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d translations

# After changing UI texts: refresh translations/en/LC_MESSAGES/messages.po, then translate the
# new entries (and clear their fuzzy flags). --ignore-dirs: pybabel skips folders starting
# with "_" (templates/_macros) unless told otherwise.
messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs '.* node_modules' \
		--no-wrap -o /tmp/einkauf-messages.pot .
	$(BIN)/pybabel -q update -i /tmp/einkauf-messages.pot -d translations -l en --no-wrap

db: install
	$(BIN)/einkauf db upgrade

demo: db
	$(BIN)/einkauf demo --if-empty --password '$(DEMO_PASSWORD)'

run: demo
	EINKAUF_COOPERATIVE_NAME="$${EINKAUF_COOPERATIVE_NAME:-$(DEMO_COOPERATIVE_NAME)}" \
	EINKAUF_COOPERATIVE_ADDRESS="$${EINKAUF_COOPERATIVE_ADDRESS:-$(DEMO_COOPERATIVE_ADDRESS)}" \
	$(BIN)/einkauf serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Lint and type gates (zero findings expected): ruff over the Python sources, mypy over src/einkauf.
# Configuration in pyproject.toml ([tool.ruff], [tool.mypy]).
lint: $(VENV)/.installed
	$(BIN)/ruff check src tests bench migrations
	$(BIN)/mypy

bench: install
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) node_modules .pytest_cache
