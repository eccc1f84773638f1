"""SQLAlchemy models of the core, one module per domain. Importing this package registers them all."""

import core.models.mixins  # noqa: F401  (registers the organizer_id filler)
from core.models.addons import ItemAddOn, ItemBundle
from core.models.answers import QuestionAnswer
from core.models.api_calls import ApiCall, ApiRateCounter
from core.models.auth import StaffSession, StaffSessionAuditLog, User
from core.models.cart import CartPosition
from core.models.channels import SalesChannel
from core.models.devices import Device, Gate
from core.models.discounts import Discount
from core.models.event import Event, SubEvent
from core.models.invoices import Invoice, InvoiceAddress, InvoiceLine
from core.models.items import Item, ItemCategory
from core.models.locking import WriteLock
from core.models.logs import LogEntry
from core.models.mail import MailStatus, OutgoingMail
from core.models.meta import (
    EventMetaProperty,
    EventMetaValue,
    ItemMetaProperty,
    ItemMetaValue,
    ItemVariationMetaValue,
    SubEventMetaValue,
)
from core.models.oauth import OAuthAccessToken, OAuthApplication, OAuthGrant, OAuthRefreshToken
from core.models.orders import Order
from core.models.organizer import Organizer, Team, TeamAPIToken, TeamInvite
from core.models.payments import OrderPayment, OrderRefund
from core.models.plugins import EventPlugin, OrganizerPlugin
from core.models.positions import OrderFee, OrderPosition
from core.models.questions import Question, QuestionOption
from core.models.quotas import Quota
from core.models.settings import EventSetting, GlobalSetting, OrganizerSetting
from core.models.subevent_items import SubEventItem, SubEventItemVariation
from core.models.tax import TaxRule
from core.models.ticket_secrets import RevokedTicketSecret
from core.models.transactions import Transaction
from core.models.uploads import ApiUpload
from core.models.usage import product_usage
from core.models.variations import ItemVariation
from core.models.vouchers import Voucher
from core.models.webhooks import Webhook, WebhookCall, WebhookRetry

__all__ = [
    "ApiCall",
    "ApiRateCounter",
    "ApiUpload",
    "CartPosition",
    "Device",
    "Discount",
    "Event",
    "EventMetaProperty",
    "EventMetaValue",
    "EventPlugin",
    "EventSetting",
    "Gate",
    "GlobalSetting",
    "Invoice",
    "InvoiceAddress",
    "InvoiceLine",
    "Item",
    "ItemAddOn",
    "ItemBundle",
    "ItemCategory",
    "ItemMetaProperty",
    "ItemMetaValue",
    "ItemVariation",
    "ItemVariationMetaValue",
    "LogEntry",
    "MailStatus",
    "OAuthAccessToken",
    "OAuthApplication",
    "OAuthGrant",
    "OAuthRefreshToken",
    "Order",
    "OrderFee",
    "OrderPayment",
    "OrderPosition",
    "OrderRefund",
    "Organizer",
    "OrganizerPlugin",
    "OrganizerSetting",
    "OutgoingMail",
    "Question",
    "QuestionAnswer",
    "QuestionOption",
    "Quota",
    "RevokedTicketSecret",
    "SalesChannel",
    "StaffSession",
    "StaffSessionAuditLog",
    "SubEvent",
    "SubEventItem",
    "SubEventItemVariation",
    "SubEventMetaValue",
    "TaxRule",
    "Team",
    "TeamAPIToken",
    "TeamInvite",
    "Transaction",
    "User",
    "Voucher",
    "Webhook",
    "WebhookCall",
    "WebhookRetry",
    "WriteLock",
    "product_usage",
]
