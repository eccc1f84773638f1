"""The public plugin API."""
