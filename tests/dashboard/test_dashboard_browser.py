"""The dashboard in a real headless Chromium over a served demo book.

Debian's ``chromium`` (``make test`` installs it) is driven through Playwright's Python client
with ``executable_path``: Playwright's own browser download is never used. The page must show
the API's figures to the cent, open a customer by a real link, log no console error and send
no request anywhere but the loopback server. Screenshots are written under the test's tmp_path
and, when ``O2C_ARTIFACTS`` is set, copied there.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn

from o2c.api.app import create_app
from o2c.bootstrap import build_container
from o2c.cli.demo import load_demo
from o2c.config import Settings
from tests.support.ports import free_port

TOKEN = "t-dashboard-credit"
TOKENS = {TOKEN: "admin", "t-dashboard-clerk": "clerk"}
CHROMIUM = os.environ.get("O2C_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def _playwright() -> Any:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: `apt-get install chromium` (make test does)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: pip install -e '.[dev]'")
    return sync_playwright


@dataclass
class Served:
    base: str
    artifacts: Path
    shots: list[Path] = field(default_factory=list)

    def get(self, path: str, token: str = TOKEN) -> Any:
        request = urllib.request.Request(
            self.base + path, headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.load(answer)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.load(answer)

    def shot(self, page: Any, name: str) -> None:
        path = self.artifacts / name
        page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        target = os.environ.get("O2C_ARTIFACTS")
        if target:
            Path(target).mkdir(parents=True, exist_ok=True)
            copied = Path(target) / name
            shutil.copyfile(path, copied)
            print(f"screenshot: {copied}")
        print(f"screenshot: {path}")


@contextmanager
def _serving(settings: Settings) -> Iterator[str]:
    """``settings``' book served by uvicorn on a loopback port: its base URL."""
    container = build_container(settings)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(container), host="127.0.0.1", port=port, log_level="critical", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        container.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A 30-customer demo book in embedded-mode SQLite, served by uvicorn on loopback."""
    root = tmp_path_factory.mktemp("dashboard")
    settings = Settings(
        event_store_url=f"sqlite:///{root / 'e.db'}",
        read_store_url=f"sqlite:///{root / 'r.db'}",
        api_tokens=dict(TOKENS),
    )
    load_demo(settings, customers=30, seed=7)
    artifacts = root / "artifacts"
    artifacts.mkdir()
    with _serving(settings) as base:
        book = Served(base, artifacts)
        _foreign_customers(book)
        yield book


def _foreign_customers(book: Served) -> None:
    """The demo book is all EUR: add a USD and a JPY (no minor unit) customer with overdue and
    current invoices, so the chart has one bar per currency and JPY shows no decimals."""
    today = date.today()
    for currency, price in (("USD", "1234.56"), ("JPY", "98765")):
        customer = book.post(
            "/v1/customers",
            {
                "name": f"Overseas {currency}",
                "currency": currency,
                "credit_limit": "10000000",
                "payment_terms": {"net_days": 14},
            },
        )["customer_id"]
        for back in (0, 20, 45):
            day = (today - timedelta(days=back)).isoformat()
            line = {"sku": "SKU-001", "description": "Article 1", "quantity": 2}
            order = book.post(
                "/v1/orders",
                {
                    "customer_id": customer,
                    "lines": [{**line, "unit_price": price}],
                    "ordered_on": day,
                },
            )["order_id"]
            book.post(
                f"/v1/orders/{order}/shipments",
                {"lines": [{"sku": "SKU-001", "quantity": 2}], "shipped_on": day},
            )
            position = book.post(f"/v1/orders/{order}/invoices", {"issued_on": day})["position"]
    book.get(f"/v1/aging?limit=1&min_position={position}")


@dataclass
class Watch:
    """What the page did: console errors, uncaught exceptions, every request's URL."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on(
            "console",
            lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url} {r.failure}"))
        page.on("request", lambda r: self.requests.append(r.url))

    def check(self) -> None:
        assert self.errors == []
        assert self.requests
        elsewhere = [u for u in self.requests if urlsplit(u).hostname != "127.0.0.1"]
        assert elsewhere == [], "the page reached beyond the host"


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[Any]:
    sync_playwright = _playwright()
    with sync_playwright() as p:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        launched = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield launched
        finally:
            launched.close()


def _sign_in(page: Any) -> None:
    page.wait_for_selector("#login:not([hidden])")
    page.fill("#token", TOKEN)
    page.click("#login-form button[type=submit]")


def _chart(page: Any, scope: str) -> dict[str, dict[str, Decimal]]:
    found: list[dict[str, str]] = page.eval_on_selector_all(
        f"{scope} svg.aging-chart rect[data-amount]",
        "rs => rs.map(r => ({c: r.dataset.currency, b: r.dataset.bucket, a: r.dataset.amount}))",
    )
    chart: dict[str, dict[str, Decimal]] = {}
    for r in found:
        chart.setdefault(r["c"], {})[r["b"]] = Decimal(r["a"])
    return chart


