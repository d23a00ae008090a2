# One command to set up and run the app, one to set up and run the tests.
# Everything is installed into .venv; pip takes torch from /opt/wheels (see requirements.txt).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test setup setup-test index evaluate bench clean

run: setup
	$(BIN)/streamlit run chat_app/app.py --browser.gatherUsageStats false

test: setup-test
	$(BIN)/python -m pytest -q

setup: $(VENV)/.installed
setup-test: $(VENV)/.installed-test

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements-test.txt
	touch $(VENV)/.installed $@

index: setup
	$(BIN)/python -m index build

evaluate: setup
	$(BIN)/python -m chat_app evaluate

bench: setup
	$(BIN)/python -m chat_app bench

clean:
	rm -rf .policy_qa test-output
