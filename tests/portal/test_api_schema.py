"""Property-based: every operation in the app's OpenAPI schema, fed requests that schemathesis
generates from the schema (fitting it, and deliberately violating it), never answers with a server
error, and answers every error as an RFC 9457 problem document."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient
from schemathesis import GenerationMode
from schemathesis.python import asgi
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import create_app
from portal.citizen import proofs
from portal.kernel.models import RatingTicket
from portal.kernel.settings import Settings
from tests import factories
from tests.conftest import FakeClock
from tests.hostile import CONTENT_TYPES, FUZZ, hostile_text, path_segment, raw_bytes

pytestmark = pytest.mark.slow  # property-based: hundreds of requests

EXAMPLES_PER_OPERATION_AND_MODE = 30


@pytest.fixture
def api_app(db: Session, settings: Settings, clock: FakeClock) -> Iterator[tuple[Litestar, str]]:
    unit = factories.unit(db, "Dinas Alpha")
    counter = factories.counter(db, unit, "Loket 1")
    factories.employee(db, unit, "Sari Lestari", nip="198503122010012001")
    key = proofs.create_api_key(db, settings, clock(), unit.id, "schemathesis")
    client = proofs.ApiClient(key.key_id, unit.id, key.prefix)
    proofs.create_ticket(db, settings, clock(), client, proofs.TicketRequest(counter.id, "KTP-el", "A-001"))
    yield create_app(settings.with_(api_rate_limit_per_minute=100_000), clock=clock), key.secret
    asgi.shutdown_lifespans()  # schemathesis keeps the app started; close its engine before the database goes


def test_no_operation_answers_a_server_error(api_app: tuple[Litestar, str]) -> None:
    app, secret = api_app
    schema = schemathesis.openapi.from_asgi("/api/docs/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    strategy = st.one_of(
        [operation.as_strategy(generation_mode=mode) for operation in operations for mode in GenerationMode]
    )
    authorised = st.sampled_from([{"Authorization": f"Bearer {secret}"}] * 9 + [{}])

    @given(case=strategy, headers=authorised)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION_AND_MODE * len(operations) * len(GenerationMode),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    def never_a_server_error(case: schemathesis.Case, headers: dict[str, str]) -> None:
        response = case.call(headers=headers)
        assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
        if response.status_code >= 400:
            assert response.headers["content-type"] == ["application/problem+json"], response.text

    never_a_server_error()


# --- what the schema cannot describe: raw bytes, wrong content types, path tricks ---------------------

API_PATHS = [
    ("POST", "/api/v1/tickets"),
    ("GET", "/api/v1/tickets/{}"),
    ("GET", "/api/v1/tickets/{}/qr.svg"),
    ("GET", "/api/v1/tickets/{}/qr.png"),
    ("GET", "/api/v1/counters"),
    ("GET", "/api/v1/units/{}/results"),
]


def test_raw_and_mistyped_requests_get_problem_documents(api_app: tuple[Litestar, str], db: Session) -> None:
    """Invalid UTF-8 and NUL bytes in JSON, form or multipart bodies where JSON is expected, no content
    type, path tricks in ids, hostile query strings and Authorization headers: a 4xx problem document,
    never a 5xx, and no ticket is issued by a request that was refused."""
    app, secret = api_app
    auth = st.sampled_from([f"Bearer {secret}", "", "Bearer ", "Basic YTpi", "Bearer rpk_x_" + "A" * 300])
    body = st.one_of(
        raw_bytes,
        st.builds(
            lambda fields: json.dumps(fields).encode(),
            st.dictionaries(
                st.sampled_from(["counter_id", "service_type", "ticket_number", "officer_nip", "x"]),
                st.one_of(hostile_text, st.integers(), st.floats(allow_nan=True), st.none()),
            ),
        ),
    )

    with TestClient(app) as client:

        @given(
            target=st.sampled_from(API_PATHS),
            segment=st.one_of(path_segment, st.integers(-(2**70), 2**70).map(str)),
            content=body,
            content_type=st.sampled_from(CONTENT_TYPES),
            authorization=auth,
            query=st.one_of(st.none(), hostile_text, raw_bytes.map(lambda raw: quote(raw, safe=""))),
        )
        @FUZZ
        def refused_cleanly(target, segment, content, content_type, authorization, query) -> None:
            method, template = target
            url = template.format(segment)
            if query is not None:
                url += "?period=" + quote(query, safe="%")
            headers = {"Authorization": authorization} if authorization else {}
            if content_type:
                headers["Content-Type"] = content_type
            before = db.scalar(select(func.count()).select_from(RatingTicket))
            response = client.request(
                method, url, content=content if method == "POST" else None, headers=headers
            )
            assert response.status_code < 500, (method, url, response.text)
            db.expire_all()
            issued = db.scalar(select(func.count()).select_from(RatingTicket)) - before
            if response.status_code >= 400:
                assert issued == 0
                assert response.headers["content-type"] == "application/problem+json", response.text
                assert response.json()["status"] == response.status_code
            else:
                assert issued == (1 if response.status_code == 201 else 0)

        refused_cleanly()
