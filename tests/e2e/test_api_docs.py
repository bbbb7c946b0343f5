"""The API documentation page in a real browser (issue 21, item 7): Swagger UI from this site's files,
working under the strict Content-Security-Policy, nothing fetched from anywhere else."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from tests.e2e.browser import LiveServer


def test_the_api_docs_work_under_the_strict_policy_with_local_files_only(desk: Any, live: LiveServer) -> None:
    requested: list[str] = []
    problems: list[str] = []
    desk.on("request", lambda request: requested.append(request.url))
    desk.on("console", lambda message: message.type == "error" and problems.append(message.text))
    desk.on("pageerror", lambda error: problems.append(str(error)))
    desk.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )

    desk.goto("/api/docs")
    desk.wait_for_selector(".swagger-ui .info .title")
    desk.wait_for_selector(".opblock-summary-path")  # the operations, read from the schema

    assert "Rating portal API" in desk.inner_text(".swagger-ui .info .title")
    assert "/api/v1/tickets" in desk.inner_text(".swagger-ui")
    desk.click(".opblock-summary-path >> nth=0")  # an operation unfolds (the bundle's script runs)
    desk.wait_for_selector(".opblock-body")
    assert problems == []
    origin = urlsplit(live.base_url).netloc
    assert {urlsplit(url).netloc for url in requested if not url.startswith("data:")} == {origin}
