"""The core's setting declarations, with pretix's defaults (``core.settings`` registers them at start-up).

Labels and help texts are translation strings of the ``ticketry`` domain. Payment, invoicing and tax
keys need their own write permissions, as in pretix.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from datetime import date
from typing import Any

from core.i18n import LOCALE_PATTERN, I18nString, _
from core.settings.declaration import Scope, Setting

PAYMENT = "event.settings.payment:write"
INVOICING = "event.settings.invoicing:write"
TAX = "event.settings.tax:write"


def at_least(minimum: int) -> Callable[[Any], None]:
    """Validator: a number not below ``minimum``."""

    def check(value: Any) -> None:
        if value < minimum:
            raise ValueError(f"must be at least {minimum}, got {value}")

    return check


def between(minimum: int, maximum: int) -> Callable[[Any], None]:
    """Validator: a number from ``minimum`` to ``maximum``."""

    def check(value: Any) -> None:
        if not minimum <= value <= maximum:
            raise ValueError(f"must be between {minimum} and {maximum}, got {value}")

    return check


def timezone_name(value: str) -> None:
    """Validator: an IANA time zone such as ``Europe/Berlin``."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not a time zone name such as Europe/Berlin") from None


def locale_name(value: str) -> None:
    """Validator: a language tag such as ``de`` or ``de-formal``."""
    if not LOCALE_PATTERN.match(value):
        raise ValueError(f"{value!r} is not a language tag such as en or de-formal")


def locale_names(value: list[Any]) -> None:
    """Validator: a non-empty list of language tags."""
    if not value:
        raise ValueError("name at least one language")
    for item in value:
        if not isinstance(item, str):
            raise ValueError(f"{item!r} is not a language tag")
        locale_name(item)


def email_address(value: str) -> None:
    """Validator: something that looks like ``name@domain``."""
    local, _at, domain = value.partition("@")
    if not local or not domain or "@" in domain or any(c.isspace() for c in value):
        raise ValueError(f"{value!r} is not an e-mail address")


def invoice_number_prefix(value: str) -> None:
    """Validator: an invoice number prefix with only the date placeholders invoices understand."""
    if value:  # imported late: the invoice services import the settings
        from core.services.invoices.numbering import check_prefix

        check_prefix(value)


