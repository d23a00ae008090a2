"""Settings: documented defaults, then environment variables, then flags; clear errors."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from ingest.errors import SettingsError
from ingest.settings import BUNDLED_MODEL, ENV_PREFIX, Settings


def test_defaults():
    settings = Settings.load(environ={})

    assert settings == Settings()
    assert settings.corpus_dir == Path("corpus")
    assert settings.index_dir == Path(".policy_qa/index")
    assert settings.model == BUNDLED_MODEL
    assert settings.chunk_chars == 1000 and settings.top_k == 5


def test_every_field_is_documented_and_settable_by_environment():
    for f in fields(Settings):
        assert f.type in ("Path", "str", "int", "float", "bool"), f.name
    environ = {f"{ENV_PREFIX}TOP_K": "7", f"{ENV_PREFIX}INDEX_DIR": "/data/index",
               f"{ENV_PREFIX}DENSE_WEIGHT": "0.5", f"{ENV_PREFIX}GENERATOR_URL": "http://127.0.0.1:8080/v1",
               f"{ENV_PREFIX}ALLOW_REMOTE_CHANGES": "yes"}

    settings = Settings.load(environ=environ)

    assert (settings.top_k, settings.index_dir, settings.dense_weight, settings.generator_url,
            settings.allow_remote_changes) == (7, Path("/data/index"), 0.5, "http://127.0.0.1:8080/v1", True)


def test_a_flag_beats_the_environment_which_beats_the_default():
    environ = {"POLICY_QA_INDEX_DIR": "/env/index", "POLICY_QA_CORPUS_DIR": "/env/corpus"}

    settings = Settings.load({"index_dir": "/flag/index", "corpus_dir": None, "model": None}, environ)

    assert settings.index_dir == Path("/flag/index")  # flag
    assert settings.corpus_dir == Path("/env/corpus")  # flag not given (None): environment
    assert settings.model == BUNDLED_MODEL  # neither: default


def test_an_empty_environment_variable_counts_as_unset():
    assert Settings.load(environ={"POLICY_QA_TOP_K": ""}).top_k == 5


def test_the_process_environment_is_read_by_default(monkeypatch):
    monkeypatch.setenv("POLICY_QA_CHUNK_CHARS", "700")

    assert Settings.load().chunk_chars == 700


def test_with_changes_and_validates():
    settings = Settings().with_(top_k=3)

    assert settings.top_k == 3
    with pytest.raises(SettingsError, match=r"^top_k: must be at least 1, got 0$"):
        settings.with_(top_k=0)


@pytest.mark.parametrize("environ, message", [
    ({"POLICY_QA_TOP_K": "five"}, r"^POLICY_QA_TOP_K: 'five' is not a valid int$"),
    ({"POLICY_QA_DENSE_WEIGHT": "high"}, r"^POLICY_QA_DENSE_WEIGHT: 'high' is not a valid float$"),
    ({"POLICY_QA_CHUNK_CHARS": "100"}, r"^chunk_chars: 100 is too small; use 200 or more$"),
    ({"POLICY_QA_QUERY_BACKEND": "gpu"}, r"^query_backend: 'gpu' is not one of auto, onnx, torch$"),
    ({"POLICY_QA_BATCH_SIZE": "0"}, r"^batch_size: must be at least 1, got 0$"),
    ({"POLICY_QA_DENSE_WEIGHT": "0", "POLICY_QA_KEYWORD_WEIGHT": "0", "POLICY_QA_SENTENCE_WEIGHT": "0"},
     r"^dense_weight, keyword_weight, sentence_weight: must be >= 0 and not all 0$"),
    ({"POLICY_QA_KEYWORD_WEIGHT": "-1"}, r"^dense_weight, keyword_weight, sentence_weight: must be >= 0"),
    ({"POLICY_QA_REFERENCE_WEIGHT": "2"}, r"^reference_weight: must be between 0 and 1, got 2\.0$"),
    # issue 10, item 15: nan made every fused score nan; a negative upload limit was accepted
    ({"POLICY_QA_DENSE_WEIGHT": "nan"}, r"^POLICY_QA_DENSE_WEIGHT: 'nan' is not a finite number$"),
    ({"POLICY_QA_KEYWORD_WEIGHT": "inf"}, r"^POLICY_QA_KEYWORD_WEIGHT: 'inf' is not a finite number$"),
    ({"POLICY_QA_REFERENCE_WEIGHT": "-1e999"}, r"^POLICY_QA_REFERENCE_WEIGHT: '-1e999' is not a finite number$"),
    ({"POLICY_QA_MAX_UPLOAD_MB": "-1"}, r"^max_upload_mb: must be between 1 and 1024, got -1$"),
    ({"POLICY_QA_MAX_UPLOAD_MB": "0"}, r"^max_upload_mb: must be between 1 and 1024, got 0$"),
    ({"POLICY_QA_MAX_UPLOAD_MB": "100000"}, r"^max_upload_mb: must be between 1 and 1024, got 100000$"),
    ({"POLICY_QA_GENERATOR_TIMEOUT": "0"}, r"^generator_timeout: must be above 0 seconds, got 0\.0$"),
    ({"POLICY_QA_HNSW_EF_SEARCH": "0"}, r"^hnsw_ef_search: must be at least 1, got 0$"),
    ({"POLICY_QA_ALLOW_REMOTE_CHANGES": "maybe"},
     r"^POLICY_QA_ALLOW_REMOTE_CHANGES: 'maybe' is not a valid bool \(true/false, yes/no, on/off or 1/0\)$"),
    # the HTTP API's (issue 12)
    ({"POLICY_QA_API_PORT": "0"}, r"^api_port: must be between 1 and 65535, got 0$"),
    ({"POLICY_QA_API_PORT": "http"}, r"^POLICY_QA_API_PORT: 'http' is not a valid int$"),
    ({"POLICY_QA_API_WORKERS": "0"}, r"^api_workers: must be between 1 and 32, got 0$"),
    ({"POLICY_QA_API_MAX_BODY_KB": "0"}, r"^api_max_body_kb: must be between 1 and 10240, got 0$"),
    ({"POLICY_QA_API_HOST": " "}, r"^api_host: must not be empty"),
    ({"POLICY_QA_QUERY_THREADS": "-1"}, r"^query_threads: must be 0 \(one per core\) or more, got -1$"),
    ({"POLICY_QA_API_TOKEN": "short"}, r"^api_token: must be at least 16 printable ASCII characters without spaces"),
    ({"POLICY_QA_API_TOKEN": "sixteen chars, spaced"}, r"^api_token: must be at least 16 printable"),
])
def test_bad_environment_values_name_the_variable_or_setting(environ, message):
    with pytest.raises(SettingsError, match=message):
        Settings.load(environ=environ)


@pytest.mark.parametrize("overrides, message", [
    ({"top_k": "many"}, r"^--top-k: 'many' is not a valid int$"),
    ({"chunk_chars": 50}, r"^chunk_chars: 50 is too small; use 200 or more$"),
    ({"colour": "blue"}, r"^colour: no such setting$"),
])
def test_bad_flags_name_the_flag(overrides, message):
    with pytest.raises(SettingsError, match=message):
        Settings.load(overrides, environ={})


def test_a_value_set_in_code_is_checked_too():
    with pytest.raises(SettingsError, match=r"^dense_weight: must be a finite number, got nan$"):
        Settings().with_(dense_weight=float("nan"))


def test_remote_changes_are_off_unless_switched_on():
    assert Settings.load(environ={}).allow_remote_changes is False
    for text, value in (("1", True), ("TRUE", True), ("on", True), ("0", False), ("no", False), ("off", False)):
        assert Settings.load(environ={"POLICY_QA_ALLOW_REMOTE_CHANGES": text}).allow_remote_changes is value


def test_a_flag_overrides_the_environment_for_numbers_too():
    assert Settings.load({"chunk_chars": 800}, {"POLICY_QA_CHUNK_CHARS": "900"}).chunk_chars == 800
    assert Settings.load({"chunk_chars": "600"}, {}).chunk_chars == 600  # flags arrive as text too


# --- the HTTP API's settings (issue 12) -------------------------------------------------------

def test_the_api_listens_on_this_machine_only_and_is_read_only_by_default():
    settings = Settings.load(environ={})
    assert (settings.api_host, settings.api_port, settings.api_workers, settings.api_token) == ("127.0.0.1", 8000, 1, "")
    assert "api_token" not in repr(Settings(api_token="s3cret-s3cret-s3cret"))  # never in a log line


def test_the_token_is_never_echoed_in_an_error():
    with pytest.raises(SettingsError) as raised:
        Settings.load(environ={"POLICY_QA_API_TOKEN": "short"})
    assert "short" not in str(raised.value)


def test_a_flag_is_named_as_the_user_typed_it():
    with pytest.raises(SettingsError, match=r"^--port: 'x' is not a valid int$"):
        Settings.load({"api_port": "x"}, {}, flags={"api_port": "--port"})


def test_settings_reach_a_child_process_through_the_environment_whole():
    settings = Settings.load({"index_dir": "/x/index", "api_port": 9001, "allow_remote_changes": True, "top_k": 7},
                             {"POLICY_QA_API_TOKEN": "0123456789abcdef-token"})
    assert Settings.load(environ=settings.to_environ()) == settings
