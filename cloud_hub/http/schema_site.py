"""The hub's API documentation pages under ``/schema``, served from the hub only.

``/schema/openapi.json`` is the document (public). Swagger UI is served at ``/schema``
and ``/schema/swagger`` from the files of the ``swagger-ui-bundle-v2`` package, which the
hub serves itself at ``/schema/assets/...``: a page that loads code from a CDN would
run someone else's script beside an admin token, and would not open where the hub has
no way out. The page shows the same completed document as ``/schema/openapi.json``.
Without the package the root serves the JSON document.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from litestar import Litestar, Request
from litestar.openapi.plugins import OpenAPIRenderPlugin, SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

ASSETS = "/schema/assets"
Complete = Callable[[Litestar, dict[str, Any]], dict[str, Any]]


def swagger_ui_assets() -> Path | None:
    """Where the installed Swagger UI files are, or None without the package."""
    try:
        from swagger_ui_bundle import (  # type: ignore[import-not-found,import-untyped,unused-ignore]
            swagger_ui_path,
        )
    except ImportError:
        return None
    return Path(str(swagger_ui_path))


class _SwaggerUI(SwaggerRenderPlugin):
    """Swagger UI showing the completed document (litestar's shows the bare generated one)."""

    def __init__(self, complete: Complete, **options: Any) -> None:
        super().__init__(**options)
        self.complete = complete

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, self.complete(request.app, openapi_schema))


def render_plugins(
    json_document: OpenAPIRenderPlugin, complete: Complete
) -> list[OpenAPIRenderPlugin]:
    """The pages of ``/schema``: Swagger UI from local files, and ``json_document``."""
    if swagger_ui_assets() is None:
        return [json_document]
    swagger = _SwaggerUI(
        complete,
        path=["/", "/swagger"],
        js_url=f"{ASSETS}/swagger-ui-bundle.js",
        css_url=f"{ASSETS}/swagger-ui.css",
        standalone_preset_js_url=f"{ASSETS}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{ASSETS}/favicon-32x32.png'>",
    )
    return [swagger, json_document]


def asset_routes() -> list[Any]:
    """The route serving Swagger UI's files, when they are installed."""
    assets = swagger_ui_assets()
    if assets is None:
        return []
    return [create_static_files_router(ASSETS, [assets], include_in_schema=False)]
