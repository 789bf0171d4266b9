"""The dashboard acts, in a real headless Chromium: each action end to end, and the role matrix.

Every action is done the way a person does it (click, fill the small form, confirm) and then
checked through the API: the held order approved or rejected, the account held and released,
the limit changed, the bank line applied to the invoice the suggestion named, the files
downloaded with the API's bytes. A refusal must show the problem's own text. An auditor (a
reader) is shown no command; a clerk sees the limit change it may not make, disabled, with the
roles it needs. Promises and notes
are recorded on the customer page.
"""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from o2c.bank.statement import BankLine, BankStatement
from o2c.cli.demo import load_demo
from o2c.config import Settings
from o2c_devtools.synthetic_bank.writers import write_camt053
from tests.dashboard.test_dashboard_browser import CHROMIUM, Served, _playwright, _serving

TOKENS = {
    "t-act-admin": "admin",
    "t-act-credit": "credit",
    "t-act-clerk": "clerk",
    "t-act-auditor": "auditor",
}
TOKEN = {role: token for token, role in TOKENS.items()}
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class Api(Served):
    """The served book, called as any role; a refusal is returned, not raised."""

    def call(
        self, method: str, path: str, body: Any = None, role: str = "admin"
    ) -> tuple[int, Any]:
        request = urllib.request.Request(
            self.base + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"Bearer {TOKEN[role]}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                raw = answer.read()
                kind = answer.headers.get("Content-Type", "")
                return answer.status, json.loads(raw) if "json" in kind else raw
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"{}")

    def ok(self, method: str, path: str, body: Any = None, role: str = "admin") -> Any:
        status, answer = self.call(method, path, body, role)
        assert status in (200, 201), (method, path, status, answer)
        return answer

    def missing(self, method: str, path: str) -> bool:
        """The API has no such route yet (404 for the path, or 405 for the method)."""
        status, answer = self.call(method, path, {})
        return status == 405 or (status == 404 and answer.get("code") == "not-found")


@dataclass
class Book:
    """What the tests act on, made through the API on top of a small demo book."""

    held: Any  # customer with a tiny limit and held orders
    held_orders: list[str]
    limits: str  # customer whose hold and limit the tests change
    payer: dict[str, Any]  # the open invoice the queued bank line pays
    line_id: str


def _customer(api: Api, name: str, limit: str) -> str:
    body = {
        "name": name,
        "currency": "EUR",
        "credit_limit": limit,
        "payment_terms": {"net_days": 14},
    }
    return str(api.ok("POST", "/v1/customers", body)["customer_id"])


def _order(api: Api, customer: str, price: str) -> dict[str, Any]:
    line = {"sku": "SKU-9", "description": "Crate", "quantity": 1, "unit_price": price}
    answer: dict[str, Any] = api.ok(
        "POST", "/v1/orders", {"customer_id": customer, "lines": [line]}
    )
    return answer


