"""Property-based: every operation in the app's OpenAPI schema, fed requests that schemathesis
generates from the schema (fitting it, and deliberately violating it), never answers with a server
error, and answers every error as an RFC 9457 problem document."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from schemathesis import GenerationMode
from schemathesis.python import asgi
from sqlalchemy.orm import Session

from app import create_app
from portal import proofs
from portal.settings import Settings
from tests import factories
from tests.conftest import FakeClock

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
