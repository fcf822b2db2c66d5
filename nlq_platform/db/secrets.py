"""Generated passwords of the local cluster's roles, kept in ``.nlq/secrets.json`` (mode 0600).

Passwords are generated once and reused, so a cluster created by one `make demo` keeps working
in the next. Environment variables (``NLQ_INGEST_DB_PASSWORD`` …) take precedence.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

ROLE_KEYS = ("owner", "ingest", "reader", "app")


def load_or_create(home: Path) -> dict[str, str]:
    """Return ``{"owner": …, "ingest": …, "reader": …, "app": …}``, creating missing passwords.

    A file written before a role existed gains that role's password and keeps the others, so an
    existing cluster's owner password never changes."""
    path = home / "secrets.json"
    data: dict[str, str] = {}
    if path.exists():
        data = json.loads(path.read_text())
    changed = False
    for key in ROLE_KEYS:
        if not data.get(key):
            data[key] = secrets.token_urlsafe(18)
            changed = True
    if changed:
        home.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2))
        os.chmod(tmp, 0o600)
        tmp.replace(path)
    return data
