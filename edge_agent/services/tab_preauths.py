"""A bar tab's card pre-authorisations as its events record them (ADR 0030).

A pre-authorisation is a ``tab_preauthorised`` event: a payment intent, which no total
or money conflict counts. A card tender naming it (``preauth_id``) captures it: a
pending card payment under the pre-authorisation's reference, which treasury confirms
or declines like any pending tender (``payment_confirmed``).
"""

from __future__ import annotations

from edge_agent.domain.errors import InvalidAmount, InvalidValue
from edge_agent.domain.tabs import Preauthorisation
from edge_agent.services.errors import PreauthCaptured, PreauthNotFound
from edge_agent.services.ticket_view import TicketView

PREAUTHORISED = "tab_preauthorised"


def preauthorisations(view: TicketView) -> list[Preauthorisation]:
    """The card pre-authorisations recorded on a tab, oldest first: ``pending`` while
    held, ``captured`` once a card tender named it, then that tender's outcome
    (``confirmed`` or ``declined``) once treasury settled it."""
    events = sorted(view.state.events.values(), key=lambda e: e.order_key)
    captures = {
        str(e.data.get("preauth_id")): str(e.data.get("payment_id"))
        for e in events
        if e.name == "payment_taken" and e.data.get("preauth_id")
    }
    outcomes = {t.payment_id: t.status for t in (view.money.tenders if view.money else ())}
    found = []
    for fact in events:
        data = fact.data
        if fact.name != PREAUTHORISED or not isinstance(data.get("amount"), int):
            continue
        preauth_id = str(data.get("preauth_id"))
        status = "pending"
        if preauth_id in captures:
            outcome = outcomes.get(captures[preauth_id], "pending")
            status = "captured" if outcome == "pending" else outcome
        reference = str(data.get("reference"))
        found.append(Preauthorisation(preauth_id, data["amount"], reference, status))
    return found


def to_capture(view: TicketView, preauth_id: str, method: str, charged: int) -> Preauthorisation:
    """The pre-authorisation a card tender of ``charged`` (tip included) captures.

    Raises:
        PreauthNotFound: the ticket holds no pre-authorisation with this id.
        PreauthCaptured: a tender captured it already.
        InvalidValue: a tender other than card.
        InvalidAmount: more than the pre-authorisation holds.
    """
    preauth = next((p for p in preauthorisations(view) if p.id == preauth_id), None)
    if preauth is None:
        raise PreauthNotFound(preauth_id)
    if preauth.status != "pending":
        raise PreauthCaptured(f"pre-authorisation {preauth_id!r} was captured already")
    if method != "card":
        raise InvalidValue("a pre-authorisation is captured by a card tender")
    if charged > preauth.amount:
        raise InvalidAmount(f"a capture of {charged} is above the {preauth.amount} held")
    return preauth