def _book(api: Api) -> Book:
    held = _customer(api, "Heldmann Trading GmbH", "100.00")
    orders = [_order(api, held, price) for price in ("500.00", "600.00", "700.00", "800.00")]
    assert {o["status"] for o in orders} == {"credit_hold"}
    limits = _customer(api, "Limitless Supplies AG", "5000.00")
    # An invoice paid by a line the matcher cannot place: unknown payer, no reference.
    payer = _customer(api, "Zahlemann & Söhne KG", "100000.00")
    order = _order(api, payer, "4321.09")["order_id"]
    api.ok("POST", f"/v1/orders/{order}/shipments", {"lines": [{"sku": "SKU-9", "quantity": 1}]})
    invoice = api.ok("POST", f"/v1/orders/{order}/invoices", {})
    today = date.today()
    line = BankLine(
        line_id="DASH-LINE-1",
        booked_on=today,
        amount=Decimal(invoice["total"]),
        currency="EUR",
        credit=True,
        bank_reference="DASHREF1",
        remittance="thank you for the crate",
        payer_name="Someone Else Ltd",
        payer_iban=None,
        end_to_end_id=None,
        source_line=1,
    )
    statement = BankStatement(
        statement_id="DASH-STATEMENT-1",
        account_id="DE89370400440532013000",
        currency="EUR",
        created_on=today,
        period_start=today,
        period_end=today,
        lines=(line,),
    )
    request = urllib.request.Request(
        api.base + "/v1/bank-statements",
        data=write_camt053(statement),
        method="POST",
        headers={
            "Authorization": f"Bearer {TOKEN['clerk']}",
            "Content-Type": "application/octet-stream",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        imported = json.load(answer)
    queued = api.ok("GET", f"/v1/bank-lines?status=unmatched&min_position={imported['position']}")[
        "items"
    ]
    mine = [q for q in queued if q["bank_reference"] == "DASHREF1"]
    assert len(mine) == 1, (imported, queued)
    [mine] = mine
    assert any(invoice["invoice_id"] in s["invoice_ids"] for s in mine["suggestions"])
    return Book(held, [o["order_id"] for o in orders], limits, invoice, mine["id"])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Api, Book]]:
    """A 12-customer demo book and the customers above, served by uvicorn on loopback."""
    root = tmp_path_factory.mktemp("dashboard-actions")
    settings = Settings(
        event_store_url=f"sqlite:///{root / 'e.db'}",
        read_store_url=f"sqlite:///{root / 'r.db'}",
        api_tokens=dict(TOKENS),
    )
    load_demo(settings, customers=12, seed=7)
    artifacts = root / "artifacts"
    artifacts.mkdir()
    with _serving(settings) as base:
        api = Api(base, artifacts)
        yield api, _book(api)


@pytest.fixture(scope="module")
def browser(served: tuple[Api, Book]) -> Iterator[Any]:
    sync_playwright = _playwright()
    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Session:
    """A signed-in page and what it did: console errors, and every request it sent."""

    page: Any
    errors: list[str]
    requests: list[tuple[str, str, str | None]]  # method, url, Authorization
    refused: list[str]  # URLs answered 403

    def commands(self) -> list[tuple[str, str]]:
        return [(m, urlsplit(u).path) for m, u, _ in self.requests if m != "GET"]

    def check(self) -> None:
        # The audit history answers 403 to all but auditors and admins, and the page says so;
        # Chromium logs that refusal as a console error. Nothing else may be refused.
        refused = [u for u in self.refused if not urlsplit(u).path.startswith("/v1/audit/")]
        assert refused == []
        expected = "the server responded with a status of 403"
        assert [e for e in self.errors if expected not in e or not self.refused] == []
        for _, url, _ in self.requests:
            parts = urlsplit(url)
            # a download is saved from a blob: URL of the page's own origin
            host = urlsplit(parts.path).hostname if parts.scheme == "blob" else parts.hostname
            assert host == "127.0.0.1", url


