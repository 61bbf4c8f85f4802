"""``pos-agent``: run and administer the edge agent of one outlet device.

Exit codes: 0 on success, 2 on bad usage, 1 on failure with a one-line reason on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

COMMANDS = {
    "init": "create or migrate the device database",
    "serve": "run the agent (API, sync, printing)",
    "enroll": "trade an enrollment code for a device credential",
    "sync": "push and pull with the hub now",
    "status": "show sync and drawer status",
    "report": "print an X or Z report",
    "printers": "list, test and probe printers",
    "backup": "copy the device database with SQLite's online backup",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pos-agent", description="BengoBox POS edge agent: sells with no connectivity."
    )
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("POS_AGENT_DATA_DIR"),
        help="directory of the device database (env POS_AGENT_DATA_DIR)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, summary in COMMANDS.items():
        commands.add_parser(name, help=summary, description=summary)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pos-agent``; return the process exit code."""
    args = build_parser().parse_args(argv)
    print(f"pos-agent: '{args.command}' is not available in this version", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
