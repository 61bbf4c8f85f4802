"""What the hub's recurring field names mean, with their units, for the OpenAPI document.

Types that state their own field descriptions (``msgspec.Meta``) keep them; a field
without one is described here, by ``"Schema.field"`` first and then by its name alone.
Every name here means the same in every answer it appears in; a name whose meaning
depends on the type (``code``, ``status``) is listed per type.
"""

from __future__ import annotations

_UNIX_MS = "Unix time in milliseconds (UTC)"

GLOSSARY: dict[str, str] = {
    # identity and scope
    "id": "The object's id.",
    "name": "Human-readable name.",
    "tenant": "The tenant's slug.",
    "outlet": "The outlet's code.",
    "outlet_code": "An outlet's code, or null for every outlet.",
    "device_id": "A device's id (the UUID it made itself at enrollment).",
    "device_code": "The device's code within its outlet (e.g. `D01`).",
    "successor_id": "The id of the device that continues this one after a restore.",
    "previous_device_id": "The id of the device this one continues.",
    "previous_device_code": "The code of the device this one continues.",
    "slug": "The tenant's slug: its short, unique name.",
    "scope": "`tenant`: administers one tenant; `operator`: creates tenants.",
    "fingerprint": "First 8 hex digits of the token's SHA-256 (as audit trails show it).",
    "token": "The token itself: shown only in this answer; send it as a bearer token.",
    "admin_token": "The tenant's first admin token: shown only in this answer.",
    "credential": "The device credential: shown only in this answer; send it as a bearer "
    "token to /sync/v1.",
    "agent_version": "The edge agent's version string.",
    "currency": "ISO 4217 currency code.",
    "timezone": "IANA time zone (e.g. `Africa/Nairobi`).",
    "min_pin_length": "The fewest digits a PIN of a staff member with this role may have "
    "(4 to 12).",
    "outlets": "The outlet codes the staff member works at, or `all`; null or absent: all. "
    "A till is sent the PIN hash only of its outlet's staff.",
    "hub_epoch": "The hub's epoch: changes when the hub is restored from a backup.",
    # ops and the sync protocol
    "op_id": "An op's id (a UUIDv7 made by the device that wrote it).",
    "op_ids": "Op ids.",
    "audit_op_id": "The op that records the decision in the audit trail.",
    "type": "The message's type tag.",
    "entity": "The kind of entity the op changes (e.g. `ticket`, `ref.product`).",
    "entity_id": "The id of the entity the op changes.",
    "device_seq": "The op's position in its device's gapless sequence (from 1).",
    "hlc": "Hybrid logical clock stamp: wall-clock milliseconds shifted left 16 bits, plus "
    "a 16-bit logical counter.",
    "device_hlc": "The device's hybrid logical clock stamp (see `hlc`).",
    "schema_version": "The op schema version the writer used.",
    "protocol_version": "The sync protocol version.",
    "kind": "The kind of the object (see the type's description).",
    "reason": "Why, for people.",
    "note": "A note for the audit trail.",
    "last_seq": "The device's last written `device_seq`.",
    "last_applied_seq": "The last `device_seq` of the device the hub applied.",
    "last_applied_op_id": "The op id at `last_applied_seq`.",
    "acked_seq": "The `device_seq` the device last saw acknowledged.",
    "acked_op_id": "The op id at `acked_seq`.",
    "device_last_seq": "The last `device_seq` the device reported.",
    "pulled_seq": "The outlet position the device has pulled up to.",
    "outlet_seq": "The outlet's commit position.",
    "proof_seq": "The `device_seq` whose op id proves the device's log.",
    "proof_op_id": "The op id at `proof_seq`.",
    "max_batch": "The most ops one push may carry.",
    "cursor": "An opaque position: pass it back unchanged.",
    "checkpoint": "An opaque position to store with the ops applied.",
    "limit": "The most items to answer.",
    "has_more": "Whether more items follow.",
    "wait_ms": "A long poll, in milliseconds: with nothing new, the hub may hold the pull this "
    "long (up to its own bound) and answers when another device pushes; 0 answers at once.",
    "remaining": "How many items are still to come after this page.",
    "reset": "The device must reset its replica: its cursor belongs to another hub epoch.",
    "resend_from": "A gap: resend ops from this `device_seq` on.",
    "results": "What the hub did with each op, in order.",
    "ops": "Operations, in order.",
    "known": "The op ids the hub holds.",
    "counter": "The counter the delta applies to.",
    "delta": "The change of the counter (may be negative).",
    "resolves": "The conflict this edit settles, if any.",
    "message": "What went wrong, for people.",
    "retry_after_s": "Seconds to wait before trying again.",
    # times and durations
    "created_ms": f"When it was created: {_UNIX_MS}.",
    "expires_ms": f"When it stops working: {_UNIX_MS}; null: never.",
    "revoked_ms": f"When it was revoked: {_UNIX_MS}; null: it is not.",
    "retired_ms": f"When a successor took over: {_UNIX_MS}.",
    "diverged_ms": f"When its log was found diverged from the hub's: {_UNIX_MS}.",
    "last_seen_ms": f"Last request from the device: {_UNIX_MS}.",
    "last_push_ms": f"Last push: {_UNIX_MS}.",
    "last_pull_ms": f"Last pull: {_UNIX_MS}.",
    "signout_before_ms": f"Operator sessions opened before this end: {_UNIX_MS}.",
    "detected_ms": f"When the hub found it: {_UNIX_MS}.",
    "received_ms": f"When the hub received it: {_UNIX_MS}.",
    "released_ms": f"When it was released: {_UNIX_MS}.",
    "discarded_ms": f"When it was discarded: {_UNIX_MS}.",
    "settled_ms": f"When it was settled: {_UNIX_MS}.",
    "now_ms": f"The hub's time of this answer: {_UNIX_MS}.",
    "hub_clock_ms": f"The hub's clock: {_UNIX_MS}.",
    "device_clock_ms": f"The device's clock: {_UNIX_MS}.",
    "clock_skew_ms": "The device clock minus the hub clock, in milliseconds (positive: ahead).",
    "hlc_skew_ms": "The wall part of the device's last HLC stamp minus the hub's clock, in "
    "milliseconds.",
    "held_ahead_ms": "How far ahead of the hub's clock the furthest-ahead quarantined op of "
    "the device was stamped, in milliseconds.",
    "ahead_ms": "How far ahead of the hub's time the op was stamped, in milliseconds.",
    "lag_ms": "Age of the oldest outlet op the device has not pulled yet, in milliseconds.",
    "lag_ops": "Outlet ops of other devices the device has not pulled yet.",
    "pending_ops": "Ops the device says it holds that the hub has not applied "
    "(`device_last_seq - last_applied_seq`).",
    "quarantined": "Ops of the device the hub holds in quarantine (not released or discarded).",
    "open_conflicts": "Conflicts not yet resolved.",
    "expires_days": "Days until the token expires (1 to 366).",
    "expires_hours": "Hours until the code expires.",
    "expiry_hours": "Hours an offline card tender may wait for confirmation.",
    "session_idle_minutes": "Minutes without a request after which an operator session ends.",
    "session_max_hours": "Hours after sign-in at which an operator session ends.",
    "tab_limit": "The limit a bar tab takes unless it names its own, in minor units (cents).",
    "kiosk_line_quantity_max": "The most items on one self-order kiosk line (default 10).",
    "kiosk_order_quantity_max": "The most items on one self-order kiosk order (default 30).",
    # money and reference data (money is minor units)
    "amount": "Money in minor units of the currency (cents).",
    "price": "Price in minor units of the currency (cents).",
    "price_delta": "Price change in minor units of the currency (cents; may be negative).",
    "prices": "Prices in minor units (cents), by variant id.",
    "per_transaction_limit": "The largest offline card tender, in minor units (cents).",
    "cumulative_limit": "The most offline card money outstanding, in minor units (cents).",
    "pay_out_limit": "Above this (minor units, cents) a pay-out takes a manager; null: none.",
    "offline_card": "Limits on card tenders taken while offline; null: none are taken.",
    "z_open_tickets": "A Z report with open tickets: `warn` and list them, or `refuse`.",
    "rate_bp": "The rate in basis points (1600 = 16%).",
    "discount_limit_bp": "The largest discount the role may give, in basis points.",
    "inclusive": "Whether prices include this tax.",
    "reference": "Authorization or SMS reference, if any.",
    "category_id": "The product's category id.",
    "station": "The kitchen station id that prepares it.",
    "tax_codes": "The codes of the tax rates that apply.",
    "modifier_group_ids": "The ids of its modifier groups.",
    "variants": "Its sellable sizes or flavours.",
    "options": "The options to choose from.",
    "min_select": "Fewest options to choose.",
    "max_select": "Most options to choose.",
    "priority": "Higher wins when several price books apply.",
    "windows": "Weekly local hours when it applies; none: always.",
    "weekdays": "Days of the week (0 = Monday).",
    "start": "Local time it starts, HH:MM.",
    "end": "Local time it ends, HH:MM.",
    "sku": "Stock keeping unit, if any.",
    "barcode": "Barcode, if any.",
    "permissions": "What the holder may do.",
    "sells": "Whether staff with the role sell; false for a kitchen screen's role (it only "
    "reads tickets and bumps kitchen orders).",
    "role": "The id of the staff member's role.",
    "pin": "The staff member's PIN (4 to 8 digits); kept only as a hash.",
    # listings
    "category": "Categories.",
    "modifier_group": "Modifier groups.",
    "price_book": "Price books.",
    "product": "Products.",
    "tax_rate": "Tax rates.",
    "devices": "Each device of the outlet.",
    "payments": "Payments, by method or one by one.",
    "refunds": "Refunds by method.",
    "tickets": "Tickets.",
    "tenders": "The ticket's payments and refunds, in order.",
    "money_conflict": "The ticket's broken money invariant, if any.",
    "money_conflicts": "Tickets with a broken money invariant.",
    "resolutions": "How it may be settled.",
    "resolved": "Whether it is settled.",
    "winner": "The op id of the write that won.",
    "field": "The field the conflicting writes set.",
    "conflict_id": "The conflict's id.",
    "changed": "False when the write changed nothing.",
    "version": "The op id of the document's current version; null once deleted.",
    "settled_by": "Who settled it (the admin token's holder and digest prefix).",
    "state": "`held`, `released` or `discarded`.",
    # per type
    "Device.code": "The device's code within its outlet.",
    "Device.status": "The device's status (e.g. `active`, `revoked`, `retired`).",
    "DeviceSync.code": "The device's code within its outlet.",
    "DeviceSync.status": "The device's status (e.g. `active`, `revoked`, `retired`).",
    "Outlet.code": "The outlet's code within the tenant.",
    "NewOutlet.code": "The outlet's code within the tenant (unique in any letter case).",
    "TaxRate.code": "The tax rate's code; also its id.",
    "TaxRateEntry.code": "The tax rate's code; also its id.",
    "Enroll.code": "The one-time enrollment code (spaces and dashes are ignored).",
    "ErrorMessage.code": "Machine-readable error code (the ErrorCode enumeration of the "
    "sync protocol).",
    "OpResult.code": "For a quarantined op: the machine-readable reason.",
    "OpResult.reason": "For a quarantined op: the reason in words.",
    "Quarantined.code": "Why the op was set aside (a machine-readable code).",
    "Settled.code": "Why the op was set aside (a machine-readable code).",
    "ConflictView.kind": "`field` for concurrent field edits, or a money conflict's kind.",
    "ConflictView.amount": "For a money conflict: the amount in minor units (cents).",
    "ConflictView.outlet": "The outlet's code.",
    "Quarantined.state": "`held`, `released` or `discarded`.",
    "StatusChange.status": "The entity's new lifecycle status.",
    "BundleItem.quantity": "How many units of the target one bundle takes.",
    "BundleItemEntry.quantity": "How many units of the target one bundle takes.",
    "promotion": "Promotions.",
    **{
        f"{target}.{field}": text
        for target in ("PromotionTarget",)
        for field, text in (
            ("variant_ids", "Variant ids it covers."),
            ("product_ids", "Product ids it covers (every variant)."),
            ("category_ids", "Category ids it covers (every product in them)."),
        )
    },
    **{
        f"{promotion}.{field}": text
        for promotion in ("Promotion", "PromotionEntry")
        for field, text in (
            (
                "kind",
                "`percent_off`, `amount_off`, `buy_x_get_y`, `bundle`, `group_price` or "
                "`service_charge` (ADR 0028).",
            ),
            ("priority", "Its tier: higher tiers apply first, lower ones on what is left."),
            (
                "exclusive",
                "Applies alone, never with another discount; the customer gets it "
                "only when it beats the other promotions together.",
            ),
            ("outlet_codes", "The outlets it runs at; none: every outlet."),
            ("customer_groups", "The customer groups it is for; none: every customer."),
            (
                "min_subtotal",
                "The ticket's subtotal before promotions must reach this, in minor units (cents).",
            ),
            (
                "percent_bp",
                "`percent_off` and `service_charge`: the percentage in basis points (1000 = 10%).",
            ),
            (
                "amount",
                "`amount_off`: minor units (cents) off each unit (`line`) or once (`ticket`).",
            ),
            (
                "scope",
                "`line`: each matching line; `ticket`: the matching lines together, "
                "prorated. Default `line`.",
            ),
            ("target", "The lines it covers; absent: every line."),
            ("buy", "`buy_x_get_y`: units of the target to buy."),
            ("get", "`buy_x_get_y`: units of the reward given for them."),
            ("reward", "`buy_x_get_y`: the lines rewarded; absent: the target."),
            (
                "reward_bp",
                "`buy_x_get_y`: basis points off each rewarded unit; default 10000 (free).",
            ),
            ("items", "`bundle`: what one bundle holds."),
            ("price", "`bundle`: the price of one bundle, in minor units (cents)."),
            ("prices", "`group_price`: the group's unit price per variant id, in minor units."),
        )
    },
}


def describe(schema: str, field: str) -> str | None:
    """The glossary's description of ``schema.field``, if it has one."""
    return GLOSSARY.get(f"{schema}.{field}") or GLOSSARY.get(field)
