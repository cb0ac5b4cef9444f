"""Maintenance scripts: ``python -m tools.version`` and the install smoke test."""
