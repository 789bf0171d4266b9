"""A fact cannot happen in the future: every dated command, a dunning run's ``as_of`` and a period
close's ``through`` later than today are refused with ``date-in-future`` and store nothing,
through the service (a set clock) and over HTTP (the server's clock)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from o2c import commands as c
from o2c.application.clock import BusinessDay
from o2c.application.context import CommandContext
from o2c.bootstrap import build_service
from o2c.config import Settings
from o2c.domain.errors import InvalidInput
from tests.api.conftest import auth
from tests.periods.book import DATED, ROUTES, TODAY, Factory, http_request
from tests.periods.conftest import Api, Closed
from tests.support.world import opened_store

ALL_DATED = sorted(DATED.items(), key=lambda kv: kv[0].__name__)
IDS = [cmd.__name__ for cmd, _ in ALL_DATED]
TOMORROW = TODAY + timedelta(days=1)


@pytest.mark.parametrize(("cmd", "factory"), ALL_DATED, ids=IDS)
def test_dated_after_today_is_refused_and_stores_nothing(
    shared: Closed, cmd: type[c.Command], factory: Factory
) -> None:
    world = shared.world
    assert world.clock.today == TODAY
    before = world.store.last_position()
    with pytest.raises(InvalidInput) as refused:
        # Straight to the service: the test world would move its clock to the command's date.
        world.service.handle(factory(shared.book, TOMORROW), CommandContext())
    assert refused.value.code == "date-in-future"
    assert str(TOMORROW) in refused.value.detail and str(TODAY) in refused.value.detail
    assert world.store.last_position() == before


def test_an_import_with_one_row_after_today_is_refused_whole(shared: Closed) -> None:
    rows = [
        c.OpeningInvoice(customer_id=shared.book.customer, issued_on=on, open_amount=5)
        for on in (TODAY, TOMORROW)
    ]
    before = shared.world.store.last_position()
    with pytest.raises(InvalidInput) as refused:
        shared.world.service.handle(c.ImportOpeningInvoices(rows=rows), CommandContext())
    assert refused.value.code == "date-in-future"
    assert shared.world.store.last_position() == before


def test_a_period_that_has_not_ended_cannot_be_closed(shared: Closed) -> None:
    before = shared.world.store.last_position()
    with pytest.raises(InvalidInput) as refused:
        shared.world.service.handle(c.ClosePeriod(through=TOMORROW, reason="early"))
    assert refused.value.code == "date-in-future"
    assert shared.world.store.last_position() == before


def test_dated_today_is_booked(fresh: Closed) -> None:
    world = fresh.world
    before = world.store.last_position()
    world.service.handle(DATED[c.ReceivePayment](fresh.book, TODAY), CommandContext())
    world.service.handle(c.RunDunning(as_of=TODAY), CommandContext())
    assert world.store.last_position() > before


def _dates_in_two_zones() -> tuple[date, date]:
    # Kiritimati is UTC+14 and Honolulu UTC-10 (neither has summer time): exactly a day apart.
    while True:
        first = BusinessDay("Pacific/Kiritimati")(), BusinessDay("Pacific/Honolulu")()
        second = BusinessDay("Pacific/Kiritimati")(), BusinessDay("Pacific/Honolulu")()
        if first == second:  # no midnight between the readings
            return first


def test_today_is_judged_in_the_configured_time_zone(sqlite_url: str) -> None:
    ahead, behind = _dates_in_two_zones()
    assert ahead == behind + timedelta(days=1)
    with opened_store(sqlite_url) as store:
        clock = build_service(Settings(timezone="Pacific/Kiritimati"), store).today
        assert isinstance(clock, BusinessDay) and clock.zone.key == "Pacific/Kiritimati"
        assert build_service(Settings(), store).today.zone.key == "UTC"  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="unknown time zone"):
        Settings(timezone="Mars/Olympus_Mons")


ROUTED = sorted(ROUTES, key=lambda t: t.__name__)


def _server_tomorrow() -> date:
    # The server judges today in UTC; two days ahead stays in the future across a midnight.
    return datetime.now(UTC).date() + timedelta(days=2)


@pytest.mark.parametrize("cmd", ROUTED, ids=lambda t: t.__name__)
def test_dated_after_today_is_a_422_problem_over_http(api: Api, cmd: type[c.Command]) -> None:
    path, body = http_request(DATED[cmd](api.book, _server_tomorrow()))
    before = api.container.store.last_position()
    response = api.client.post(path, json=body, headers=auth("admin"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "date-in-future"
    assert problem["type"].endswith("/date-in-future")
    assert api.container.store.last_position() == before


def test_a_dunning_run_as_of_2099_sends_nothing(api: Api) -> None:
    before = api.container.store.last_position()
    response = api.client.post(
        "/v1/dunning/runs", json={"as_of": "2099-01-01"}, headers=auth("admin")
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "date-in-future"
    body = {"through": _server_tomorrow().isoformat(), "reason": "the year"}
    response = api.client.post("/v1/periods/close", json=body, headers=auth("admin"))
    assert (response.status_code, response.json()["code"]) == (422, "date-in-future")
    assert api.container.store.last_position() == before


def test_a_statement_booking_a_line_after_today_is_refused_whole(shared: Closed) -> None:
    booked = [
        c.BankLineIn(line_id=f"F{n}", booked_on=on, amount=Decimal("3.00"), credit=True)
        for n, on in enumerate((TODAY, TOMORROW))
    ]
    statement = c.ImportBankStatement(
        account_id="DE89370400440532013000",
        statement_id="ST-FUTURE",
        currency="EUR",
        period_start=TODAY,
        period_end=TODAY,
        lines=booked,
    )
    before = shared.world.store.last_position()
    with pytest.raises(InvalidInput) as refused:
        shared.world.service.handle(statement, CommandContext())
    assert refused.value.code == "date-in-future"
    assert shared.world.store.last_position() == before
