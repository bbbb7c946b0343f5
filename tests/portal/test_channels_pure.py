"""The kiosk code and ticket token on their own (pure): rotation, grace window, forgery."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from itsdangerous import Signer

from portal.citizen import channels
from portal.kernel.security import FormSigner, FormStampError

KEY = "k" * 40
STEP, GRACE = 30, 60


@given(moment=st.integers(min_value=1_700_000_000, max_value=2_000_000_000), counter=st.integers(1, 10**6))
def test_a_code_is_accepted_from_its_step_until_the_grace_window_ends(moment: int, counter: int) -> None:
    step = channels.kiosk_step(moment, STEP)
    code = channels.kiosk_code(KEY, counter, step)
    end = (step + 1) * STEP + GRACE  # first moment it is refused
    for now in (step * STEP, moment, end - 0.001):
        assert channels.verify_kiosk_code(KEY, counter, code, now, STEP, GRACE).step == step
    with pytest.raises(channels.KioskCodeRejected) as refused:
        channels.verify_kiosk_code(KEY, counter, code, end, STEP, GRACE)
    assert refused.value.reason == "stale"


def test_the_code_rotates_every_step_and_differs_per_counter() -> None:
    codes = {channels.kiosk_code(KEY, 1, step) for step in range(100)}
    assert len(codes) == 100
    assert channels.kiosk_code(KEY, 1, 5) != channels.kiosk_code(KEY, 2, 5)
    assert (
        channels.seconds_to_next_step(90.0, STEP) == 30 and channels.seconds_to_next_step(100.0, STEP) == 20
    )


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (channels.kiosk_code("another-key" * 4, 1, 10), "forged"),
        (channels.kiosk_code(KEY, 2, 10), "forged"),  # another counter's
        ("10-" + "0" * 20, "forged"),
        ("10", "forged"),
        ("<script>", "forged"),
        (channels.kiosk_code(KEY, 1, 13), "future"),
    ],
)
def test_it_refuses_forged_and_future_codes(code: str, reason: str) -> None:
    with pytest.raises(channels.KioskCodeRejected) as refused:
        channels.verify_kiosk_code(KEY, 1, code, 10 * STEP + 1, STEP, GRACE)
    assert refused.value.reason == reason
    # one step ahead is tolerated: app processes' clocks differ slightly
    assert channels.verify_kiosk_code(KEY, 1, channels.kiosk_code(KEY, 1, 11), 10 * STEP + 1, STEP, GRACE)


def test_ticket_tokens_come_from_the_seed_and_the_key() -> None:
    seed = channels.new_ticket_seed()
    token = channels.ticket_token(KEY, seed)
    assert token == channels.ticket_token(KEY, seed) != channels.ticket_token("x" * 40, seed)
    assert channels.looks_like_ticket_token(token) and not channels.looks_like_ticket_token(token + "x")
    secret, prefix = channels.new_api_key()
    assert secret.startswith(f"rpk_{prefix}_") and len(secret) > 40


def test_the_form_stamp_carries_a_signed_proof() -> None:
    signer = FormSigner(KEY, 3600)
    assert signer.verify(signer.sign(7, 1000.0), 1001.0).proof is None
    stamp = signer.verify(signer.sign(7, 1000.0, "k:55"), 1001.0)
    assert (stamp.counter_id, stamp.proof) == (7, "k:55")
    with pytest.raises(ValueError):
        signer.sign(7, 1000.0, "t:1.extra")  # a proof is one field: none can carry another
    extra_field = Signer(KEY, salt="rating-form-stamp").sign("7.nonce.1000000.t:1.extra").decode()
    with pytest.raises(FormStampError):
        signer.verify(extra_field, 1001.0)
