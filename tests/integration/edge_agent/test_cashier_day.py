"""The full cashier day, in order, through real HTTP with no hub anywhere."""

from __future__ import annotations

import httpx

from tests.processes import running_agent


def test_a_full_cashier_day_runs_offline_from_login_to_z_report(tmp_path) -> None:
    with running_agent(tmp_path / "till") as agent, httpx.Client(base_url=agent.api) as till:
        token = till.post("/auth/pin", json={"pin": "1111"}).json()["token"]
        till.headers["Authorization"] = f"Bearer {token}"

        def sale(*variants: str) -> dict:
            ticket = till.post("/tickets", json={"kind": "counter"}).json()
            for variant in variants:
                ticket = till.post(
                    f"/tickets/{ticket['id']}/lines", json={"variant_id": variant}
                ).json()
            return ticket

        opened = till.post("/drawer/open", json={"float": 500000})
        cash = sale("chai", "samosa")  # 150.00 + 120.00
        till.post(f"/tickets/{cash['id']}/payments", json={"method": "cash", "amount": 30000})
        till.post(f"/tickets/{cash['id']}/close")
        card = sale("espresso")
        till.post(f"/tickets/{card['id']}/payments", json={"method": "card", "amount": 25000})
        mobile = sale("croissant")
        till.post(
            f"/tickets/{mobile['id']}/payments",
            json={"method": "mobile_money", "amount": 22000, "reference": "QK7H2X9PLM"},
        )
        shared = sale("chai", "chai")
        first_chai, second_chai = (line["id"] for line in shared["lines"])
        split = till.post(
            f"/tickets/{shared['id']}/split",
            json={"by": "items", "groups": [[first_chai], [second_chai]]},
        ).json()["checks"]
        for check, method in zip(split, ("cash", "card"), strict=True):
            till.post(f"/tickets/{check['id']}/payments", json={"method": method, "amount": 15000})
            till.post(f"/tickets/{check['id']}/close")
        refunded = till.post(
            f"/tickets/{cash['id']}/refunds",
            json={
                "method": "cash",
                "amount": 12000,
                "reason": "cold samosa",
                "manager_pin": "9999",
            },
        )
        voided = sale("chai")
        void = till.post(
            f"/tickets/{voided['id']}/void", json={"reason": "walked out", "manager_pin": "9999"}
        )
        payout = till.post(
            "/drawer/movements", json={"kind": "pay_out", "amount": 10000, "reason": "milk"}
        )
        x_report = till.get("/reports/x", headers={"X-Manager-Pin": "9999"})
        # Expected: 5,000 float + 270 + 150 cash sales - 120 refund - 100 pay-out = 5,200.00;
        # the count is 5,190.00: 10.00 short.
        closed = till.post(
            "/drawer/close",
            json={
                "counted": {"100000": 5, "5000": 3, "1000": 4},
                "manager_pin": "9999",
                "force_unsynced": True,
            },
        )
        z_report = till.post("/reports/z", json={"manager_pin": "9999"})
        z_text = till.post("/reports/z?format=text", json={"manager_pin": "9999"})

    assert opened.status_code == 201
    assert [check["totals"]["total"] for check in split] == [15000, 15000]
    assert refunded.status_code == 201
    assert void.json()["status"] == "voided"
    assert payout.status_code == 201
    assert x_report.status_code == 200
    assert x_report.json()["report"]["expected_cash"] == 520000
    assert closed.status_code == 200, closed.text
    assert closed.json()["expected"] == 520000
    assert closed.json()["counted"] == 519000
    assert closed.json()["variance"] == -1000
    assert z_report.status_code == 201, z_report.text
    assert z_report.json()["number"] == 1
    assert z_report.json()["variance"] == -1000
    assert z_text.status_code == 409
    assert z_text.json()["code"] == "z_already_issued"
