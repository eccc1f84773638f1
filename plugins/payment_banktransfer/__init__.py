"""Bundled plugin ``banktransfer``: pay by bank transfer and import bank statements to match the transfers.

The plugin uses only the public plugin API: it registers a payment provider (``banktransfer``) through
:func:`core.services.payments.register_payment_provider`, a ``{payment_info}`` mail placeholder, audit log entry
types and a huey task; its tables (``banktransfer_*``) come with their own migration lineage.

Public service API (:mod:`plugins.payment_banktransfer.service`)::

    job = start_import(session, event_or_organizer, file_bytes, CsvMapping(date=0, amount=2, reference=(1,)),
                       actor=user)                                  # matched by a background task
    unmatched_transactions(session, event_or_organizer)             # the list to match by hand
    assign_transaction(transaction, order, actor=user)              # manual match
    discard_transaction(transaction, actor=user)
"""

from __future__ import annotations

from pyramid.i18n import TranslationStringFactory

from core.pluginhost import Level, PluginInfo
from core.settings.declaration import Scope, Setting

_ = TranslationStringFactory("banktransfer")

plugin = PluginInfo(
    name="banktransfer",
    title=_("Bank transfer"),
    description=_("Accept payments by bank transfer and match them by importing your bank statements."),
    author="The Ticketry developers",
    category="PAYMENT",
    security_contact="security@ticketry.invalid",
    level=Level.EVENT,
    compatibility=">=0.1",
    settings=(
        Setting(
            "csvhint", dict, None, scope=Scope.ORGANIZER, label=_("Last CSV column mapping"),
            doc=_("The column mapping of the last CSV import, offered again for the next file of the same bank."),
        ),
    ),
    includeme="plugins.payment_banktransfer.config:includeme",
)
