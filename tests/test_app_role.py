"""The analyst app writes feedback as ``nlq_app``, configured like ``nlq_reader`` and ``nlq_ingest``.

The app faces analysts, so its database login must not be able to reach ``logs``: these tests
check the DSN it is given (derived, generated or overridden), that ``nlq db migrate`` sets the
role's password, and what the role may and may not do on the real server.
"""

from __future__ import annotations

import asyncio
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from nlq_platform.app_support.feedback import FeedbackError, feedback_dsn, insert_feedback, make_feedback
from nlq_platform.config import Settings
from nlq_platform.db import dsn as dsn_mod
from nlq_platform.db.dsn import APP_ROLE, with_credentials
from tests.conftest import run_sql, settings_env
from tests.support.pg import APP_PASSWORD

NLQ = str(Path(sys.executable).parent / "nlq")
OWNER = "postgresql://nlq:owner-pw@db.example:5432/nlq"


@pytest.fixture
def no_nlq_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read from the environment below only, not from the developer's shell."""
    for key in list(os.environ):
        if key.startswith("NLQ_"):
            monkeypatch.delenv(key)


# --- configuration -----------------------------------------------------------------------------------


def test_app_dsn_is_derived_with_a_generated_password(tmp_path: Path, no_nlq_env: None) -> None:
    dsns = dsn_mod.resolve(Settings(home=tmp_path, database_url=OWNER))
    generated = json.loads((tmp_path / "secrets.json").read_text())
    assert dsns.app == with_credentials(OWNER, "nlq_app", generated["app"])
    assert dsns.app_password == generated["app"] and len(generated["app"]) >= 20
    assert len({generated[k] for k in ("owner", "ingest", "reader", "app")}) == 4
    assert stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode) == 0o600
    assert dsn_mod.resolve(Settings(home=tmp_path, database_url=OWNER)).app == dsns.app, "kept, not redrawn"


def test_an_older_secrets_file_gains_the_app_password(tmp_path: Path, no_nlq_env: None) -> None:
    """A cluster made before nlq_app existed keeps its owner password (or it could not log in)."""
    old = {"owner": "o" * 24, "ingest": "i" * 24, "reader": "r" * 24}
    (tmp_path / "secrets.json").write_text(json.dumps(old))
    dsns = dsn_mod.resolve(Settings(home=tmp_path, pg_port=5999))
    kept = json.loads((tmp_path / "secrets.json").read_text())
    assert {k: kept[k] for k in old} == old and kept["app"]
    assert dsns.owner == "postgresql://nlq:" + "o" * 24 + "@127.0.0.1:5999/nlq"
    assert dsns.app == f"postgresql://nlq_app:{kept['app']}@127.0.0.1:5999/nlq"


