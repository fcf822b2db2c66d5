"""``nlq eval``: the evaluation dataset and the execution-accuracy report."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import click
import orjson

from nlq_platform.cli.ask import ENGINES
from nlq_platform.cli.errors import UserFacingError, user_facing
from nlq_platform.config import get_settings
from nlq_platform.db import dsn as dsn_mod
from nlq_platform.db import lifecycle
from nlq_platform.evaluation import dataset
from nlq_platform.evaluation.report import ItemResult
from nlq_platform.evaluation.runner import LANGUAGES, EvalError, run_eval
from nlq_platform.evaluation.scenarios import ScenarioError


@click.group(name="eval")
def eval_group() -> None:
    """Seed the evaluation dataset and measure Text-to-SQL accuracy."""


@eval_group.command()
def seed() -> None:
    """Load the evaluation dataset into the database (NLQ_DATABASE_URL or the local cluster),
    migrating first; replaces what the logs table held."""
    settings = get_settings()
    started = time.monotonic()
    with user_facing("seeding the evaluation dataset"):
        lifecycle.up(settings)
        lifecycle.run_migrations(settings)
        rows = asyncio.run(dataset.load(dsn_mod.resolve(settings).owner))
    click.echo(f"loaded {rows:,} rows in {time.monotonic() - started:.1f}s")


@eval_group.command()
@click.option(
    "--scenarios",
    "scenarios_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Scenarios YAML (default: the bundled nlq_platform/evaluation/scenarios.yaml).",
)
@click.option(
    "--conversations",
    "conversations_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Conversation fixtures YAML instead: each conversation's turns are asked in order and its "
    "last turn is scored (e.g. nlq_platform/evaluation/conversations.yaml).",
)
@click.option("--engine", type=ENGINES, default=None, help="Engine (NLQ_ENGINE; default auto).")
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as one JSON document.")
@click.option(
    "--lang",
    type=click.Choice(["ko", "en", "both"]),
    default="both",
    show_default=True,
    help="Which question variant to ask: Korean, English or both.",
)
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    default=None,
    help="Exit 1 when strict execution accuracy (percent, 0-100) is below this.",
)
def run(
    scenarios_path: Path | None,
    conversations_path: Path | None,
    engine: str | None,
    as_json: bool,
    lang: str,
    fail_under: float | None,
) -> None:
    """Measure execution accuracy: ask every scenario's question, run the predicted and the gold SQL
    in one read-only transaction (nlq_reader) and compare the results (strict and subset EX)."""
    settings = get_settings()
    if scenarios_path and conversations_path:
        raise click.UsageError("--scenarios and --conversations are exclusive")
    langs = LANGUAGES if lang == "both" else (lang,)
    progress = None if as_json or not sys.stderr.isatty() else _progress
    with user_facing("running the evaluation"):
        try:
            report = run_eval(
                settings,
                conversations_path or scenarios_path,
                engine,
                langs,
                progress=progress,
                conversations=conversations_path is not None,
            )
        except (EvalError, ScenarioError) as exc:
            raise UserFacingError(str(exc)) from exc
        finally:
            if progress is not None:
                click.echo("\r\x1b[K", err=True, nl=False)
    if as_json:
        click.echo(orjson.dumps(report.to_dict()).decode())
    else:
        click.echo(report.to_markdown(), nl=False)
    strict = 100 * report.strict_accuracy
    if report.gold_errors:
        ids = ", ".join(item.key for item in report.gold_errors)
        click.secho(
            f"error: gold queries failed ({ids}); the accuracy is not trustworthy", fg="red", err=True
        )
        sys.exit(1)
    if fail_under is not None and strict < fail_under:
        click.secho(f"strict EX {strict:.1f}% is below --fail-under {fail_under:g}%", fg="red", err=True)
        sys.exit(1)


def _progress(item: ItemResult) -> None:
    """A status line on the terminal (stderr), overwritten by the next question."""
    timing = f" {item.generation_ms:.0f} ms" if item.generation_ms is not None else ""
    click.echo(f"\r\x1b[K{item.key}: {item.outcome}{timing}", err=True, nl=False)