#: Order mail templates: ``kind -> (subject, text)``, stored as ``mail_subject_<kind>`` / ``mail_text_<kind>``.
ORDER_MAIL_TEMPLATES: dict[str, tuple[str, str]] = {
    "order_placed": (
        "Your order: {code}",
        "Hello,\n\nthank you for your order for {event}. We have received it.\n\n"
        "Please pay {total_with_currency} by {expire_date}.\n\n{payment_info}\n\n"
        "You can see your order and its status at any time here:\n{url}\n\nBest regards,\nThe {event} team",
    ),
    "order_placed_attendee": (
        "Your ticket: {event}",
        "Hello,\n\na ticket for {event} has been ordered for you.\n\n"
        "You can see the details of your ticket here:\n{url}\n\nBest regards,\nThe {event} team",
    ),
    "order_free": (
        "Your order: {code}",
        "Hello,\n\nthank you for your order for {event}. It is confirmed; as it is free of charge, "
        "there is nothing to pay.\n\nYou can see your order at any time here:\n{url}\n\n"
        "Best regards,\nThe {event} team",
    ),
    "order_free_attendee": (
        "Your ticket: {event}",
        "Hello,\n\na free ticket for {event} has been ordered for you.\n\n"
        "You can see the details of your ticket here:\n{url}\n\nBest regards,\nThe {event} team",
    ),
    "order_placed_require_approval": (
        "Your order {code} is waiting for approval",
        "Hello,\n\nthank you for your order for {event}. The organizer has to approve it before it becomes "
        "valid. We will write to you again as soon as it has been reviewed.\n\n"
        "You can see your order at any time here:\n{url}\n\nBest regards,\nThe {event} team",
    ),
    "order_approved": (
        "Your order {code} has been approved",
        "Hello,\n\ngood news: your order for {event} has been approved.\n\n"
        "Please pay {total_with_currency} by {expire_date}.\n\n{payment_info}\n\n"
        "You can see your order at any time here:\n{url}\n\nBest regards,\nThe {event} team",
    ),
    "order_approved_attendee": (
        "Your ticket: {event}",
        "Hello,\n\nthe order of a ticket for {event} made for you has been approved.\n\n"
        "You can see the details of your ticket here:\n{url}\n\nBest regards,\nThe {event} team",
    ),
    "order_approved_free": (
        "Your order {code} has been approved",
        "Hello,\n\ngood news: your order for {event} has been approved. It is free of charge, so there is "
        "nothing to pay.\n\nYou can see your order at any time here:\n{url}\n\nBest regards,\nThe {event} team",
    ),
    "order_approved_free_attendee": (
        "Your ticket: {event}",
        "Hello,\n\nthe order of a free ticket for {event} made for you has been approved.\n\n"
        "You can see the details of your ticket here:\n{url}\n\nBest regards,\nThe {event} team",
    ),
    "order_denied": (
        "Your order {code} has been declined",
        "Hello,\n\nwe are sorry: the organizer has declined your order for {event}.\n\n{comment}\n\n"
        "You can see your order here:\n{url}\n\nBest regards,\nThe {event} team",
    ),
    "order_paid": (
        "Payment received for your order {code}",
        "Hello,\n\nwe have received your payment for {event}. Thank you!\n\n"
        "You can see your order and download your tickets here:\n{url}\n\nBest regards,\nThe {event} team",
    ),
    "order_paid_attendee": (
        "Your ticket: {event}",
        "Hello,\n\nthe ticket for {event} ordered for you has been paid.\n\n"
        "You can see your ticket here:\n{url}\n\nBest regards,\nThe {event} team",
    ),
    "order_canceled": (
        "Order canceled: {code}",
        "Hello,\n\nyour order {code} for {event} has been canceled.\n\n{comment}\n\n"
        "You can see the details here:\n{url}\n\nBest regards,\nThe {event} team",
    ),
    "order_changed": (
        "Your order {code} has been changed",
        "Hello,\n\nyour order for {event} has been changed.\n\n"
        "You can see the current state of your order here:\n{url}\n\nBest regards,\nThe {event} team",
    ),
    "order_expire_warning": (
        "Your order {code} is about to expire",
        "Hello,\n\nwe have not yet received the full payment for your order for {event}. Please pay "
        "{pending_sum} by {expire_date}, otherwise the order will be canceled and the tickets released.\n\n"
        "{payment_info}\n\nYou can pay or see your order here:\n{url}\n\nBest regards,\nThe {event} team",
    ),
    "order_pending_warning": (
        "Your order {code} is still unpaid",
        "Hello,\n\nwe have not yet received the full payment for your order for {event}. Please pay "
        "{pending_sum} by {expire_date}.\n\n{payment_info}\n\n"
        "You can pay or see your order here:\n{url}\n\nBest regards,\nThe {event} team",
    ),
    "order_payment_failed": (
        "Payment failed for your order {code}",
        "Hello,\n\nthe payment attempt for your order for {event} did not succeed. Your order is still "
        "open; please try again or choose another payment method by {expire_date}:\n{url}\n\n"
        "Best regards,\nThe {event} team",
    ),
    "order_invoice": (
        "Invoice {invoice_number}",
        "Hello,\n\nplease find attached a new invoice for your order {code} for {event}.\n\n"
        "You can see your order here:\n{url}\n\nBest regards,\nThe {event} team",
    ),
    "resend_link": (
        "Your order: {code}",
        "Hello,\n\nyou asked for the link to your order for {event}. Here it is:\n{url}\n\n"
        "If you did not ask for it, you can ignore this e-mail.\n\nBest regards,\nThe {event} team",
    ),
}

#: Templates that have an attendee variant, sent to attendee addresses when ``mail_send_<kind>_attendee`` is on.
ATTENDEE_MAIL_TEMPLATES = ("order_placed", "order_free", "order_approved", "order_approved_free", "order_paid")


