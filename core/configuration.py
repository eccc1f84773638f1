"""Deployment configuration: the ``ticketry.*`` keys of the ini file and their environment overrides.

Every key is declared here once with its type, default and environment variable. Unknown
``ticketry.*`` keys and values of the wrong type stop start-up with a message that names the key,
the bad value and what is allowed. Plugin keys (``ticketry.plugin.<name>.<key>``) are checked later,
against the plugin's own setting declarations.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


class ConfigurationError(Exception):
    """A deployment setting is missing, unknown or malformed; the message says what to fix."""


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("expected one of true/false, yes/no, on/off, 1/0")


def _as_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return tuple(part for part in str(value).replace(",", " ").split() if part)


def _as_int(value: Any) -> int:
    return int(str(value).strip())


def _as_non_negative_int(value: Any) -> int:
    number = _as_int(value)
    if number < 0:
        raise ValueError("expected 0 or a positive whole number")
    return number


def _as_str(value: Any) -> str:
    return str(value).strip()


def _choice(*allowed: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = str(value).strip()
        if text not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}")
        return text

    return parse


@dataclass(frozen=True)
class Option:
    key: str
    parse: Callable[[Any], Any]
    default: Any
    doc: str

    @property
    def env(self) -> str:
        return self.key.upper().replace(".", "_")


OPTIONS: tuple[Option, ...] = (
    Option("ticketry.database_url", _as_str, "sqlite:///%(here)s/var/ticketry.sqlite",
           "SQLAlchemy URL of the database (sqlite:///path or postgresql+psycopg://...)."),
    Option("ticketry.secret_key", _as_str, "", "Secret for sessions, CSRF tokens and signatures. Required."),
    Option("ticketry.var_dir", _as_str, "%(here)s/var", "Folder for the SQLite database, task queue, files and mail."),
    Option("ticketry.site_url", _as_str, "http://127.0.0.1:8000", "Public base URL used in mails and links."),
    Option("ticketry.debug", _as_bool, False, "Show tracebacks and reload templates."),
    Option("ticketry.locales", _as_list, ("en", "de"), "Locales the installation offers."),
    Option("ticketry.default_locale", _as_str, "en", "Locale used when nothing else matches."),
    Option("ticketry.timezone", _as_str, "UTC", "Default time zone of new organizers and events."),
    Option("ticketry.huey.url", _as_str, "", "redis://... for RedisHuey; empty for the SQLite queue in var_dir."),
    Option("ticketry.huey.immediate", _as_bool, False, "Run tasks inline instead of queueing them (tests)."),
    Option("ticketry.mail.backend", _choice("smtp", "file", "console", "memory"), "file",
           "How mail leaves: smtp, file (var_dir/mail), console or memory (tests)."),
    Option("ticketry.mail.from", _as_str, "tickets@localhost", "Default sender address."),
    Option("ticketry.mail.smtp_host", _as_str, "localhost", "SMTP server host."),
    Option("ticketry.mail.smtp_port", _as_int, 587, "SMTP server port."),
    Option("ticketry.mail.smtp_user", _as_str, "", "SMTP user name."),
    Option("ticketry.mail.smtp_password", _as_str, "", "SMTP password."),
    Option("ticketry.mail.smtp_tls", _as_bool, True, "Use STARTTLS."),
    Option("ticketry.mail.smtp_ssl", _as_bool, False, "Use implicit TLS."),
    Option("ticketry.plugins.exclude", _as_list, (), "Plugins never loaded."),
    Option("ticketry.plugins.allow", _as_list, (), "If set, only these plugins are loaded."),
    Option("ticketry.plugins.default_event", _as_list, (), "Plugins enabled on new events."),
    Option("ticketry.plugins.default_organizer", _as_list, (), "Plugins enabled on new organizers."),
    Option("ticketry.plugins.strict", _as_bool, False, "Treat a broken or incompatible plugin as a start-up error."),
    Option("ticketry.verify_providers", _as_bool, False, "verifyObject every provider instance (tests, SDK)."),
    Option("ticketry.lock_timeout_ms", _as_int, 3000, "How long lock_objects waits before LockTimeout."),
    Option("ticketry.session.max_age", _as_int, 3 * 3600, "Idle timeout of a login session in seconds."),
    Option("ticketry.session.secure", _as_bool, False, "Send the session cookie over HTTPS only."),
    Option("ticketry.api.rate_limit", _as_non_negative_int, 0,
           "API requests per minute per credential (counted in the database, shared by all processes); 0 = off."),
)

OPTIONS_BY_KEY = {o.key: o for o in OPTIONS}
PLUGIN_PREFIX = "ticketry.plugin."


def load(raw: Mapping[str, Any], environ: Mapping[str, str] | None = None, here: str = ".") -> dict[str, Any]:
    """Merge ini values, ``TICKETRY_*`` environment overrides and defaults into typed settings.

    Non-``ticketry.*`` keys (pyramid.*, sqlalchemy.*, ...) pass through untouched. Raises
    :class:`ConfigurationError` naming the key for unknown keys and malformed values.
    """
    environ = os.environ if environ is None else environ
    result: dict[str, Any] = {k: v for k, v in raw.items() if not k.startswith("ticketry.")}
    for key in raw:
        if key.startswith("ticketry.") and key not in OPTIONS_BY_KEY and not key.startswith(PLUGIN_PREFIX):
            raise ConfigurationError(
                f"unknown setting {key!r}; known settings are: {', '.join(sorted(OPTIONS_BY_KEY))}"
            )
    for option in OPTIONS:
        source = f"environment variable {option.env}" if option.env in environ else f"setting {option.key!r}"
        value = environ.get(option.env, raw.get(option.key, option.default))
        if isinstance(value, str):
            value = value.replace("%(here)s", here)
        try:
            result[option.key] = option.parse(value)
        except ValueError as exc:
            raise ConfigurationError(f"{source} has the bad value {value!r}: {exc}") from None
    for key, value in raw.items():
        if key.startswith(PLUGIN_PREFIX):
            result[key] = value
    if not result["ticketry.secret_key"]:
        raise ConfigurationError(
            "setting 'ticketry.secret_key' is required: set it in the ini file or in TICKETRY_SECRET_KEY "
            "(a long random string, e.g. from `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
        )
    return result


def describe() -> str:
    """An annotated ini block of every deployment setting with its default (``ticketry check``, docs)."""
    lines = []
    for option in OPTIONS:
        default = " ".join(option.default) if isinstance(option.default, tuple) else option.default
        lines.append(f"# {option.doc} (env {option.env})")
        lines.append(f"{option.key} = {default}")
    return "\n".join(lines)
