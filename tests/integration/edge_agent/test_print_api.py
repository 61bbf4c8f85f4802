"""Printing through a real agent process: its receipt and kitchen printers are TCP
printers on 127.0.0.1 and its bar printer is a serial printer at the end of a pty
(:mod:`tests.integration.edge_agent.print_till`; the ``till`` fixture is the conftest's)."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from tests.integration.edge_agent.print_simulators import NetworkPrinter, eventually
from tests.integration.edge_agent.print_till import (
    Till,
    order,
    pay_cash,
    printed_for,
    printed_n,
    sign_in,
)
from tests.processes import free_port


@pytest.fixture(scope="module")
def cashier(till):
    with sign_in(till.agent, "1111") as client:
        assert client.post("/drawer/open", json={"float": 500_000}).status_code == 201
        yield client


def test_a_two_station_order_goes_to_the_two_right_printers(till, cashier) -> None:
    ticket = order(cashier, "latte-r", "samosa")

    sent = cashier.post(f"/tickets/{ticket['id']}/send", json={})

    assert sent.status_code == 200
    bar = eventually(lambda: printed_for(till.bar, ticket), what="the bar ticket")
    kitchen = eventually(lambda: printed_for(till.kitchen, ticket), what="the kitchen ticket")
    assert len(bar) == len(kitchen) == 1
    assert "1 x Caffè latte (Regular)" in bar[0].decoded.text
    assert "   + Oat milk" in bar[0].decoded.text
    assert not any("samosa" in t for t in bar[0].decoded.text)
    assert "1 x Beef samosa" in kitchen[0].decoded.text
    assert not any("latte" in t for t in kitchen[0].decoded.text)
    assert "TABLE 7" in kitchen[0].decoded.text


def test_a_double_tapped_send_prints_once(till, cashier) -> None:
    ticket = order(cashier, "samosa", "croissant")
    key = {"Idempotency-Key": str(uuid.uuid4())}

    first = cashier.post(f"/tickets/{ticket['id']}/send", json={}, headers=key)
    second = cashier.post(f"/tickets/{ticket['id']}/send", json={}, headers=key)
    third = cashier.post(f"/tickets/{ticket['id']}/send", json={})

    assert first.json() == second.json()
    assert third.status_code == 422
    eventually(lambda: printed_for(till.kitchen, ticket), what="the kitchen ticket")
    jobs = cashier.get("/print-jobs", params={"ticket_id": ticket["id"]}).json()
    assert [j["kind"] for j in jobs] == ["kitchen"]
    assert len(printed_for(till.kitchen, ticket)) == 1


def test_a_cash_sale_opens_the_drawer_and_prints_one_receipt(till, cashier) -> None:
    ticket = order(cashier, "chai")
    kicks_before = len(till.receipt.printed.realtime_kicks)

    paid = pay_cash(cashier, ticket)

    assert paid.status_code == 201
    receipts = eventually(lambda: printed_for(till.receipt, ticket), what="the receipt")
    eventually(lambda: len(till.receipt.printed.realtime_kicks) > kicks_before, what="the kick")
    assert till.receipt.printed.realtime_kicks[kicks_before:] == [(5, 200, 200)]
    assert len(receipts) == 1
    assert "RECEIPT" in receipts[0].decoded.text
    assert receipts[0].decoded.qr == [ticket["id"]]


def test_a_card_sale_prints_a_receipt_but_never_opens_the_drawer(till, cashier) -> None:
    ticket = order(cashier, "espresso")
    kicks_before = len(till.receipt.printed.realtime_kicks)

    cashier.post(
        f"/tickets/{ticket['id']}/payments",
        json={"method": "card", "amount": ticket["totals"]["total"]},
    )

    receipt = eventually(lambda: printed_for(till.receipt, ticket), what="the receipt")[0]
    assert "  PENDING CONFIRMATION" in receipt.decoded.text
    assert len(till.receipt.printed.realtime_kicks) == kicks_before


def test_a_reprint_says_copy_and_a_double_tapped_reprint_prints_once(till, cashier) -> None:
    ticket = order(cashier, "croissant")
    pay_cash(cashier, ticket)
    eventually(lambda: printed_for(till.receipt, ticket), what="the original")
    key = {"Idempotency-Key": str(uuid.uuid4())}

    again = cashier.post(f"/tickets/{ticket['id']}/print", json={})
    copy = cashier.post(f"/tickets/{ticket['id']}/print", json={"copy": True}, headers=key)
    tap = cashier.post(f"/tickets/{ticket['id']}/print", json={"copy": True}, headers=key)

    assert again.status_code == 409
    assert again.json()["code"] == "receipt_already_printed"
    assert copy.status_code == tap.status_code == 202
    assert copy.json() == tap.json()
    printed = eventually(lambda: printed_n(till.receipt, ticket, 2), what="the copy")
    original, reprint = printed
    assert "*** COPY ***" not in original.decoded.text
    assert reprint.decoded.text.count("*** COPY ***") == 2
    jobs = cashier.get("/print-jobs", params={"ticket_id": ticket["id"]}).json()
    assert sorted(j["copy"] for j in jobs if j["kind"] == "receipt") == [False, True]


def test_a_kitchen_reprint_says_copy(till, cashier) -> None:
    ticket = order(cashier, "samosa")
    cashier.post(f"/tickets/{ticket['id']}/send", json={})
    eventually(lambda: printed_for(till.kitchen, ticket), what="the kitchen ticket")

    answer = cashier.post(f"/tickets/{ticket['id']}/print", json={"what": "kitchen", "copy": True})

    assert answer.status_code == 202
    printed = eventually(lambda: printed_n(till.kitchen, ticket, 2), what="the kitchen copy")
    assert "*** COPY ***" in printed[1].decoded.text
    assert "*** COPY ***" not in printed[0].decoded.text


def test_only_an_authorised_no_sale_opens_the_drawer(till, cashier) -> None:
    manager_pin = {"manager_pin": "9999"}
    kicks_before = len(till.receipt.printed.realtime_kicks)

    refused = cashier.post("/drawer/movements", json={"kind": "no_sale"})
    allowed = cashier.post("/drawer/movements", json={"kind": "no_sale", **manager_pin})

    assert refused.status_code == 403
    assert allowed.status_code == 201
    eventually(lambda: len(till.receipt.printed.realtime_kicks) > kicks_before, what="the kick")
    assert len(till.receipt.printed.realtime_kicks) == kicks_before + 1


def test_printers_show_their_status_and_jobs_their_state(till, cashier) -> None:
    pay_cash(cashier, order(cashier, "latte-r"))  # a receipt of its own, whatever ran before
    done = {"printer": "receipt", "state": "done"}
    jobs = eventually(lambda: cashier.get("/print-jobs", params=done).json(), what="a receipt")
    # The status is the last probe's (every 5 s): wait for one after the queue emptied.
    printers = eventually(
        lambda: (
            (p := cashier.get("/printers").json())[2]["checked_ms"]
            and "0 jobs" in p[2]["message"]
            and p
        ),
        timeout_s=30,
        what="a probed receipt printer with nothing waiting",
    )

    assert [p["name"] for p in printers] == ["bar", "kitchen", "receipt"]
    receipt = printers[2]
    assert receipt["status"] == "online"
    assert receipt["message"] == "receipt printer ready, 0 jobs waiting"
    assert printers[0]["where"].startswith("serial ")
    assert jobs
    assert all(j["printer"] == "receipt" and j["state"] == "done" for j in jobs)
    assert "payload" not in jobs[0]


def test_the_receipt_is_available_as_text_and_html(cashier) -> None:
    ticket = order(cashier, "latte-r")
    pay_cash(cashier, ticket)

    text = cashier.get(f"/tickets/{ticket['id']}/receipt")
    html = cashier.get(f"/tickets/{ticket['id']}/receipt", params={"format": "html"})
    missing = cashier.get(f"/tickets/{uuid.uuid4()}/receipt")

    assert text.headers["content-type"].startswith("text/plain")
    assert ticket["receipt_no"] in text.text
    assert "Demo Café" in text.text
    assert html.headers["content-type"].startswith("text/html")
    assert "<title>Receipt " in html.text
    assert missing.status_code == 404


def test_printing_needs_a_signed_in_operator(till) -> None:
    answer = httpx.post(f"{till.agent.api}/tickets/{uuid.uuid4()}/print", json={})

    assert answer.status_code == 401


@pytest.mark.slow
def test_a_sale_goes_through_while_the_printer_is_off_and_prints_once_complete_when_back(
    tmp_path,
):
    port = free_port()
    till = Till(tmp_path / "till", receipt_port=port)
    till.receipt.stop()  # switched off before the shift starts
    till.agent.start()
    try:
        with sign_in(till.agent, "1111") as cashier:
            cashier.post("/drawer/open", json={"float": 0})
            ticket = order(cashier, "chai")
            started = time.monotonic()
            paid = pay_cash(cashier, ticket)
            took = time.monotonic() - started
            eventually(
                lambda: any(
                    j["last_error"]
                    for j in cashier.get("/print-jobs", params={"ticket_id": ticket["id"]}).json()
                ),
                what="a failed attempt",
            )
            waiting = cashier.get("/printers").json()[2]
            alerts = cashier.get("/sync/status").json()["printer_alerts"]
            back = NetworkPrinter(port=port, drop_after=300)  # and drops mid-job once
            try:
                eventually(lambda: printed_for(back, ticket), what="the receipt, once back")
                eventually(lambda: back.printed.realtime_kicks, what="the drawer kick")
                done = cashier.get("/print-jobs", params={"ticket_id": ticket["id"]}).json()
            finally:
                back.stop()
    finally:
        till.stop()

    assert paid.status_code == 201
    assert took < 1.0
    assert waiting["status"] == "unknown"
    assert waiting["message"] == "receipt printer not answering, 2 jobs waiting"
    assert waiting["needs_attention"]
    assert alerts == [waiting["message"]]
    assert {j["kind"]: j["state"] for j in done} == {"receipt": "done", "drawer_kick": "done"}
    assert next(j for j in done if j["kind"] == "drawer_kick")["attempts"] > 1
    assert len(printed_for(back, ticket)) == 1
    assert len(back.lost) == 1


def test_a_job_the_printer_never_confirmed_is_shown_and_can_be_sent_again(till, cashier) -> None:
    till.kitchen.hang_on_job = True
    try:
        ticket = order(cashier, "samosa")
        cashier.post(f"/tickets/{ticket['id']}/send", json={})
        job = eventually(
            lambda: next(
                iter(cashier.get("/print-jobs", params={"state": "unconfirmed"}).json()), None
            ),
            what="an unconfirmed job",
        )
        kitchen = next(p for p in cashier.get("/printers").json() if p["name"] == "kitchen")
    finally:
        till.kitchen.hang_on_job = False

    resent = cashier.post(f"/print-jobs/{job['id']}/resend")
    printed = eventually(lambda: printed_n(till.kitchen, ticket, 1), what="the resent ticket")
    again = cashier.post(f"/print-jobs/{job['id']}/printed")
    unknown = cashier.post(f"/print-jobs/{uuid.uuid4()}/resend")

    assert job["ticket_id"] == ticket["id"]
    assert "did not confirm" in job["last_error"]
    assert kitchen["needs_attention"]
    assert kitchen["message"] == "kitchen printer ready, 1 job unconfirmed: check it printed"
    assert resent.status_code == 200, resent.text
    assert resent.json()["state"] == "pending"
    assert len(printed) == 1
    assert again.status_code == 409
    assert again.json()["code"] == "print_job_not_unconfirmed"
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "print_job_not_found"


@pytest.mark.slow
def test_printer_settings_follow_the_printers_file_without_a_restart(tmp_path) -> None:
    till = Till(tmp_path / "till")
    settings = till.agent.data_dir / "printers.toml"
    label = NetworkPrinter()
    till.agent.start()
    try:
        with sign_in(till.agent, "1111") as cashier:
            settings.write_text(
                settings.read_text()
                + f'\n[[printer]]\nname = "label"\nrole = "label"\nbackend = "network"\n'
                f'host = "127.0.0.1"\nport = {label.port}\n'
            )
            added = eventually(
                lambda: {p["name"] for p in cashier.get("/printers").json()} >= {"label"},
                what="the new printer",
            )
            eventually(lambda: label.printed.status_queries, what="the new printer's worker")
            good = settings.read_text()
            settings.write_text(good.replace('host = "127.0.0.1"', 'host = "127.0.0.1:9100"'))
            alerts = eventually(
                lambda: cashier.get("/sync/status").json()["printer_alerts"],
                what="the alert about the bad file",
            )
            kept = {p["name"] for p in cashier.get("/printers").json()}
            refused = cashier.post("/printers/reload")
            unsigned = httpx.post(f"{till.agent.api}/printers/reload")
            settings.write_text(good)
            applied = cashier.post("/printers/reload")
            cleared = cashier.get("/sync/status").json()["printer_alerts"]
    finally:
        label.stop()
        till.stop()

    assert added
    assert len(alerts) == 1
    assert alerts[0].startswith("printers file not applied, the previous settings stay:")
    assert "put the TCP port in 'port'" in alerts[0]
    assert kept == {"receipt", "kitchen", "bar", "label"}
    assert refused.status_code == 422
    assert refused.json()["code"] == "printers_file_invalid"
    assert unsigned.status_code == 401
    assert applied.status_code == 200
    assert {p["name"] for p in applied.json()} == {"receipt", "kitchen", "bar", "label"}
    assert cleared == []


def test_a_cash_refund_prints_a_refund_slip_and_opens_the_drawer(till, cashier) -> None:
    ticket = order(cashier, "chai", "samosa")
    pay_cash(cashier, ticket)
    samosa = ticket["lines"][1]["id"]
    kicks_before = len(till.receipt.printed.realtime_kicks)

    refund = cashier.post(
        f"/tickets/{ticket['id']}/refunds",
        json={
            "method": "cash",
            "amount": 12_000,
            "reason": "cold samosa",
            "lines": [{"line_id": samosa, "quantity": 1}],
            "manager_pin": "9999",
        },
    )

    assert refund.status_code == 201
    refund_id = refund.json()["refunds"][0]["id"]
    slip = eventually(
        lambda: [j for j in till.receipt.printed.jobs if refund_id in j.decoded.qr],
        what="the refund slip",
    )[0]
    assert "REFUND" in slip.decoded.text
    assert "1 x Beef samosa returned" in slip.decoded.text
    assert "Reason: cold samosa" in slip.decoded.text
    eventually(lambda: len(till.receipt.printed.realtime_kicks) > kicks_before, what="the kick")
    jobs = cashier.get("/print-jobs", params={"ticket_id": ticket["id"]}).json()
    assert sorted(j["kind"] for j in jobs) == ["drawer_kick", "drawer_kick", "receipt", "refund"]


def test_a_card_refund_prints_a_slip_but_never_opens_the_drawer(till, cashier) -> None:
    ticket = order(cashier, "espresso")
    cashier.post(
        f"/tickets/{ticket['id']}/payments",
        json={"method": "card", "amount": ticket["totals"]["total"]},
    )

    cashier.post(
        f"/tickets/{ticket['id']}/refunds",
        json={"method": "card", "amount": 5_000, "reason": "cold", "manager_pin": "9999"},
    )

    jobs = cashier.get("/print-jobs", params={"ticket_id": ticket["id"]}).json()
    assert sorted(j["kind"] for j in jobs) == ["receipt", "refund"]


def test_a_pay_out_opens_the_drawer(till, cashier) -> None:
    kicks_before = len(till.receipt.printed.realtime_kicks)

    paid_out = cashier.post(
        "/drawer/movements", json={"kind": "pay_out", "amount": 5_000, "reason": "milk"}
    )

    assert paid_out.status_code == 201
    eventually(lambda: len(till.receipt.printed.realtime_kicks) > kicks_before, what="the kick")
