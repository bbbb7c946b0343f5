"""The pure core of the citizen side: form parsing, hours, addresses, languages, settings."""

from __future__ import annotations

import ipaddress
import string
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from itsdangerous import URLSafeTimedSerializer
from litestar.datastructures import Cookie

from portal.citizen.forms import FormErrors, parse_rating_form
from portal.kernel.hours import STANDARD_OFFICE_HOURS, is_open, validate_opening_hours
from portal.kernel.i18n import choose_language, parse_accept_language, switch_query
from portal.kernel.security import FormSigner, FormStampError, client_address, network_prefix
from portal.kernel.settings import Settings, SettingsError
from portal.kernel.web import PreparedCookie


def test_it_parses_a_quick_rating_with_blank_details() -> None:
    rating = parse_rating_form({"overall": "4", "form_token": "t", "u1": "", "comment": "  "})
    assert rating.overall == 4
    assert rating.answers == {f"u{i}": None for i in range(1, 10)}
    assert rating.comment is None
    assert not rating.honeypot_filled


def test_it_strips_control_characters_but_keeps_line_breaks() -> None:
    rating = parse_rating_form({"overall": "1", "form_token": "t", "comment": "baris 1\r\nbaris\x00 2\x1b"})
    assert rating.comment == "baris 1\nbaris 2"


@pytest.mark.parametrize("overall", ["", "0", "5", "4.0", " 4x", "١"])
def test_it_rejects_an_overall_answer_that_is_not_a_face(overall: str) -> None:
    with pytest.raises(FormErrors) as invalid:
        parse_rating_form({"overall": overall, "form_token": "t"})
    assert "overall" in invalid.value.errors


def test_it_takes_the_first_value_of_a_repeated_field() -> None:
    assert parse_rating_form({"overall": ["2", "4"], "form_token": "t"}).overall == 2


def test_it_knows_office_hours_in_the_counters_time_zone() -> None:
    monday_9_wib = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    assert is_open(STANDARD_OFFICE_HOURS, "Asia/Jakarta", monday_9_wib)
    assert not is_open(
        STANDARD_OFFICE_HOURS, "Asia/Jayapura", datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    )  # 15:00 WIT
    friday_prayer = datetime(2026, 3, 6, 5, 0, tzinfo=UTC)  # Friday 12:00 WIB
    assert not is_open(STANDARD_OFFICE_HOURS, "Asia/Jakarta", friday_prayer)


def test_it_validates_opening_hours_entered_by_an_admin() -> None:
    assert validate_opening_hours({0: [["8:00", "15:00"]]}) == {"0": [["08:00", "15:00"]]}
    with pytest.raises(ValueError, match="after opening"):
        validate_opening_hours({"1": [["15:00", "08:00"]]})
    with pytest.raises(ValueError, match="weekday"):
        validate_opening_hours({"7": []})


@given(
    st.one_of(
        st.ip_addresses().map(str),
        st.ip_addresses(v=6).map(lambda ip: ip.exploded),
        st.ip_addresses(v=4).map(lambda ip: f"::ffff:{ip}"),
        st.text(alphabet="0123456789abcdef:.%", max_size=45),
    )
)
def test_it_reduces_an_address_to_the_network_the_ipaddress_module_gives(address: str) -> None:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        assert network_prefix(address) is None
        return
    ip = ip.ipv4_mapped or ip if ip.version == 6 else ip
    expected = ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 64}", strict=False)
    assert network_prefix(address) == str(expected)


