"""Plugin loader (placeholder until the plugin host lands)."""


def load_plugins(config):
    pass
