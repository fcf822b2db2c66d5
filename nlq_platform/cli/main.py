"""The ``nlq`` command: one entry point for the database, the ingest service and benchmarks."""

from __future__ import annotations

import sys

import click

from nlq_platform.cli.bench import bench
from nlq_platform.cli.db import db
from nlq_platform.cli.errors import UserFacingError
from nlq_platform.cli.ingest import ingest


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """nlq platform: log ingest, PostgreSQL and natural-language questions over logs."""


cli.add_command(db)
cli.add_command(ingest)
cli.add_command(bench)


def main() -> None:
    """Console-script entry: known failures become one clear line, never a traceback."""
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
