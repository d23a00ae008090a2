"""Edge: the HTTP API (FastAPI, served by uvicorn: `python -m chat_app serve`). It returns the
records the command line prints, as JSON, and RFC 9457 problem details for errors."""
