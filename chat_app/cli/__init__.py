"""The command-line edge: `python -m chat_app ask | chat | evaluate | train | bench | serve`."""
