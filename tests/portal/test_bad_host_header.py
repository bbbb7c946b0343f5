"""A malformed Host header (a port that is no number) is the client's mistake: the API still answers
with its problem document and a staff page still sends the visitor to sign in, never a server error
(found by the API fuzzing in test_api_schema.py)."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

BAD_HOSTS = [":<", "portal.example:port"]


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_it_answers_the_api_with_a_problem_document(client: TestClient, host: str) -> None:
    response = client.get("/api/v1/counters", headers={"host": host})

    assert response.status_code in (400, 401)
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_it_sends_a_visitor_of_a_staff_page_to_sign_in(client: TestClient, host: str) -> None:
    response = client.get("/admin/dashboard?period=2026-03", headers={"host": host}, follow_redirects=False)

    assert response.status_code in (302, 303, 400)
