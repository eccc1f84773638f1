"""Extension point of payment methods: :class:`IPaymentProvider`."""

from __future__ import annotations

from zope.interface import Attribute, Interface, taggedValue

from core.pluginhost.info import Level


class IPaymentProvider(Interface):
    """One way to pay for an order (bank transfer, card, PayPal, box office, ...), configured per event.

    Register with :func:`core.services.payments.register_payment_provider` (which calls
    ``config.add_provider(IPaymentProvider, identifier, Factory)`` and declares the provider's settings).
    The factory gets the **event** and returns the provider for it. Subclassing
    :class:`core.services.payments.BasePaymentProvider` gives every member below a working default; a provider
    then only overrides what it does differently (usually ``execute_payment`` and the refund members).

    **Settings.** Each provider has the generic settings ``payment_<identifier>__enabled``, ``__fee_abs``,
    ``__fee_percent``, ``__fee_reverse_calc``, ``__availability_start``, ``__availability_date``, ``__total_min``,
    ``__total_max``, ``__invoice_text``, ``__restricted_countries``, ``__restrict_to_sales_channels``,
    ``__hidden``, ``__hidden_seed`` and ``__prevent_reminder_mail`` (pretix's names: ``payment_<identifier>_``
    plus the sub-key, which itself starts with ``_``) and its own keys from :attr:`settings_fields`, stored as
    ``payment_<identifier>_<key>`` (under ``plugin.<plugin>.`` for plugin providers). Writing them needs
    ``event.settings.payment:write``.

    **Context.** Checkout members get a :class:`core.services.payments.PaymentContext`: the sales channel
    identifier, the buyer's country (from the invoice address, or None), the identifiers of hidden providers
    the buyer unlocked, the test-mode flag, and ``session_data``, a mutable dict that lives as long as the
    checkout (the web or API layer persists it). Services never pass HTTP requests.

    **Failure policy.** Members that talk to the outside world (``checkout_prepare``, ``execute_payment``,
    ``execute_refund``, ``cancel_payment``) report refusals by raising
    :class:`core.services.payments.PaymentError` with a message for the buyer or the organizer. The calling
    service records the refusal (a payment or refund becomes ``failed`` where the member says so, with the
    message in ``info["error"]``) and tells its caller; it does not roll the record back. Any other exception
    is a bug: it propagates and the calling transaction is rolled back. Query members (``is_allowed``,
    ``calculate_fee``, ``matching_id``, ...) must not write to the database and must not raise for ordinary
    input.

    **Scope:** event. Instances are built per lookup and must not keep state between calls beyond caches of
    event data.
    """

    taggedValue("scope", Level.EVENT)

    identifier = Attribute(
        "Unique name of the provider (``[a-z][a-z0-9_]*``), stored in ``OrderPayment.provider`` and in setting "
        "keys. It must never change once payments exist."
    )
    verbose_name = Attribute("Name shown to the organizer (an I18nString or str).")
    public_name = Attribute("Name shown to the buyer at checkout; defaults to ``verbose_name``.")
    is_enabled = Attribute("True if the organizer enabled the provider for this event (``__enabled`` setting).")
    settings_fields = Attribute(
        "Tuple of :class:`core.settings.Setting` declarations of the provider's own settings, with short keys "
        "(``bank_details``); the registration stores them as ``payment_<identifier>_<key>``. Read them with "
        "``provider.setting(key)``."
    )
    payment_form_fields = Attribute(
        "Tuple of :class:`core.services.payments.FormField` the buyer fills in at checkout (data only: name, "
        "type, label, required, choices, help text); the front end renders them and passes the answers to "
        "``checkout_prepare``. Empty if the provider needs no input."
    )
    execute_payment_needs_user = Attribute(
        "True if ``execute_payment`` needs the buyer present (a redirect to the provider follows); False lets "
        "the core execute it right after the order is placed (API orders, imports)."
    )
    multi_use_supported = Attribute(
        "True if the provider can pay only part of an order next to other providers (gift cards); at most one "
        "provider without it may be used per order."
    )
    requires_invoice_immediately = Attribute(
        "True if the buyer needs the invoice before paying (bank transfer): with the ``paid`` invoice generation "
        "mode the invoice is then created when the order is placed."
    )

    def is_allowed(context, total):  # type: ignore[no-untyped-def]
        """Whether the buyer may choose this provider in ``context`` for an order of ``total``.

        **When:** at checkout when listing providers, again when the order is placed, and when the buyer
        switches the payment method of a pending order.

        :param context: the :class:`~core.services.payments.PaymentContext`.
        :param total: the order total (Decimal) *without* this provider's fee.

        Returns a bool. The base class checks ``is_enabled``, the availability window (``__availability_start``
        to the end of ``__availability_date``, in the event's time zone, against the time machine's now),
        ``__total_min``/``__total_max``, the sales channel, the buyer's country against
        ``__restricted_countries`` and, for hidden providers, whether the buyer unlocked them. Overrides should
        call it and add their own conditions. Never raises for ordinary input.
        """

    def calculate_fee(price):  # type: ignore[no-untyped-def]
        """The payment fee (gross, Decimal, rounded to the currency) for paying ``price`` with this provider.

        **When:** at checkout and placement (creating the ``payment`` OrderFee) and when the payment method of
        a pending order changes.

        ``price`` is the amount paid with this provider without its fee. The base class computes
        ``__fee_abs + price * __fee_percent / 100``; with ``__fee_reverse_calc`` (default) the fee is grossed
        up so that after the provider deducts its percentage from the whole amount the organizer still
        receives ``price``: ``(price + abs) / (1 - percent/100) - price``. Returns ``0`` when both settings are
        zero. Pure: no writes.
        """

    def checkout_prepare(context, data, total):  # type: ignore[no-untyped-def]
        """Validate the buyer's answers to :attr:`payment_form_fields` and remember them for the payment.

        **When:** once the buyer picked this provider at checkout, before the order is placed.

        :param context: the checkout :class:`~core.services.payments.PaymentContext`; store what
            ``execute_payment`` will need in ``context.session_data`` (keys prefixed with the identifier).
        :param data: dict of the answers, keyed by field name.
        :param total: the amount to be paid with this provider, fee included.

        Returns True to continue, or a URL (str) the buyer must visit first (an external authorisation).
        Raises :class:`~core.services.payments.PaymentError` with a message naming the field to fix.
        """

    def payment_is_valid_session(context):  # type: ignore[no-untyped-def]
        """Whether ``context.session_data`` still holds everything ``execute_payment`` needs.

        **When:** before the order is placed and before a pending order's payment is retried. Returns a bool;
        False sends the buyer back to the payment step. Pure.
        """

    def execute_payment(context, payment):  # type: ignore[no-untyped-def]
        """Start or complete ``payment`` (an OrderPayment in state ``created``).

        **When:** right after the order is placed (``execute_payment_needs_user=False``, or once the buyer
        confirmed), or when the buyer retries paying a pending order.

        The provider may set the payment ``pending`` (money is on its way), confirm it through
        :func:`core.services.payments.confirm_payment`, or leave it ``created``. It may store provider data in
        ``payment.info``. Returns None or a URL (str) to redirect the buyer to (the provider's payment page).
        Raises :class:`~core.services.payments.PaymentError` if the payment was refused; the core then marks
        the payment ``failed``.
        """

    def payment_refund_supported(payment):  # type: ignore[no-untyped-def]
        """Whether ``payment`` (confirmed) can be refunded automatically through this provider. Pure."""

    def payment_partial_refund_supported(payment):  # type: ignore[no-untyped-def]
        """Whether ``payment`` can be refunded in part (an amount below its amount). Pure."""

    def execute_refund(refund):  # type: ignore[no-untyped-def]
        """Send the money of ``refund`` (an OrderRefund in state ``created``) back to the buyer.

        **When:** right after an organizer or buyer created a refund that uses this provider.

        Set ``refund.state`` to ``transit`` if the money is on its way, or call
        :func:`core.services.payments.refund_done` once it arrived. Raises
        :class:`~core.services.payments.PaymentError` if the provider refused; the core marks the refund
        ``failed``. Only called when ``payment_refund_supported`` (and, for partial amounts,
        ``payment_partial_refund_supported``) returned True.
        """

    def cancel_payment(payment):  # type: ignore[no-untyped-def]
        """Abort ``payment`` (state ``created`` or ``pending``) at the provider.

        **When:** the order is canceled, the buyer switches provider, or another payment failed at placement.

        Called by :func:`core.services.payments.cancel_payment`, which marks the payment ``canceled`` and logs it
        afterwards; the base class does nothing. Providers with a payment in flight abort it at the provider.
        Raises :class:`~core.services.payments.PaymentError` if the payment cannot be canceled any more (it went
        through); the payment is then left as it was.
        """

    def order_change_allowed(order):  # type: ignore[no-untyped-def]
        """Whether a pending ``order`` may switch to this provider (after checkout). Returns a bool; pure.

        The base class applies the same rules as ``is_allowed`` for the order's open amount, sales channel and
        invoice address country (hidden providers are not offered).
        """

    def prevent_reminder_mail(order, payment):  # type: ignore[no-untyped-def]
        """True to suppress the payment reminder mail of ``order`` (e.g. a direct debit that settles itself).

        The base class returns the ``__prevent_reminder_mail`` setting. Pure.
        """

    def api_payment_details(payment):  # type: ignore[no-untyped-def]
        """The JSON-serialisable dict shown as ``details`` of ``payment`` in the REST API.

        Must never contain secrets (card numbers, tokens). The base class returns an empty dict. Pure.
        """

    def matching_id(payment):  # type: ignore[no-untyped-def]
        """The identifier the provider knows ``payment`` by (a transaction id), or None.

        Used to find payments from provider notifications and exports. Pure.
        """

    def shred_payment_info(obj):  # type: ignore[no-untyped-def]
        """Remove personal data from ``obj`` (an OrderPayment or OrderRefund) for the data shredder.

        **When:** the organizer shreds an event's payment data. Replace ``obj.info`` by a version without
        names, account numbers, e-mail addresses and the like (keep amounts and ids needed for accounting).
        The base class empties ``info`` but keeps the key ``_shredded: True``. Writes only to ``obj``.
        """
