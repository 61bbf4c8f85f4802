"""Money and audit over a cashier's day, through real HTTP to a real agent process.

Each test that closes the drawer gets its own agent: a device has one drawer at a time.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from edge_agent.store import oplog
from tests.integration.edge_agent.print_simulators import eventually
from tests.integration.edge_agent.print_till import Till
from tests.processes import AgentProcess, running_agent

MANAGER = {"manager_pin": "9999"}


@pytest.fixture
def fresh(tmp_path) -> Iterator[AgentProcess]:
    with running_agent(tmp_path / "till") as agent:
        yield agent


def sign_in(agent: AgentProcess, pin: str = "1111") -> httpx.Client:
    token = httpx.post(f"{agent.api}/auth/pin", json={"pin": pin}).json()["token"]
    return httpx.Client(base_url=agent.api, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def till(fresh) -> Iterator[httpx.Client]:
    with sign_in(fresh) as client:
        assert client.post("/drawer/open", json={"float": 100_000}).status_code == 201
        yield client


def sale(till: httpx.Client, *variants: str) -> dict[str, Any]:
    ticket = till.post("/tickets", json={"kind": "counter"}).json()
    for variant in variants:
        ticket = till.post(f"/tickets/{ticket['id']}/lines", json={"variant_id": variant}).json()
    return dict(ticket)


def pay(till: httpx.Client, ticket: dict[str, Any], method: str, **extra: Any) -> httpx.Response:
    due = ticket["totals"]["cash_due" if method == "cash" else "balance_due"]
    amount = due + extra.get("tip", 0) if method == "cash" else due  # cash covers the tip too
    return till.post(
        f"/tickets/{ticket['id']}/payments", json={"method": method, "amount": amount, **extra}
    )


def close_drawer(till: httpx.Client) -> httpx.Response:
    counted = till.get("/reports/x", headers={"X-Manager-Pin": "9999"}).json()["report"]
    return till.post(
        "/drawer/close",
        json={"counted": {"1": counted["expected_cash"]}, "force_unsynced": True, **MANAGER},
    )


def set_reference(agent: AgentProcess, entity: str, entity_id: str, **changes: Any) -> None:
    """What a pull of hub reference data does: replace one document on the device."""
    with sqlite3.connect(agent.data_dir / "agent.sqlite3", isolation_level=None) as conn:
        conn.execute("BEGIN IMMEDIATE")
        (data,) = conn.execute(
            "SELECT data FROM reference_data WHERE entity = ? AND entity_id = ?",
            (entity, entity_id),
        ).fetchone()
        conn.execute(
            "UPDATE reference_data SET data = ? WHERE entity = ? AND entity_id = ?",
            (json.dumps(json.loads(data) | changes), entity, entity_id),
        )
        conn.execute("COMMIT")


def ticket_events(agent: AgentProcess, name: str) -> list[dict[str, Any]]:
    with sqlite3.connect(agent.data_dir / "agent.sqlite3") as conn:
        bodies = conn.execute(
            "SELECT body FROM ops WHERE kind = 'event' ORDER BY device_seq"
        ).fetchall()
    ops = [oplog.decode(body) for (body,) in bodies]
    return [dict(op.data) for op in ops if getattr(op, "name", None) == name]  # type: ignore[attr-defined]


def test_cash_is_refused_once_the_drawer_is_closed_and_the_z_issued(fresh, till) -> None:
    paid = sale(till, "chai")
    pay(till, paid, "cash")
    close_drawer(till)
    till.post("/reports/z", json=MANAGER)
    unpaid = sale(till, "samosa")

    cash = pay(till, unpaid, "cash")
    refund = till.post(
        f"/tickets/{paid['id']}/refunds",
        json={"method": "cash", "amount": 5_000, "reason": "cold", **MANAGER},
    )
    pay_in = till.post("/drawer/movements", json={"kind": "pay_in", "amount": 100, "reason": "x"})
    card = pay(till, unpaid, "card")

    assert cash.status_code == refund.status_code == pay_in.status_code == 409
    assert {cash.json()["code"], refund.json()["code"], pay_in.json()["code"]} == {
        "drawer_not_open"
    }
    assert "open the drawer" in cash.json()["message"]
    assert card.status_code == 201
    assert len(ticket_events(fresh, "refund_issued")) == 0


def test_cash_taken_names_the_drawer_session_it_went_into(fresh, till) -> None:
    session = till.get("/reports/x", headers={"X-Manager-Pin": "9999"}).json()["session"]

    pay(till, sale(till, "chai"), "cash")

    assert ticket_events(fresh, "payment_taken")[0]["drawer_session"] == session["id"]


def test_the_z_lists_the_tickets_still_open_and_warns_by_default(till) -> None:
    left_open = sale(till, "chai")
    settled = sale(till, "samosa")
    pay(till, settled, "cash")
    till.post(f"/tickets/{settled['id']}/close")
    close_drawer(till)

    z = till.post("/reports/z", json=MANAGER)
    text = till.get("/reports/z/1?format=text", headers={"X-Manager-Pin": "9999"}).text

    assert z.status_code == 201
    assert [t["receipt_no"] for t in z.json()["open_tickets"]] == [left_open["receipt_no"]]
    assert z.json()["open_tickets"][0]["balance"] == left_open["totals"]["total"]
    assert [w["code"] for w in z.json()["warnings"]] == ["open_tickets"]
    assert "OPEN TICKETS: 1" in text
    assert left_open["receipt_no"] in text


def test_the_z_is_refused_while_tickets_are_open_when_the_outlet_says_so(fresh, till) -> None:
    set_reference(fresh, "outlet", "DEMO1", z_open_tickets="refuse")
    left_open = sale(till, "chai")
    close_drawer(till)

    refused = till.post("/reports/z", json=MANAGER)
    till.post(f"/tickets/{left_open['id']}/void", json={"reason": "walked out", **MANAGER})
    issued = till.post("/reports/z", json=MANAGER)

    assert refused.status_code == 409
    assert refused.json()["code"] == "z_open_tickets"
    assert left_open["receipt_no"] in refused.json()["message"]
    assert [t["id"] for t in refused.json()["detail"]["open_tickets"]] == [left_open["id"]]
    assert issued.status_code == 201
    assert issued.json()["number"] == 1


def test_x_and_z_count_tips_taxes_per_rate_pending_tenders_and_only_settled_discounts(
    till,
) -> None:
    voided = sale(till, "croissant")
    till.post(
        f"/tickets/{voided['id']}/discounts",
        json={"kind": "percent", "value": 1000, "reason": "regular"},
    )
    till.post(f"/tickets/{voided['id']}/void", json={"reason": "walked out", **MANAGER})
    cash = sale(till, "chai", "samosa")
    cash = till.post(
        f"/tickets/{cash['id']}/discounts",
        json={"kind": "percent", "value": 1000, "reason": "regular"},
    ).json()
    tipped = pay(till, cash, "cash", tip=5_000).json()
    mobile = sale(till, "croissant")
    pending = pay(till, mobile, "mobile_money", reference="QK7H2X9PLM", tip=2_000).json()

    x = till.get("/reports/x", headers={"X-Manager-Pin": "9999"}).json()["report"]
    close_drawer(till)
    z = till.post("/reports/z", json=MANAGER).json()["report"]

    discount = cash["totals"]["line_discounts"] + cash["totals"]["ticket_discount"]
    taxes = {
        code: tipped["totals"]["tax_by_code"].get(code, 0)
        + pending["totals"]["tax_by_code"].get(code, 0)
        for code in ("CTL2", "VAT16")
    }
    for report in (x, z):
        assert report["discounts_total"] == discount > 0
        assert report["tips_by_method"] == {"cash": 5_000, "mobile_money": 2_000}
        assert report["tips_total"] == 7_000
        assert report["tax_by_rate"] == {code: a for code, a in taxes.items() if a}
        assert report["tax_total"] == sum(taxes.values()) > 0
        assert report["pending_by_method"] == {"mobile_money": mobile["totals"]["total"]}
        assert report["voids_count"] == 1
        assert report["voids_total"] == voided["totals"]["subtotal"]
        assert report["settled_tickets"] == 2


def test_an_issued_z_reads_again_by_number_exactly_as_issued(till) -> None:
    pay(till, sale(till, "chai"), "cash")
    close_drawer(till)
    issued = till.post("/reports/z", json=MANAGER)
    till.post("/drawer/open", json={"float": 5_000})
    pay(till, sale(till, "samosa"), "cash")

    again = till.post("/reports/z", json=MANAGER)
    read = till.get("/reports/z/1", headers={"X-Manager-Pin": "9999"})
    text = till.get("/reports/z/1?format=text", headers={"X-Manager-Pin": "9999"})
    cashier = till.get("/reports/z/1")
    missing = till.get("/reports/z/2", headers={"X-Manager-Pin": "9999"})

    assert issued.status_code == 201
    assert again.status_code == 409
    assert read.status_code == 200
    assert {k: v for k, v in issued.json().items() if k != "print_job"} == read.json()
    assert "Z REPORT #1" in text.text
    assert cashier.status_code == 403
    assert missing.status_code == 404
    assert missing.json()["code"] == "z_report_not_found"


def test_a_pay_out_above_the_outlet_limit_takes_a_manager_pin(fresh, till) -> None:
    within = till.post(
        "/drawer/movements", json={"kind": "pay_out", "amount": 200_000, "reason": "milk"}
    )
    above = till.post(
        "/drawer/movements", json={"kind": "pay_out", "amount": 200_100, "reason": "gas"}
    )
    approved = till.post(
        "/drawer/movements",
        json={"kind": "pay_out", "amount": 200_100, "reason": "gas", **MANAGER},
    )

    assert within.status_code == 201
    assert above.status_code == 403
    assert above.json()["code"] == "pay_out_over_limit"
    assert "KES 2,000.00" in above.json()["message"]
    assert approved.status_code == 201
    audit = ticket_events(fresh, "cash_movement")[-1]["overrides"]
    assert audit == [{"permission": "pay_out_above_limit", "manager_id": "staff-manager"}]


def test_a_pay_out_needs_the_pay_out_permission(fresh, till) -> None:
    set_reference(fresh, "role", "cashier", permissions=["drawer_open"])

    refused = till.post(
        "/drawer/movements", json={"kind": "pay_out", "amount": 1_000, "reason": "milk"}
    )
    approved = till.post(
        "/drawer/movements",
        json={"kind": "pay_out", "amount": 1_000, "reason": "milk", **MANAGER},
    )

    assert refused.status_code == 403
    assert refused.json()["code"] == "insufficient_permission"
    assert approved.status_code == 201
    audit = ticket_events(fresh, "cash_movement")[-1]["overrides"]
    assert audit == [{"permission": "pay_out", "manager_id": "staff-manager"}]


def test_even_split_shares_follow_the_total_when_it_changes_after_the_split(till) -> None:
    ticket = sale(till, "chai", "chai")  # 2 x 150.00
    till.post(f"/tickets/{ticket['id']}/payments", json={"method": "card", "amount": 10_000})
    split = till.post(f"/tickets/{ticket['id']}/split", json={"by": "evenly", "parts": 2})

    grown = till.post(f"/tickets/{ticket['id']}/lines", json={"variant_id": "samosa"}).json()
    line = grown["lines"][0]["id"]
    shrunk = till.post(
        f"/tickets/{ticket['id']}/lines/{line}/void", json={"reason": "wrong", **MANAGER}
    ).json()

    assert split.json()["checks"][0]["shares"] == [10_000, 10_000]
    assert grown["shares"] == [16_000, 16_000]  # 300 + 120 - 100 paid before the split
    assert shrunk["shares"] == [8_500, 8_500]
    assert sum(shrunk["shares"]) == shrunk["totals"]["balance_due"]


def test_a_mobile_money_reference_given_twice_is_taken_and_flagged_on_both_sales(till) -> None:
    first = sale(till, "croissant")
    pay(till, first, "mobile_money", reference="QK7H2X9PLM")
    till.post(f"/tickets/{first['id']}/close")
    second = sale(till, "espresso")

    taken = pay(till, second, "mobile_money", reference="QK7H2X9PLM")
    earlier = till.get(f"/tickets/{first['id']}").json()

    assert taken.status_code == 201
    assert [w["code"] for w in taken.json()["warnings"]] == ["duplicate_reference"]
    assert first["receipt_no"] in taken.json()["warnings"][0]["message"]
    assert taken.json()["payments"][0]["duplicate_reference"] is True
    assert earlier["status"] == "closed"
    assert earlier["flags"][0]["other_ticket_id"] == second["id"]
    assert second["receipt_no"] in earlier["warnings"][0]["message"]
    assert earlier["payments"][0]["duplicate_reference"] is True
    assert earlier["conflicts"] == []


def test_a_refund_records_which_lines_and_how_many_were_returned(fresh, till) -> None:
    ticket = sale(till, "chai")
    ticket = till.post(
        f"/tickets/{ticket['id']}/lines", json={"variant_id": "samosa", "quantity": 2}
    ).json()
    chai, samosas = (line["id"] for line in ticket["lines"])
    pay(till, ticket, "cash")

    refund = till.post(
        f"/tickets/{ticket['id']}/refunds",
        json={
            "method": "cash",
            "amount": 27_000,
            "reason": "cold",
            "line_ids": [chai],
            "lines": [{"line_id": samosas, "quantity": 1}],
            **MANAGER,
        },
    )
    too_many = till.post(
        f"/tickets/{ticket['id']}/refunds",
        json={
            "method": "cash",
            "amount": 1_000,
            "reason": "cold",
            "lines": [{"line_id": samosas, "quantity": 2}],
            **MANAGER,
        },
    )

    assert refund.status_code == 201
    assert refund.json()["refunds"][0]["lines"] == [
        {"line_id": chai, "quantity": 1},
        {"line_id": samosas, "quantity": 1},
    ]
    assert ticket_events(fresh, "refund_issued")[0]["lines"] == refund.json()["refunds"][0]["lines"]
    assert too_many.status_code == 422
    assert "1 of 2 can still be returned" in too_many.json()["message"]


def test_an_issued_z_prints_once_and_reprints_marked_copy(tmp_path) -> None:
    printing = Till(tmp_path / "till")
    printing.agent.start()
    try:
        with sign_in(printing.agent) as till:
            till.post("/drawer/open", json={"float": 10_000})
            close_drawer(till)
            issued = till.post("/reports/z", json=MANAGER)
            original = eventually(
                lambda: [
                    j for j in printing.receipt.printed.jobs if "Z REPORT #1" in j.decoded.text
                ],
                what="the Z on paper",
            )
            copy = till.post("/reports/z/1/print", json=MANAGER)
            printed = eventually(
                lambda: (
                    (
                        z := [
                            j
                            for j in printing.receipt.printed.jobs
                            if "Z REPORT #1" in j.decoded.text
                        ]
                    )
                    and len(z) == 2
                    and z
                ),
                what="the copy on paper",
            )
            refused = till.post("/reports/z/1/print", json={})
    finally:
        printing.stop()

    assert issued.json()["print_job"] is not None
    assert "*** COPY ***" not in original[0].decoded.text
    assert copy.status_code == 201
    assert copy.json()["copy"] is True
    assert "*** COPY ***" in printed[1].decoded.text
    assert refused.status_code == 403
