"""Proofs of presence (pure): the rotating kiosk code and the single-use ticket token.

Kiosk code: the counter's screen shows a QR code that changes every `step_seconds`. The code for
step s (s = floor(unix time / step_seconds)) is "s-MAC", MAC = HMAC-SHA256(server key,
"kiosk:COUNTER:s") truncated to 80 bits. Nobody without the server key can make a code; a code is
accepted from its step's start until `grace_seconds` after the step ended (time to scan and load the
page on a slow phone), so a photographed screen stops working within a minute or two.

Ticket token: 192 bits derived with the server key from a random seed stored with the ticket, so the
QR images can be drawn again later while a copy of the database alone cannot rate.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

KIOSK_MAC_CHARS = 20  # hex: 80 bits
_KIOSK_CODE = re.compile(rf"^(\d{{1,12}})-([0-9a-f]{{{KIOSK_MAC_CHARS}}})$")
_TICKET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


def _mac(secret_key: str, message: str) -> bytes:
    return hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).digest()


def kiosk_step(now_timestamp: float, step_seconds: int) -> int:
    return int(now_timestamp // step_seconds)


def kiosk_code(secret_key: str, counter_id: int, step: int) -> str:
    mac = _mac(secret_key, f"kiosk:{counter_id}:{step}").hex()[:KIOSK_MAC_CHARS]
    return f"{step}-{mac}"


def seconds_to_next_step(now_timestamp: float, step_seconds: int) -> float:
    return step_seconds - (now_timestamp % step_seconds)


class KioskCodeRejected(ValueError):
    """`reason` is a stable code: forged (not made with our key for this counter), stale (older than
    the grace window: a photo passed around, or the page was left open), future (clock trouble)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class KioskProof:
    counter_id: int
    step: int


def verify_kiosk_code(
    secret_key: str, counter_id: int, code: str, now_timestamp: float, step_seconds: int, grace_seconds: int
) -> KioskProof:
    match = _KIOSK_CODE.match(code or "")
    if not match:
        raise KioskCodeRejected("forged")
    step = int(match.group(1))
    expected = kiosk_code(secret_key, counter_id, step)
    if not hmac.compare_digest(expected, code):
        raise KioskCodeRejected("forged")
    current = kiosk_step(now_timestamp, step_seconds)
    if step > current + 1:  # one step of clock skew between app processes is tolerated
        raise KioskCodeRejected("future")
    if now_timestamp >= (step + 1) * step_seconds + grace_seconds:
        raise KioskCodeRejected("stale")
    return KioskProof(counter_id, step)


def new_ticket_seed() -> str:
    return secrets.token_urlsafe(18)


def ticket_token(secret_key: str, seed: str) -> str:
    """The URL token of a ticket: 32 URL-safe characters (192 bits)."""
    return base64.urlsafe_b64encode(_mac(secret_key, f"ticket:{seed}")[:24]).decode()


def looks_like_ticket_token(token: str) -> bool:
    return bool(_TICKET_TOKEN.match(token or ""))


API_KEY_PREFIX = "rpk"


def new_api_key() -> tuple[str, str]:
    """(secret, display prefix). The secret reads `rpk_PREFIX_RANDOM`; only the prefix is shown later."""
    prefix = secrets.token_hex(4)
    return f"{API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}", prefix


def new_kiosk_credential() -> str:
    return secrets.token_urlsafe(32)
