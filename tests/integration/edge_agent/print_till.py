"""An agent process with three real printers: its receipt and kitchen printers are TCP
printers on 127.0.0.1 and its bar printer is a serial printer at the end of a pty; and
what a till does with them."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.escpos_decoder import Job
from tests.integration.edge_agent.print_simulators import NetworkPrinter, PtyPrinter
from tests.processes import AgentProcess, free_port, init_agent

FAST = "timeout_s = 1.0\nstatus_timeout_s = 0.3\nretry_base_s = 0.05\nretry_max_s = 0.2\n"


def printers_toml(receipt_port: int, kitchen_port: int, bar_path: Path) -> str:
    return f"""
[[printer]]
name = "receipt"
label = "receipt printer"
role = "receipt"
backend = "network"
host = "127.0.0.1"
port = {receipt_port}
drawer_pin = 5
drawer_pulse_ms = 120
footer = ["Asante sana! Karibu tena."]
{FAST}
[[printer]]
name = "kitchen"
label = "kitchen printer"
role = "kitchen"
stations = ["kitchen"]
backend = "network"
host = "127.0.0.1"
port = {kitchen_port}
{FAST}
[[printer]]
name = "bar"
label = "bar printer"
role = "bar"
stations = ["bar"]
backend = "serial"
path = "{bar_path}"
paper_mm = 58
{FAST}"""


class Till:
    """An agent process and its three printers."""

    def __init__(
        self, data_dir: Path, receipt_port: int | None = None, kitchen_port: int | None = None
    ) -> None:
        self.receipt = NetworkPrinter(port=receipt_port or 0)
        self.kitchen = NetworkPrinter(port=kitchen_port or 0)
        self.bar = PtyPrinter(data_dir.parent / f"{data_dir.name}-bar-tty")
        init_agent(data_dir)
        (data_dir / "printers.toml").write_text(
            printers_toml(self.receipt.port, self.kitchen.port, self.bar.link)
        )
        self.agent = AgentProcess(data_dir, free_port())

    def stop(self) -> None:
        self.agent.stop()
        for printer in (self.receipt, self.kitchen):
            printer.stop()
        self.bar.unplug()


def sign_in(agent: AgentProcess, pin: str) -> httpx.Client:
    token = httpx.post(f"{agent.api}/auth/pin", json={"pin": pin}).json()["token"]
    return httpx.Client(base_url=agent.api, headers={"Authorization": f"Bearer {token}"})


def order(cashier: httpx.Client, *variants: str, table: str = "7") -> dict:
    ticket = cashier.post("/tickets", json={"kind": "table", "table": table}).json()
    for variant in variants:
        extra = {"modifier_ids": ["milk-oat"]} if variant.startswith("latte") else {}
        ticket = cashier.post(
            f"/tickets/{ticket['id']}/lines", json={"variant_id": variant, **extra}
        ).json()
    return ticket


def printed_for(printer, ticket: dict) -> list[Job]:
    """Complete jobs that name this ticket (by order number, receipt number or id)."""
    marks = (f"ORDER #{ticket['order_no']}", ticket["receipt_no"], ticket["id"])
    return [
        job
        for job in printer.printed.jobs
        if any(m in job.decoded.text for m in marks)
        or any(m in " ".join(job.decoded.text) for m in marks[1:])
    ]


def printed_n(printer, ticket: dict, n: int) -> list[Job] | None:
    """The ticket's jobs once there are ``n`` of them."""
    found = printed_for(printer, ticket)
    return found if len(found) == n else None


def pay_cash(cashier: httpx.Client, ticket: dict) -> httpx.Response:
    due = ticket["totals"]["cash_due"]
    return cashier.post(f"/tickets/{ticket['id']}/payments", json={"method": "cash", "amount": due})
