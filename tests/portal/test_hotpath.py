"""portal.citizen.hotpath answers a poster scan and a rating beneath Litestar's request machinery: its
answers must be the app's own, header for header, and every other request must reach the app as it
came, answered as the app alone answers it. Every test runs with the hot path on and off (HOT_PATH):
off, the app answers everything, and the same."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import create_app
from portal.citizen.hotpath import HotPath
from portal.kernel.models import Counter, RateLimitHit, Rating
from portal.kernel.security import DEVICE_COOKIE
from portal.kernel.settings import Settings, SettingsError
from portal.ops.accesslog import AccessLog
from tests import factories
from tests.asgi import asgi_call
from tests.conftest import FakeClock
from tests.portal.citizen import FORM_TOKEN, form_token
from tests.portal.conftest import CLOSING, MORNING_START

BASE = "http://127.0.0.1:8000"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def counter(db: Session) -> Counter:
    unit = factories.unit(db, "Dinas Kependudukan & Pencatatan Sipil")
    counter = factories.counter(db, unit, "Loket <2> · Kartu Keluarga")
    factories.shift(db, factories.employee(db, unit, "Ani Wijaya"), counter, MORNING_START, CLOSING)
    return counter


@pytest.fixture(params=[True, False], ids=["hot-path", "no-hot-path"])
def hot_path_on(request: pytest.FixtureRequest) -> bool:
    return request.param


@pytest.fixture
def app(settings: Settings, clock: FakeClock, hot_path_on: bool) -> Litestar:
    """The app under test (`client`), with its hot path or without (HOT_PATH)."""
    return create_app(settings.with_(hot_path=hot_path_on), clock=clock)


def answered_here(app: Litestar) -> int:
    """The requests the app's hot path answered so far; 0 without one."""
    access_log = app.asgi_handler
    assert isinstance(access_log, AccessLog)
    return access_log.app.answered if isinstance(access_log.app, HotPath) else 0


@pytest.fixture
def alone(settings: Settings, clock: FakeClock) -> Iterator[TestClient]:
    """The same app on the same database with every request answered by its Litestar handlers."""
    app = create_app(settings.with_(hot_path=False), clock=clock)
    with TestClient(app, base_url=BASE) as client:
        yield client


def answer(response: httpx.Response) -> tuple:
    """An answer without what differs between any two requests: the device cookie, the form token."""
    device = re.compile(f"{DEVICE_COOKIE}=[^;]+")
    headers = [(name, device.sub("…", value)) for name, value in response.headers.multi_items()]
    return response.status_code, headers, FORM_TOKEN.sub("", response.text)


def warm(url: str, *clients: TestClient) -> None:
    """Each app reads the counter page and renders its form once (what the hot path serves from)."""
    for client in clients:
        assert client.get(url, headers={"Accept-Language": "id"}).status_code == 200
        assert client.get(url, headers={"Accept-Language": "en"}).status_code == 200
        client.cookies.clear()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Accept-Encoding": "gzip, deflate, br", "Accept-Language": "id-ID,id;q=0.9"},
        {"Accept-Language": "en-GB,en;q=0.8"},
        {"Cookie": f"rp_lang=en; {DEVICE_COOKIE}=a-phone-that-came-back"},
        {"Cookie": f"{DEVICE_COOKIE}=", "Accept-Encoding": "gzip"},
    ],
    ids=["plain", "a-phone", "english-browser", "english-chosen-returning-phone", "empty-cookie"],
)
def test_it_answers_a_poster_scan_as_the_app_does(
    client: TestClient, alone: TestClient, counter: Counter, headers: dict[str, str], hot_path_on: bool
) -> None:
    url = f"/r/{counter.public_token}"
    warm(url, client, alone)
    answered = answered_here(client.app)

    ours, theirs = client.get(url, headers=headers), alone.get(url, headers=headers)

    assert answered_here(client.app) == answered + hot_path_on
    assert ours.status_code == 200 and answer(ours) == answer(theirs)
    assert form_token(ours.text) != form_token(theirs.text)
    assert ("Kartu Keluarga" in ours.text) and ("Ani Wijaya" in ours.text)