def test_portfolio_and_customer_pages_show_the_apis_figures(served: Served, browser: Any) -> None:
    started = time.monotonic()
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-GB")
    page = context.new_page()
    watch = Watch()
    watch.attach(page)
    try:
        page.goto(served.base + "/dashboard")
        _sign_in(page)
        page.wait_for_selector("#aging svg.aging-chart[data-ready]")
        page.wait_for_selector("body[data-loaded]")

        aging = served.get("/v1/aging?limit=1")
        expected = {
            c["currency"]: {b["label"]: Decimal(b["amount"]) for b in c["totals"]}
            for c in aging["by_currency"]
        }
        assert expected, "the demo book has open receivables"
        assert _chart(page, "#aging") == expected
        totals = page.eval_on_selector_all(
            "#aging svg.aging-chart", "gs => gs.map(g => [g.dataset.currency, g.dataset.total])"
        )
        assert {c: Decimal(t) for c, t in totals} == {
            c["currency"]: Decimal(c["total"]) for c in aging["by_currency"]
        }
        # the KPIs, the exposures and the worklist are there, formatted by locale
        assert page.locator("#kpis [data-kpi=dso] dd").count() == len(
            served.get("/v1/kpis")["by_currency"]
        )
        assert page.locator("#kpis details.formulas dd").count() == 5
        assert page.locator("#exposure table").count() >= 1
        worklist = served.get("/v1/collections/worklist?limit=20")["items"]
        assert page.locator("#worklist tbody tr").count() == len(worklist)
        assert page.locator("#bank").inner_text()  # a queue table, or that none is waiting
        served.shot(page, "dashboard-portfolio-1366x768.png")

        # open the first worklist customer by its link
        first = worklist[0]
        link = page.locator(f"#worklist a[href='/dashboard/customers/{first['customer_id']}']")
        link.first.click()
        page.wait_for_url(f"**/dashboard/customers/{first['customer_id']}")
        page.wait_for_selector("#customer-aging svg.aging-chart[data-ready]")
        page.wait_for_selector("body[data-loaded]")
        cid = first["customer_id"]
        mine = served.get(f"/v1/customers/{cid}/aging")
        assert _chart(page, "#customer-aging") == {
            mine["currency"]: {b["label"]: Decimal(b["amount"]) for b in mine["buckets"]}
        }
        items = served.get(f"/v1/customers/{cid}/open-items?limit=20")
        assert page.locator("#open-items tbody tr").count() == len(items["items"])
        numbers = page.locator("#open-items tbody tr td:first-child").all_inner_texts()
        assert numbers == [i["number"] for i in items["items"]]
        assert page.locator("#customer-name").inner_text() == first["customer_name"]
        assert page.locator("#statement table, #statement p").count() >= 1
        assert page.locator("#history tbody tr").count() >= 1
        # the statement's period is ISO text; a longer period shows at least as many lines
        shown = page.locator("#statement tbody tr").count()
        page.fill("#st-from", (date.today() - timedelta(days=364)).isoformat())
        page.click("#statement form button[type=submit]")
        page.wait_for_function(
            f"document.querySelectorAll('#statement tbody tr').length > {shown}"
            " || !document.querySelector('#statement .paged[aria-busy]')"
        )
        assert page.locator("#statement tbody tr").count() >= shown
        first_event = page.locator("#history tbody tr td").nth(3).inner_text()
        if page.locator("#history button.next").is_enabled():
            page.click("#history button.next")
            page.wait_for_selector("#history .pager span:has-text('page 2')")
            assert page.locator("#history tbody tr td").nth(3).inner_text() != first_event
        served.shot(page, "dashboard-customer-1366x768.png")
        watch.check()
    finally:
        context.close()
    print(f"browser checks took {time.monotonic() - started:.1f}s")


