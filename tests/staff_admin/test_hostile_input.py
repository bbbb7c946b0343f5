"""Hostile input in the staff area (issue 7, item 3): every form a staff page offers is posted with
hostile values (its own choices mixed with markup, SQL, formulas, NUL bytes, oversized and odd
numbers, repeated or missing fields, forged CSRF tokens); sign-in, the filters, the uploads and the
ids in paths are fuzzed too. Never a 5xx, a clear 4xx page, and nothing damaged in the database."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import String, Text, func, select
from sqlalchemy.orm import Session

from portal.citizen.followup import ComplaintCase
from portal.kernel.db import Base
from portal.kernel.models import DutyShift, Employee, Rating, Unit
from portal.kernel.settings import Settings
from portal.kernel.text import has_control_character
from staff_admin.models import StaffSession, User
from staff_admin.review.models import Appeal
from staff_admin.review.unlinkable import rating_reference
from tests import factories
from tests.conftest import TEST_SECRET, FakeClock
from tests.hostile import (
    CONTENT_TYPES,
    FUZZ,
    MALFORMED_CSRF_TOKENS,
    SCRIPT,
    any_text,
    forms_on,
    hostile_text,
    path_segment,
    raw_bytes,
)
from tests.portal.citizen import Citizen
from tests.staff_admin.casework import counter_for, own_rating_page, rating
from tests.staff_admin.conftest import PASSWORD, World, csrf_token, signed_in
from tests.staff_admin.scoring_jobs import run_jobs

pytestmark = pytest.mark.slow  # property-based: hundreds of requests

# The database keeps what each example did, so a failing example cannot be replayed smaller: report the
# first failure as it happened instead of shrinking.
STAFF_FUZZ = settings(
    FUZZ, max_examples=25, phases=[Phase.explicit, Phase.generate], report_multiple_bugs=False
)
FORMULA = '=HYPERLINK("http://evil.example","klik")'


def _stored(db: Session, bad: Callable[[str, str, str], bool]) -> list[str]:
    """Every text column (table.column) of every table holding a value `bad(table, column, value)`.
    Checked in Python: SQLite's LIKE stops at a NUL."""
    db.expire_all()
    found = []
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text)]
        if not columns:
            continue
        for row in db.execute(select(*columns)):
            found.extend(
                f"{table.name}.{c.name}"
                for c, v in zip(columns, row, strict=True)
                if v and bad(table.name, c.name, v)
            )
    return sorted(set(found))


def stored_nul(db: Session) -> list[str]:
    """Columns holding a NUL byte: there must be none (PostgreSQL could not even store one, and
    nobody means one)."""
    return _stored(db, lambda _table, _column, value: "\x00" in value)


# One-line text people type or import: no tab or line break either (portal.kernel.text).
SINGLE_LINE_COLUMNS = {
    ("units", "code"),
    ("units", "name"),
    ("employees", "name"),
    ("employees", "nip"),
    ("counters", "name"),
    ("counters", "timezone"),
    ("users", "username"),
    ("users", "display_name"),
    ("periods", "label"),
}


def stored_control_characters(db: Session) -> list[str]:
    """Columns holding a control character their kind of text does not allow: none in names and
    codes, only tab and line breaks in multi-line text (comments, notes, reasons)."""
    return _stored(
        db,
        lambda table, column, value: has_control_character(value, (table, column) not in SINGLE_LINE_COLUMNS),
    )


def assert_clean_answer(response, what: object) -> None:
    assert response.status_code < 500, (what, response.text[:2000])
    if response.status_code >= 400:
        assert "text/html" in response.headers.get("content-type", ""), (what, response.headers)
        assert "<h1" in response.text  # a page that says what went wrong, not a bare error
    if "text/html" in response.headers.get("content-type", ""):
        assert SCRIPT not in response.text, what  # escaped on every page (an export holds the text)


@dataclass
class Stage:
    """Everything the staff forms act on: a counter with a shift, a flagged rating in the review
    queue, a complaint case, an officer's contestable rating and an appeal, a period."""

    world: World
    counter_id: int
    case_id: int
    rating_id: int
    head_b_user_id: int


