"""Abuse signals without identities: keyed hashes and the signed rating form (pure)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import socket
from collections.abc import Mapping
from dataclasses import dataclass

from itsdangerous import BadSignature, Signer, URLSafeTimedSerializer

DEVICE_COOKIE = "rp_device"


def keyed_hash(secret_key: str, purpose: str, value: str) -> str:
    """HMAC-SHA256 so the stored value cannot be reversed by trying all addresses or cookies."""
    return hmac.new(secret_key.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def network_prefix(address: str | None) -> str | None:
    """The /24 (IPv4) or /64 (IPv6) network of an address; the address itself is never kept."""
    if not address:
        return None
    try:  # the C parser first: this runs for every rating posted
        return _ipv4_prefix(socket.inet_pton(socket.AF_INET, address))
    except OSError:
        pass
    try:
        packed = socket.inet_pton(socket.AF_INET6, address)
    except OSError:
        return _network_prefix_of_any(address)  # e.g. a scoped address (fe80::1%eth0)
    if packed.startswith(_IPV4_MAPPED):
        return _ipv4_prefix(packed[12:])
    return socket.inet_ntop(socket.AF_INET6, packed[:8] + bytes(8)) + "/64"


_IPV4_MAPPED = bytes(10) + b"\xff\xff"


def _ipv4_prefix(packed: bytes) -> str:
    return socket.inet_ntop(socket.AF_INET, packed[:3] + b"\x00") + "/24"


def _network_prefix_of_any(address: str) -> str | None:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 64
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def _is_trusted(address: str, trusted: tuple[str, ...]) -> bool:
    if "*" in trusted:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in trusted)


def client_address(peer: str | None, forwarded_for: str | None, trusted: tuple[str, ...]) -> str | None:
    """The citizen's address: the peer, unless the peer is a trusted proxy; then the nearest
    untrusted hop of X-Forwarded-For (hops further left could be forged by the client)."""
    if not peer or not trusted or not forwarded_for or not _is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer


def network_hash(secret_key: str, address: str | None) -> str | None:
    prefix = network_prefix(address)
    return None if prefix is None else keyed_hash(secret_key, "network", prefix)


def device_hash(secret_key: str, device_token: str | None) -> str | None:
    return None if not device_token else keyed_hash(secret_key, "device", device_token)


def new_device_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class FormStamp:
    """What the server signs into every rating form it renders."""

    counter_id: int
    nonce: str
    rendered_at: float  # POSIX seconds
    # The proof of presence checked when the form was shown: None (poster), "k:STEP" (kiosk code),
    # "t:TICKET_ID" (ticket). Signed with the rest, so it cannot be added to a poster form.
    proof: str | None = None


class FormStampError(ValueError):
    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


class FormSigner:
    """Signs a stamp into every rating form: `COUNTER.NONCE.RENDERED_MS[.PROOF]`, then itsdangerous's
    HMAC signature. A plain dotted text rather than itsdangerous's JSON serializer: a form is signed
    per scan, and the serializer (JSON, base64, a timestamp of its own) cost more than twice as much
    (bench/citizen_cost.py)."""

    def __init__(
        self, secret_key: str, max_age_seconds: int, proof_max_ages: Mapping[str, int] | None = None
    ) -> None:
        self._signer = Signer(secret_key, salt="rating-form-stamp")
        # Forms shown by the release before the stamp became dotted text (2026-12-05) and still open
        # (at most max_age_seconds); a later release can drop this.
        self._before = URLSafeTimedSerializer(secret_key, salt="rating-form")
        self._max_age = max_age_seconds
        # A shorter life for the forms of a proof's kind ("k" of "k:STEP": a kiosk form).
        self._proof_max_ages = dict(proof_max_ages or {})

    def sign(self, counter_id: int, rendered_at: float, proof: str | None = None) -> str:
        if proof is not None and "." in proof:
            raise ValueError("a proof is one field of the stamp: no dots")
        stamp = f"{counter_id}.{secrets.token_urlsafe(18)}.{round(rendered_at * 1000)}"
        return self._signer.sign(stamp if proof is None else f"{stamp}.{proof}").decode()

    def verify(self, token: str, now: float) -> FormStamp:
        # Age is checked against our own clock (not itsdangerous's) so tests can move time.
        try:
            if token[:1].isdigit():
                counter, nonce, rendered_ms, *rest = self._signer.unsign(token).decode().split(".")
                fields = [int(counter), nonce, int(rendered_ms) / 1000, *rest]
            else:
                fields = self._before.loads(token)
            counter_id, nonce, rendered_at, *rest = fields
        except (BadSignature, ValueError, TypeError):
            raise FormStampError(expired=False) from None
        proof = rest[0] if len(rest) == 1 else None
        if not (
            isinstance(counter_id, int)
            and isinstance(nonce, str)
            and nonce
            and isinstance(rendered_at, float | int)
            and len(rest) <= 1
            and (proof is None or isinstance(proof, str))
        ):
            raise FormStampError(expired=False)
        max_age = self._max_age
        if proof is not None and self._proof_max_ages:
            max_age = min(max_age, self._proof_max_ages.get(proof.partition(":")[0], max_age))
        if now - rendered_at > max_age:
            raise FormStampError(expired=True)
        return FormStamp(counter_id, nonce, float(rendered_at), proof)
