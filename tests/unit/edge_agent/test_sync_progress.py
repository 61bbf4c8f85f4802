"""The text progress bar of ``pos-agent sync`` for long catch-ups."""

from __future__ import annotations

import io

from edge_agent.sync.progress import TextProgress, percent, render


def test_a_line_shows_ops_done_of_the_total_and_the_percentage() -> None:
    line = render("pull", 12_400, 37_600)

    assert line.startswith("pull  12,400/50,000 ops  24%  [")
    assert line.endswith("[####................]")


def test_nothing_to_do_is_complete() -> None:
    assert percent(0, 0) == 100
    assert render("push", 0, 0).startswith("push  0/0 ops  100%")


def test_a_terminal_redraws_one_line_per_phase() -> None:
    stream = io.StringIO()
    progress = TextProgress(stream, interactive=True)

    progress("push", 10, 0)
    progress("pull", 200, 800)
    progress("pull", 1000, 0)
    progress.finish()

    lines = stream.getvalue().split("\n")
    assert lines[0] == "\rpush  10/10 ops  100%  [####################]"
    assert lines[1].startswith("\rpull  200/1,000 ops  20%")
    assert lines[1].endswith("\rpull  1,000/1,000 ops  100%  [####################]")
    assert lines[2] == ""


def test_a_log_gets_one_line_per_tenth_not_one_per_page() -> None:
    stream = io.StringIO()
    progress = TextProgress(stream, interactive=False)

    for done in range(0, 50_001, 200):
        progress("pull", done, 50_000 - done)

    lines = stream.getvalue().splitlines()
    assert len(lines) == 11
    assert lines[-1].startswith("pull  50,000/50,000 ops  100%")
