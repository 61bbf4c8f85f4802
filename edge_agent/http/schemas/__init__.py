"""The agent API's schemas: msgspec Structs the OpenAPI document is generated from.

Requests (:mod:`.requests`), answers by flow (:mod:`.tickets`, :mod:`.drawer`,
:mod:`.catalog`, :mod:`.devices`, :mod:`.sync`) and the one error body (:mod:`.errors`).
They are separate from domain types and database rows.
"""

from edge_agent.http.schemas.catalog import Catalog
from edge_agent.http.schemas.devices import (
    Health,
    Me,
    Printer,
    PrintJob,
    PrintJobs,
    Session,
    StateHash,
    SyncOutcome,
)
from edge_agent.http.schemas.drawer import DrawerClose, DrawerSession, IssuedZ, XReport, ZReport
from edge_agent.http.schemas.errors import ErrorBody
from edge_agent.http.schemas.requests import (
    AddLine,
    ChangeLine,
    CloseRequest,
    ConfirmPayment,
    DeclinePayment,
    DiscountRequest,
    MergeRequest,
    MovementRequest,
    OpenDrawer,
    OpenTicket,
    PaymentRequest,
    PinLogin,
    PrintRequest,
    RefundRequest,
    ReturnedLine,
    SendRequest,
    SplitRequest,
    TransferRequest,
    VoidRequest,
    ZRequest,
)
from edge_agent.http.schemas.sync import SyncStatus
from edge_agent.http.schemas.tickets import SplitChecks, Ticket, TicketSummary, ticket_document

__all__ = [
    "AddLine",
    "Catalog",
    "ChangeLine",
    "CloseRequest",
    "ConfirmPayment",
    "DeclinePayment",
    "DiscountRequest",
    "DrawerClose",
    "DrawerSession",
    "ErrorBody",
    "Health",
    "IssuedZ",
    "Me",
    "MergeRequest",
    "MovementRequest",
    "OpenDrawer",
    "OpenTicket",
    "PaymentRequest",
    "PinLogin",
    "PrintJob",
    "PrintJobs",
    "PrintRequest",
    "Printer",
    "RefundRequest",
    "ReturnedLine",
    "SendRequest",
    "Session",
    "SplitChecks",
    "SplitRequest",
    "StateHash",
    "SyncOutcome",
    "SyncStatus",
    "Ticket",
    "TicketSummary",
    "TransferRequest",
    "VoidRequest",
    "XReport",
    "ZReport",
    "ZRequest",
    "ticket_document",
]
