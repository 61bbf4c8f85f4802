"""Code pages: every character prints as itself, as a close spelling, or not at all."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from edge_agent.printing.text import encode, printable


def test_cp858_prints_the_euro_sign_as_itself() -> None:
    assert encode("€5", "CP858") == b"\xd55"


def test_cp437_has_no_euro_sign_so_it_prints_eur() -> None:
    assert encode("€5", "CP437") == b"EUR5"


def test_accented_letters_both_pages_have_print_as_themselves() -> None:
    assert encode("Café", "CP858") == encode("Café", "CP437") == b"Caf\x82"


def test_letters_a_page_lacks_lose_their_accent_instead_of_becoming_question_marks() -> None:
    assert printable("São Tomé ø", "CP437") == "Sao Tomé o"
    assert printable("São Tomé ø", "CP858") == "São Tomé ø"


def test_typographic_punctuation_is_spelled_in_ascii() -> None:
    assert (
        printable("\u201cKaribu\u201d \u2013 ng\u2019ombe\u2026", "CP437")
        == '"Karibu" - ng\'ombe...'
    )


def test_characters_with_no_spelling_are_left_out() -> None:
    assert printable("Chai \U0001f375 茶", "CP858") == "Chai  "


def test_control_characters_never_reach_the_printer() -> None:
    note = "no onions\x1bp\x00\x19\xfa\x1dV\x00\x10\x04\x01"

    encoded = encode(note, "CP858")

    assert not any(b < 0x20 for b in encoded)


@given(st.text().filter(lambda t: "?" not in unicodedata.normalize("NFKD", t)))
def test_any_text_encodes_without_question_marks_or_control_bytes(text: str) -> None:
    for code_page in ("CP858", "CP437"):
        encoded = encode(text, code_page)

        assert b"?" not in encoded
        assert not any(b < 0x20 or b == 0x7F for b in encoded)