def _order_mail_settings() -> tuple[Setting, ...]:
    settings: list[Setting] = []
    for kind, (subject, text) in ORDER_MAIL_TEMPLATES.items():
        label = kind.replace("_", " ")
        settings.append(Setting(f"mail_subject_{kind}", I18nString, subject, label=_("Subject: ${kind}",
                                                                                    mapping={"kind": label})))
        settings.append(Setting(f"mail_text_{kind}", I18nString, text, label=_("Text: ${kind}",
                                                                              mapping={"kind": label})))
    for kind in ATTENDEE_MAIL_TEMPLATES:
        settings.append(Setting(f"mail_send_{kind}_attendee", bool, False, label=_("Also mail the attendees"),
                                doc=_("Send the attendee variant of this e-mail to every attendee address.")))
    return tuple(settings)


NAME_SCHEMES = ("full", "given_family", "title_given_family", "given_middle_family", "salutation_given_family")

CORE_SETTINGS: tuple[Setting, ...] = (
    # Languages and time
    Setting("locale", str, "en", deployment_key="ticketry.default_locale", validate=locale_name,
            label=_("Default language"), doc=_("Language used when a visitor's language is not offered.")),
    Setting("locales", list, ["en"], validate=locale_names,
            label=_("Available languages"), doc=_("Languages the shop and its e-mails are offered in.")),
    Setting("timezone", str, "UTC", deployment_key="ticketry.timezone", validate=timezone_name,
            label=_("Time zone"), doc=_("Dates and times are shown in this time zone.")),
    # Plugins
    Setting("allowed_restricted_plugins", list, [], scope=Scope.ORGANIZER, write_permission=None,
            label=_("Allowed restricted plugins"), doc=_("Restricted plugins this organizer may enable.")),
    # E-mail
    Setting("mail_from", str, "tickets@localhost", deployment_key="ticketry.mail.from", validate=email_address,
            label=_("Sender address"), doc=_("E-mails are sent from this address.")),
    Setting("mail_from_name", str, None, label=_("Sender name"), doc=_("Shown as the sender of e-mails.")),
    Setting("mail_html_renderer", str, "simple", label=_("HTML e-mail design"),
            doc=_("Name of the HTML renderer of e-mails, e.g. plain or simple.")),
    Setting("mail_prefix", str, None, label=_("Subject prefix"),
            doc=_("Put in brackets at the start of every e-mail subject.")),
    Setting("mail_bcc", str, None, label=_("Bcc address"), doc=_("Every e-mail is also sent to this address.")),
    Setting("mail_text_signature", I18nString, "", label=_("Signature"),
            doc=_("Appended to the text of every e-mail.")),
    Setting("mail_days_order_expire_warning", int, 3, validate=at_least(0), label=_("Expiry warning"),
            doc=_("Days before the payment deadline to remind the customer (0: never).")),
    Setting("mail_sales_channel_placed_paid", list, ["web"], label=_("Order e-mails for sales channels"),
            doc=_("Sales channels whose orders get the order placed and paid e-mails.")),
    *_order_mail_settings(),
    Setting("smtp_use_custom", bool, False, label=_("Use a custom SMTP server")),
    Setting("smtp_host", str, "", label=_("SMTP host")),
    Setting("smtp_port", int, 587, validate=between(1, 65535), label=_("SMTP port")),
    Setting("smtp_username", str, "", label=_("SMTP user name")),
    Setting("smtp_password", str, "", secret=True, label=_("SMTP password")),
    Setting("smtp_use_tls", bool, False, label=_("Use STARTTLS")),
    Setting("smtp_use_ssl", bool, False, label=_("Use SSL")),
    # Checkout
    Setting("reservation_time", int, 30, validate=at_least(0), label=_("Reservation period"),
            doc=_("Minutes products stay reserved in a cart.")),
    Setting("max_items_per_order", int, 10, validate=at_least(1), label=_("Maximum products per order")),
    Setting("display_net_prices", bool, False, label=_("Show net prices"),
            doc=_("Show prices without taxes in the shop.")),
    Setting("name_scheme", str, "full", choices=NAME_SCHEMES, label=_("Name format"),
            doc=_("How names of attendees and customers are asked.")),
    Setting("attendee_names_asked", bool, True, label=_("Ask for attendee names")),
    Setting("attendee_names_required", bool, False, label=_("Require attendee names")),
    Setting("attendee_emails_asked", bool, False, label=_("Ask for attendee e-mail addresses")),
    Setting("attendee_emails_required", bool, False, label=_("Require attendee e-mail addresses")),
    Setting("attendee_company_asked", bool, False, label=_("Ask for attendee companies")),
    Setting("attendee_addresses_asked", bool, False, label=_("Ask for attendee addresses")),
    Setting("invoice_address_asked", bool, True, label=_("Ask for an invoice address")),
    Setting("invoice_address_required", bool, False, label=_("Require an invoice address")),
    # Payment
    Setting("payment_term_mode", str, "days", choices=("days", "minutes"), write_permission=PAYMENT,
            label=_("Payment term"), doc=_("Whether the payment deadline is counted in days or minutes.")),
    Setting("payment_term_days", int, 14, validate=at_least(0), write_permission=PAYMENT,
            label=_("Payment term in days")),
    Setting("payment_term_weekdays", bool, True, write_permission=PAYMENT, label=_("Only end on weekdays"),
            doc=_("Move a deadline that falls on a weekend to the next Monday.")),
    Setting("payment_term_minutes", int, 30, validate=at_least(1), write_permission=PAYMENT,
            label=_("Payment term in minutes")),
    Setting("payment_term_last", date, None, write_permission=PAYMENT, label=_("Last date of payments"),
            doc=_("No payment deadline is later than this date.")),
    Setting("payment_term_expire_automatically", bool, True, write_permission=PAYMENT,
            label=_("Expire unpaid orders automatically")),
    Setting("payment_term_expire_delay_days", int, 0, validate=at_least(0), write_permission=PAYMENT,
            label=_("Expiration delay"), doc=_("Days after the deadline before an unpaid order expires.")),
    Setting("payment_term_accept_late", bool, True, write_permission=PAYMENT, label=_("Accept late payments"),
            doc=_("Accept payments of expired orders while there is still quota.")),
    # Invoicing
    Setting("invoice_generate", str, "False", write_permission=INVOICING, label=_("Generate invoices"),
            choices=(("False", _("No")), ("admin", _("Manually in the admin panel")),
                     ("user", _("Automatically on user request")),
                     ("user_paid", _("Automatically on user request for paid orders")),
                     ("True", _("Automatically for all orders")),
                     ("paid", _("Automatically on payment")))),
    Setting("invoice_numbers_consecutive", bool, True, write_permission=INVOICING,
            label=_("Consecutive invoice numbers")),
    Setting("invoice_numbers_counter_length", int, 5, validate=between(1, 15), write_permission=INVOICING,
            label=_("Digits of invoice numbers")),
    Setting("invoice_numbers_prefix", str, "", validate=invoice_number_prefix, write_permission=INVOICING,
            label=_("Invoice number prefix"), doc=_("Empty: the event slug. May contain %Y, %y, %m, %d and %j.")),
    Setting("invoice_numbers_prefix_cancellations", str, "", validate=invoice_number_prefix,
            write_permission=INVOICING, label=_("Invoice number prefix of cancellations"),
            doc=_("Empty: the same prefix as invoices.")),
    Setting("invoice_generate_sales_channels", list, ["web"], write_permission=INVOICING,
            label=_("Generate invoices for sales channels"),
            doc=_("Invoices are generated automatically only for orders of these sales channels.")),
    Setting("invoice_generate_only_business", bool, False, write_permission=INVOICING,
            label=_("Only for business customers"),
            doc=_("Generate invoices automatically only when the invoice address is a business.")),
    Setting("invoice_renderer", str, "classic", write_permission=INVOICING, label=_("Invoice layout"),
            doc=_("Name of the invoice renderer, e.g. classic.")),
    Setting("invoice_address_from_name", str, "", write_permission=INVOICING, label=_("Issuer name")),
    Setting("invoice_address_from", str, "", write_permission=INVOICING, label=_("Issuer address"),
            doc=_("Street and further address lines of the issuer.")),
    Setting("invoice_address_from_zipcode", str, "", write_permission=INVOICING, label=_("Issuer ZIP code")),
    Setting("invoice_address_from_city", str, "", write_permission=INVOICING, label=_("Issuer city")),
    Setting("invoice_address_from_state", str, "", write_permission=INVOICING, label=_("Issuer state")),
    Setting("invoice_address_from_country", str, "", write_permission=INVOICING, label=_("Issuer country"),
            doc=_("Two-letter ISO country code.")),
    Setting("invoice_address_from_tax_id", str, "", write_permission=INVOICING, label=_("Issuer tax ID")),
    Setting("invoice_address_from_vat_id", str, "", write_permission=INVOICING, label=_("Issuer VAT ID")),
    Setting("invoice_introductory_text", I18nString, "", write_permission=INVOICING,
            label=_("Introductory text"), doc=_("Printed above the invoice lines.")),
    Setting("invoice_additional_text", I18nString, "", write_permission=INVOICING,
            label=_("Additional text"), doc=_("Printed below the invoice lines.")),
    Setting("invoice_footer_text", I18nString, "", write_permission=INVOICING, label=_("Footer"),
            doc=_("Printed at the bottom of every page, e.g. bank details or the registry number.")),
    Setting("invoice_include_free", bool, True, write_permission=INVOICING, label=_("Invoice free products")),
    Setting("invoice_email_attachment", bool, True, write_permission=INVOICING,
            label=_("Attach invoices to e-mails")),
    Setting("invoice_language", str, "__user__", write_permission=INVOICING, label=_("Invoice language"),
            doc=_("A language tag, or __user__ for the customer's language.")),
    # Taxes
    Setting("tax_rounding", str, "line", choices=("line", "sum_by_net", "sum_by_net_keep_gross"),
            write_permission=TAX, label=_("Tax rounding"), doc=_("Round taxes per order line or on the sum.")),
    # Tickets
    Setting("ticket_download", bool, False, label=_("Allow ticket download")),
    Setting("ticket_secret_generator", str, "random", label=_("Ticket code generator"),
            doc=_("Name of the generator of ticket secrets.")),
    Setting("ticket_secret_length", int, 32, validate=between(12, 64), label=_("Length of ticket codes")),
    # Waiting list
    Setting("waiting_list_enabled", bool, False, label=_("Enable waiting list")),
    Setting("waiting_list_auto", bool, True, label=_("Send vouchers to the waiting list automatically")),
    Setting("waiting_list_hours", int, 48, validate=at_least(1), label=_("Waiting list response time"),
            doc=_("Hours a waiting list voucher stays valid.")),
    # Changes and cancellation
    Setting("allow_modifications", str, "order", choices=("order", "attendee"), label=_("Allow changes by"),
            doc=_("Who may change the answers of an order.")),
    Setting("cancel_allow_user", bool, True, label=_("Customers may cancel free orders")),
    Setting("cancel_allow_user_paid", bool, False, label=_("Customers may cancel paid orders")),
    # Other
    Setting("low_availability_percentage", int, None, validate=between(0, 100),
            label=_("Low availability threshold"), doc=_("Percentage of remaining quota shown as low.")),
    Setting("seating_choice", bool, True, label=_("Customers choose their seats")),
    Setting("seating_minimal_distance", float, 0.0, label=_("Minimal distance between groups")),
    Setting("giftcard_length", int, 12, scope=Scope.ORGANIZER, validate=between(6, 64),
            label=_("Length of gift card codes")),
    Setting("event_team_provisioning", bool, True, scope=Scope.ORGANIZER,
            label=_("Create a team for each new event")),
)
