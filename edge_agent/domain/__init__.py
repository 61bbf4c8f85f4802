"""Pure rules of the outlet device: no I/O, no clock, no environment.

- ``errors``: the one error tree, each error with a machine-readable ``code``.
- ``money``: currencies, half-up rounding, cash rounding, allocation, formatting.
- ``taxes``: inclusive/exclusive tax rates and the HALF_UP_PER_LINE rule.
- ``catalog``, ``price_books``: the catalog replica as value objects.
- ``pricing``: modifier selection, the winning price book, line prices.
- ``discounts``: percent/amount discounts and their proration.
- ``ticket``: lines, payments, refunds and the totals computed from them.
- ``split``: splitting a bill by item, by seat, or evenly.
- ``tendering``: cash, card (online or store-and-forward) and mobile money.
- ``drawer``: drawer movements, blind count, variance, X and Z reports.
- ``rbac``: permissions, roles, PIN hashing, lockout, manager overrides.
- ``numbering``: receipt numbers and daily order numbers.
"""