@pytest.fixture
def signed_in(served: tuple[Api, Book], browser: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def open_as(role: str, path: str = "/dashboard") -> Session:
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        session = Session(page, [], [], [])
        page.on("response", lambda r: session.refused.append(r.url) if r.status == 403 else None)
        page.on(
            "console",
            lambda m: session.errors.append(m.text) if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: session.errors.append(str(e)))
        page.on(
            "request",
            lambda r: session.requests.append((r.method, r.url, r.headers.get("authorization"))),
        )
        page.goto(f"{served[0].base}{path}#token={TOKEN[role]}")
        page.wait_for_selector("body[data-loaded]")
        return session

    yield open_as
    for context in contexts:
        context.close()


def _act(page: Any, scope: str, action: str, fields: dict[str, str] | None = None) -> None:
    """Open ``action``'s form under ``scope``, fill it, confirm."""
    page.click(f"{scope} button[data-action={action}]")
    form = page.locator(f"{scope} form.act-form")
    for name, value in (fields or {}).items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("button.confirm").click()


def _done(page: Any) -> str:
    """What the page says the action did (its log position is in ``data-position``)."""
    page.wait_for_selector("#outcome[data-position]:not(:empty)")
    text: str = page.locator("#outcome").inner_text()
    return text


def _reached(page: Any) -> int:
    """The log position the page's last command reached: reads after it see its effect."""
    return int(page.locator("#outcome").get_attribute("data-position"))


def test_a_credit_manager_approves_and_a_clerk_rejects_held_orders(
    served: tuple[Api, Book], signed_in: Any
) -> None:
    api, book = served
    approve, reject = book.held_orders[0], book.held_orders[1]
    credit = signed_in("credit")
    page = credit.page
    row = f"#held tr[data-order-id='{approve}']"
    page.wait_for_selector(row)
    assert "Heldmann Trading GmbH" in page.locator(row).inner_text()
    page.click(f"{row} button[data-action=approve]")
    api.shot(page, "dashboard-held-orders-1366x768.png")
    page.click(f"{row} form.act-form button.cancel")
    _act(page, row, "approve", {"reason": "paid in advance, checked by phone"})
    assert "approved" in _done(page)
    page.wait_for_selector(row, state="detached")
    order = api.ok("GET", f"/v1/orders/{approve}?min_position={_reached(page)}")
    assert order["status"] == "approved"
    assert order["credit_decisions"][-1]["reason"] == "paid in advance, checked by phone"
    # one command, with the signed-in person's token
    assert credit.commands() == [("POST", f"/v1/orders/{approve}/approve")]
    assert all(auth == f"Bearer {TOKEN['credit']}" for m, _, auth in credit.requests if m != "GET")
    credit.check()

    clerk = signed_in("clerk")
    page = clerk.page
    row = f"#held tr[data-order-id='{reject}']"
    page.wait_for_selector(row)
    assert page.locator(f"{row} button[data-action=approve]").is_disabled()
    _act(page, row, "reject", {"reason": "no credit for this one"})
    assert "rejected" in _done(page)
    page.wait_for_selector(row, state="detached")
    assert (
        api.ok("GET", f"/v1/orders/{reject}?min_position={_reached(page)}")["status"] == "cancelled"
    )
    assert clerk.commands() == [("POST", f"/v1/orders/{reject}/cancel")]
    clerk.check()


def test_hold_release_and_a_new_limit_on_the_customer_page(
    served: tuple[Api, Book], signed_in: Any
) -> None:
    api, book = served
    session = signed_in("credit", f"/dashboard/customers/{book.limits}")
    page = session.page
    _act(page, "#account", "hold", {"reason": "cheque bounced twice"})
    assert "on credit hold" in _done(page)
    page.wait_for_selector("#account button[data-action=release]")
    assert "on hold (cheque bounced twice)" in page.locator("#account .facts").inner_text()
    assert (
        api.ok("GET", f"/v1/customers/{book.limits}?min_position={_reached(page)}")["on_hold"]
        is True
    )

    _act(page, "#account", "release", {"reason": "cheque cleared"})
    assert "off credit hold" in _done(page)
    page.wait_for_selector("#account button[data-action=hold]")
    assert (
        api.ok("GET", f"/v1/customers/{book.limits}?min_position={_reached(page)}")["on_hold"]
        is False
    )

    _act(page, "#account", "limit", {"credit_limit": "12500.50", "reason": "annual review"})
    assert "changed" in _done(page)
    page.wait_for_selector("#account .facts:has-text('12,500.50')")
    assert (
        api.ok("GET", f"/v1/customers/{book.limits}?min_position={_reached(page)}")["credit_limit"]
        == "12500.50"
    )
    assert session.commands() == [
        ("POST", f"/v1/customers/{book.limits}/hold"),
        ("POST", f"/v1/customers/{book.limits}/release"),
        ("POST", f"/v1/customers/{book.limits}/credit-limit"),
    ]
    session.check()


def test_a_refusal_shows_the_problems_own_text(served: tuple[Api, Book], signed_in: Any) -> None:
    api, book = served
    gone = book.held_orders[2]
    session = signed_in("credit", f"/dashboard/customers/{book.held}")
    page = session.page
    # invalid input: the API's 422 names the field
    _act(page, "#account", "limit", {"credit_limit": "10.123", "reason": "typo"})
    error = page.locator("#account form.act-form .error:not(:empty)")
    error.wait_for()
    status, problem = api.call(
        "POST", f"/v1/customers/{book.held}/credit-limit", {"credit_limit": "10.123", "reason": "x"}
    )
    assert status == 422
    assert problem["detail"] in error.inner_text()
    # a rule the state forbids: the order was cancelled behind the page's back
    cancelled = api.ok("POST", f"/v1/orders/{gone}/cancel", {"reason": "customer withdrew"})[
        "position"
    ]
    row = f"#held tr[data-order-id='{gone}']"
    _act(page, row, "approve")
    refusal = page.locator(f"{row} form.act-form .error:not(:empty)")
    refusal.wait_for()
    status, problem = api.call("POST", f"/v1/orders/{gone}/approve", {}, role="credit")
    assert status == 409
    assert refusal.inner_text() == problem["detail"]
    assert api.ok("GET", f"/v1/orders/{gone}?min_position={cancelled}")["status"] == "cancelled"
    api.shot(page, "dashboard-refusal-1366x768.png")


def test_a_clerk_applies_a_bank_line_to_a_suggestion(
    served: tuple[Api, Book], signed_in: Any
) -> None:
    api, book = served
    session = signed_in("clerk")
    page = session.page
    row = f"#bank tr[data-line-id='{book.line_id}']"
    page.wait_for_selector(row)
    shown = page.locator(f"{row} .suggestions").inner_text()
    # the clerk reads names and numbers, never ids
    assert "Zahlemann & Söhne KG" in shown and book.payer["number"] in shown
    assert not UUID_TEXT.search(page.locator("#bank").inner_text())
    api.shot(page, "dashboard-bank-suggestions-1366x768.png")
    line = api.ok("GET", f"/v1/bank-lines/{book.line_id}")
    choice = next(
        n for n, s in enumerate(line["suggestions"]) if book.payer["invoice_id"] in s["invoice_ids"]
    )
    _act(page, f"{row} li[data-suggestion='{choice}']", "applyLine")
    assert book.payer["number"] in _done(page)
    page.wait_for_selector(row, state="detached")
    line = api.ok("GET", f"/v1/bank-lines/{book.line_id}?min_position={_reached(page)}")
    assert (line["status"], line["rule"]) == ("applied", "manual")
    assert line["decided_by"] == "clerk-key-1"
    assert api.ok("GET", f"/v1/invoices/{book.payer['invoice_id']}")["status"] == "settled"
    assert session.commands() == [("POST", f"/v1/bank-lines/{book.line_id}/apply")]
    session.check()


def test_search_finds_a_customer_and_opens_it(served: tuple[Api, Book], signed_in: Any) -> None:
    _, book = served
    session = signed_in("auditor")
    page = session.page
    page.fill("#q", "heldmann")
    page.click("form.search button[type=submit]")
    link = page.locator(f"#search-results a[href='/dashboard/customers/{book.held}']")
    link.wait_for()
    assert link.inner_text() == "Heldmann Trading GmbH"
    page.fill("#q", "no such customer anywhere")
    page.click("form.search button[type=submit]")
    page.wait_for_selector("#search-results:has-text('No customer matches')")
    page.fill("#q", "Heldmann")
    page.click("form.search button[type=submit]")
    link.click()
    page.wait_for_url(f"**/dashboard/customers/{book.held}")
    page.wait_for_selector("body[data-loaded]")
    assert page.locator("#customer-name").inner_text() == "Heldmann Trading GmbH"
    session.check()


def _download(page: Any, selector: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.locator(selector).first.click()
    download = info.value
    return str(download.suggested_filename), Path(download.path()).read_bytes()


def test_letters_download_as_the_apis_pdfs(served: tuple[Api, Book], signed_in: Any) -> None:
    api, _ = served
    reminded = next(
        i
        for i in api.ok("GET", "/v1/collections/worklist?limit=100")["items"]
        if i["dunning_level"]
    )
    session = signed_in("auditor", f"/dashboard/customers/{reminded['customer_id']}")
    page = session.page
    name, pdf = _download(page, "#statement button[data-download$='/statement.pdf']")
    assert pdf.startswith(b"%PDF-") and name.endswith(".pdf")
    assert "statement" in name.lower()
    row = f"#open-items tr[data-invoice-id='{reminded['invoice_id']}']"
    name, pdf = _download(page, f"{row} button[data-download$='/reminders/1/pdf']")
    assert pdf.startswith(b"%PDF-"), pdf[:200]
    assert session.commands() == []  # downloads are reads
    session.check()


def test_invoice_and_credit_note_pdfs(served: tuple[Api, Book], signed_in: Any) -> None:
    api, _ = served
    invoice = next(i for i in api.ok("GET", "/v1/collections/worklist?limit=100")["items"])
    credited = api.ok(
        "POST",
        f"/v1/invoices/{invoice['invoice_id']}/credit-notes",
        {"amount": "1.00", "reason": "damaged crate"},
    )
    session = signed_in("auditor", f"/dashboard/customers/{invoice['customer_id']}")
    page = session.page
    row = f"#open-items tr[data-invoice-id='{invoice['invoice_id']}']"
    _, pdf = _download(page, f"{row} button[data-download$='/pdf'].pdf >> nth=0")
    assert pdf.startswith(b"%PDF-")
    note = credited["credit_note"]["credit_note_id"]
    _, pdf = _download(page, f"#statement button[data-download='/v1/credit-notes/{note}/pdf']")
    assert pdf.startswith(b"%PDF-")
    session.check()


def test_the_aging_and_the_worklist_export_as_csv(served: tuple[Api, Book], signed_in: Any) -> None:
    api, _ = served
    session = signed_in("auditor")
    page = session.page
    name, data = _download(page, "#aging button[data-download='/v1/aging.csv']")
    assert name.startswith("aging-") and name.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    aging = api.ok("GET", "/v1/aging?limit=1000")
    assert sorted(r["customer_id"] for r in rows) == sorted(
        c["customer_id"] for c in aging["customers"]
    )
    for currency in aging["by_currency"]:
        total = sum(Decimal(r["total"]) for r in rows if r["currency"] == currency["currency"])
        assert total == Decimal(currency["total"])
    name, data = _download(page, "#worklist button[data-download$='worklist.csv']")
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    items = api.ok("GET", "/v1/collections/worklist?limit=1000")["items"]
    assert [r["invoice_id"] for r in rows] == [i["invoice_id"] for i in items]
    assert [r["open_amount"] for r in rows] == [i["open_amount"] for i in items]
    session.check()


def test_the_worklist_says_how_it_is_sorted(served: tuple[Api, Book], signed_in: Any) -> None:
    api, _ = served
    page = signed_in("clerk").page
    said = page.locator("#worklist .sorted").inner_text()
    # a part the worklist does not have (no follow-ups due) leaves no stray text behind
    assert "null" not in page.locator("#worklist").inner_text()
    items = api.ok("GET", "/v1/collections/worklist?limit=20")["items"]
    if any("score" in i for i in items):
        assert "score" in said
        first = items[0]
        cell = page.locator(f"#worklist tr[data-invoice-id='{first['invoice_id']}'] details.score")
        cell.locator("summary").click()
        assert "null" not in cell.inner_text()
        shown = cell.locator("[data-component]").evaluate_all(
            "ns => ns.map(n => n.dataset.component)"
        )
        assert sorted(shown) == sorted(first["components"])
    else:
        assert said.startswith("Sorted by open amount × days past due")


def _commands_shown(page: Any) -> list[str]:
    found: list[str] = page.eval_on_selector_all(
        "button[data-action]", "bs => bs.map(b => b.dataset.action)"
    )
    return found


def test_the_role_matrix(served: tuple[Api, Book], signed_in: Any) -> None:
    """A reader sees no command; a clerk sees the limit change disabled and why; a credit
    manager may change it; every disabled command names the roles the API asks for."""
    api, book = served
    customer = f"/dashboard/customers/{book.held}"
    for path in ("/dashboard", customer):
        reader = signed_in("auditor", path)
        assert _commands_shown(reader.page) == []
        assert reader.page.locator(".why").count() == 0
        assert reader.page.locator("button[data-download]").count() >= 1  # reads stay
        reader.check()

    clerk = signed_in("clerk", customer).page
    limit = clerk.locator("#account button[data-action=limit]")
    assert limit.is_disabled()
    api.shot(clerk, "dashboard-customer-as-clerk-1366x768.png")
    why = clerk.locator("#account .act-wrap:has(button[data-action=limit]) .why").inner_text()
    rights = {
        (c["method"], c["path"]): c for c in api.ok("GET", "/v1/me", role="clerk")["commands"]
    }
    needed = rights[("POST", "/v1/customers/{customer_id}/credit-limit")]["roles"]
    assert needed == ["admin", "credit"] and "admin or credit" in why and "clerk" in why
    for disabled in clerk.locator("button[data-action]:disabled").all():
        assert disabled.get_attribute("aria-describedby")
    # under a table the reason is said once, not on every row
    held = clerk.locator("#held p.why")
    assert held.count() == 1 and "Approving a held order needs the role admin or credit" in (
        held.inner_text()
    )

    credit = signed_in("credit", customer).page
    assert credit.locator("#account button[data-action=limit]").is_enabled()
    admin = signed_in("admin", customer).page
    assert admin.locator("button[data-action]:disabled").count() == 0
    assert set(_commands_shown(admin)) >= {"limit", "hold", "approve", "reject"}


def test_a_promise_to_pay_and_a_note(served: tuple[Api, Book], signed_in: Any) -> None:
    api, _ = served
    item = api.ok("GET", "/v1/collections/worklist?limit=1")["items"][0]
    session = signed_in("clerk", f"/dashboard/customers/{item['customer_id']}")
    page = session.page
    row = f"#open-items tr[data-invoice-id='{item['invoice_id']}']"
    promised = (date.today() + timedelta(days=7)).isoformat()
    _act(page, row, "promise", {"promised_on": promised, "note": "pays after the board meets"})
    assert item["number"] in _done(page)
    _act(page, "#account", "note", {"text": "spoke to AP, invoice approved for payment"})
    page.wait_for_selector("#outcome[data-position]:has-text('Note')")
    assert session.commands() == [
        ("POST", f"/v1/invoices/{item['invoice_id']}/promises"),
        ("POST", f"/v1/customers/{item['customer_id']}/notes"),
    ]
    events = api.ok("GET", f"/v1/audit/customers/{item['customer_id']}/events?limit=1000")
    types = [e["type"] for e in events["events"]]
    assert any("promise" in t for t in types) and any("note" in t for t in types), types[-5:]
    session.check()


def test_an_action_by_keyboard_at_phone_width(served: tuple[Api, Book], browser: Any) -> None:
    """Tab to the command, Enter opens its form with the focus in it, Escape closes it and
    gives the focus back, Enter in the form confirms; nothing scrolls sideways."""
    api, book = served
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    try:
        page = context.new_page()
        page.goto(f"{api.base}/dashboard/customers/{book.limits}#token={TOKEN['credit']}")
        page.wait_for_selector("body[data-loaded]")
        for _ in range(60):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.dataset.action") == "limit":
                break
        else:
            pytest.fail("the credit limit command is not reachable by Tab")
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.name") == "credit_limit"
        page.keyboard.press("Escape")
        assert page.locator("#account form.act-form").count() == 0
        assert page.evaluate("document.activeElement.dataset.action") == "limit"
        page.keyboard.press("Enter")
        page.keyboard.press("Control+A")
        page.keyboard.type("7000")
        page.keyboard.press("Tab")
        page.keyboard.type("seasonal peak")
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        api.shot(page, "dashboard-limit-form-390x844.png")
        page.keyboard.press("Enter")
        assert "7.000,00" in _done(page)
        customer = api.ok("GET", f"/v1/customers/{book.limits}?min_position={_reached(page)}")
        assert customer["credit_limit"] == "7000.00"
    finally:
        context.close()