def test_it_stores_a_rating_and_answers_as_the_app_does(
    client: TestClient, alone: TestClient, counter: Counter, db: Session, hot_path_on: bool
) -> None:
    url = f"/r/{counter.public_token}"
    warm(url, client, alone)
    answered = answered_here(client.app)
    answers = []
    for phone in (client, alone):
        form = form_token(phone.get(url).text)
        fields = {"form_token": form, "overall": "3", "u1": "4", "u9": "2", "website": ""}
        fields["comment"] = "Cepat & ramah, 100% <terima kasih> — été"
        answers.append(
            phone.post(url, data=fields, headers={"Accept-Language": "en"}, follow_redirects=False)
        )

    assert answered_here(client.app) == answered + 2 * hot_path_on  # the form and the rating
    ours, theirs = answers
    assert ours.status_code == 303 and answer(ours) == answer(theirs)
    assert ours.headers["location"] == f"/r/{counter.public_token}/terima-kasih?lang=en"
    per_request = {"id", "device_hash", "submission_key"}
    columns = [c.key for c in Rating.__mapper__.column_attrs if c.key not in per_request]
    rows = db.scalars(select(Rating).order_by(Rating.id))
    stored = [{key: getattr(row, key) for key in columns} for row in rows]
    assert len(stored) == 2 and stored[0] == stored[1]
    assert stored[0]["comment"] == "Cepat & ramah, 100% <terima kasih> — été"
    assert stored[0]["employee_id"] is not None and stored[0]["language"] == "en"


def _post(url: str, body: str | bytes, **headers: str) -> dict:
    return {"method": "POST", "url": url, "content": body, "headers": {"Content-Type": FORM, **headers}}


@pytest.mark.parametrize(
    "case",
    [
        "a query string",
        "a quoted cookie",
        "an encoded cookie",
        "an invalid form",
        "a repeated field",
        "a NUL byte",
        "another content type",
        "a body over the limit",
    ],
)
def test_it_leaves_every_other_request_to_the_app(
    client: TestClient, alone: TestClient, counter: Counter, db: Session, case: str
) -> None:
    url = f"/r/{counter.public_token}"
    warm(url, client, alone)

    def request(phone: TestClient) -> tuple[httpx.Response, int]:
        form = form_token(phone.get(url).text)  # a form token of this app (not counted below)
        phone.cookies.clear()
        valid = f"form_token={form}&overall=4&comment=&website="
        made = {
            "a query string": {"method": "GET", "url": url, "params": {"lang": "en"}},
            "a quoted cookie": {"method": "GET", "url": url, "headers": {"Cookie": f'{DEVICE_COOKIE}="a b"'}},
            "an encoded cookie": {"method": "GET", "url": url, "headers": {"Cookie": "rp_lang=%65n"}},
            "an invalid form": _post(url, f"form_token={form}&overall=9&comment=x"),
            "a repeated field": _post(url, valid + "&overall=3"),
            "a NUL byte": _post(url, valid + "%00"),
            "another content type": {"method": "POST", "url": url, "files": {"f": b"x"}, "data": {"u1": "4"}},
            "a body over the limit": _post(url, valid + "&comment=" + "x" * 300_000),
        }[case]
        counted = answered_here(phone.app)
        response = phone.request(**made)
        return response, answered_here(phone.app) - counted

    (ours, answered), stored_here = request(client), ratings(db)
    theirs, _ = request(alone)

    assert answered == 0
    assert answer(ours) == answer(theirs)
    assert ours.status_code in {200, 303, 400, 413, 422}
    assert ratings(db) == 2 * stored_here  # whatever the app stores of it, it stored once


def test_it_leaves_a_request_with_a_repeated_header_to_the_app(client: TestClient, counter: Counter) -> None:
    """Which of two Accept-Language headers counts is the framework's business."""
    app = client.app
    path = f"/r/{counter.public_token}"
    headers = [(b"accept-language", b"en"), (b"accept-language", b"id")]
    asgi(app, "GET", path, [(b"accept-language", b"en")])
    asgi(app, "GET", path, [(b"accept-language", b"id")])
    answered = answered_here(app)
    status, _, body = asgi(app, "GET", path, headers)
    assert answered_here(app) == answered
    assert status == 200 and b'lang="en"' in body


def ratings(db: Session) -> int:
    db.expire_all()
    return len(db.scalars(select(Rating.id)).all())


def test_it_submits_a_refused_rating_once(
    settings: Settings, clock: FakeClock, counter: Counter, db: Session, hot_path_on: bool
) -> None:
    """A refusal is answered where the rating was submitted: the network's flood count holds each
    rating once."""
    url = f"/r/{counter.public_token}"
    app = create_app(settings.with_(submit_flood_limit_per_minute=1, hot_path=hot_path_on), clock=clock)
    with TestClient(app, base_url=BASE) as client:
        answers = []
        for _ in range(2):  # two phones on one network
            client.cookies.clear()
            form = form_token(client.get(url).text)
            answered = answered_here(app)
            fields = {"form_token": form, "overall": "4"}
            answers.append(client.post(url, data=fields, follow_redirects=False))

    assert [a.status_code for a in answers] == [303, 429]
    assert answered_here(app) == answered + hot_path_on  # the 429 too, where the hot path submitted it
    assert db.scalar(select(RateLimitHit.hits)) == 2
    assert len(db.scalars(select(Rating.id)).all()) == 1


