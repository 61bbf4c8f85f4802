"""The udev rule makes every device path the printer guide tells technicians to use."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "packaging" / "udev" / "60-bengobox-printers.rules"
GUIDE = ROOT / "packaging" / "printers.md"


def active_rules() -> list[str]:
    return [
        line
        for line in RULES.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def symlink_prefixes() -> list[str]:
    """The fixed part of each name a rule makes, e.g. ``bengobox/serial-``."""
    made = [
        m.group(1) for rule in active_rules() for m in re.finditer(r'SYMLINK\+="([^"]+)"', rule)
    ]
    return [name.split("$", 1)[0] for name in made]


def documented_paths() -> set[str]:
    return set(re.findall(r"/dev/(bengobox/[A-Za-z0-9_.*-]+)", GUIDE.read_text()))


def test_every_documented_device_path_is_made_by_an_active_rule() -> None:
    prefixes = symlink_prefixes()

    unmade = [p for p in documented_paths() if not any(p.startswith(x) for x in prefixes)]

    assert documented_paths(), "the guide names no /dev/bengobox path"
    assert unmade == []


def test_serial_adapters_get_a_stable_name_and_the_dialout_group() -> None:
    serial = [rule for rule in active_rules() if 'SYMLINK+="bengobox/serial-' in rule]

    assert serial
    assert all('GROUP="dialout"' in rule and 'MODE="0660"' in rule for rule in serial)


def test_every_goto_has_its_label() -> None:
    rules = active_rules()
    gotos = {m.group(1) for rule in rules for m in re.finditer(r'GOTO="([^"]+)"', rule)}
    labels = {m.group(1) for rule in rules for m in re.finditer(r'LABEL="([^"]+)"', rule)}

    assert gotos <= labels
