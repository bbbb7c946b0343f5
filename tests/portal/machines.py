"""The proof-of-presence side of the tests: counter screens, queue machines with API keys, and how
many proofs were turned away."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from httpx import Response
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.citizen import proofs
from portal.kernel.models import Rating, RejectedProof, Unit
from portal.kernel.settings import Settings
from tests.conftest import FakeClock


@dataclass
class QueueMachine:
    """A unit's queue-number machine: its HTTP client and its API key."""

    client: TestClient
    key: proofs.CreatedApiKey

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key.secret}"}

    def issue(self, counter_id: int, **fields: Any) -> Response:
        body = {"counter_id": counter_id, "service_type": "KTP-el", "ticket_number": "A-017", **fields}
        return self.client.post("/api/v1/tickets", json=body, headers=self.headers)

    def ticket_path(self, counter_id: int, **fields: Any) -> str:
        response = self.issue(counter_id, **fields)
        assert response.status_code == 201, response.text
        return "/" + response.json()["rating_url"].split("/", 3)[3]

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.client.get(path, headers=self.headers, **kwargs)


def queue_machine(
    client: TestClient, db: Session, settings: Settings, clock: FakeClock, unit: Unit
) -> QueueMachine:
    return QueueMachine(client, proofs.create_api_key(db, settings, clock(), unit.id, "Mesin antrean"))


def rejected(db: Session, kind: str | None = None, reason: str | None = None) -> int:
    """How many proofs were turned away (of a kind and reason)."""
    db.expire_all()
    query = select(func.coalesce(func.sum(RejectedProof.hits), 0))
    if kind:
        query = query.where(RejectedProof.kind == kind)
    if reason:
        query = query.where(RejectedProof.reason == reason)
    return int(db.scalar(query))


def stored(db: Session) -> list[Rating]:
    db.expire_all()
    return list(db.scalars(select(Rating).order_by(Rating.id)))
