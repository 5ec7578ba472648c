"""The closed sets of words the engine stores: kinds, statuses, decisions.

Each is a ``StrEnum``: a member is equal to its text, so the database, the
files and the JSON keep the words they always had (DESIGN.md section 5),
while code and the database's CHECK constraints (migration 0004) draw on
one list. Adding a member needs a migration that widens the constraint.
"""

from __future__ import annotations

from enum import StrEnum


class CostKind(StrEnum):
    """A fixed cost, in the default order of priority (DOMAIN.md R2)."""

    HUUR = "huur"
    ENERGIE = "energie"
    WATER = "water"
    ZORGVERZEKERING = "zorgverzekering"
    OVERIG = "overig"


class BenefitKind(StrEnum):
    LEVENSONDERHOUD = "levensonderhoud"
    VOORSCHOT = "voorschot"
    NABETALING = "nabetaling"
    VAKANTIETOESLAG = "vakantietoeslag"
    BIJZONDERE_BIJSTAND = "bijzondere_bijstand"


WITHHOLDABLE_BENEFITS = frozenset(
    {BenefitKind.LEVENSONDERHOUD, BenefitKind.VOORSCHOT, BenefitKind.NABETALING}
)
"""Benefits the fixed costs are paid from (DOMAIN.md R2)."""
PASS_THROUGH_BENEFITS = frozenset({BenefitKind.VAKANTIETOESLAG, BenefitKind.BIJZONDERE_BIJSTAND})
"""Benefits that always go to the client in full."""


class Frequency(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ONCE = "once"


class LegalBasis(StrEnum):
    ART_56A = "56a"
    ART_57 = "57"
    VRIJWILLIG = "vrijwillig"


class Language(StrEnum):
    NL = "nl"
    EN = "en"


class MemberRole(StrEnum):
    APPLICANT = "applicant"
    PARTNER = "partner"


class Purpose(StrEnum):
    """What an allocation line does with money (DOMAIN.md R3)."""

    PAY = "pay"  # paid to the creditor from the month's money
    RESERVE = "reserve"  # set aside from the month's money
    PAY_RESERVE = "pay_reserve"  # the reserve paid to the creditor


class InstructionStatus(StrEnum):
    """A payment instruction's life (DESIGN.md 5.7)."""

    PENDING = "pending"
    RELEASED = "released"
    SETTLED = "settled"
    REJECTED = "rejected"
    RETURNED = "returned"
    CANCELLED = "cancelled"


HELD_STATUSES = (InstructionStatus.REJECTED, InstructionStatus.RETURNED)
"""Payments the bank refused or sent back: their money is held for the household
until the coach decides (DOMAIN.md R7, ADR 0007)."""


class BatchStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    RELEASED = "released"
    REJECTED = "rejected"


class RunKind(StrEnum):
    NIGHTLY = "nightly"
    MONTHLY = "monthly"


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    SUCCEEDED_WITH_REJECTIONS = "succeeded_with_rejections"
    SUCCEEDED_WITH_PROBLEMS = "succeeded_with_problems"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class BenefitDecision(StrEnum):
    """The decision on a benefits payment held as a possible repeat (ADR 0006)."""

    RELEASE = "release"
    CANCEL = "cancel"


class HeldMoneyDecision(StrEnum):
    """The coach's decision on a rejected or returned payment (ADR 0007)."""

    REPAY = "repay"
    TO_CLIENT = "to_client"


class BankDocumentKind(StrEnum):
    PAIN_002 = "pain.002"
    CAMT_053 = "camt.053"
    CAMT_054 = "camt.054"


class FeedbackOutcome(StrEnum):
    """What one item of a bank document did to our payments."""

    REJECTED = "rejected"
    RETURNED = "returned"
    SETTLED = "settled"
    UNMATCHED = "unmatched"
    INFORMATIONAL = "informational"
