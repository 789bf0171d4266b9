"""The period close over HTTP: refusals as problem+json, admin only, and the close history."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from o2c import commands as c
from o2c.aggregates.period_lock import PERIOD_LOCK_ID
from tests.api.conftest import auth
from tests.periods.book import AFTER, DATED, INSIDE, LOCK, ROUTES, http_request
from tests.periods.conftest import Api
from tests.periods.ledger import read_model_net, recorded_net, sides_balance

ROUTED = sorted(ROUTES, key=lambda t: t.__name__)


@pytest.mark.parametrize("cmd", ROUTED, ids=lambda t: t.__name__)
def test_dated_inside_the_closed_period_is_a_409_and_stores_nothing(
    api: Api, cmd: type[c.Command]
) -> None:
    path, body = http_request(DATED[cmd](api.book, INSIDE))
    before = api.container.store.last_position()
    response = api.client.post(path, json=body, headers=auth("admin"))
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "period-closed"
    assert problem["type"].endswith("/period-closed")
    assert api.container.store.last_position() == before


@pytest.mark.parametrize("role", ["clerk", "credit", "auditor"])
def test_only_an_admin_closes_a_period(api: Api, role: str) -> None:
    before = api.container.store.last_position()
    body = {"through": "2026-02-28", "reason": "not mine to close"}
    response = api.client.post("/v1/periods/close", json=body, headers=auth(role))
    assert response.status_code == 403
    assert api.container.store.last_position() == before


def test_the_lock_date_only_moves_forward_and_only_into_the_past(api: Api) -> None:
    def close(through: date) -> tuple[int, str]:
        body = {"through": through.isoformat(), "reason": "again"}
        response = api.client.post("/v1/periods/close", json=body, headers=auth("admin"))
        return response.status_code, response.json()["code"]

    before = api.container.store.last_position()
    assert close(LOCK) == (409, "period-already-closed")
    assert close(LOCK - timedelta(days=40)) == (409, "period-already-closed")
    assert close(date.today()) == (422, "invalid-close-date")
    assert api.container.store.last_position() == before


@pytest.mark.parametrize("role", ["clerk", "credit", "auditor", "admin"])
def test_any_reader_sees_the_lock_date_and_the_closes(api: Api, role: str) -> None:
    response = api.client.get("/v1/periods", headers=auth(role))
    assert response.status_code == 200
    view = response.json()
    assert view["lock_date"] == LOCK.isoformat()
    [close] = view["closes"]
    [event] = [
        e for e in api.container.store.read_stream(PERIOD_LOCK_ID) if e.event_type == "PeriodClosed"
    ]
    assert close == {
        "through": LOCK.isoformat(),
        "reason": "January closed",
        "actor": event.actor,
        "recorded_at": event.recorded_at,
        "position": event.position,
        "trial_balance": api.close["trial_balance"],
        "head_position": api.close["head_position"],
        "head": api.close["head"],
    }
    assert event.actor == "admin-key-1"  # the admin who closed it
    assert event.position == api.close["position"]


def test_periods_need_a_token(api: Api) -> None:
    assert api.client.get("/v1/periods").status_code == 401


def test_the_recorded_trial_balance_is_the_gl_read_models_and_it_balances(api: Api) -> None:
    assert api.container.read is not None and api.container.read.runner is not None
    api.container.read.runner.catch_up()
    recorded = api.close["trial_balance"]
    assert set(recorded) == {"EUR"}
    assert recorded_net(recorded) == read_model_net(api.container.read.read_store, LOCK)
    sides_balance(recorded)
    # The book's January: 1,280.00 invoiced, 450.00 received, 400.00 of it applied.
    assert recorded["EUR"]["revenue"] == {"debit": "0.00", "credit": "1280.00"}
    assert recorded["EUR"]["bank"] == {"debit": "450.00", "credit": "0.00"}
    assert recorded["EUR"]["receivable"] == {"debit": "880.00", "credit": "0.00"}
    assert recorded["EUR"]["unapplied"] == {"debit": "0.00", "credit": "50.00"}


def test_verify_over_http_proves_the_close(api: Api) -> None:
    report = api.client.post("/v1/audit/verify", headers=auth("auditor")).json()
    assert report["ok"] is True and report["closes"] == 1, report


def test_a_correction_dated_after_the_lock_date_is_booked(api: Api) -> None:
    path, body = http_request(DATED[c.ApplyCreditNote](api.book, AFTER))
    response = api.client.post(path, json=body, headers=auth("clerk"))
    assert response.status_code == 201, response.text
