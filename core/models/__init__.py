"""SQLAlchemy models of the core, one module per domain. Importing this package registers them all."""

from core.models.auth import StaffSession, StaffSessionAuditLog, User
from core.models.event import Event
from core.models.locking import WriteLock
from core.models.logs import LogEntry
from core.models.mail import MailStatus, OutgoingMail
from core.models.organizer import Organizer, Team, TeamAPIToken, TeamInvite
from core.models.plugins import EventPlugin, OrganizerPlugin
from core.models.settings import EventSetting, GlobalSetting, OrganizerSetting

__all__ = [
    "Event", "EventPlugin", "EventSetting", "GlobalSetting", "LogEntry", "MailStatus", "Organizer", "OrganizerPlugin",
    "OrganizerSetting", "OutgoingMail", "StaffSession", "StaffSessionAuditLog", "Team", "TeamAPIToken", "TeamInvite",
    "User", "WriteLock",
]
