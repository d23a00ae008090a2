"""The answer engine: question -> retrieval -> reader -> cited answer. It never imports an edge
(streamlit, HTTP, argparse); the edges (cli/, web/, http_api/) import it."""

from chat_app.engine.pipeline import AnswerEngine

__all__ = ["AnswerEngine"]
