"""The tables of the register, the benefits run, allocations, payment
instructions, batches, signals, runs and the audit log. They live in the one
MetaData of :mod:`ledger.schema`; Alembic migrations are generated from it and
a test proves the two never drift."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from ledger.schema import metadata
from ontzorging.domain.vocabulary import (
    BankDocumentKind,
    BatchStatus,
    BenefitDecision,
    BenefitKind,
    CostKind,
    FeedbackOutcome,
    Frequency,
    HeldMoneyDecision,
    InstructionStatus,
    Language,
    LegalBasis,
    MemberRole,
    Purpose,
    RunKind,
    RunStatus,
)

ID = String(35)  # every external id: SEPA's Max35Text
BIGID = BigInteger().with_variant(Integer, "sqlite")  # autoincrement on both
ACTOR_NAME_MAX_CHARS = 100  # who imported, decided, resolved: a person's or account's name
ACTOR = String(ACTOR_NAME_MAX_CHARS)
REASON_MAX_CHARS = 200  # a --reason or --note: the narrowest column that keeps one


def one_of(column: str, words: type[StrEnum]) -> CheckConstraint:
    """The column holds one of the words of ``words`` (domain.vocabulary), named
    ``ck_<table>_<column>`` by the metadata's naming convention."""
    allowed = ", ".join(f"'{word.value}'" for word in words)
    return CheckConstraint(f"{column} IN ({allowed})", name=column)


imported_files = Table(
    "imported_files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("row_count", Integer, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("imported_by", ACTOR, nullable=False),
    UniqueConstraint("kind", "sha256"),
)

households = Table(
    "households",
    metadata,
    Column("household_id", ID, primary_key=True),
    Column("name", String(70), nullable=False),
    Column("iban", String(34), nullable=False),
    Column("bijstand_start", Date, nullable=False),
    Column("bijstand_end", Date),
    Column("coach", String(100), nullable=False),
    Column("language", String(2), nullable=False),
    Column("ended_on", Date),
    one_of("language", Language),
    Column("end_reason", String(200)),
    Column("imported_file_id", Integer, ForeignKey("imported_files.id"), nullable=False),
)

household_members = Table(
    "household_members",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("household_id", ID, ForeignKey("households.household_id"), nullable=False),
    Column("role", String(10), nullable=False),  # applicant | partner
    Column("bsn", String(9), nullable=False, unique=True),
    one_of("role", MemberRole),
    Column("name", String(70), nullable=False),
    Column("birth_date", Date, nullable=False),
    UniqueConstraint("household_id", "role"),
)

creditors = Table(
    "creditors",
    metadata,
    Column("creditor_id", ID, primary_key=True),
    Column("name", String(70), nullable=False),
    Column("iban", String(34), nullable=False),
    Column("bic", String(11)),
    Column("kind", String(20), nullable=False),
    one_of("kind", CostKind),
    Column("imported_file_id", Integer, ForeignKey("imported_files.id"), nullable=False),
)

