"""Directives: logs (filled in by its issue work)."""


def includeme(config):
    pass
