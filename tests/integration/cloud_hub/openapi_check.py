"""Checks a real answer of the hub against its served OpenAPI document."""

from __future__ import annotations

import re
from typing import Any

import httpx
import jsonschema_rs


def operation_of(document: dict[str, Any], method: str, path: str) -> tuple[str, dict[str, Any]]:
    """The path template and operation that serve ``method path``."""
    for template, item in document["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in item:
            return template, item[method.lower()]
    raise AssertionError(f"{method} {path} is not in the document")


def assert_documented(document: dict[str, Any], answer: httpx.Response) -> None:
    """The answer's status is documented for its operation and its body fits the schema."""
    request = answer.request
    template, operation = operation_of(document, request.method, request.url.path)
    status = str(answer.status_code)
    assert status in operation["responses"], (
        f"{request.method} {template} answered {status}, which it does not document: "
        f"{answer.text[:200]}"
    )
    content = operation["responses"][status].get("content", {})
    media = answer.headers.get("content-type", "").split(";")[0]
    if not content:
        assert not answer.content, f"{request.method} {template} {status} has an undocumented body"
        return
    assert media in content, f"{request.method} {template} {status} answered {media}"
    schema = {**content[media]["schema"], "components": document["components"]}
    errors = [
        f"{error.instance_path}: {error.message}"
        for error in jsonschema_rs.validator_for(schema).iter_errors(answer.json())
    ]
    assert not errors, f"{request.method} {template} {status}: {errors[:5]}"
