"""Batch renderers of pretix's JSON shared by API resources (one query per kind per page)."""