obligations = Table(
    "obligations",
    metadata,
    Column("obligation_id", ID, primary_key=True),
    Column("household_id", ID, ForeignKey("households.household_id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("creditor_id", ID, ForeignKey("creditors.creditor_id"), nullable=False),
    one_of("kind", CostKind),
    Column("amount_cents", BigInteger, nullable=False),
    Column("frequency", String(10), nullable=False),
    Column("reference", String(140), nullable=False),
    one_of("frequency", Frequency),
    Column("reference_kind", String(20), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date),
    Column("legal_basis", String(12), nullable=False),
    one_of("legal_basis", LegalBasis),
    Column("imported_file_id", Integer, ForeignKey("imported_files.id"), nullable=False),
)

benefit_payments = Table(
    "benefit_payments",
    metadata,
    Column("payment_id", String(80), primary_key=True),
    Column("bsn", String(9)),  # used to match, never shown
    Column("household_id", ID, ForeignKey("households.household_id"), index=True),
    Column("payee_name", String(70)),
    Column("period", Date, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    one_of("kind", BenefitKind),
    Column("payout_date", Date, nullable=False, index=True),
    Column("iban", String(34)),
    Column("imported_file_id", Integer, ForeignKey("imported_files.id"), nullable=False),
    # Never twice (ADR 0006): what the payment is, whatever its id, and the
    # earlier payment it repeats; a repeat is held until someone decides.
    Column("fingerprint", String(64), index=True),
    Column("end_to_end_id", String(35), index=True),
    Column("duplicate_of", String(80)),
)

benefit_decisions = Table(
    "benefit_decisions",
    metadata,
    # One decision per held payment: release (a genuine second payment) or
    # cancel (never paid). Recorded once, never changed.
    Column("payment_id", String(80), ForeignKey("benefit_payments.payment_id"), primary_key=True),
    Column("decision", String(10), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    one_of("decision", BenefitDecision),
    Column("decided_by", String(100), nullable=False),
    Column("reason", String(300), nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(10), nullable=False),
    Column("as_of", Date, nullable=False),
    one_of("kind", RunKind),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("status", String(30), nullable=False),
    Column("counts", Text, nullable=False),
    one_of("status", RunStatus),
    Column("error", Text),
)

allocations = Table(
    "allocations",
    metadata,
    Column("id", BIGID, primary_key=True),
    Column("household_id", ID, ForeignKey("households.household_id")),
    Column("period", Date, nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id")),
    Column("withholdable_cents", BigInteger, nullable=False),
    Column("pass_through_cents", BigInteger, nullable=False),
    Column("payout_cents", BigInteger, nullable=False),
    Column("in_ontzorging", Boolean, nullable=False),
    Index("ix_allocations_household_period", "household_id", "period"),
)

# One row per benefits payment: the primary key makes allocation at-most-once.
allocated_payments = Table(
    "allocated_payments",
    metadata,
    Column("payment_id", String(80), ForeignKey("benefit_payments.payment_id"), primary_key=True),
    Column("allocation_id", BigInteger, ForeignKey("allocations.id"), nullable=False),
)

allocation_lines = Table(
    "allocation_lines",
    metadata,
    Column("id", BIGID, primary_key=True),
    Column("allocation_id", BigInteger, ForeignKey("allocations.id"), nullable=False),
    Column("household_id", ID, nullable=False),
    Column("period", Date, nullable=False),
    Column("obligation_id", ID, ForeignKey("obligations.obligation_id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("creditor_id", ID, nullable=False),
    one_of("kind", CostKind),
    Column("purpose", String(12), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    one_of("purpose", Purpose),
    Column("shortfall_cents", BigInteger, nullable=False),
    UniqueConstraint("allocation_id", "obligation_id", "purpose"),
    Index("ix_allocation_lines_household_period", "household_id", "period"),
)

batches = Table(
    "batches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("execution_date", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("count", Integer, nullable=False),
    one_of("status", BatchStatus),
    Column("total_cents", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id")),
    Column("decided_by", ACTOR),
    Column("decided_at", DateTime(timezone=True)),
    Column("reason", String(200)),
    # What the batch's pain.001 file(s) will carry, fixed when the batch is
    # gathered so the file reviewed is the file approval writes (NULL for a
    # batch gathered before migration 0005: created_at and the settings then).
    Column("file_created_at", DateTime(timezone=True)),
    Column("pain_version", String(20)),
    Column("max_per_file", Integer),
)

payment_instructions = Table(
    "payment_instructions",
    metadata,
    Column("id", BIGID, primary_key=True),
    Column("key", String(120), nullable=False, unique=True),
    Column("household_id", ID, ForeignKey("households.household_id"), index=True),
    Column("allocation_id", BigInteger, ForeignKey("allocations.id")),
    Column("period", Date, nullable=False),
    Column("kind", String(20), nullable=False),  # cost kind, or leefgeld / pass-through
    Column("creditor_id", ID, ForeignKey("creditors.creditor_id")),
    Column("obligation_id", ID, ForeignKey("obligations.obligation_id")),
    Column("payee_name", String(70), nullable=False),
    Column("payee_iban", String(34), nullable=False),
    Column("payee_bic", String(11)),
    Column("amount_cents", BigInteger, nullable=False),
    Column("reference", String(140), nullable=False),
    Column("reference_kind", String(20), nullable=False),
    Column("remittance", String(140), nullable=False),
    Column("payout_date", Date, nullable=False),
    Column("source_account", String(120), nullable=False),
    Column("entry_id", BigInteger, ForeignKey("ledger_entries.id"), nullable=False),
    Column("status", String(12), nullable=False),
    Column("batch_id", Integer, ForeignKey("batches.id"), index=True),
    one_of("status", InstructionStatus),
    Column("end_to_end_id", String(35), unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

instruction_events = Table(
    "instruction_events",
    metadata,
    Column("id", BIGID, primary_key=True),
    Column("instruction_id", BigInteger, ForeignKey("payment_instructions.id"), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("status", String(12), nullable=False),
    Column("actor", ACTOR, nullable=False),
    one_of("status", InstructionStatus),
    Column("reason", String(200)),
    Index("ix_instruction_events_instruction", "instruction_id"),
)

payment_files = Table(
    "payment_files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("batch_id", Integer, ForeignKey("batches.id"), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("file_name", String(120), nullable=False, unique=True),
    Column("message_id", String(35), nullable=False, unique=True),
    Column("payment_info_id", String(35), nullable=False, unique=True),
    Column("version", String(20), nullable=False),
    Column("count", Integer, nullable=False),
    Column("total_cents", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sha256", String(64)),
    UniqueConstraint("batch_id", "sequence"),
)

signals = Table(
    "signals",
    metadata,
    Column("id", BIGID, primary_key=True),
    Column("household_id", ID, ForeignKey("households.household_id")),
    Column("kind", String(30), nullable=False),
    Column("subject", String(120), nullable=False),  # what it is about, e.g. "D4/2026-03"
    Column("raised_on", Date, nullable=False),
    Column("detail", String(300), nullable=False),
    Column("resolved_on", Date),
    Column("resolved_by", ACTOR),
    UniqueConstraint("household_id", "kind", "subject"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BIGID, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", ACTOR, nullable=False),
    Column("action", String(40), nullable=False),
    Column("subject", String(120), nullable=False),
    Column("detail", Text, nullable=False),
    Column("reason", String(300)),
)

# --- bank feedback (DESIGN.md 5.7, ADR 0007) ------------------------------------

bank_documents = Table(
    "bank_documents",
    metadata,
    # One row per imported pain.002, camt.053 or camt.054 document: the same
    # document again (same message id, or same bytes) changes nothing.
    Column("id", Integer, primary_key=True),
    Column("kind", String(10), nullable=False),  # pain.002 | camt.053 | camt.054
    Column("version", String(20), nullable=False),
    one_of("kind", BankDocumentKind),
    Column("message_id", ID, nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("imported_by", ACTOR, nullable=False),
    UniqueConstraint("kind", "message_id"),
)

bank_feedback_items = Table(
    "bank_feedback_items",
    metadata,
    # One row per transaction status (pain.002) or entry transaction (camt):
    # what the bank said, and what of ours it matched (NULL: unmatched, kept).
    Column("id", BIGID, primary_key=True),
    Column("document_id", Integer, ForeignKey("bank_documents.id"), nullable=False, index=True),
    Column("item_key", String(120), nullable=False, unique=True),
    Column("instruction_id", BigInteger, ForeignKey("payment_instructions.id"), index=True),
    Column("payment_file_id", Integer, ForeignKey("payment_files.id")),
    Column(
        "outcome", String(15), nullable=False
    ),  # rejected|returned|settled|unmatched|informational
    Column("reason_code", String(35)),
    one_of("outcome", FeedbackOutcome),
    Column("amount_cents", BigInteger),
    Column("end_to_end_id", String(35)),
    Column("note", String(300)),
)

bank_statements = Table(
    "bank_statements",
    metadata,
    # camt.053 statements per account, for continuity: each opens where the
    # previous one closed, and its electronic sequence number follows.
    Column("id", Integer, primary_key=True),
    Column("document_id", Integer, ForeignKey("bank_documents.id"), nullable=False),
    Column("account_iban", String(34), nullable=False),
    Column("statement_id", ID, nullable=False),
    Column("electronic_sequence_number", BigInteger),
    Column("opening_balance_cents", BigInteger),
    Column("opening_date", Date),
    Column("closing_balance_cents", BigInteger),
    Column("closing_date", Date),
    UniqueConstraint("account_iban", "statement_id"),
)

payment_decisions = Table(
    "payment_decisions",
    metadata,
    # The coach's one decision on a rejected or returned payment's held money.
    Column("instruction_id", BigInteger, ForeignKey("payment_instructions.id"), primary_key=True),
    Column("decision", String(10), nullable=False),  # repay | to_client
    Column("decided_by", ACTOR, nullable=False),
    one_of("decision", HeldMoneyDecision),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("note", String(300)),
    Column("new_instruction_id", BigInteger, ForeignKey("payment_instructions.id"), nullable=False),
)

# --- web interface (issue 14) -------------------------------------------------

WEB_ROLES = ("coach", "finance", "beheer")
SHA256_HEX_CHARS = 64

web_users = Table(
    "web_users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", ACTOR, nullable=False, unique=True),
    Column("roles", String(60), nullable=False),  # comma-separated WEB_ROLES
    Column("coach", String(100)),  # the households register's `coach` this user is
    Column("password_hash", String(200)),  # Argon2id; NULL for single sign-on only
    Column("totp_secret", String(64)),  # base32; second factor when web.require_mfa
    Column("oidc_subject", String(255), unique=True),  # "issuer sub" once signed in by OIDC
    Column("disabled", Boolean, nullable=False),
    Column("failed_logins", Integer, nullable=False),
    Column("throttled_until", DateTime(timezone=True)),
    Column("last_totp_step", BigInteger),  # a TOTP code is accepted once
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_login_at", DateTime(timezone=True)),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    # Only the SHA-256 of the cookie's random token is stored.
    Column("token_sha256", String(SHA256_HEX_CHARS), primary_key=True),
    Column("user_id", Integer, ForeignKey("web_users.id"), nullable=False, index=True),
    Column("csrf_token", String(SHA256_HEX_CHARS), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
)

batch_approvals = Table(
    "batch_approvals",
    metadata,
    # One approval of a batch's file(s) as they were: the SHA-256 the approver
    # saw. A batch is released when `sepa.approvals_required` different names
    # approved the same SHA-256; approvals of another SHA-256 have lapsed.
    Column("id", Integer, primary_key=True),
    Column("batch_id", Integer, ForeignKey("batches.id"), nullable=False),
    Column("approved_by", ACTOR, nullable=False),
    Column("sha256", String(SHA256_HEX_CHARS), nullable=False),
    Column("approved_at", DateTime(timezone=True), nullable=False),
    Column("via", String(10), nullable=False),  # web | cli
    UniqueConstraint("batch_id", "approved_by", "sha256"),
)
