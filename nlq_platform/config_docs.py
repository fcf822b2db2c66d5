"""The README's configuration table, generated from :class:`nlq_platform.config.Settings`.

``python -m nlq_platform.config_docs`` prints it; ``--write`` replaces the table between the
README's ``settings-table`` markers (``tests/test_config.py`` checks they are equal).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nlq_platform.config import REPO_ROOT, Settings, env_name

README = REPO_ROOT / "README.md"
START = "<!-- settings-table:start (generated: python -m nlq_platform.config_docs --write) -->"
END = "<!-- settings-table:end -->"

#: defaults shown for fields whose definition carries no ``shown_default`` (computed defaults)
SHOWN = {"archive_uri": "`file://.nlq/archive`"}


def _default(field: str) -> str:
    info = Settings.model_fields[field]
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    if "shown_default" in extra:
        return str(extra["shown_default"])
    if field in SHOWN:
        return SHOWN[field]
    value = info.default
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, Path):
        value = value.relative_to(REPO_ROOT) if value.is_relative_to(REPO_ROOT) else value
    return f"`{value}`"


def _meaning(field: str) -> str:
    text = (Settings.model_fields[field].description or "").strip().removesuffix(".")
    return text.replace("|", "\\|")


def table() -> str:
    """One row per setting: the variable, its default, what it means."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    rows += [f"| `{env_name(f)}` | {_default(f)} | {_meaning(f)} |" for f in Settings.model_fields]
    return "\n".join(rows)


def readme_table(text: str) -> str:
    """The table between the markers of ``text`` (the README)."""
    start, end = text.index(START) + len(START), text.index(END)
    return text[start:end].strip()


def write(path: Path = README) -> bool:
    """Replace the README's table; True when it changed."""
    text = path.read_text()
    start, end = text.index(START) + len(START), text.index(END)
    new = text[:start] + "\n" + table() + "\n" + text[end:]
    path.write_text(new)
    return new != text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="update README.md in place")
    args = parser.parse_args(argv)
    if args.write:
        print("README.md updated" if write() else "README.md already up to date")
    else:
        print(table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
