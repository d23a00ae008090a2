# One command to set up and run the app, one to set up and run the tests.
# Everything is installed into .venv; pip takes torch from /opt/wheels (see requirements.txt).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The app listens on this machine only. Serving it on a network is a choice made here:
# `make run ADDRESS=0.0.0.0` (it then answers, but refuses uploads and rebuilds unless
# POLICY_QA_ALLOW_REMOTE_CHANGES=1; see README "Serving on a network").
ADDRESS ?= 127.0.0.1
PORT ?= 8501

.PHONY: run test setup setup-test index evaluate bench clean

run: setup
	$(BIN)/streamlit run chat_app/web/app.py --server.address $(ADDRESS) --server.port $(PORT) \
		--browser.gatherUsageStats false

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
