"""Attribution: which plugin (or the core) a registration belongs to."""

from __future__ import annotations

from pyramid.config import Configurator

CORE = "core"


def owner_of(config: Configurator) -> str:
    """The plugin name owning the code that is configuring now, or ``"core"``.

    The loader records ``registry.plugin_for_package`` (package name -> plugin name) before it
    includes a plugin; ``config.package_name`` of the included sub-configurator is matched on the
    longest dotted prefix. Anything not inside a plugin package belongs to the core.
    """
    mapping: dict[str, str] = getattr(config.registry, "plugin_for_package", {})
    package = config.package_name or ""
    while package:
        if package in mapping:
            return mapping[package]
        package = package.rpartition(".")[0]
    return CORE
