"""The ``nlq`` command: one entry point for the database, the ingest service and benchmarks."""

from __future__ import annotations

import sys

import click

from nlq_platform.cli.ask import ask, sql
from nlq_platform.cli.bench import bench
from nlq_platform.cli.chat import chat
from nlq_platform.cli.db import db
from nlq_platform.cli.errors import UserFacingError, user_facing
from nlq_platform.cli.eval import eval_group
from nlq_platform.cli.ingest import ingest
from nlq_platform.cli.metadata import metadata
from nlq_platform.cli.traffic import traffic
from nlq_platform.config import SettingsError, get_settings
from nlq_platform.logging import configure_logging


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """nlq platform: log ingest, PostgreSQL and natural-language questions over logs."""


cli.add_command(db)
cli.add_command(ingest)
cli.add_command(bench)
cli.add_command(ask)
cli.add_command(sql)
cli.add_command(chat)
cli.add_command(eval_group)
cli.add_command(metadata)


@cli.group(invoke_without_command=True)
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Set up and run the platform (PostgreSQL, migrations, ingest service); Ctrl-C stops it.

    `nlq demo traffic` sends demo traffic on its own.
    """
    if ctx.invoked_subcommand is not None:
        return
    from nlq_platform.demo import run

    with user_facing("running the demo"):
        run(get_settings())


demo.add_command(traffic)


def main() -> None:
    """Console-script entry: known failures become one clear line, never a traceback."""
    try:
        settings = get_settings()
    except SettingsError as exc:  # a bad NLQ_* value: one line naming it, before any work
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(2)
    configure_logging(settings)
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except UserFacingError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # last resort: a sentence, not a traceback (NLQ_DEBUG=1 shows it)
        if settings.debug:
            raise
        click.secho(f"error: unexpected {type(exc).__name__}: {exc}", fg="red", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
