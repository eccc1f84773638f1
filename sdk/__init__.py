"""Tools for plugin authors: pytest fixtures (``sdk.testing``), scaffolding and quality checks."""
