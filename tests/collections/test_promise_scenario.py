"""A promise holds dunning back until its date plus grace, is broken, dunning resumes, and the
worklist explains why the customer rose: the scenario a collector lives through."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from uuid import UUID

from o2c import commands as c
from o2c.collections.replay import fold_worklist_inputs
from o2c.projections.queries.collections import worklist_page
from tests.read.conftest import ReadWorld
from tests.support.world import D

JAN = date(2026, 1, 1)


def _rows(rw: ReadWorld, as_of: date) -> list[dict[str, object]]:
    return [dict(r) for r in rw.project().worklist(as_of=as_of)["items"]]


def test_a_broken_promise_resumes_dunning_and_raises_the_customer(rw: ReadWorld) -> None:
    promiser = rw.account(net_days=10)
    other = rw.account(net_days=10)
    promised = UUID(rw.sell(promiser, "1000.00", JAN)["invoice_id"])
    bigger = UUID(rw.sell(other, "1100.00", JAN)["invoice_id"])
    assert rw.do(c.RunDunning(as_of=date(2026, 1, 12)))["reminders_sent"] == 2

    made = rw.do(
        c.MakePromise(invoice_id=promised, promised_on=date(2026, 1, 28), note="CFO on phone")
    )
    assert (made["deadline"], made["amount"], made["status"]) == (
        "2026-01-30",
        "1000.00",
        "pending",
    )

    # Level 2 is due at 15 days past due: the other customer gets it, the promise holds.
    run = rw.do(c.RunDunning(as_of=date(2026, 1, 26)))
    assert [r["invoice_id"] for r in run["reminders"]] == [str(bigger)]
    # Still within the deadline (promised date + 2 grace days): nothing sent, nothing broken.
    run = rw.do(c.RunDunning(as_of=date(2026, 1, 30)))
    assert run["reminders_sent"] == 0 and run["promises_broken"] == []

    before = _rows(rw, date(2026, 1, 30))
    assert [r["invoice_id"] for r in before] == [str(bigger), str(promised)]
    assert before[1]["promise"] is not None
    assert before[1]["components"] == {
        "overdue_amount": "1000.00",
        "days_past_due": 19,
        "dunning_level": 1,
        "broken_promises": 0,
        "exposure_over_limit": "0.00",
        "usual_days_late": None,
    }

    # The day after the deadline the run records the promise broken and dunning resumes.
    run = rw.do(c.RunDunning(as_of=date(2026, 1, 31)))
    assert [p["invoice_id"] for p in run["promises_broken"]] == [str(promised)]
    assert [(r["invoice_id"], r["level"]) for r in run["reminders"]] == [(str(promised), 2)]

    after = _rows(rw, date(2026, 1, 31))
    assert [r["invoice_id"] for r in after] == [str(promised), str(bigger)]
    top = after[0]
    assert top["components"] == {
        "overdue_amount": "1000.00",
        "days_past_due": 20,
        "dunning_level": 2,
        "broken_promises": 1,
        "exposure_over_limit": "0.00",
        "usual_days_late": None,
    }
    # 1000 × 20 × (1 + 0.25 × 2 + 0.5 × 1) beats 1100 × 20 × (1 + 0.25 × 2).
    assert (top["score"], after[1]["score"]) == ("40000.00", "33000.00")
    assert top["promise"] is None
    assert rw.project().promises(promised)["items"][0]["status"] == "broken"
    # The same question as of the day before the deadline still answers as it did then.
    assert _rows(rw, date(2026, 1, 30)) == before


def test_cash_covering_the_promise_keeps_it_and_dunning_never_resumes(rw: ReadWorld) -> None:
    cid = rw.account(net_days=10)
    inv = UUID(rw.sell(cid, "1000.00", JAN)["invoice_id"])
    rw.do(c.RunDunning(as_of=date(2026, 1, 12)))
    rw.do(c.MakePromise(invoice_id=inv, promised_on=date(2026, 1, 20), amount=D("600.00")))
    rw.pay(cid, "400.00", date(2026, 1, 18), [(inv, None)])
    rw.pay(cid, "200.00", date(2026, 1, 22), [(inv, None)])  # the last day of grace
    page = rw.project().promises(inv)["items"]
    assert [(p["status"], p["outcome_on"]) for p in page] == [("kept", "2026-01-22")]
    # A kept promise is no longer pending: the rest is dunned as usual.
    run = rw.do(c.RunDunning(as_of=date(2026, 1, 26)))
    assert [r["level"] for r in run["reminders"]] == [2]
    assert run["promises_broken"] == []


def test_cash_after_the_deadline_breaks_the_promise_first(rw: ReadWorld) -> None:
    cid = rw.account(net_days=10)
    inv = UUID(rw.sell(cid, "1000.00", JAN)["invoice_id"])
    rw.do(c.MakePromise(invoice_id=inv, promised_on=date(2026, 1, 20)))
    rw.pay(cid, "1000.00", date(2026, 1, 25), [(inv, None)])
    page = rw.project().promises(inv)["items"]
    assert [(p["status"], p["outcome_on"]) for p in page] == [("broken", "2026-01-25")]


def test_the_worklist_replayed_as_known_then_answers_as_it_did(rw: ReadWorld) -> None:
    """``known_at``: what the system knew at a recorded time, whatever was booked since (here a
    payment backdated into the day asked about)."""
    cid = rw.account(net_days=10)
    inv = UUID(rw.sell(cid, "1000.00", JAN)["invoice_id"])
    rw.sell(rw.account(net_days=10), "300.00", JAN)
    rw.do(c.RunDunning(as_of=date(2026, 1, 12)))
    rw.do(c.MakePromise(invoice_id=inv, promised_on=date(2026, 1, 13)))
    rw.do(c.AddNote(customer_id=cid, text="call again", follow_up_on=date(2026, 1, 20)))
    as_of = date(2026, 1, 20)
    then = rw.project().worklist(as_of=as_of)
    time.sleep(0.01)
    known_at = datetime.now(UTC)
    time.sleep(0.01)
    rw.do(c.RunDunning(as_of=date(2026, 1, 21)))
    rw.pay(cid, "250.00", date(2026, 1, 19), [(inv, None)])
    now = rw.project().worklist(as_of=as_of)
    assert now["items"] != then["items"]  # the backdated payment changed the answer

    replayed = worklist_page(fold_worklist_inputs(rw.store.read_all(), as_of, known_at))
    assert replayed["items"] == then["items"]
    assert replayed["follow_ups"] == then["follow_ups"]
    latest = worklist_page(fold_worklist_inputs(rw.store.read_all(), as_of))
    assert latest["items"] == now["items"]


def test_notes_collectors_and_follow_ups_filter_the_worklist(rw: ReadWorld) -> None:
    mine, theirs = rw.account(net_days=10), rw.account(net_days=10)
    rw.sell(mine, "100.00", JAN)
    rw.sell(theirs, "900.00", JAN)
    rw.do(c.AssignCollector(customer_id=mine, collector="eva"))
    rw.do(c.AssignCollector(customer_id=theirs, collector="max"))
    rw.do(c.AddNote(customer_id=mine, text="promised a call back", follow_up_on=date(2026, 1, 15)))
    q = rw.project()
    evas = q.worklist(as_of=date(2026, 1, 20), collector="eva")
    assert [i["customer_id"] for i in evas["items"]] == [str(mine)]
    assert evas["items"][0]["collector"] == "eva"
    assert [f["customer_id"] for f in evas["follow_ups"]] == [str(mine)]
    due = q.worklist(as_of=date(2026, 1, 14), follow_ups_due=True)
    assert due["items"] == [] and due["follow_ups"] == []
    due = q.worklist(as_of=date(2026, 1, 15), follow_ups_due=True)
    assert [i["customer_id"] for i in due["items"]] == [str(mine)]
    # A later note without a follow-up day leaves nothing to follow up.
    rw.do(c.AddNote(customer_id=mine, text="called: paying Friday"))
    assert rw.project().worklist(as_of=date(2026, 1, 20))["follow_ups"] == []
    notes = rw.project().notes(mine)["items"]
    assert [n["text"] for n in notes] == ["called: paying Friday", "promised a call back"]
