"""The API documentation page (/api/docs): Swagger UI from this site's own files.

Litestar's `SwaggerRenderPlugin` loads Swagger UI from a CDN and starts it with an inline script and
style, which the site's Content-Security-Policy forbids. This page links the bundle vendored under
static/vendor/swagger-ui (the npm package `swagger-ui-dist`, with its licence) and starts it from
static/js/api-docs.js, so it is served under the same strict policy as every other page."""

from __future__ import annotations

from html import escape
from typing import Any

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.router import Router

SWAGGER_UI = "vendor/swagger-ui"  # under static/
DESCRIPTION = "Reference of the rating portal's API for queue machines and service applications."


class SelfHostedSwagger(OpenAPIRenderPlugin):
    def __init__(self, path: str = "/") -> None:
        super().__init__(path=path)

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        def static(file_path: str) -> str:
            return escape(request.app.route_reverse("static", file_path=file_path))

        title = escape(str(openapi_schema["info"]["title"]))
        spec = escape(self.get_openapi_json_route(request))
        return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="{escape(DESCRIPTION)}">
<title>{title}</title>
<link rel="stylesheet" href="{static(f"{SWAGGER_UI}/swagger-ui.css")}">
<link rel="icon" href="data:,">
</head>
<body>
<main id="swagger-ui"></main>
<script src="{static(f"{SWAGGER_UI}/swagger-ui-bundle.js")}"></script>
<script src="{static("js/api-docs.js")}" data-spec-url="{spec}"></script>
</body>
</html>
""".encode()

    def receive_router(self, router: Router) -> None:
        """No OAuth2 redirect page (Swagger UI's has an inline script): API keys are bearer tokens."""
