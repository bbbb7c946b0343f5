"""Hostile input on the citizen side (issue 7, item 3): whatever arrives at the rating form, the
ticket form, the kiosk and the pages behind a token, the answer is never a server error, a refused
request stores nothing, and what is stored is exactly the validated text, shown escaped."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient
from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import create_app
from portal.citizen import proofs
from portal.citizen.followup import ComplaintCase
from portal.citizen.forms import COMMENT_MAX_LENGTH, clean_comment
from portal.kernel.models import SKM_ELEMENTS, Counter, Rating, RatingTicket, Unit
from portal.kernel.security import FormSigner
from portal.kernel.settings import Settings
from tests import factories
from tests.conftest import TEST_SECRET, FakeClock
from tests.hostile import (
    CONTENT_TYPES,
    FUZZ,
    SCRIPT,
    hostile_text,
    multipart_body,
    path_segment,
    raw_bytes,
    raw_form_body,
)
from tests.portal.citizen import form_token

FORM_FIELDS = ("form_token", "overall", *SKM_ELEMENTS, "comment", "website", "contact_name", "contact_phone")
TOKEN_KINDS = ["fresh", "tampered", "forged", "expired", "other_counter", "missing", "reused"]


def count(db: Session, model: type) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def unit(db: Session) -> Unit:
    return factories.unit(db, "Dinas Kependudukan")


@pytest.fixture
def counter(db: Session, unit: Unit) -> Counter:
    return factories.counter(db, unit, "Loket 1")


@pytest.fixture
def other_counter(db: Session, unit: Unit) -> Counter:
    return factories.counter(db, unit, "Loket 2")


@pytest.fixture
def open_app(settings: Settings, clock: FakeClock) -> Litestar:
    """No throttles in the way: every valid post should be stored, so every refusal means something."""
    return create_app(
        settings.with_(device_throttle_seconds=0, submit_flood_limit_per_minute=1_000_000), clock=clock
    )


@pytest.fixture
def browser(open_app: Litestar) -> Iterator[TestClient]:
    with TestClient(open_app, base_url="http://127.0.0.1:8000") as client:
        yield client


def no_raw_markup(response_text: str) -> None:
    assert SCRIPT not in response_text
    assert "<img src=x onerror" not in response_text
    assert "</textarea><script>" not in response_text


def test_the_rating_form_answers_any_fields_without_a_server_error_or_damage(
    browser: TestClient, counter: Counter, other_counter: Counter, db: Session, settings: Settings
) -> None:
    path = f"/r/{counter.public_token}"
    used: list[str] = []

    @given(
        token_kind=st.sampled_from(TOKEN_KINDS),
        overall=st.one_of(st.sampled_from(["1", "2", "3", "4"]), hostile_text),
        answers=st.dictionaries(
            st.sampled_from(SKM_ELEMENTS), st.one_of(st.sampled_from(["1", "4"]), hostile_text)
        ),
        comment=hostile_text,
        extra=st.dictionaries(
            st.sampled_from(["website", "contact_name", "contact_phone", "contact_email"]), hostile_text
        ),
        consent=st.booleans(),
    )
    # Sure to be tried: stored with markup, formulas and NUL bytes; the contact form; the honeypot.
    @example("fresh", "2", {"u1": " 3 "}, SCRIPT + "=1+1\x00", {}, False)
    @example("fresh", "1", {}, "'; DROP TABLE ratings; --", {"contact_email": "a\x00@b.id"}, True)
    @example("fresh", "4", {}, "x", {"contact_phone": "=1+1", "contact_name": SCRIPT}, True)
    @example("fresh", "4", {}, "", {"website": "http://spam.example"}, False)
    @example("reused", "4", {}, "again", {}, False)
    @FUZZ
    def post(token_kind, overall, answers, comment, extra, consent) -> None:
        if token_kind == "reused" and not used:
            token_kind = "fresh"
        fresh = form_token(browser.get(path).text)
        token = {
            "fresh": fresh,
            "tampered": fresh[:-3] + ("AAA" if not fresh.endswith("AAA") else "BBB"),
            "forged": "eyJmb3JnZWQiOnRydWV9.forged.signature",
            "expired": FormSigner(TEST_SECRET, settings.form_max_age_seconds).sign(counter.id, 0.0),
            "other_counter": form_token(browser.get(f"/r/{other_counter.public_token}").text),
            "missing": None,
            "reused": used[-1] if used else fresh,
        }[token_kind]
        fields = {"overall": overall, **answers, "comment": comment, **extra}
        if consent:
            fields["contact_consent"] = "1"
        if token is not None:
            fields["form_token"] = token
        before = count(db, Rating)

        response = browser.post(path, data=fields, follow_redirects=False)

        assert response.status_code < 500, response.text
        if any("\x00" in str(value) for value in fields.values()):
            assert response.status_code == 400  # nobody types a NUL byte: refused before parsing
        else:
            assert response.status_code in (303, 404, 422), response.status_code
        no_raw_markup(response.text)
        after = count(db, Rating)
        valid = (
            token_kind == "fresh"
            and overall in {"1", "2", "3", "4"}
            and all(v.strip() in {"", "1", "2", "3", "4"} for v in answers.values())
            and len(clean_comment(comment) or "") <= COMMENT_MAX_LENGTH
        )
        if response.status_code != 303:
            assert after == before
            return
        if after == before:  # a refused form is never a redirect, except a duplicate or the honeypot
            assert token_kind == "reused" or extra.get("website", "").strip(), fields
            return
        assert after == before + 1 and valid, fields
        used.append(token)
        rating = db.scalars(select(Rating).order_by(Rating.id.desc())).first()
        assert rating.overall == int(overall)
        assert rating.comment == clean_comment(comment)  # exactly the cleaned text, nothing else
        assert rating.comment is None or "\x00" not in rating.comment
        for element in SKM_ELEMENTS:
            raw = answers.get(element, "").strip()
            assert getattr(rating, element) == (int(raw) if raw else None)

    post()


def test_a_refused_form_shows_what_was_typed_escaped(
    browser: TestClient, counter: Counter, db: Session
) -> None:
    path = f"/r/{counter.public_token}"
    token = form_token(browser.get(path).text)
    comment = '</textarea><script>alert(1)</script> & "quotes"'
    response = browser.post(path, data={"form_token": token, "overall": "9", "comment": comment})
    assert response.status_code == 422
    assert str(escape(comment)) in response.text
    no_raw_markup(response.text)
    assert count(db, Rating) == 0


def test_a_stored_comment_with_markup_and_formulas_is_kept_as_text(
    browser: TestClient, counter: Counter, db: Session
) -> None:
    path = f"/r/{counter.public_token}"
    comment = '=HYPERLINK("http://evil.example")\n<script>alert(1)</script>\'; DROP TABLE ratings; --'
    token = form_token(browser.get(path).text)
    data = {"form_token": token, "overall": "2", "comment": comment}
    assert browser.post(path, data=data, follow_redirects=False).status_code == 303
    (rating,) = db.scalars(select(Rating)).all()
    assert rating.comment == comment
    assert count(db, ComplaintCase) == 1  # a low rating with a comment opens a case, tables intact


@given(body=raw_form_body(FORM_FIELDS), content_type=st.sampled_from(CONTENT_TYPES))
@FUZZ
def test_raw_bodies_and_wrong_content_types_never_break_the_form(
    browser: TestClient, counter: Counter, db: Session, body: bytes, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    before = count(db, Rating)
    response = browser.post(
        f"/r/{counter.public_token}", content=body, headers=headers, follow_redirects=False
    )
    assert response.status_code < 500, (body, content_type, response.text)
    assert 400 <= response.status_code < 500  # no valid form token in a raw body: never stored
    assert count(db, Rating) == before


def test_json_and_multipart_are_refused_or_read_as_forms(
    browser: TestClient, counter: Counter, db: Session
) -> None:
    path = f"/r/{counter.public_token}"
    token = form_token(browser.get(path).text)
    as_json = browser.post(path, json={"form_token": token, "overall": "4"}, follow_redirects=False)
    assert 400 <= as_json.status_code < 500
    as_multipart = browser.post(
        path, files={"overall": (None, "4"), "form_token": (None, token)}, follow_redirects=False
    )
    assert as_multipart.status_code < 500
    no_body = browser.post(path, follow_redirects=False)
    assert 400 <= no_body.status_code < 500
    assert count(db, Rating) == (1 if as_multipart.status_code == 303 else 0)


@pytest.mark.parametrize("field", ["comment", "overall", "form_token", "contact_name", "a\x00b"])
def test_a_nul_in_a_multipart_form_is_refused_as_in_an_urlencoded_one(
    browser: TestClient,
    counter: Counter,
    db: Session,
    settings: Settings,
    clock: FakeClock,
    ticket_machine: proofs.ApiClient,
    field: str,
) -> None:
    """Issue 21, item 5: the NUL guard read urlencoded bodies only; a multipart form stored the NUL
    (on PostgreSQL: a database error)."""
    issued = proofs.create_ticket(
        db, settings, clock(), ticket_machine, proofs.TicketRequest(counter.id, "KTP-el", "A-001")
    )
    for path in (f"/r/{counter.public_token}", f"/t/{issued.token}"):
        fields = {"form_token": form_token(browser.get(path).text), "overall": "2", "comment": "ok"}
        fields[field] = "a\x00b"
        fields |= {"contact_consent": "1", "contact_phone": "0812345678"} if field == "contact_name" else {}
        body, content_type = multipart_body(fields)
        response = browser.post(
            path, content=body, headers={"Content-Type": content_type}, follow_redirects=False
        )
        assert response.status_code == 400, (path, field, response.text[:500])
        assert count(db, Rating) == 0


def test_a_huge_body_is_refused_before_it_is_read(browser: TestClient, counter: Counter, db: Session) -> None:
    response = browser.post(
        f"/r/{counter.public_token}",
        content=b"comment=" + b"x" * (2 * 1024 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert "<html" in response.text
    assert count(db, Rating) == 0


CITIZEN_PATHS = [
    "/r/{}",
    "/r/{}/poster",
    "/r/{}/qr.png",
    "/r/{}/qr.svg",
    "/r/{}/terima-kasih",
    "/t/{}",
    "/t/{}/terima-kasih",
    "/kiosk/{}",
    "/kiosk/{}/code",
]


@given(segment=path_segment, template=st.sampled_from(CITIZEN_PATHS), method=st.sampled_from(["GET", "POST"]))
@example("a%00b", "/r/{}", "GET")
@example("%00", "/r/{}/qr.png", "GET")
@example("a%00b", "/t/{}", "POST")
@example("a%00b", "/t/{}/terima-kasih", "GET")
@example("a%00b", "/kiosk/{}/code", "GET")
@example("..%2F..%2Fetc%2Fpasswd", "/r/{}/poster", "GET")
@FUZZ
def test_path_tricks_in_tokens_find_nothing(
    browser: TestClient, counter: Counter, db: Session, segment: str, template: str, method: str
) -> None:
    before = (count(db, Rating), count(db, RatingTicket))
    response = browser.request(method, template.format(segment), follow_redirects=False)
    assert response.status_code < 500, (template, segment, response.text)
    assert response.status_code in (400, 404, 405, 422), (template, segment, response.status_code)
    assert (count(db, Rating), count(db, RatingTicket)) == before
    assert "root:" not in response.text and "create_app" not in response.text


@given(
    name=st.sampled_from(["k", "lang", "x"]),
    value=st.one_of(
        hostile_text.map(lambda text: ("text", text)),
        raw_bytes.map(lambda raw: ("encoded", quote(raw, safe=""))),
    ),
)
@FUZZ
def test_hostile_query_strings_never_break_a_page(
    browser: TestClient, counter: Counter, name: str, value: tuple[str, str]
) -> None:
    """`k` is a kiosk code, `lang` a language switch: forged, invalid UTF-8 or NUL, never a 5xx."""
    path = f"/r/{counter.public_token}"
    kind, text = value
    response = (
        browser.get(path, params={name: text}) if kind == "text" else browser.get(f"{path}?{name}={text}")
    )
    assert response.status_code in (200, 400, 410), (name, value, response.status_code)
    no_raw_markup(response.text)
    for cookie in response.headers.get_list("set-cookie"):
        if cookie.startswith("rp_lang="):
            assert cookie.split(";")[0] in ("rp_lang=id", "rp_lang=en")


@pytest.fixture
def ticket_machine(db: Session, settings: Settings, clock: FakeClock, counter: Counter) -> proofs.ApiClient:
    key = proofs.create_api_key(db, settings, clock(), counter.unit_id, "Mesin antrean")
    return proofs.ApiClient(key.key_id, counter.unit_id, key.prefix)


def test_the_ticket_form_answers_any_fields_and_rates_once(
    browser: TestClient,
    counter: Counter,
    db: Session,
    settings: Settings,
    clock: FakeClock,
    ticket_machine: proofs.ApiClient,
) -> None:
    @given(
        overall=st.one_of(st.sampled_from(["1", "4"]), hostile_text),
        comment=hostile_text,
        tamper=st.sampled_from(["none", "token", "path"]),
    )
    @FUZZ
    def post(overall: str, comment: str, tamper: str) -> None:
        issued = proofs.create_ticket(
            db, settings, clock(), ticket_machine, proofs.TicketRequest(counter.id, "KTP-el", "A-001")
        )
        path = "/t/" + issued.token
        token = form_token(browser.get(path).text)
        if tamper == "token":
            token = token[::-1]
        if tamper == "path":
            path = path[:-2] + ("zz" if not path.endswith("zz") else "yy")
        before = count(db, Rating)
        data = {"form_token": token, "overall": overall, "comment": comment}
        response = browser.post(path, data=data, follow_redirects=False)
        assert response.status_code < 500, response.text
        no_raw_markup(response.text)
        stored = count(db, Rating) - before
        if response.status_code == 303:
            assert stored == 1 and tamper == "none"
            again = browser.post(path, data=data, follow_redirects=False)
            assert again.status_code < 500 and count(db, Rating) - before == 1  # used: once only
        else:
            assert stored == 0
            assert response.status_code in (400, 404, 410, 422)

    post()
