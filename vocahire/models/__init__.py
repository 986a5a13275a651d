"""SQLModel tables, one module per aggregate; importing this registers them all."""

from vocahire.models._base import UTCDateTime, new_id, utcnow
from vocahire.models.account_security import AccountToken, AuthSession, ThrottleHit
from vocahire.models.admin_action import AdminAction
from vocahire.models.billing import StripePayment, StripeSubscription
from vocahire.models.email import OutboundEmail
from vocahire.models.feedback import Feedback
from vocahire.models.interview import InterviewSession, TranscriptEntry
from vocahire.models.ledger import CreditLedgerEntry
from vocahire.models.practice import PracticeItem
from vocahire.models.usage import InterviewCost, InterviewModelUsage, ModelUsageEvent
from vocahire.models.user import User
from vocahire.models.webhook_event import ProcessedWebhookEvent

__all__ = [
    "AccountToken",
    "AdminAction",
    "AuthSession",
    "CreditLedgerEntry",
    "Feedback",
    "InterviewCost",
    "InterviewModelUsage",
    "InterviewSession",
    "ModelUsageEvent",
    "OutboundEmail",
    "PracticeItem",
    "ProcessedWebhookEvent",
    "StripePayment",
    "StripeSubscription",
    "ThrottleHit",
    "TranscriptEntry",
    "UTCDateTime",
    "User",
    "new_id",
    "utcnow",
]
