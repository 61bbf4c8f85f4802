"""The domain's one error tree: stable codes, not-found errors that carry the id."""

from __future__ import annotations

import re

from edge_agent.domain import errors
from edge_agent.domain.errors import DomainError, NotFound


def all_errors() -> list[type[DomainError]]:
    found: list[type[DomainError]] = []
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_every_error_has_its_own_snake_case_code() -> None:
    codes = [cls.code for cls in all_errors()]

    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", code) for code in codes)


def test_every_error_is_drawn_in_the_tree_of_its_module_with_its_code() -> None:
    # Service errors are imported here so the walk sees them whatever ran before.
    from edge_agent.services import errors as service_errors

    trees = {
        errors.__name__: errors.__doc__ or "",
        service_errors.__name__: service_errors.__doc__ or "",
    }

    missing = [
        c.__name__
        for c in all_errors()
        if f"{c.__name__} " not in trees.get(c.__module__, "")
        or c.code not in trees.get(c.__module__, "")
    ]

    assert missing == []


def test_not_found_errors_are_lookup_errors_carrying_the_id() -> None:
    not_founds = [cls for cls in all_errors() if issubclass(cls, NotFound)]

    instances = [cls("x-1") for cls in not_founds]

    assert len(instances) > 5
    assert all(isinstance(e, LookupError) and e.entity_id == "x-1" for e in instances)