def _post_page_form(client: TestClient, page: str, action_part: str, **values: str):
    form = next(f for f in forms_on(client.get(page).text) if action_part in f.action and f.method == "post")
    data = {name: options[0] if options else "" for name, options in form.fields.items()}
    response = client.post(form.action, data={**data, **values}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response


@pytest.fixture
def stage(client: TestClient, db: Session, world: World, clock: FakeClock) -> Stage:
    counter = counter_for(db, world, "a")
    factories.shift(db, world.officer, counter, clock() - timedelta(hours=1), clock() + timedelta(hours=3))
    rating(db, counter, world.officer, clock() - timedelta(hours=3), overall=4, reasons="burst")
    contested = rating(db, counter, world.officer, clock() - timedelta(hours=2), overall=1, comment=SCRIPT)
    assert Citizen(client, counter.public_token).rate("1", comment=SCRIPT + " " + FORMULA).status_code == 303
    client.cookies.clear()
    clock.advance(days=7)  # the officer sees the week's ratings once it is over
    signed_in(client, "officer")
    _post_page_form(client, own_rating_page(contested), "/admin/me/ratings/", reason="Bukan saya " + SCRIPT)
    client.cookies.clear()
    signed_in(client, "hr")
    _post_page_form(client, "/admin/periods/", "/admin/periods", period="2026-03")
    client.cookies.clear()
    assert db.scalar(select(func.count()).select_from(Appeal)) == 1
    return Stage(
        world,
        counter.id,
        db.scalar(select(ComplaintCase.id)),
        contested.id,
        db.scalar(select(User.id).where(User.username == "head_b")),
    )


MAX_FIELDS = 16
FIELD_CHOICE = st.one_of(
    st.integers(0, 50).map(lambda i: ("option", i)),
    hostile_text.map(lambda text: ("text", text)),
    st.lists(hostile_text, min_size=2, max_size=3).map(lambda texts: ("repeated", texts)),
    st.just(("omit", None)),
)


def _fill(fields: dict[str, list[str]], choices: list[tuple[str, object]]) -> dict[str, object]:
    values: dict[str, object] = {}
    for position, (name, options) in enumerate(fields.items()):
        if name == "_csrf_token":
            values[name] = options[0]
            continue
        kind, value = choices[position % len(choices)]
        if kind == "option":
            values[name] = (options or [""])[int(value) % max(1, len(options))]  # type: ignore[arg-type]
        elif kind != "omit":
            values[name] = value
    return values


FORM_PAGES = [
    ("admin", "/admin/units/new"),
    ("admin", "/admin/units/{unit_a}/edit"),
    ("admin", "/admin/counters/new"),
    ("admin", "/admin/counters/{counter}"),
    ("admin", "/admin/employees/new"),
    ("admin", "/admin/employees/{officer}"),
    ("admin", "/admin/users/new"),
    ("admin", "/admin/users/{head_b}"),
    ("admin", "/admin/roster/?counter={counter}"),
    ("hr", "/admin/officer-accounts/"),
    ("officer", "/admin/password"),
    ("hr", "/admin/periods/"),
    ("head_a", "/admin/review/"),
    ("head_a", "/admin/complaints/{case}"),
    ("head_a", "/admin/appeals/"),
    ("officer", "/admin/me/ratings/{rating}"),
    ("head_a", "/admin/login"),
]


def _page_path(template: str, stage: Stage) -> str:
    return template.format(
        unit_a=stage.world.unit_a.id,
        counter=stage.counter_id,
        officer=stage.world.officer.id,
        head_b=stage.head_b_user_id,
        case=stage.case_id,
        rating=rating_reference(TEST_SECRET, stage.rating_id),
    )


@pytest.mark.parametrize(("persona", "page"), FORM_PAGES, ids=[p for _, p in FORM_PAGES])
def test_every_staff_form_survives_hostile_values(
    client: TestClient, db: Session, stage: Stage, persona: str, page: str
) -> None:
    path = _page_path(page, stage)
    if persona and not page.endswith("/login"):
        signed_in(client, persona)

    @given(
        form_index=st.integers(0, 50),
        choices=st.lists(FIELD_CHOICE, min_size=MAX_FIELDS, max_size=MAX_FIELDS),
        csrf=st.sampled_from(["valid"] * 4 + ["forged", "missing", *MALFORMED_CSRF_TOKENS]),
    )
    @example(form_index=0, choices=[("option", 0)] * MAX_FIELDS, csrf="valid")
    @example(form_index=1, choices=[("option", 0)] * MAX_FIELDS, csrf="valid")
    @example(form_index=0, choices=[("option", 1)] * MAX_FIELDS, csrf="valid")
    @example(form_index=1, choices=[("option", 1)] * MAX_FIELDS, csrf="valid")
    @example(form_index=0, choices=[("text", "a\x00b")] * MAX_FIELDS, csrf="valid")
    @example(form_index=1, choices=[("text", "a\x00b")] * MAX_FIELDS, csrf="valid")
    @example(form_index=0, choices=[("text", "²")] * MAX_FIELDS, csrf="valid")
    @example(form_index=1, choices=[("text", "²")] * MAX_FIELDS, csrf="valid")
    @example(form_index=0, choices=[("text", "9" * 40)] * MAX_FIELDS, csrf="valid")
    @example(form_index=1, choices=[("text", "9" * 40)] * MAX_FIELDS, csrf="valid")
    @example(form_index=0, choices=[("text", SCRIPT)] * MAX_FIELDS, csrf="valid")
    @example(form_index=1, choices=[("text", SCRIPT)] * MAX_FIELDS, csrf="valid")
    @example(form_index=0, choices=[("repeated", ["1", "2"])] * MAX_FIELDS, csrf="valid")
    @example(form_index=1, choices=[("repeated", ["1", "2"])] * MAX_FIELDS, csrf="valid")
    @STAFF_FUZZ
    def post(form_index: int, choices: list[tuple[str, object]], csrf: str) -> None:
        # The page is read each time (forms change as things are created), so the drawn choices are
        # abstract: which form, and for each field an option of the page, hostile text, or nothing.
        html = client.get(path).text
        forms = [f for f in forms_on(html) if f.method == "post" and "logout" not in f.action and not f.files]
        if not forms:  # an earlier example closed the case, decided the appeal, ...: nothing left to post
            return
        form = forms[form_index % len(forms)]
        values = _fill(form.fields, choices)
        files = None
        if csrf != "valid":
            values.pop("_csrf_token", None)
            if csrf == "forged":
                values["_csrf_token"] = "forged"
            elif csrf == "file":
                files = {"_csrf_token": ("token.txt", MALFORMED_CSRF_TOKENS[csrf].encode())}
            elif csrf in MALFORMED_CSRF_TOKENS:
                values["_csrf_token"] = MALFORMED_CSRF_TOKENS[csrf]
        response = client.post(form.action, data=values, files=files, follow_redirects=False)
        if csrf != "valid":
            assert response.status_code == 403, (form.action, csrf, response.status_code)
        assert_clean_answer(response, (form.action, values))
        assert not stored_nul(db), (form.action, values)

    assert forms_on(client.get(path).text), f"no form on {path}"
    post()
    assert client.get("/admin/").status_code == 200  # the persona is still signed in and the app well


@given(
    username=hostile_text,
    password=hostile_text,
    next_=st.one_of(
        st.none(), hostile_text, st.sampled_from(["//evil.example", "/\\evil", "https://evil.example"])
    ),
    csrf=st.sampled_from(["valid", "forged", "missing", "malformed"]),
)
@example(username="admin", password=PASSWORD, next_="//evil.example", csrf="valid")
@example(username="admin\x00", password=PASSWORD + "\x00", next_=None, csrf="valid")
@example(username="' OR '1'='1", password="' OR '1'='1", next_=None, csrf="valid")
@STAFF_FUZZ
def test_sign_in_survives_hostile_values(
    client: TestClient, db: Session, world: World, username: str, password: str, next_, csrf: str
) -> None:
    client.cookies.clear()
    data = {"username": username, "password": password}
    if csrf != "missing":
        data["_csrf_token"] = {
            "valid": csrf_token(client),
            "malformed": MALFORMED_CSRF_TOKENS["long non-ASCII"],
        }.get(csrf, "forged")
    if next_ is not None:
        data["next"] = next_
    sessions = db.scalar(select(func.count()).select_from(StaffSession))
    response = client.post("/admin/login", data=data, follow_redirects=False)
    assert_clean_answer(response, data)
    db.expire_all()
    signed = db.scalar(select(func.count()).select_from(StaffSession)) - sessions
    if response.status_code == 303:
        assert (username, password, csrf) == ("admin", PASSWORD, "valid") and signed == 1
        location = response.headers["location"]
        assert (
            location.startswith("/")
            and not location.startswith(("//", "/\\"))
            and not urlsplit(location).netloc
        )
    else:
        assert signed == 0
    assert not stored_nul(db)


GET_PAGES = [
    "/admin/ratings",
    "/admin/ratings/export.csv",
    "/admin/dashboard",
    "/admin/audit/",
    "/admin/complaints/",
    "/admin/roster/",
    "/admin/import/",
    "/publik/",
]
QUERY_NAMES = [
    "unit",
    "counter",
    "officer",
    "period",
    "overall",
    "channel",
    "excluded",
    "comment",
    "page",
    "show",
]
QUERY_NAMES += ["week", "person", "object", "lang", "created", "updated"]


@given(
    path=st.sampled_from(GET_PAGES),
    query=st.dictionaries(
        st.sampled_from(QUERY_NAMES),
        st.one_of(hostile_text, st.integers(-(2**70), 2**70).map(str), raw_bytes.map(lambda b: ("raw", b))),
        max_size=4,
    ),
)
@example(path="/admin/ratings", query={"unit": "9" * 30, "page": "-1"})
@example(path="/admin/roster/", query={"counter": "9" * 30, "week": "2026-W99"})
@example(path="/admin/ratings/export.csv", query={"comment": "yes", "period": "2026-13"})
@STAFF_FUZZ
def test_filters_and_query_strings_survive_hostile_values(
    client: TestClient, stage: Stage, path: str, query: dict[str, object]
) -> None:
    if not client.cookies.get("rp_staff"):
        signed_in(client, "admin")
    parts = []
    for name, value in query.items():
        raw = value[1] if isinstance(value, tuple) else str(value).encode()
        parts.append(f"{name}={quote(raw, safe='')}")
    url = path + ("?" + "&".join(parts) if parts else "")
    response = client.get(url, follow_redirects=False)
    assert_clean_answer(response, url)
    assert response.status_code in (200, 400, 404), (url, response.status_code)


ID_PATHS = [
    ("GET", "/admin/units/{}"),
    ("GET", "/admin/units/{}/edit"),
    ("POST", "/admin/units/{}/edit"),
    ("GET", "/admin/counters/{}"),
    ("POST", "/admin/counters/{}/rotate-token"),
    ("GET", "/admin/employees/{}"),
    ("POST", "/admin/employees/{}/deactivate"),
    ("GET", "/admin/users/{}"),
    ("POST", "/admin/users/{}/deactivate"),
    ("POST", "/admin/roster/shifts/{}/delete"),
    ("POST", "/admin/periods/{}/score"),
    ("GET", "/admin/periods/{}/close"),
    ("POST", "/admin/periods/{}/close"),
    ("GET", "/admin/periods/{}/export.csv"),
    ("GET", "/admin/periods/{}/export.xlsx"),
    ("GET", "/admin/complaints/{}"),
    ("POST", "/admin/complaints/{}"),
    ("GET", "/admin/me/ratings/{}"),
    ("POST", "/admin/appeals/{}"),
]


@given(
    target=st.sampled_from(ID_PATHS),
    segment=st.one_of(st.integers(-(2**70), 2**70).map(str), path_segment),
)
@example(target=("GET", "/admin/complaints/{}"), segment="99999999999999999999")
@example(target=("POST", "/admin/roster/shifts/{}/delete"), segment=str(2**63))
@example(target=("GET", "/admin/units/{}"), segment="-1")
@STAFF_FUZZ
def test_ids_in_paths_survive_anything(client: TestClient, stage: Stage, target, segment: str) -> None:
    if not client.cookies.get("rp_staff"):
        signed_in(client, "admin")
    method, template = target
    data = {"_csrf_token": csrf_token(client, "/admin/")} if method == "POST" else None
    response = client.request(method, template.format(segment), data=data, follow_redirects=False)
    assert_clean_answer(response, (method, template, segment))
    # "/x/.." is "/"; a number may also be the id of something the stage made (a unit's edit page)
    real_page = ".." in segment or (method == "GET" and segment.isascii() and segment.isdigit())
    expected = {303, 400, 403, 404, 405, 422} | ({200} if real_page else set())
    assert response.status_code in expected, (template, segment, response.status_code)


# --- uploads -----------------------------------------------------------------------------------------


def _csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8", "surrogatepass")


def _xlsx_bytes(rows: list[list[str]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append([ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


upload_name = st.one_of(
    st.sampled_from(
        ["units.csv", "units.xlsx", "../../etc/passwd", "..\\..\\x.csv", "a\x00.csv", "x" * 300 + ".csv"]
    ),
    any_text.map(lambda t: t + ".csv"),
)
UPLOAD_ROWS = {
    "/admin/import/": [["code", "name", "parent_code"], ["nip", "name", "unit_code", "active"]],
    "/admin/roster/import": [
        ["counter_id", "nip", "date", "start", "end"],
        ["counter", "unit_code", "nip", "date", "start", "end"],
    ],
}


@st.composite
def upload_content(draw: st.DrawFn, headers: list[list[str]]) -> bytes:
    kind = draw(st.sampled_from(["csv", "xlsx", "bytes", "bom"]))
    if kind == "bytes":
        return draw(raw_bytes)
    header = draw(st.sampled_from(headers))
    rows = draw(st.lists(st.lists(hostile_text, min_size=len(header), max_size=len(header)), max_size=5))
    if kind == "xlsx":
        return _xlsx_bytes([header, *rows])
    content = _csv_bytes([header, *rows])
    return b"\xef\xbb\xbf" + content if kind == "bom" else content


def _counts(db: Session) -> tuple[int, int, int]:
    db.expire_all()
    return tuple(db.scalar(select(func.count()).select_from(m)) for m in (Unit, Employee, DutyShift))


@pytest.mark.parametrize("page", sorted(UPLOAD_ROWS))
def test_uploads_survive_hostile_files_names_and_content_types(
    client: TestClient, db: Session, stage: Stage, page: str
) -> None:
    signed_in(client, "admin")
    preview_action = next(f for f in forms_on(client.get(page).text) if f.files).action

    @given(
        name=upload_name,
        content=upload_content(UPLOAD_ROWS[page]),
        kind=st.sampled_from(["units", "employees", "", SCRIPT]),
        how=st.sampled_from(["multipart", "urlencoded", "json", "raw"]),
        content_type=st.sampled_from(CONTENT_TYPES),
    )
    @STAFF_FUZZ
    def upload(name: str, content: bytes, kind: str, how: str, content_type: str | None) -> None:
        token = csrf_token(client, page)
        before = _counts(db)
        if how == "multipart":
            response = client.post(
                preview_action,
                data={"_csrf_token": token, "kind": kind},
                files={"file": (name, content, content_type or "text/csv")},
            )
        elif how == "urlencoded":
            response = client.post(preview_action, data={"_csrf_token": token, "kind": kind, "file": name})
        elif how == "json":
            response = client.post(preview_action, json={"_csrf_token": token, "file": name})
        else:
            headers = {"Content-Type": content_type} if content_type else {}
            response = client.post(preview_action, content=content, headers=headers)
        assert_clean_answer(response, (how, name, content[:200]))
        assert _counts(db) == before  # a preview never writes
        assert name not in response.text or ("<" not in name and "&" not in name)

    upload()


@pytest.mark.parametrize("page", sorted(UPLOAD_ROWS))
def test_a_tampered_apply_step_writes_nothing_or_exactly_the_checked_file(
    client: TestClient, db: Session, stage: Stage, page: str
) -> None:
    signed_in(client, "admin")

    @given(
        content=st.one_of(
            raw_bytes.map(lambda b: base64.b64encode(b).decode()),
            hostile_text,
            upload_content(UPLOAD_ROWS[page]).map(lambda b: base64.b64encode(b).decode()),
        ),
        filename=upload_name,
        kind=st.sampled_from(["units", "employees", "", SCRIPT]),
    )
    @STAFF_FUZZ
    def apply(content: str, filename: str, kind: str) -> None:
        apply_form = f"{page.rstrip('/')}/apply"
        before = _counts(db)
        data = {
            "_csrf_token": csrf_token(client, page),
            "content": content,
            "filename": filename,
            "kind": kind,
        }
        response = client.post(apply_form, data=data, follow_redirects=False)
        assert_clean_answer(response, data)
        if response.status_code != 303:
            assert _counts(db) == before
        assert not stored_nul(db)

    apply()


# --- what got stored is exactly the text, escaped on every page and neutralised in exports ---------------


def test_markup_typed_into_master_data_is_stored_as_typed_and_shown_escaped(
    client: TestClient, db: Session, world: World
) -> None:
    signed_in(client, "admin")
    name = SCRIPT + " Dinas '; DROP TABLE units; --"
    _post_page_form(client, "/admin/units/new", "/admin/units/new", name=name, code="XSS1")
    assert db.scalar(select(Unit.name).where(Unit.code == "XSS1")) == name
    page = client.get("/admin/units").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Dinas &#39;; DROP TABLE units; --" in page
    assert SCRIPT not in page
    assert db.scalar(select(func.count()).select_from(Unit)) == 5  # four units of the world + the new one


def test_a_citizen_comment_with_markup_is_escaped_for_staff(
    client: TestClient, db: Session, stage: Stage
) -> None:
    signed_in(client, "head_a")
    browser = client.get("/admin/ratings", params={"comment": "yes"}).text
    case = client.get(f"/admin/complaints/{stage.case_id}").text
    for page in (browser, case):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert SCRIPT not in page
    assert (
        db.scalar(select(Rating.comment).where(Rating.comment.like("%HYPERLINK%"))) == SCRIPT + " " + FORMULA
    )


def test_the_ratings_export_neutralises_a_formula_comment(client: TestClient, stage: Stage) -> None:
    signed_in(client, "head_a")
    export = client.get("/admin/ratings/export.csv", params={"comment": "yes"})
    assert export.status_code == 200
    comments = [row["comment"] for row in csv.DictReader(io.StringIO(export.text, newline=""))]
    assert SCRIPT in comments  # text that is no formula stays as it is
    stuffed = client.get("/admin/ratings/export.csv").text
    assert "\n=" not in stuffed and ",=" not in stuffed and ',"=' not in stuffed


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])  # tab and CR never reach a comment (clean_comment)
def test_every_formula_start_in_a_comment_is_neutralised_in_the_ratings_export(
    client: TestClient, db: Session, world: World, clock: FakeClock, start: str
) -> None:
    counter = counter_for(db, world, "a")
    rating(db, counter, world.officer, clock(), comment=start + "cmd|' /C calc'!A0")
    signed_in(client, "head_a")
    (row,) = csv.DictReader(io.StringIO(client.get("/admin/ratings/export.csv").text, newline=""))
    assert row["comment"] == "'" + start + "cmd|' /C calc'!A0"


def test_an_imported_formula_name_is_neutralised_in_the_hr_exports(
    client: TestClient, db: Session, world: World, clock: FakeClock, engine, settings: Settings
) -> None:
    """A name that came in through the HR import form is neutralised in the CSV and XLSX exports."""
    signed_in(client, "hr")
    nip = factories.valid_nip()
    content = _csv_bytes([["nip", "name", "unit_code", "active"], [nip, FORMULA, world.unit_a.code, "yes"]])
    token = csrf_token(client, "/admin/import/")
    preview = client.post(
        "/admin/import/",
        data={"_csrf_token": token, "kind": "employees"},
        files={"file": ("e.csv", content, "text/csv")},
    )
    assert preview.status_code == 200, preview.text
    apply = next(f for f in forms_on(preview.text) if f.action.endswith("/apply"))
    data = {name: options[0] if options else "" for name, options in apply.fields.items()}
    assert client.post(apply.action, data=data, follow_redirects=False).status_code == 303
    imported = db.scalar(select(Employee).where(Employee.nip == nip))
    assert imported.name == FORMULA  # stored as typed
    rating(db, counter_for(db, world, "a"), imported, clock(), overall=4)  # so the export has their row
    _post_page_form(client, "/admin/periods/", "/admin/periods", period="2026-03")
    period_page = client.get("/admin/periods/").text
    for page, action in (("/admin/periods/", "/score"), (None, "/close")):
        if page is None:  # closing starts from its own page, behind the list's "Close period…" link
            page = next(
                p.split('"')[0] for p in period_page.split('href="')[1:] if p.split('"')[0].endswith(action)
            )
        form = next(f for f in forms_on(client.get(page).text) if f.action.endswith(action))
        data = {name: options[0] if options else "" for name, options in form.fields.items()}
        assert client.post(form.action, data=data, follow_redirects=False).status_code == 303
        run_jobs(engine, settings, clock)  # "score" queued a job; the worker process runs it
        period_page = client.get("/admin/periods/").text
    export_link = next(
        part.split('"')[0] for part in period_page.split('href="')[1:] if part.split('"')[0].endswith(".csv")
    )
    rows = list(csv.DictReader(io.StringIO(client.get(export_link).content.decode("utf-8-sig"))))
    assert "'" + FORMULA in [row["name"] for row in rows]
    sheet = load_workbook(io.BytesIO(client.get(export_link.replace(".csv", ".xlsx")).content)).active
    names = [cell.value for cell in sheet["B"]]
    assert "'" + FORMULA in names and FORMULA not in names
