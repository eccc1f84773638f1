"""Extension points. Each ``I*`` interface's docstring is the plugin API reference for it."""
