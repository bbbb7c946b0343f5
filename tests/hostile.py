"""Hostile input for the property-based tests (issue 7, item 3): text a citizen or a careless import
could send, raw request bodies (invalid UTF-8, NUL bytes, wrong content types), path tricks, and a
small HTML form reader so the staff tests can fuzz every form a page really offers."""

from __future__ import annotations

import html
import re
import string
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

from httpx import Response
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

# Modest example counts keep the suite fast; every test runs on SQLite and on PostgreSQL.
FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)

SCRIPT = "<script>alert(1)</script>"
HOSTILE_STRINGS = [
    "",
    " ",
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "</textarea><script>alert(1)</script>",
    "{{ 7*7 }}{% raw %}",
    "'; DROP TABLE ratings; --",
    "1 OR 1=1",
    "' OR '1'='1",
    "Robert'); DELETE FROM units;--",
    '=HYPERLINK("http://evil.example","klik")',
    "=1+1",
    "+1",
    "-1",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "../../../etc/passwd",
    "..%2f..%2fetc%2fpasswd",
    "%2e%2e/%2e%2e/",
    "..\\..\\windows\\win.ini",
    "a\x00b",
    "\x00",
    "\x1b[31m",
    "line\r\nbreak",
    "\u202etxt.exe",
    "\ufeffBOM",
    "Ω≈ç√∫ 日本語 🙂",
    "x" * 1001,
    "x" * 20_000,
    "9" * 40,
    "-9223372036854775809",
    "1e309",
    "NaN",
    "²",
    "١٢٣",
]

# Text httpx can encode (no lone surrogates), any other character, including control characters.
any_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300)
hostile_text = st.one_of(st.sampled_from(HOSTILE_STRINGS), any_text)

# Path segments that try to escape or confuse routing.
PATH_TRICKS = [
    "..",
    "../..",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e",
    "%2e%2e%2f%2e%2e%2fapp.py",
    "%252e%252e%252f",
    "..%5c..%5c",
    "%00",
    "a%00b",
    "%FF%FE",
    "%C0%AE%C0%AE",
    "x" * 3000,
    "<script>",
    "'%20OR%20'1'='1",
    "%0d%0aSet-Cookie:%20x=1",
]
path_segment = st.one_of(
    st.sampled_from(PATH_TRICKS),
    st.text(alphabet=string.ascii_letters + string.digits + "-_.~%", min_size=1, max_size=80),
)

# Raw bytes for form bodies and query strings: broken percent-escapes, invalid UTF-8, NUL bytes.
RAW_PIECES = [
    b"%FF%FE",
    b"\xff\xfe\xfd",
    b"%C3%28",
    b"%ED%A0%80",  # an encoded surrogate
    b"%00",
    b"\x00",
    b"%",
    b"%G1",
    b"&&&",
    b"===",
    b"+",
    b"%E2%80%AE",
    b"%3Cscript%3E",
    b"\xc3\xa9",
    b"a" * 2000,
]
raw_bytes = st.lists(st.one_of(st.sampled_from(RAW_PIECES), st.binary(max_size=40)), max_size=8).map(b"".join)

CONTENT_TYPES = [
    None,
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1",
    "application/json",
    "multipart/form-data",  # no boundary
    "multipart/form-data; boundary=xyz",
    "text/plain",
    "application/xml",
    "application/octet-stream",
    "*/*",
    "garbage",
]


@st.composite
def raw_form_body(draw: st.DrawFn, fields: tuple[str, ...]) -> bytes:
    """An urlencoded-looking body whose names and values may be any bytes."""
    parts = []
    for _ in range(draw(st.integers(0, 6))):
        name = draw(st.one_of(st.sampled_from(fields), raw_bytes)) if fields else draw(raw_bytes)
        if isinstance(name, str):
            name = name.encode()
        parts.append(name + b"=" + draw(raw_bytes))
    return b"&".join(parts)


