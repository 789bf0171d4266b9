"""The general ledger replayed from the event log alone: trial balances as of any date.

Every event goes through the posting rules the GL projection uses (``postings.post``), with the
``Books`` that posting needs (each account's currency, each invoice's issue date) learnt from the
same log as it streams past; no read model is consulted. A period close records the trial
balance computed here, and ``o2c audit verify`` computes it again for every close: the two must
agree unless the closed period changed behind the close's back.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from o2c.aggregates.period_lock import TrialBalance
from o2c.application.ports import LedgerSnapshot
from o2c.audit.chain_head import ChainHeads, StreamHead
from o2c.domain.days import to_day
from o2c.domain.money import from_mills
from o2c.events.envelope import EventEnvelope
from o2c.eventstore.store import EventStore
from o2c.ledger.postings import Role, post


class ReplayError(Exception):
    """An event refers to an account or invoice that no earlier event of the log opened."""


class LogBooks:
    """What posting looks up, learnt from the log itself."""

    def __init__(self) -> None:
        self.currencies: dict[str, str] = {}
        self.issued_days: dict[str, int] = {}

    def learn(self, env: EventEnvelope) -> None:
        """Remember what later postings of the log will ask about."""
        if env.event_type == "AccountOpened":
            self.currencies[env.aggregate_id] = str(env.data["currency"])
        elif env.event_type == "InvoiceIssued":
            self.issued_days[env.aggregate_id] = int(to_day(env.data["issued_on"]) or 0)

    def currency_of(self, customer_id: str) -> str:
        """The account's currency."""
        try:
            return self.currencies[customer_id]
        except KeyError:
            raise ReplayError(f"account {customer_id} was never opened") from None

    def issued_day_of(self, invoice_id: str) -> int:
        """The invoice's issue date as a day number."""
        try:
            return self.issued_days[invoice_id]
        except KeyError:
            raise ReplayError(f"invoice {invoice_id} was never issued") from None


class LedgerReplay:
    """Posts events in log order and keeps the day-book: per (currency, role, posting day) the
    debits and credits, in mills, from which a trial balance as of any date is summed."""

    def __init__(self) -> None:
        self.books = LogBooks()
        self.daybook: defaultdict[tuple[str, Role, int], list[int]] = defaultdict(lambda: [0, 0])

    def feed(self, env: EventEnvelope) -> None:
        """Post one event (raises ``ReplayError`` for one the log cannot post)."""
        if env.internal:
            return
        self.books.learn(env)
        entry = post(env, self.books)
        if entry is None:
            return
        for line in entry.lines:
            sums = self.daybook[(entry.currency, line.role, entry.posting_day)]
            sums[0] += line.debit
            sums[1] += line.credit

    def trial_balance(self, through: date) -> TrialBalance:
        """Each role's balance, on its debit or credit side, from postings dated up to
        ``through``, per currency (roles that were never posted to are left out)."""
        last = through.toordinal()
        net: defaultdict[str, dict[Role, int]] = defaultdict(dict)
        for (currency, role, day), (debit, credit) in self.daybook.items():
            if day <= last:
                net[currency][role] = net[currency].get(role, 0) + debit - credit
        return {
            currency: {
                role.value: _sides(net[currency][role], currency)
                for role in Role
                if role in net[currency]
            }
            for currency in sorted(net)
        }


def _sides(balance: int, currency: str) -> dict[str, str]:
    return {
        "debit": from_mills(max(balance, 0), currency),
        "credit": from_mills(max(-balance, 0), currency),
    }


def differences(recorded: TrialBalance, replayed: TrialBalance) -> list[str]:
    """Where two trial balances differ, one ``currency role: recorded …, replayed …`` each."""
    found: list[str] = []
    none = {"debit": "-", "credit": "-"}
    for currency in sorted(set(recorded) | set(replayed)):
        was, now = recorded.get(currency, {}), replayed.get(currency, {})
        for role in sorted(set(was) | set(now)):
            a, b = was.get(role, none), now.get(role, none)
            if a != b:
                found.append(
                    f"{currency} {role}: recorded debit {a['debit']} credit {a['credit']}, "
                    f"replayed debit {b['debit']} credit {b['credit']}"
                )
    return found


def trial_balance_from_log(
    store: EventStore, through: date, upto_position: int | None = None
) -> TrialBalance:
    """The trial balance as of ``through`` over the log's events (up to ``upto_position``)."""
    replay = LedgerReplay()
    for env in store.read_all():
        if upto_position is not None and env.position > upto_position:
            break
        replay.feed(env)
    return replay.trial_balance(through)


def ledger_snapshot(store: EventStore, through: date) -> LedgerSnapshot:
    """One pass over the whole log: the trial balance as of ``through`` and the hash-chain head
    (last position and digest) of exactly the events it covered."""
    replay = LedgerReplay()
    heads = ChainHeads(window=0)
    for env in store.read_all():
        replay.feed(env)
        heads.advance(env.aggregate_id, StreamHead(env.version, env.hash, env.position))
    return LedgerSnapshot(replay.trial_balance(through), heads.last_position, heads.digest())


class LogLedger:
    """The application's ``LedgerSnapshotPort`` over an event store."""

    def __init__(self, store: EventStore) -> None:
        self.store = store

    def __call__(self, through: date) -> LedgerSnapshot:
        """The trial balance as of ``through`` replayed from the whole log, with its head."""
        return ledger_snapshot(self.store, through)
