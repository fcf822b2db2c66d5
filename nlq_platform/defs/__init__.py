"""Dagster definitions of System A (one folder per concern); the entry point is
:mod:`nlq_platform.defs.definitions`."""
