"""``pos-agent printers list|test|status`` and the demo's file printers."""

from __future__ import annotations

import pytest

from edge_agent import cli
from edge_agent.printing import queue, registry
from edge_agent.printing.status import interpret
from edge_agent.store.gateway import Store
from tests.escpos_decoder import jobs
from tests.integration.edge_agent.print_simulators import PAPER_OUT, NetworkPrinter
from tests.processes import free_port

PAPER_OUT_REPLIES = {n: bytes((b,)) for n, b in PAPER_OUT.items()}


@pytest.fixture
def demo_dir(tmp_path):
    data_dir = tmp_path / "till"
    assert cli.main(["--data-dir", str(data_dir), "init", "--demo"]) == 0
    return data_dir


def run(data_dir, *args: str) -> int:
    return cli.main(["--data-dir", str(data_dir), "printers", *args])


def test_init_demo_configures_a_receipt_printer_and_two_station_printers(demo_dir, capsys):
    code = run(demo_dir, "list")

    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert (demo_dir / "printers.toml").exists()
    assert [line.split()[:2] for line in out] == [
        ["receipt", "receipt"],
        ["kitchen", "kitchen"],
        ["bar", "bar"],
    ]
    assert all(line.endswith("0 waiting") for line in out)


def test_a_test_page_prints_on_the_demo_file_printer(demo_dir, capsys):
    code = run(demo_dir, "test", "receipt", "--kick")

    printed = jobs((demo_dir / "printers" / "receipt.prn").read_bytes())
    assert code == 0
    assert "receipt      test page sent" in capsys.readouterr().out
    assert len(printed.jobs) == 1
    page = printed.jobs[0].decoded
    assert page.text[0] == "TEST PAGE"
    assert 'Café € 5 KSh 350 - Asante sana "habari"' in page.text
    assert page.qr == ["bengobox-test:receipt"]
    assert page.pulses == [(2, 100, 100)]


def test_status_of_printers_that_cannot_answer_exits_3_for_cannot_tell(demo_dir, capsys):
    code = run(demo_dir, "status")

    captured = capsys.readouterr()
    assert code == 3
    assert captured.out.count("unknown") == 3
    assert captured.err == "pos-agent: cannot tell whether receipt, kitchen, bar can print\n"


def network_printers_file(tmp_path, monkeypatch, *ports: int) -> None:
    config = tmp_path / "printers.json"
    printers = ", ".join(
        f'{{"name": "p{n}", "role": "kitchen", "backend": "network", "host": "127.0.0.1",'
        f' "port": {port}, "timeout_s": 0.5, "status_timeout_s": 0.3}}'
        for n, port in enumerate(ports)
    )
    config.write_text(f'{{"printer": [{printers}]}}')
    monkeypatch.setenv("POS_AGENT_PRINTERS", str(config))


def test_status_exits_1_for_a_fault_even_beside_a_printer_that_cannot_tell(
    tmp_path, capsys, monkeypatch
):
    empty, silent = NetworkPrinter(status=dict(PAPER_OUT)), NetworkPrinter(status={})
    network_printers_file(tmp_path, monkeypatch, empty.port, silent.port)
    try:
        code = run(tmp_path / "no-database", "status")
    finally:
        empty.stop()
        silent.stop()

    captured = capsys.readouterr()
    assert code == 1
    assert captured.out.splitlines()[0].split()[:2] == ["p0", "paper_out"]
    assert captured.out.splitlines()[1].split()[:2] == ["p1", "unknown"]
    assert captured.err == "pos-agent: p0 cannot print now\n"


def test_status_exits_1_for_a_printer_that_cannot_be_reached(tmp_path, capsys, monkeypatch):
    network_printers_file(tmp_path, monkeypatch, free_port())

    code = run(tmp_path / "no-database", "status")

    assert code == 1
    assert "cannot connect" in capsys.readouterr().out


def test_status_of_a_network_printer_that_answers_is_online(tmp_path, capsys, monkeypatch):
    printer = NetworkPrinter()
    config = tmp_path / "printers.json"
    config.write_text(
        '{"printer": [{"name": "front", "role": "receipt", "backend": "network",'
        f' "host": "127.0.0.1", "port": {printer.port}}}]}}'
    )
    monkeypatch.setenv("POS_AGENT_PRINTERS", str(config))
    try:
        code = run(tmp_path / "no-database", "status")
    finally:
        printer.stop()

    assert code == 0
    assert capsys.readouterr().out == "front        online\n"


def test_an_unknown_printer_name_fails_with_one_line(demo_dir, capsys):
    code = run(demo_dir, "test", "label")

    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1
    assert "no printer named 'label'" in err


def test_a_bad_printers_file_fails_with_one_line_naming_the_problem(demo_dir, capsys):
    (demo_dir / "printers.toml").write_text(
        '[[printer]]\nname = "x"\nrole = "till"\nbackend = "file"\npath = "x.prn"\n'
    )

    code = run(demo_dir, "list")

    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1
    assert "role must be one of" in err


def test_serve_refuses_to_start_on_a_bad_printers_file(demo_dir, capsys):
    (demo_dir / "printers.toml").write_text("[[printer]\n")

    code = cli.main(["--data-dir", str(demo_dir), "serve", "--port", "1"])

    err = capsys.readouterr().err
    assert code == 1
    assert "printers.toml is not valid TOML" in err


def test_pos_agent_status_names_printers_that_need_attention(demo_dir, capsys):
    store = Store(demo_dir / "agent.sqlite3")
    with store.write() as conn:
        queue.enqueue(conn, "receipt:t1", "receipt", "receipt", b"\x1b@", 1)
        registry.record_status(conn, "kitchen", interpret(PAPER_OUT_REPLIES), 1)
    store.close()

    code = cli.main(["--data-dir", str(demo_dir), "status"])

    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("printers"))
    assert code == 0
    assert line == (
        "printers    kitchen printer out of paper, 0 jobs waiting; "
        "receipt printer not answering, 1 job waiting"
    )
