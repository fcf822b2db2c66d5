"""One settings object: every NLQ_* / ANTHROPIC_* read goes through nlq_platform.config, a bad value
stops with one line naming the variable, and the README's table is the settings' own."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest

from nlq_platform import config_docs
from nlq_platform.config import REPO_ROOT, Settings, SettingsError, env_name, load_settings

SOURCE_DIRS = ("nlq_platform", "ingest_service", "app", "examples", "bench")


def test_readme_table_is_generated_from_the_settings() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    assert config_docs.readme_table(readme) == config_docs.table(), (
        "README's configuration table is stale: run python -m nlq_platform.config_docs --write"
    )


def test_every_setting_is_documented() -> None:
    undocumented = [env_name(f) for f, info in Settings.model_fields.items() if not info.description]
    assert undocumented == []


def _literal_fields() -> list[tuple[str, tuple[str, ...]]]:
    return [
        (field, get_args(info.annotation))
        for field, info in Settings.model_fields.items()
        if get_args(info.annotation) and all(isinstance(a, str) for a in get_args(info.annotation))
    ]


@pytest.mark.parametrize(("field", "choices"), _literal_fields(), ids=lambda v: str(v))
def test_a_bad_choice_names_the_variable_and_the_allowed_values(field: str, choices: tuple[str, ...]) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({env_name(field): "nonsense"})
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"{env_name(field)}='nonsense' is not valid")
    assert all(repr(choice) in message for choice in choices)


@pytest.mark.parametrize(
    ("variable", "value", "why"),
    [
        ("NLQ_PG_PORT", "70000", "less than or equal to 65535"),
        ("NLQ_QUERY_TIMEOUT_MS", "soon", "valid integer"),
        ("NLQ_INGEST_AUTH", "maybe", "valid boolean"),
        ("NLQ_EVAL_MAX_WRONG_RATE", "2", "less than or equal to 1"),
    ],
)
def test_a_bad_value_is_one_line(variable: str, value: str, why: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({variable: value})
    assert str(raised.value).startswith(f"{variable}={value!r} is not valid")
    assert why in str(raised.value)


@pytest.mark.parametrize(
    ("env", "field", "expected"),
    [
        ({"NLQ_LOG_LEVEL": "warn"}, "log_level", "WARNING"),
        ({"NLQ_ENGINE": "Offline"}, "engine", "offline"),
        ({"NLQ_LOG_FORMAT": "JSON"}, "log_format", "json"),
        ({"NLQ_DATABASE_URL": ""}, "database_url", None),
        ({"ANTHROPIC_API_KEY": "sk-test"}, "anthropic_api_key", "sk-test"),
        ({"NLQ_INGEST_CORS_ORIGINS": ""}, "ingest_cors_origins", ""),
    ],
)
def test_values_mean_what_they_say(env: dict[str, str], field: str, expected: object) -> None:
    assert getattr(load_settings(env), field) == expected


def test_the_cli_stops_at_start_with_one_line() -> None:
    env = {**os.environ, "NLQ_ENGINE": "gpt-9", "NLQ_HOME": "/nonexistent/nlq"}
    done = subprocess.run(
        [sys.executable, "-c", "from nlq_platform.cli.main import main; main()", "ask", "how many errors?"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(
        "error: NLQ_ENGINE='gpt-9' is not valid: expected one of 'auto', 'offline', 'anthropic'"
    )


def _environment_reads(path: Path) -> list[str]:
    """``os.environ.get("NLQ_X")``, ``os.environ["NLQ_X"]`` and ``os.getenv("NLQ_X")`` in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        key = None
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            name = ast.unparse(node.func)
            if name in {"os.environ.get", "os.getenv", "environ.get", "getenv"}:
                key = node.args[0].value
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Load)
            and ast.unparse(node.value) in {"os.environ", "environ"}
            and isinstance(node.slice, ast.Constant)
        ):
            key = node.slice.value
        if isinstance(key, str) and key.startswith(("NLQ_", "ANTHROPIC_")):
            found.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno} {key}")
    return found


def test_settings_are_read_only_through_the_settings_object() -> None:
    reads = [
        hit
        for directory in SOURCE_DIRS
        for path in sorted((REPO_ROOT / directory).rglob("*.py"))
        if path.name != "config.py" and ".venv" not in path.parts and "node_modules" not in path.parts
        for hit in _environment_reads(path)
    ]
    assert reads == []
