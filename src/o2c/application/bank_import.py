"""Importing a bank statement: record it once, then post or queue each of its receipts.

Like a dunning run, an import is several transactions, each a command through the service
(so every one is checked against the lock date, retried on a version conflict and recorded with
its actor):

1. ``ImportBankStatement`` records the statement with every line. A line the account's bank
   reported before (in an earlier statement, or twice in this one) is marked a duplicate. The
   statement's id comes from the account and the file's statement id: a file imported again
   finds it recorded and records nothing more; one that reuses the id for other content is
   refused, naming the difference (``statement_differences``).
2. The matcher's inputs (open invoices, customers with names and IBANs) are read from the read
   models once they have applied everything stored before this step, then every undecided credit
   line is decided in file order. After each match the matcher is told (``applied``), so a later
   line of the same file sees the invoices it settled as settled.
3. ``DecideBankLines`` commands, a few hundred lines each, post the matches through the normal
   payment path and record ``BankLineApplied`` with the payment, and record ``BankLineQueued``
   with the suggestions for the rest. A batch that is refused (an invoice written off meanwhile,
   say) is retried line by line; a line that still cannot be posted is queued, with the reason.

A crash between transactions leaves lines undecided; importing the same file again decides them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from pydantic import ValidationError
from typing_extensions import TypedDict

from o2c import commands as c
from o2c.aggregates.bank_statement import BankStatement as StatementRecord
from o2c.aggregates.bank_statement import statement_uuid
from o2c.application.context import CommandContext
from o2c.application.errors import BackendUnavailable
from o2c.application.results import LinesDecidedResult
from o2c.application.service import O2CService
from o2c.application.statement_differences import StatementDiffers, differences
from o2c.bank.errors import MalformedStatement
from o2c.bank.statement import BankLine, BankStatement
from o2c.domain.bank_matching import Decision, Match, Matcher, Receipt, Suggestion
from o2c.domain.errors import DomainError, RuleViolation

BATCH = 500
_REPEAT = re.compile(r"^(.*)#(\d+)$")


class StatementImported(TypedDict):
    """One statement's line in an import's answer."""

    statement_id: str
    account_id: str
    bank_statement_id: str
    created: bool
    lines: int
    applied: int
    queued: int
    duplicates: int


@dataclass(frozen=True)
class ImportOutcome:
    """What one import did with one statement."""

    statement_id: UUID
    account_id: str
    bank_statement_id: str
    created: bool
    lines: int
    applied: int
    queued: int
    duplicates: int
    position: int

    def summary(self) -> StatementImported:
        """The statement's line in an import's answer (the API's and the CLI's alike)."""
        return {
            "statement_id": str(self.statement_id),
            "account_id": self.account_id,
            "bank_statement_id": self.bank_statement_id,
            "created": self.created,
            "lines": self.lines,
            "applied": self.applied,
            "queued": self.queued,
            "duplicates": self.duplicates,
        }


def _same_booking(a: BankLine, b: BankLine) -> bool:
    return (a.booked_on, a.amount, a.remittance, a.payer_name, a.payer_iban, a.end_to_end_id) == (
        b.booked_on,
        b.amount,
        b.remittance,
        b.payer_name,
        b.payer_iban,
        b.end_to_end_id,
    )


def duplicates_of(
    statement: BankStatement, record_id: UUID, seen: dict[str, str]
) -> dict[str, str]:
    """Line id → the line it repeats: one an earlier statement recorded (``seen``), or, for a
    bank reference repeated in this file (``REF#2``), the identical booking listed before it."""
    by_id = {line.line_id: line for line in statement.lines}
    found: dict[str, str] = {}
    for line in statement.lines:
        if line.line_id in seen:
            found[line.line_id] = f"{seen[line.line_id]}/{line.line_id}"
            continue
        repeat = _REPEAT.match(line.line_id)
        if repeat is not None:
            first = by_id.get(repeat.group(1))
            if first is not None and _same_booking(first, line):
                found[line.line_id] = f"{record_id}/{first.line_id}"
    return found


def import_command(statement: BankStatement, file_format: str) -> c.ImportBankStatement:
    """The command that records ``statement`` (no line marked a duplicate yet).

    A reader passes on what the bank wrote; what the log cannot hold (a control character, a
    reference longer than the command allows) is refused like a malformed file, naming the
    line, before anything of the file is recorded."""
    try:
        return _command(statement, file_format)
    except ValidationError as err:
        raise _unrecordable(statement, err) from None


def with_duplicates(
    cmd: c.ImportBankStatement, duplicates: dict[str, str]
) -> c.ImportBankStatement:
    """``cmd`` with the lines in ``duplicates`` marked as repeating the line named there."""
    if not duplicates:
        return cmd
    lines = [
        line.model_copy(update={"duplicate_of": duplicates[line.line_id]})
        if line.line_id in duplicates
        else line
        for line in cmd.lines
    ]
    return cmd.model_copy(update={"lines": lines})


def _unrecordable(statement: BankStatement, err: ValidationError) -> MalformedStatement:
    first = err.errors()[0]
    where = first.get("loc", ())
    line = None
    if len(where) >= 2 and where[0] == "lines" and isinstance(where[1], int):
        line = statement.lines[where[1]].source_line
        where = where[2:]
    field = ".".join(str(part) for part in where) or "statement"
    return MalformedStatement(f"{field}: {first.get('msg', 'not valid')}", line)


def _command(statement: BankStatement, file_format: str) -> c.ImportBankStatement:
    # The lines go in as data, validated by the command: an error then names the line's index.
    return c.ImportBankStatement.model_validate(
        {
            "account_id": statement.account_id,
            "statement_id": statement.statement_id,
            "currency": statement.currency,
            "period_start": statement.period_start,
            "period_end": statement.period_end,
            "created_on": statement.created_on,
            "file_format": file_format,
            "lines": [
                {
                    "line_id": line.line_id,
                    "booked_on": line.booked_on,
                    "amount": line.amount,
                    "credit": line.credit,
                    "bank_reference": line.bank_reference,
                    "remittance": line.remittance,
                    "payer_name": line.payer_name,
                    "payer_iban": line.payer_iban,
                    "end_to_end_id": line.end_to_end_id,
                }
                for line in statement.lines
            ],
        }
    )


def receipt_of(line: BankLine) -> Receipt:
    """A credit line as the matcher reads it."""
    return Receipt(
        amount=line.amount,
        currency=line.currency,
        booked_on=line.booked_on,
        remittance=line.remittance,
        payer_name=line.payer_name,
        payer_iban=line.payer_iban,
    )


def reference_of(line: BankLine) -> str:
    """The payment's reference: the bank's reference for the entry (else the line id)."""
    return (line.bank_reference or line.line_id)[:200]


def suggestions_in(suggestions: Iterable[Suggestion]) -> list[c.SuggestionIn]:
    """The matcher's suggestions as the command carries them."""
    return [
        c.SuggestionIn(
            customer_id=s.customer_id,
            invoice_ids=list(s.invoice_ids),
            score=max(0.0, min(1.0, s.score)),
        )
        for s in suggestions
    ]


def application(
    line: BankLine, match: Match, rule: str | None = None, received_on: date | None = None
) -> c.LineApplication:
    """Post ``line`` as the match says (explicit allocations; none = unapplied cash)."""
    return c.LineApplication(
        line_id=line.line_id,
        customer_id=match.customer_id,
        amount=line.amount,
        received_on=received_on or line.booked_on,
        reference=reference_of(line),
        # The cash each invoice gets: the planner takes the discount when it is still due.
        allocations=[
            c.AllocationIn(invoice_id=a.invoice_id, amount=a.amount) for a in match.allocations
        ],
        rule=rule or match.rule,
        score=max(0.0, min(1.0, match.score)),
    )


def _as_suggestion(match: Match) -> Suggestion:
    return Suggestion(
        match.customer_id, tuple(a.invoice_id for a in match.allocations), match.score
    )


class BankStatementImporter:
    """Imports parsed statements through the service (see the module docstring)."""

    def __init__(self, service: O2CService, batch: int = BATCH) -> None:
        self.service = service
        self.batch = batch

    def _part(self, ctx: CommandContext) -> CommandContext:
        return CommandContext(
            actor=ctx.actor, correlation_id=ctx.correlation, causation_id=ctx.command_id
        )

    def import_statements(
        self,
        statements: Sequence[BankStatement],
        file_format: str,
        ctx: CommandContext | None = None,
    ) -> list[ImportOutcome]:
        """Import every statement of a file; one the log cannot hold (``MalformedStatement``)
        or one sent before with other content (``StatementDiffers``) is found before any
        statement of the file is recorded."""
        commands = [import_command(statement, file_format) for statement in statements]
        for cmd in commands:
            self._refuse_other_content(cmd)
        return [
            self.import_statement(statement, file_format, ctx, cmd)
            for statement, cmd in zip(statements, commands, strict=True)
        ]

    def import_statement(
        self,
        statement: BankStatement,
        file_format: str,
        ctx: CommandContext | None = None,
        cmd: c.ImportBankStatement | None = None,
    ) -> ImportOutcome:
        """Record ``statement`` (unless recorded before, with the same content: other content
        is refused with ``StatementDiffers``) and decide its undecided lines. ``cmd`` is
        ``import_command``'s, when the caller built it already."""
        ctx = ctx or CommandContext()
        book = self.service.bank_book
        if book is None:
            raise BackendUnavailable("bank cash application needs the read models")
        cmd = cmd or import_command(statement, file_format)
        store = self.service.store
        record_id = statement_uuid(statement.account_id, statement.statement_id)
        created = False
        duplicates = 0
        # Everything the matcher reads (open invoices, payers) was written before this import
        # began; what the import posts itself the matcher tracks as it goes. So the read models
        # need to reach this position, not the one after the statement's own (large) record.
        start = store.last_position()
        if store.version_of(record_id) is None:
            ids = [line.line_id for line in statement.lines]
            seen = book.seen_lines(statement.account_id, ids, start)
            found = duplicates_of(statement, record_id, seen)
            try:
                self.service.handle(with_duplicates(cmd, found), self._part(ctx))
                created = True
            except RuleViolation as err:
                if err.code != "already-exists":  # else a concurrent import recorded it first
                    raise
        if not created:
            self._refuse_other_content(cmd)
        record = store.get(record_id)
        assert isinstance(record, StatementRecord)
        duplicates = sum(1 for line in record.lines.values() if line.status == "duplicate")
        undecided = record.undecided()
        applied = queued = 0
        if undecided:
            applied, queued = self._decide(statement, record_id, undecided, ctx, start)
        return ImportOutcome(
            statement_id=record_id,
            account_id=statement.account_id,
            bank_statement_id=statement.statement_id,
            created=created,
            lines=len(statement.lines),
            applied=applied,
            queued=queued,
            duplicates=duplicates,
            position=store.last_position(),
        )

    def _refuse_other_content(self, cmd: c.ImportBankStatement) -> None:
        """``StatementDiffers`` when a statement with this id was recorded otherwise."""
        record_id = statement_uuid(cmd.account_id, cmd.statement_id)
        recorded = next(iter(self.service.store.history(record_id)), None)
        if recorded is None:
            return
        found = differences(recorded, cmd)
        if found:
            raise StatementDiffers(cmd, found)

    def _decide(
        self,
        statement: BankStatement,
        record_id: UUID,
        undecided: Sequence[str],
        ctx: CommandContext,
        read_from: int,
    ) -> tuple[int, int]:
        book = self.service.bank_book
        assert book is not None
        inputs = book.book(statement.currency, read_from)
        matcher = Matcher(inputs.invoices, inputs.payers)
        locked = self.service.locked_through()
        by_id = {line.line_id: line for line in statement.lines}
        applied = queued = 0
        posts: list[tuple[c.LineApplication, Decision]] = []
        waits: list[c.LineQueued] = []
        for line_id in undecided:
            line = by_id[line_id]
            decision = matcher.decide(receipt_of(line))
            match = decision.match
            if match is not None and (locked is None or line.booked_on > locked):
                posts.append((application(line, match), decision))
                matcher.applied(match)
            else:
                offered = list(decision.suggestions)
                if match is not None:
                    offered.insert(0, _as_suggestion(match))
                reason = "no confident match" if match is None else "period-closed"
                waits.append(
                    c.LineQueued(
                        line_id=line_id, suggestions=suggestions_in(offered[:20]), reason=reason
                    )
                )
            if len(posts) + len(waits) >= self.batch:
                done = self._send(record_id, posts, waits, ctx)
                applied, queued = applied + done[0], queued + done[1]
                posts, waits = [], []
        if posts or waits:
            done = self._send(record_id, posts, waits, ctx)
            applied, queued = applied + done[0], queued + done[1]
        return applied, queued

    def _send(
        self,
        record_id: UUID,
        posts: list[tuple[c.LineApplication, Decision]],
        waits: list[c.LineQueued],
        ctx: CommandContext,
    ) -> tuple[int, int]:
        cmd = c.DecideBankLines(statement_id=record_id, applied=[p for p, _ in posts], queued=waits)
        try:
            return self._counts(self.service.handle(cmd, self._part(ctx)).result)
        except DomainError:
            if len(posts) <= 1 and not waits:
                return self._refused(record_id, posts, ctx)
        # One line spoiled the batch: each line on its own, the ones refused go to the queue.
        applied = queued = 0
        for post in posts:
            one = c.DecideBankLines(statement_id=record_id, applied=[post[0]])
            try:
                done = self._counts(self.service.handle(one, self._part(ctx)).result)
            except DomainError:
                done = self._refused(record_id, [post], ctx)
            applied, queued = applied + done[0], queued + done[1]
        if waits:
            rest = c.DecideBankLines(statement_id=record_id, queued=waits)
            done = self._counts(self.service.handle(rest, self._part(ctx)).result)
            applied, queued = applied + done[0], queued + done[1]
        return applied, queued

    def _refused(
        self,
        record_id: UUID,
        posts: list[tuple[c.LineApplication, Decision]],
        ctx: CommandContext,
    ) -> tuple[int, int]:
        """Queue lines whose posting was refused, with the match as the first suggestion."""
        waits = []
        for post, decision in posts:
            offered = [
                c.SuggestionIn(
                    customer_id=post.customer_id,
                    invoice_ids=[a.invoice_id for a in post.allocations],
                    score=post.score,
                ),
                *suggestions_in(decision.suggestions),
            ]
            waits.append(
                c.LineQueued(
                    line_id=post.line_id, suggestions=offered[:20], reason="posting refused"
                )
            )
        if not waits:
            return 0, 0
        cmd = c.DecideBankLines(statement_id=record_id, queued=waits)
        return self._counts(self.service.handle(cmd, self._part(ctx)).result)

    @staticmethod
    def _counts(result: object) -> tuple[int, int]:
        assert isinstance(result, LinesDecidedResult)
        return len(result.applied), len(result.queued)