def test_it_reads_a_body_sent_in_pieces_and_leaves_an_oversized_one_to_the_app(
    client: TestClient, counter: Counter, clock: FakeClock, db: Session, hot_path_on: bool
) -> None:
    """Without Content-Length (a chunked upload) the hot path reads the pieces; past the app's body
    limit it hands what it read and the rest of the stream to the app, which refuses it."""
    app = client.app
    form = app.state.portal.signer.sign(counter.id, clock().timestamp(), None)
    valid = f"form_token={form}&overall=2&comment=&website=".encode()
    path, headers = f"/r/{counter.public_token}", [(b"content-type", FORM.encode())]

    assert asgi(app, "POST", path, headers, (valid[:20], valid[20:]))[0] == 303
    assert answered_here(app) == hot_path_on
    oversized = (valid, b"&comment=" + b"x" * 200_000, b"x" * 200_000)
    assert asgi(app, "POST", path, headers, oversized)[0] == 413
    assert answered_here(app) == hot_path_on
    assert ratings(db) == 1


NOT_STORED = {
    "an unknown counter": 404,
    "an expired form": 422,
    "a second rating from a phone": 200,  # the page saying this phone rated here a moment ago
    "a flooded network": 429,
    "an error while storing": 500,
}


@pytest.mark.parametrize("case", NOT_STORED)
def test_it_answers_a_refused_rating_as_the_app_does(
    settings: Settings,
    clock: FakeClock,
    counter: Counter,
    db: Session,
    hot_path_on: bool,
    case: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A rating the writer refuses (or fails to store) is submitted once and answered where it was
    submitted, with the handler's own page for it."""
    if case == "an error while storing":

        def broken(*_args: object) -> None:
            raise RuntimeError("the database went away")

        monkeypatch.setattr("portal.citizen.intake.counters_on_duty", broken)
    url = f"/r/{counter.public_token}"
    limit = 1 if case == "a flooded network" else settings.submit_flood_limit_per_minute
    answers, answered, posted, accepted = [], 0, 0, 0
    for hot_path in (hot_path_on, False):  # ours, then the app's alone
        app = create_app(settings.with_(hot_path=hot_path, submit_flood_limit_per_minute=limit), clock=clock)
        with TestClient(app, base_url=BASE) as phone:
            if case in {"a second rating from a phone", "a flooded network"}:
                fields = {"form_token": form_token(phone.get(url).text), "overall": "4"}
                first = phone.post(url, data=fields, follow_redirects=False)
                posted, accepted = posted + 1, accepted + (first.status_code == 303)
                if case == "a flooded network":
                    phone.cookies.clear()  # another phone on the same network
            form = "not-a-form-token" if case == "an expired form" else form_token(phone.get(url).text)
            fields = {"form_token": form, "overall": "2", "comment": "Lama <sekali> & antre"}
            target = f"/r/{'x' * 22}" if case == "an unknown counter" else url
            before = answered_here(app)
            answers.append(phone.post(target, data=fields, follow_redirects=False))
            posted, answered = posted + 1, answered + answered_here(app) - before

    ours, theirs = answers
    assert ours.status_code == NOT_STORED[case] and answer(ours) == answer(theirs)
    assert answered == hot_path_on
    db.expire_all()
    assert db.scalar(select(func.sum(RateLimitHit.hits))) == posted  # each POST counted once
    assert ratings(db) == accepted  # the ratings before the refused ones, and nothing else


def test_it_is_turned_off_by_its_setting(settings: Settings, clock: FakeClock) -> None:
    """HOT_PATH is read strictly like every setting; off, no request is answered in front of the app."""
    env = {"DATABASE_URL": settings.database_url, "SECRET_KEY": settings.secret_key, "APP_ENV": "test"}
    assert Settings.from_env(env).hot_path is True
    assert Settings.from_env(env | {"HOT_PATH": "off"}).hot_path is False
    with pytest.raises(SettingsError, match="HOT_PATH"):
        Settings.from_env(env | {"HOT_PATH": "sometimes"})
    app = create_app(settings.with_(hot_path=False), clock=clock)
    assert not isinstance(app.asgi_handler.app, HotPath)  # type: ignore[attr-defined]


def asgi(
    app: Litestar,
    method: str,
    path: str,
    headers: list[tuple[bytes, bytes]],
    pieces: tuple[bytes, ...] = (b"",),
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    sent = asyncio.run(asgi_call(app, method, path, headers, pieces, client="192.0.2.10"))
    return sent[0]["status"], sent[0]["headers"], b"".join(m.get("body", b"") for m in sent[1:])
