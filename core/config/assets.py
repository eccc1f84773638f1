"""Directives ``add_plugin_static`` and ``add_plugin_translations``: a plugin's files, namespaced by name."""

from __future__ import annotations

import os

from pyramid.config import Configurator
from pyramid.path import AssetResolver
from pyramid.static import QueryStringConstantCacheBuster

from core.config.owner import CORE, owner_of
from core.configuration import ConfigurationError

#: How long browsers may cache plugin assets; the cache buster changes URLs on every plugin release.
STATIC_MAX_AGE = 365 * 24 * 3600


def _plugin(config: Configurator, directive: str) -> tuple[str, str]:
    owner = owner_of(config)
    if owner == CORE:
        raise ConfigurationError(f"{directive} is for plugins")
    return owner, config.registry.plugin_packages[owner]


def _folder(spec: str, directive: str) -> str:
    path = AssetResolver().resolve(spec).abspath()
    if not os.path.isdir(path):
        raise ConfigurationError(f"{directive}: folder {spec!r} does not exist ({path})")
    return path


def add_plugin_static(config: Configurator, folder: str = "static") -> str:
    """Serve ``<package>/<folder>`` at ``/static/plugins/<plugin>/`` with a version cache buster.

    Templates build URLs with ``request.static_url("<package>:static/app.css")``; the plugin version is
    appended as ``?x=<version>``. Returns the URL prefix.
    """
    plugin, package = _plugin(config, "add_plugin_static")
    spec = f"{package}:{folder}"
    _folder(spec, "add_plugin_static")
    prefix = f"static/plugins/{plugin}"
    config.add_static_view(prefix, spec, cache_max_age=STATIC_MAX_AGE)
    version = config.registry.plugin_infos[plugin].version
    config.add_cache_buster(spec + "/", QueryStringConstantCacheBuster(version))
    return "/" + prefix


def add_plugin_translations(config: Configurator, folder: str = "locale") -> None:
    """Add ``<package>/<folder>`` (``<lang>/LC_MESSAGES/<plugin>.mo``) to the translation dirs.

    The gettext domain is the plugin name (``TranslationStringFactory("<plugin>")``); catalogues of
    any other domain in the folder are a configuration error, so plugins cannot shadow the core's.
    """
    plugin, package = _plugin(config, "add_plugin_translations")
    spec = f"{package}:{folder}"
    path = _folder(spec, "add_plugin_translations")
    for lang in sorted(os.listdir(path)):
        messages = os.path.join(path, lang, "LC_MESSAGES")
        if not os.path.isdir(messages):
            continue
        for filename in sorted(os.listdir(messages)):
            domain, ext = os.path.splitext(filename)
            if ext in (".mo", ".po") and domain != plugin:
                raise ConfigurationError(
                    f"add_plugin_translations: {lang}/LC_MESSAGES/{filename} in {spec!r} uses the domain "
                    f"{domain!r}; plugin {plugin!r} may only ship the domain {plugin!r}"
                )
    config.add_translation_dirs(spec)


def includeme(config: Configurator) -> None:
    config.add_directive("add_plugin_static", add_plugin_static)
    config.add_directive("add_plugin_translations", add_plugin_translations)
