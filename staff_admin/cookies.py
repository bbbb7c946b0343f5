"""The staff area's cookies in one place: their names, path and flags.

Over HTTPS they carry the `__Host-` prefix, which a browser accepts only with `Secure`, `Path=/` and
no `Domain`: no other site of the same domain (a sibling subdomain on plain HTTP, say) can set or
overwrite them, so nobody can plant a CSRF cookie or a session of their own in a staff browser.
Without HTTPS (development, tests) they keep their plain names, limited to /admin."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.datastructures import Cookie

from portal.kernel.hardening import secure_cookies, served_over_https
from portal.kernel.settings import Settings

STAFF_PATH = "/admin"
SESSION = "rp_staff"  # the session token
CSRF = "rp_csrf"  # the browser's CSRF secret (staff_admin.csrf)
KNOWN_BROWSER = "rp_known"  # this browser signed in to an account before (staff_admin.auth)
HOST_PREFIX = "__Host-"


@dataclass(frozen=True)
class StaffCookies:
    prefix: str
    path: str
    secure: bool

    def name(self, base: str) -> str:
        return self.prefix + base

    def read(self, cookies: dict[str, str], base: str) -> str | None:
        return cookies.get(self.name(base)) or None

    def make(self, base: str, value: str, max_age: int | None = None) -> Cookie:
        # HttpOnly: no script of ours reads them. SameSite=Lax: not sent with another site's POST.
        return Cookie(
            key=self.name(base),
            value=value,
            path=self.path,
            max_age=max_age,
            httponly=True,
            secure=self.secure,
            samesite="lax",
        )

    def expire(self, base: str) -> Cookie:
        """Deletion with the same flags: a browser ignores a `__Host-` cookie set without them."""
        return Cookie(
            key=self.name(base),
            value="",
            path=self.path,
            max_age=0,
            expires=0,
            httponly=True,
            secure=self.secure,
            samesite="lax",
        )


def staff_cookies(settings: Settings) -> StaffCookies:
    if served_over_https(settings):
        return StaffCookies(HOST_PREFIX, "/", secure=True)
    return StaffCookies("", STAFF_PATH, secure=secure_cookies(settings))
