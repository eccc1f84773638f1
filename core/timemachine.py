"""Placeholder."""


def includeme(config):
    pass
