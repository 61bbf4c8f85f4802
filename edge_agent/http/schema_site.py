"""The API documentation pages under ``/schema``, served from this device only.

``/schema/openapi.json`` is always there (public). Swagger UI is served at ``/schema``
and ``/schema/swagger`` when the ``swagger-ui-bundle-v2`` package is installed, with its
scripts and styles served by the agent from that package (``/schema/assets/...``): a
till is often offline, and a page that loads code from a CDN would not open there.
Without the package the root serves the JSON document.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin, SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

from edge_agent.http.access import PUBLIC

ASSETS = "/schema/assets"


def swagger_ui_assets() -> Path | None:
    """Where the installed Swagger UI files are, or None without ``swagger-ui-bundle-v2``."""
    try:
        from swagger_ui_bundle import (  # type: ignore[import-not-found,import-untyped,unused-ignore]
            swagger_ui_path,
        )
    except ImportError:
        return None
    return Path(str(swagger_ui_path))


def render_plugins() -> list[OpenAPIRenderPlugin]:
    """The pages of ``/schema``: the JSON document, and Swagger UI from local assets."""
    json_document = JsonRenderPlugin(path="/openapi.json")
    if swagger_ui_assets() is None:
        return [json_document]
    swagger = SwaggerRenderPlugin(
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
    return [
        create_static_files_router(ASSETS, [assets], include_in_schema=False, opt={PUBLIC: True})
    ]