def test_app_password_and_dsn_come_from_the_environment(
    tmp_path: Path, no_nlq_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NLQ_HOME", str(tmp_path))
    monkeypatch.setenv("NLQ_DATABASE_URL", OWNER)
    monkeypatch.setenv("NLQ_APP_DB_PASSWORD", "p@ss/word")
    settings = Settings()
    assert dsn_mod.resolve(settings).app_password == "p@ss/word"
    assert feedback_dsn(settings) == "postgresql://nlq_app:p%40ss%2Fword@db.example:5432/nlq"

    monkeypatch.setenv("NLQ_APP_DATABASE_URL", "postgresql://feedback:x@other:6543/fb")
    assert feedback_dsn(Settings()) == "postgresql://feedback:x@other:6543/fb"
    assert dsn_mod.resolve(Settings()).reader.startswith("postgresql://nlq_reader:"), "others unchanged"


# --- the role on the real server -----------------------------------------------------------------------


async def _can(dsn: str, sql: str) -> bool:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
        return True
    except asyncpg.InsufficientPrivilegeError:
        return False
    finally:
        await conn.close()


def test_app_role_writes_feedback_and_cannot_read_or_modify_logs(owner_dsn: str, settings: Settings) -> None:
    app = feedback_dsn(settings)
    assert app == with_credentials(owner_dsn, APP_ROLE, APP_PASSWORD)
    before = run_sql(owner_dsn, "SELECT count(*) AS n FROM logs")[0]["n"]

    entry = make_feedback(
        "서비스별 에러 수", "SELECT service, count(*) FROM logs GROUP BY 1", "up", None, "offline"
    )
    new_id = asyncio.run(insert_feedback(app, entry))
    [row] = run_sql(owner_dsn, "SELECT question, verdict, engine FROM nlq_feedback WHERE id = $1", new_id)
    assert dict(row) == {"question": "서비스별 에러 수", "verdict": "up", "engine": "offline"}
    assert asyncio.run(_can(app, "SELECT count(*) FROM nlq_feedback"))

    insert = "INSERT INTO logs (log_type, service, message) VALUES ('BACKEND', 'svc', 'm')"
    for sql in (
        "SELECT count(*) FROM logs",
        insert,
        "UPDATE logs SET deleted = TRUE",
        "DELETE FROM logs",
        "TRUNCATE logs",
        "SELECT * FROM ingest_batches",
        "SELECT * FROM schema_migrations",
        "UPDATE nlq_feedback SET verdict = 'down'",
        "DELETE FROM nlq_feedback",
        "CREATE TABLE app_owned (x int)",
        "ALTER TABLE nlq_feedback ADD COLUMN x int",
    ):
        assert not asyncio.run(_can(app, sql)), f"nlq_app may not: {sql}"
    assert run_sql(owner_dsn, "SELECT count(*) AS n FROM logs")[0]["n"] == before
    [role] = run_sql(
        owner_dsn,
        "SELECT rolsuper, rolcreatedb, rolcreaterole, rolinherit FROM pg_roles WHERE rolname = $1",
        APP_ROLE,
    )
    assert not any(role.values())


def test_a_wrong_app_password_is_a_sentence_pointing_at_migrate(owner_dsn: str) -> None:
    wrong = with_credentials(owner_dsn, APP_ROLE, "not-the-password")
    with pytest.raises(FeedbackError, match="nlq db migrate") as info:
        asyncio.run(insert_feedback(wrong, make_feedback("q", "SELECT 1 FROM logs", "up")))
    assert "unreachable" not in str(info.value)


def nlq(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NLQ_")}
    return subprocess.run([NLQ, *args], env={**clean, **env}, capture_output=True, text=True, timeout=120)


def test_nlq_db_migrate_sets_the_generated_app_password(
    owner_dsn: str, settings: Settings, tmp_path: Path
) -> None:
    """Without NLQ_APP_DB_PASSWORD, `nlq db migrate` gives nlq_app the password in secrets.json."""
    env = {k: v for k, v in settings_env(settings).items() if k != "NLQ_APP_DB_PASSWORD"}
    env["NLQ_HOME"] = str(tmp_path)
    try:
        result = nlq("db", "migrate", env=env)
        assert result.returncode == 0, result.stderr
        generated = json.loads((tmp_path / "secrets.json").read_text())["app"]
        entry = make_feedback("q", "SELECT 1 FROM logs", "down", "generated password", "offline")
        assert asyncio.run(insert_feedback(with_credentials(owner_dsn, APP_ROLE, generated), entry)) > 0
        with pytest.raises(FeedbackError, match="refused the app's login"):
            asyncio.run(insert_feedback(with_credentials(owner_dsn, APP_ROLE, APP_PASSWORD), entry))
    finally:  # roles are cluster-wide: give the rest of the suite its password back
        restored = nlq("db", "migrate", env=settings_env(settings))
        assert restored.returncode == 0, restored.stderr
    assert asyncio.run(_can(feedback_dsn(settings), "SELECT count(*) FROM nlq_feedback"))