def test_phone_width_and_keyboard_only(served: Served, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    page = context.new_page()
    watch = Watch()
    watch.attach(page)
    try:
        page.goto(served.base + "/dashboard")
        # keyboard only: the token field has the focus, Enter submits, Tab reaches the links
        page.wait_for_selector("#login:not([hidden])")
        assert page.evaluate("document.activeElement.id") == "token"
        page.keyboard.type(TOKEN)
        page.keyboard.press("Enter")
        page.wait_for_selector("body[data-loaded]")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, "the page scrolls sideways at phone width"
        # de-DE: the comma is the decimal separator; JPY has no minor unit
        heads = page.locator("#aging table.aging-table thead th").all_inner_texts()
        total = page.locator("#aging table.aging-table tbody tr").last.all_inner_texts()[0]
        figures = dict(zip(heads[1:], total.split("\t")[1:], strict=True))
        assert "," in figures["EUR"] and "," not in figures["JPY"] and "¥" in figures["JPY"]
        served.shot(page, "dashboard-portfolio-390x844.png")
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.classList.contains('customer-link')"):
                break
        else:
            pytest.fail("no customer link is reachable by Tab")
        href = page.evaluate("document.activeElement.getAttribute('href')")
        page.keyboard.press("Enter")
        page.wait_for_url(f"**{href}")
        page.wait_for_selector("body[data-loaded]")
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        served.shot(page, "dashboard-customer-390x844.png")
        page.click("#logout")
        page.wait_for_selector("#login:not([hidden])")
        assert page.evaluate("sessionStorage.length") == 0
        watch.check()
    finally:
        context.close()


def test_a_refused_token_asks_again(served: Served, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        page.goto(served.base + "/dashboard")
        page.fill("#token", "not-a-key")
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#login:not([hidden]) #login-error:has-text('refused')")
        assert page.evaluate("sessionStorage.length") == 0
        assert page.locator("#view").is_hidden()
    finally:
        context.close()


def test_the_bank_exception_queue_or_its_absence(served: Served, browser: Any) -> None:
    """With no bank-lines route (404) the section says so; with unmatched lines it lists them.
    The answers are stubbed in the browser: the queue's own tests live with the bank import."""
    line = {
        "id": "7c0b7c1e-0000-4000-8000-000000000001",
        "statement_id": "7c0b7c1e-0000-4000-8000-000000000002",
        "line_id": "1",
        "amount": "1234.50",
        "currency": "EUR",
        "booked_on": date.today().isoformat(),
        "bank_reference": "REF-1",
        "payer_name": "Unknown Payer Ltd",
        "payer_iban": None,
        "remittance": "invoice 4711",
        "status": "unmatched",
        "suggestions": [],
    }
    for status, body, expected in (
        (404, {"type": "about:blank", "status": 404}, "No bank statements imported."),
        (200, {"items": [line], "next": None}, "Unknown Payer Ltd"),
        (200, {"items": [line], "next": "WyIxIl0="}, "More lines are waiting"),
    ):
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-GB")
        page = context.new_page()
        answer = {"status": status, "content_type": "application/json", "body": json.dumps(body)}
        page.route("**/v1/bank-lines?*", lambda route, _request, a=answer: route.fulfill(**a))
        try:
            page.goto(served.base + "/dashboard")
            _sign_in(page)
            page.wait_for_selector("body[data-loaded]")
            text = page.locator("#bank").inner_text()
            assert expected in text
            # Nothing but elements under the section: no stray "null" for a missing part.
            stray = page.evaluate(
                "[...document.querySelector('#bank').childNodes]"
                ".filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent)"
            )
            assert stray == [] and "null" not in text, (stray, text)
            if status == 200:
                assert "€1,234.50" in text and "invoice 4711" in text
                served.shot(page, "dashboard-bank-queue-1366x768.png")
        finally:
            context.close()


def test_a_token_in_the_url_fragment_signs_in_and_leaves_the_address_bar(
    served: Served, browser: Any
) -> None:
    """``make run`` prints ``/dashboard#token=…``: one click, no paste, and the token is not
    left in the address bar (nor ever sent to the server: fragments are not)."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    watch = Watch()
    watch.attach(page)
    try:
        page.goto(f"{served.base}/dashboard#token={TOKEN}")
        page.wait_for_selector("body[data-loaded]")
        assert page.locator("#login").is_hidden()
        assert page.evaluate("window.location.hash") == ""
        assert page.evaluate("sessionStorage.length") == 1
        assert all("#" not in u and TOKEN not in u for u in watch.requests)
        watch.check()
    finally:
        context.close()


def test_the_openid_connect_login_in_the_browser(
    tmp_path_factory: pytest.TempPathFactory, browser: Any
) -> None:
    """With an issuer configured, the sign-in offers the organisation's login: the real
    provider's form, back to the dashboard with alice's token, the portfolio loads."""
    from tests.identity.provider import CLIENT_ID, Provider

    root = tmp_path_factory.mktemp("dashboard-oidc")
    with Provider() as provider:
        settings = Settings(
            event_store_url=f"sqlite:///{root / 'e.db'}",
            read_store_url=f"sqlite:///{root / 'r.db'}",
            oidc_issuer=provider.url,
            oidc_audience=CLIENT_ID,
            oidc_client_secret="dashboard-secret",
        )
        load_demo(settings, customers=3, seed=3)
        with _serving(settings) as base:
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            page = context.new_page()
            try:
                page.goto(f"{base}/dashboard")
                page.wait_for_selector("#login:not([hidden]) #oidc-login")
                page.click("#oidc-login")
                page.wait_for_url(f"{provider.url}/oauth2/authorize?**")
                page.click("button[name=sub][value=alice]")  # the provider's own form
                page.wait_for_selector("body[data-loaded]")
                assert page.url == f"{base}/dashboard"
                assert page.evaluate("sessionStorage.length") == 1
                assert page.locator("#aging svg.aging-chart").count() >= 1
                cookies = {c["name"] for c in context.cookies(base)}
                assert "o2c_dashboard_login" not in cookies
                # the token lasts for the tab; our page (not the provider's, which links a
                # CDN) logs no error and reaches nothing beyond the host
                watch = Watch()
                watch.attach(page)
                page.reload()
                page.wait_for_selector("body[data-loaded]")
                assert page.locator("#login").is_hidden()
                watch.check()
            finally:
                context.close()