def test_it_reduces_addresses_to_their_network() -> None:
    assert network_prefix("203.0.113.57") == "203.0.113.0/24"
    assert network_prefix("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert network_prefix("::ffff:203.0.113.57") == "203.0.113.0/24"
    assert network_prefix("testclient") is None


def test_it_believes_forwarded_for_only_from_trusted_proxies() -> None:
    chain = "198.51.100.9, 203.0.113.57, 10.0.0.2"
    assert client_address("10.0.0.1", chain, ()) == "10.0.0.1"
    assert client_address("10.0.0.1", chain, ("10.0.0.0/8",)) == "203.0.113.57"
    assert client_address("192.0.2.1", chain, ("10.0.0.0/8",)) == "192.0.2.1"


def test_it_signs_the_form_so_its_age_cannot_be_forged() -> None:
    signer = FormSigner("k" * 40, max_age_seconds=60)
    token = signer.sign(counter_id=7, rendered_at=1000.0)
    stamp = signer.verify(token, now=1030.0)
    assert (stamp.counter_id, stamp.rendered_at) == (7, 1000.0)
    with pytest.raises(FormStampError) as expired:
        signer.verify(token, now=1061.0)
    assert expired.value.expired
    with pytest.raises(FormStampError):
        FormSigner("x" * 40, 60).verify(token, now=1030.0)


def test_it_gives_a_kiosk_form_a_shorter_life_than_the_others() -> None:
    signer = FormSigner("k" * 40, max_age_seconds=7200, proof_max_ages={"k": 600})
    kiosk, poster, ticket = (signer.sign(7, 1000.0, proof) for proof in ("k:33", None, "t:42"))
    assert signer.verify(kiosk, now=1600.0).proof == "k:33"
    with pytest.raises(FormStampError) as expired:
        signer.verify(kiosk, now=1601.0)
    assert expired.value.expired
    assert signer.verify(poster, now=8200.0).proof is None
    assert signer.verify(ticket, now=8200.0).proof == "t:42"


@pytest.mark.parametrize("proof", [None, "k:123456", "t:42"])
def test_it_still_takes_the_forms_signed_before_the_stamp_became_dotted_text(proof: str | None) -> None:
    """A citizen whose form was shown by the previous release can still send it after a deploy."""
    before = URLSafeTimedSerializer("k" * 40, salt="rating-form")  # the previous release's format
    ours = FormSigner("k" * 40, max_age_seconds=60)
    token = before.dumps([7, "nonce-of-before", 1000.5, *([proof] if proof else [])])
    stamp = ours.verify(token, now=1030.0)
    assert (stamp.counter_id, stamp.nonce, stamp.rendered_at, stamp.proof) == (
        7,
        "nonce-of-before",
        1000.5,
        proof,
    )
    with pytest.raises(FormStampError):
        ours.verify(token, now=1061.0)  # and only as long as any form
    with pytest.raises(FormStampError):
        FormSigner("x" * 40, 60).verify(token, now=1030.0)


@given(
    counter_id=st.integers(min_value=0, max_value=2**31),
    rendered_ms=st.integers(min_value=0, max_value=2**45),
    proof=st.none() | st.from_regex(r"[kt]:[0-9A-Za-z_-]{1,40}", fullmatch=True),
)
def test_it_gives_back_every_stamp_it_signed_and_none_it_did_not(
    counter_id: int, rendered_ms: int, proof: str | None
) -> None:
    signer = FormSigner("k" * 40, max_age_seconds=60)
    token = signer.sign(counter_id, rendered_ms / 1000, proof)
    stamp = signer.verify(token, now=rendered_ms / 1000)
    assert (stamp.counter_id, stamp.rendered_at, stamp.proof) == (counter_id, rendered_ms / 1000, proof)
    assert stamp.nonce and stamp.nonce != signer.verify(signer.sign(counter_id, 0, proof), 0).nonce
    payload, _, signature = token.rpartition(".")
    for forged in (
        f"{counter_id + 1}{payload[len(str(counter_id)) :]}.{signature}",
        f"{payload}.x{signature}",
    ):
        with pytest.raises(FormStampError):
            signer.verify(forged, now=rendered_ms / 1000)


def test_it_keeps_the_rest_of_the_query_when_switching_language() -> None:
    assert switch_query([]) == ""
    assert switch_query([("lang", "en")]) == ""
    assert (
        switch_query([("k", "AB12"), ("lang", "id"), ("unit", "3"), ("unit", "4")]) == "k=AB12&unit=3&unit=4&"
    )
    assert switch_query([("q", "a&b=c #1")]) == "q=a%26b%3Dc+%231&"  # a value cannot add parameters


def test_it_orders_accept_language_by_quality() -> None:
    assert parse_accept_language("id;q=0.5, en-GB, fr;q=0") == ["en", "id"]
    assert choose_language(None, None, "fr, en;q=0.5", "id") == "en"
    assert choose_language(None, None, "fr", "id") == "id"
    assert choose_language("en", "id", "id", "id") == "en"
    assert choose_language("xx", "en", None, "id") == "en"


def test_it_parses_settings_strictly() -> None:
    base = {"SECRET_KEY": "s" * 40, "DATABASE_URL": "sqlite://"}
    assert Settings.from_env(base).port == 8000
    for bad in (
        {"PORT": "0"},
        {"APP_ENV": "staging"},
        {"BASE_URL": "ikm.example"},
        {"TRUSTED_PROXIES": "lb"},
    ):
        with pytest.raises(SettingsError):
            Settings.from_env({**base, **bad})
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings.from_env({"APP_ENV": "production", "DATABASE_URL": "sqlite://"})


@given(
    value=st.text(alphabet=string.ascii_letters + string.digits + '-_ ;"=,', max_size=40),
    max_age=st.sampled_from([None, 0, 3600, 31536000]),
    expires=st.sampled_from([None, 60]),
    secure=st.booleans(),
    httponly=st.booleans(),
    samesite=st.sampled_from(["lax", "strict", "none"]),
    path=st.sampled_from(["/", "/admin"]),
)
def test_it_writes_a_prepared_cookie_exactly_as_litestar_does(
    value: str, max_age: int | None, expires: int | None, secure: bool, httponly: bool, samesite, path: str
) -> None:
    attributes = {"max_age": max_age, "expires": expires, "secure": secure, "httponly": httponly}
    attributes |= {"samesite": samesite, "path": path}
    for _ in range(2):  # the second time from the prepared text
        prepared = PreparedCookie(key="rp_device", value=value, **attributes).to_encoded_header()
        assert prepared == Cookie(key="rp_device", value=value, **attributes).to_encoded_header()
