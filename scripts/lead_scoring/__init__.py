"""Shared code for the project's command-line scripts (see scripts/*.py)."""
