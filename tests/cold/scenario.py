"""A book of commands touching every command type, run over HTTP, and the figures it leaves.

Every id is chosen by the client (derived from a label), so two runs of the same steps on two
stores store the same facts and their figures compare as they are. A step that the rules must
refuse records the refusal's status and problem type instead: a cold process must refuse what
a warm one refuses (a closed period, an over-limit order).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, Protocol
from uuid import NAMESPACE_URL, UUID, uuid5

from o2c.bank.statement import BankLine, BankStatement
from o2c_devtools.synthetic_bank.writers import write_mt940

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
C_IBAN = "DE89370400440532013000"
STATEMENT_ACCOUNT = "NL91ABNA0417164300"
FIRST_DAY = date(2026, 2, 2)
CLOSED_THROUGH = date(2026, 2, 28)
# Fields that say when, where or under which random id a fact was stored, not what it is: clock
# times, log positions, event ids and the hash chain over them.
VOLATILE = frozenset(
    {"position", "next", "event_id", "head", "at", "opened_at", "imported_at", "recorded_at"}
)
# A payment made by applying a bank line by hand gets a random id (the command names none).
GENERATED = "<generated id>"


class Api(Protocol):
    """What the scenario needs of an API: commands, refusals, a statement file and reads."""

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]: ...

    def refused(self, path: str, body: dict[str, Any]) -> tuple[int, str]: ...

    def post_file(self, path: str, data: bytes) -> dict[str, Any]: ...

    def get(self, path: str, **params: Any) -> Any: ...


Step = Callable[[Api], None]


def uid(label: str) -> UUID:
    """The id the scenario gives the thing it calls ``label``."""
    return uuid5(NAMESPACE_URL, f"o2c-cold-scenario/{label}")


class Book:
    """The scenario's steps, and what their answers taught it (invoice numbers, refusals)."""

    def __init__(self, rounds: int = 6) -> None:
        self.rounds = rounds
        self.customers = ["A", "B", "C", "Z"]
        self.orders: list[str] = []
        self.invoices: list[str] = []
        self.payments: list[str] = []
        self.numbers: dict[str, str] = {}
        self.refusals: dict[str, tuple[int, str]] = {}
        self.last_position = 0
        self.statement_id = ""

    # ---- commands ---------------------------------------------------------------------------

    def _post(self, api: Api, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = api.post(path, body)
        self.last_position = max(self.last_position, int(answer.get("position", 0)))
        return answer

    def open(self, name: str, limit: str, terms: dict[str, Any]) -> Step:
        body = {
            "customer_id": str(uid(name)),
            "name": f"Customer {name}",
            "currency": "EUR",
            "credit_limit": limit,
            "payment_terms": terms,
        }
        return self.command("/v1/customers", body)

    def order(self, label: str, customer: str, on: date, *lines: tuple[str, int, str]) -> Step:
        self.orders.append(label)
        body = {
            "order_id": str(uid(label)),
            "customer_id": str(uid(customer)),
            "ordered_on": on.isoformat(),
            "lines": [{"sku": s, "quantity": q, "unit_price": p} for s, q, p in lines],
        }
        return self.command("/v1/orders", body)

    def on_order(self, label: str, action: str, body: dict[str, Any]) -> Step:
        return self.command(f"/v1/orders/{uid(label)}/{action}", body)

    def ship(self, label: str, on: date, *lines: tuple[str, int]) -> Step:
        body = {
            "shipment_id": str(uid(f"{label}/shipment/{on}")),
            "lines": [{"sku": s, "quantity": q} for s, q in lines],
            "shipped_on": on.isoformat(),
        }
        return self.on_order(label, "shipments", body)

    def invoice(self, order: str, label: str, on: date) -> Step:
        self.invoices.append(label)
        body = {"invoice_id": str(uid(label)), "issued_on": on.isoformat()}
        path = f"/v1/orders/{uid(order)}/invoices"

        def step(api: Api) -> None:
            self.numbers[label] = self._post(api, path, body)["number"]

        return step

    def pay(
        self, label: str, customer: str, amount: str, on: date, allocations: list[Any] | None
    ) -> Step:
        self.payments.append(label)
        body = {
            "payment_id": str(uid(label)),
            "customer_id": str(uid(customer)),
            "amount": amount,
            "received_on": on.isoformat(),
            "allocations": allocations,
            "method": "wire",
            "reference": label,
        }
        return self.command("/v1/payments", body)

    def command(self, path: str, body: dict[str, Any]) -> Step:
        """A command that must be accepted."""

        def step(api: Api) -> None:
            self._post(api, path, body)

        return step

    def refuse(self, label: str, path: str, body: dict[str, Any]) -> Step:
        """A command the rules refuse: its status and problem type are part of the figures."""

        def step(api: Api) -> None:
            self.refusals[label] = api.refused(path, body)

        return step

    def bank_statement(self, on: date) -> Step:
        """One line from C's IBAN naming C's last invoice, one from a stranger: both queued,
        then applied by hand (the first to its best suggestion, the second to B)."""

        def step(api: Api) -> None:
            last_c = self.numbers[f"inv-C-{self.rounds - 1}"]
            lines = (
                _line("L-1", on, "250.00", f"payment {last_c}", "Customer C", C_IBAN, 1),
                _line("L-2", on, "40.00", "thanks", "Somebody Else", None, 2),
            )
            statement = BankStatement(
                statement_id="COLD/00001",
                account_id=STATEMENT_ACCOUNT,
                currency="EUR",
                created_on=on,
                period_start=on,
                period_end=on,
                lines=lines,
            )
            answer = api.post_file("/v1/bank-statements?format=mt940", write_mt940(statement))
            self.last_position = max(self.last_position, int(answer["position"]))
            self.statement_id = answer["statements"][0]["statement_id"]
            found = api.get(
                f"/v1/bank-statements/{self.statement_id}", min_position=self.last_position
            )
            how = {"L-1": {"suggestion": 0}, "L-2": {"customer_id": str(uid("B"))}}
            for line in found["lines"]:
                assert line["status"] == "unmatched", line  # neither line is a sure match
                self._post(api, f"/v1/bank-lines/{line['id']}/apply", how[line["line_id"]])

        return step

    # ---- the scenario -----------------------------------------------------------------------

    def steps(self) -> list[Step]:
        """Accounts, rounds of order to cash for A and C, every other command type once or
        twice between them, a bank statement, an account closed, a period closed."""
        steps = [
            self.open(
                "A", "100000.00", {"net_days": 30, "discount_percent": "2", "discount_days": 10}
            ),
            self.open("B", "1000.00", {"net_days": 30}),
            self.open("C", "100000.00", {"net_days": 14}),
            self.open("Z", "0.00", {"net_days": 30}),
            self.command(f"/v1/customers/{uid('C')}/bank-accounts", {"iban": C_IBAN}),
        ]
        for r in range(self.rounds):
            day = FIRST_DAY + timedelta(days=7 * r)
            for cust in ("A", "C"):
                steps += self._round(cust, r, day)
            steps += self._extras(r, day)
        end = FIRST_DAY + timedelta(days=7 * self.rounds)
        steps += [
            self.bank_statement(end),
            self.command(f"/v1/customers/{uid('Z')}/close", {"reason": "duplicate"}),
            self.command(
                "/v1/periods/close", {"through": CLOSED_THROUGH.isoformat(), "reason": "Feb"}
            ),
            self.refuse(
                "payment-in-closed-period",
                "/v1/payments",
                {"customer_id": str(uid("A")), "amount": "5.00", "received_on": "2026-02-15"},
            ),
            self.pay("pay-A-late", "A", "75.00", end + timedelta(days=1), None),
            self.command("/v1/dunning/runs", {"as_of": "2026-05-31"}),
        ]
        return steps

    def _round(self, cust: str, r: int, day: date) -> list[Step]:
        order, invoice = f"ord-{cust}-{r}", f"inv-{cust}-{r}"
        return [
            self.order(order, cust, day, ("A", 4, "100.00"), ("B", 2, "50.00")),
            self.ship(order, day, ("A", 4), ("B", 1)),
            self.on_order(order, "cancel", {"reason": "rest not needed", "cancelled_on": str(day)}),
            self.invoice(order, invoice, day + timedelta(days=1)),
            self.pay(f"pay-{cust}-{r}", cust, "250.00", day + timedelta(days=5), None),
        ]

    def _extras(self, r: int, day: date) -> list[Step]:
        a, b, c = (f"/v1/customers/{uid(x)}" for x in "ABC")
        later = (day + timedelta(days=6)).isoformat()
        if r == 0:
            return [
                self.command(f"{c}/terms", {"payment_terms": {"net_days": 21}}),
                self.command(f"{a}/hold", {"reason": "review"}),
                self.order("ord-A-held", "A", day, ("Q", 1, "1.00")),  # held: A is on hold
                self.on_order("ord-A-held", "cancel", {"reason": "placed in error"}),
                self.command(f"{a}/release", {"reason": "reviewed"}),
            ]
        if r == 1:
            return [
                self.order("ord-B", "B", day, ("C", 3, "400.00")),  # over the limit: held
                self.on_order("ord-B", "approve", {"reason": "known customer"}),
                self.ship("ord-B", day, ("C", 3)),
                self.invoice("ord-B", "inv-B", day),
                self.command(f"{b}/credit-limit", {"credit_limit": "5000.00", "reason": "growth"}),
            ]
        if r == 2:
            return [
                self.pay("pay-A-onaccount", "A", "300.00", day, []),
                self.command(
                    f"/v1/payments/{uid('pay-A-onaccount')}/allocations",
                    {
                        "allocations": [{"invoice_id": str(uid("inv-A-2")), "amount": "100.00"}],
                        "allocated_on": later,
                    },
                ),
                self.command(
                    f"/v1/payments/{uid('pay-A-onaccount')}/allocations", {"allocated_on": later}
                ),
            ]
        if r == 3:
            return [
                self.command(
                    f"/v1/payments/{uid('pay-A-onaccount')}/deallocate",
                    {
                        "invoice_id": str(uid("inv-A-2")),
                        "reason": "misapplied",
                        "deallocated_on": later,
                    },
                ),
                self.command(
                    f"/v1/payments/{uid('pay-C-1')}/reverse",
                    {"reason": "NSF", "reversed_on": later},
                ),
            ]
        if r == 4:
            inv = f"/v1/invoices/{uid('inv-C-2')}"
            return [
                self.command(
                    f"{inv}/credit-notes",
                    {"credit_note_id": str(uid("cn-C-2")), "amount": "20.00", "reason": "damaged"},
                ),
                self.command(f"/v1/invoices/{uid('inv-C-3')}/dispute", {"reason": "quantity"}),
                self.command(
                    f"/v1/invoices/{uid('inv-C-3')}/resolve-dispute", {"resolution": "agreed"}
                ),
            ]
        return [
            self.command(
                f"/v1/invoices/{uid('inv-B')}/write-off",
                {"amount": "100.00", "reason": "goodwill", "written_off_on": later},
            ),
            self.command("/v1/dunning/runs", {"as_of": "2026-04-30"}),
        ]

    # ---- the figures ------------------------------------------------------------------------

    def figures(self, api: Api) -> dict[str, Any]:
        """Everything the API shows of the book, once the read models hold every command."""
        as_of = {"as_of": "2026-06-30"}
        span = {"from": "2026-01-01", "to": "2026-12-31"}
        api.get("/v1/aging", min_position=self.last_position)  # waits for the projections
        shown: dict[str, Any] = {
            "aging": api.get("/v1/aging", **as_of),
            "exposure": api.get("/v1/credit-exposure"),
            "kpis": api.get("/v1/kpis", **span),
            "worklist": api.get("/v1/collections/worklist", **as_of),
            "trial-balance": api.get("/v1/gl/trial-balance", as_of="2026-12-31"),
            "gl-entries": api.get("/v1/gl/entries", limit=1000, **span),
            "periods": api.get("/v1/periods"),
            "bank-lines": api.get("/v1/bank-lines"),
            "statement": api.get(f"/v1/bank-statements/{self.statement_id}"),
            "refusals": {k: list(v) for k, v in sorted(self.refusals.items())},
        }
        for name in self.customers:
            cid = uid(name)
            for view in ("", "/aging", "/open-items", "/credit-exposure"):
                shown[f"{name}{view}"] = api.get(f"/v1/customers/{cid}{view}", **as_of)
            shown[f"{name}/statement"] = api.get(f"/v1/customers/{cid}/statement", **span)
            shown[f"{name}/invoices"] = api.get("/v1/invoices", customer_id=str(cid))
            shown[f"{name}/payments"] = api.get("/v1/payments", customer_id=str(cid))
            shown[f"{name}/replayed-aging"] = api.get(f"/v1/audit/customers/{cid}/aging", **as_of)
        for label in self.orders:
            shown[label] = api.get(f"/v1/orders/{uid(label)}")
        for label in self.invoices:
            shown[label] = api.get(f"/v1/invoices/{uid(label)}")
        for label in self.payments:
            shown[label] = api.get(f"/v1/payments/{uid(label)}")
        known = {str(uid(label)) for label in (*self.customers, *self.orders, *self.invoices)}
        known |= {str(uid(label)) for label in self.payments} | {self.statement_id}
        return without_volatile(shown, known)


def _line(
    line_id: str,
    on: date,
    amount: str,
    remittance: str,
    payer: str,
    iban: str | None,
    source_line: int,
) -> BankLine:
    from decimal import Decimal

    return BankLine(
        line_id=line_id,
        booked_on=on,
        amount=Decimal(amount),
        currency="EUR",
        credit=True,
        bank_reference=line_id,
        remittance=remittance,
        payer_name=payer,
        payer_iban=iban,
        end_to_end_id=None,
        source_line=source_line,
    )


def without_volatile(value: Any, known: set[str]) -> Any:
    """``value`` without the fields that say when or where something was stored, and with
    every id the scenario did not choose replaced by one placeholder."""
    if isinstance(value, dict):
        return {k: without_volatile(v, known) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [without_volatile(v, known) for v in value]
    if isinstance(value, str) and _UUID.fullmatch(value) and value not in known:
        return GENERATED
    return value