# --- reading forms off a page ---------------------------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    enctype: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> values the page offers
    files: list[str] = field(default_factory=list)


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(
                Form(
                    a.get("action", ""),
                    a.get("method", "get").lower(),
                    a.get("enctype", "application/x-www-form-urlencoded"),
                )
            )
            return
        if not self.forms:
            return
        form = self.forms[-1]
        name = a.get("name")
        if tag == "input" and name:
            if a.get("type") == "file":
                form.files.append(name)
            elif a.get("type") not in ("submit", "button", "image", "reset"):
                form.fields.setdefault(name, []).append(
                    a.get("value", "on" if a.get("type") == "checkbox" else "")
                )
        elif tag == "select" and name:
            self._select = name
            form.fields.setdefault(name, [])
        elif tag == "option" and self._select:
            form.fields[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            form.fields.setdefault(name, [""])
        elif tag == "button" and name:
            form.fields.setdefault(name, []).append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def forms_on(html: str) -> list[Form]:
    reader = _FormReader()
    reader.feed(html)
    return reader.forms


# --- multipart bodies ----------------------------------------------------------------------------------


def multipart_body(
    fields: dict[str, object], files: dict[str, tuple[str, bytes]] | None = None
) -> tuple[bytes, str]:
    """(body, Content-Type) of a multipart/form-data request carrying exactly these fields (a list
    repeats the field) and files, written by hand: httpx sends multipart only with a file, and escapes
    names and file names its own way."""
    boundary = "hostile-boundary-7c2f"
    parts = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            head = f'Content-Disposition: form-data; name="{name}"\r\n\r\n'
            parts.append(head.encode() + str(item).encode("utf-8", "surrogatepass"))
    for name, (filename, content) in (files or {}).items():
        head = (
            f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(head.encode("utf-8", "surrogatepass") + content)
    body = b"".join(f"--{boundary}\r\n".encode() + part + b"\r\n" for part in parts)
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


# --- the pages a persona can reach --------------------------------------------------------------------

_HREF = re.compile(r'href="([^"]+)"')
_VARYING = re.compile(r"/(?:\d+|[0-9a-f]{16})(?=/|$)")  # ids and references in a path


def page_pattern(path: str) -> str:
    """`/admin/units/7/edit` -> `/admin/units/{}/edit`: pages of one kind, whichever record."""
    return _VARYING.sub("/{}", path.split("?", 1)[0])


def reachable_pages(
    client: TestClient,
    start: str = "/admin/",
    prefix: str = "/admin",
    one_per_kind: bool = False,
    limit: int = 150,
) -> dict[str, Response]:
    """Every page under `prefix` a signed-in client reaches by following links from `start`, and
    sending its GET forms (filters, the roster's counter) as the page fills them in, with its
    answer; never signing out. `one_per_kind` opens one page of each pattern (one unit's edit page,
    not every unit's) and no language variants."""
    answers: dict[str, Response] = {}
    kinds: set[str] = set()
    queue = [start]
    while queue and len(answers) < limit:
        path = queue.pop(0)
        if path in answers:
            continue
        if one_per_kind:
            kind = page_pattern(path) + ("?" if "?" in path else "")
            if kind in kinds:
                continue
            kinds.add(kind)
        response = client.get(path, follow_redirects=False)
        answers[path] = response
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        links = [html.unescape(link) for link in _HREF.findall(response.text)]
        for form in forms_on(response.text):
            if form.method == "get" and form.action:
                choices = {name: next((o for o in options if o), "") for name, options in form.fields.items()}
                links.append(form.action + "?" + urlencode(choices))
        for link in links:
            parts = urlsplit(link)
            if parts.netloc or not parts.path.startswith(prefix) or "logout" in parts.path:
                continue
            if one_per_kind and "lang=" in parts.query:
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return answers


# --- malformed CSRF tokens (issue 21, item 14) ------------------------------------------------------------

# Each raised inside the framework's CSRF middleware: a 500 and a traceback per request. A "file" token is
# sent as a file part of a multipart form; the others as the `_csrf_token` field and as the header.
MALFORMED_CSRF_TOKENS = {
    "long non-ASCII": "a" * 70 + "é",
    "exact length non-ASCII": "é" * 64,
    "long": "0" * 129,
    "file": "f" * 128,
}
