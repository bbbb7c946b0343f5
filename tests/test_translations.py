"""Every user-facing string comes from the message catalogs (pure tests, no database):

- no template shows a literal outside `_()`/`{% trans %}`: visible text, user-facing attributes and
  string constants printed by `{{ ... }}`;
- the catalogs hold every message the code and templates mark, translated in Indonesian and English,
  nothing fuzzy, with the same placeholders as the msgid;
- messages made in Python reach the catalogs: problems, validation errors, NIP errors, error pages,
  and the scoring reason codes carry their own Indonesian and English text;
- numbers and dates are printed in the page's language (id 88,31 / en 88.31).
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from jinja2 import nodes

from app import TEMPLATES_DIR, template_environment
from portal.citizen.forms import FormErrors, parse_rating_form
from portal.kernel.i18n import format_date, format_datetime, format_decimal, format_number, gettext
from portal.kernel.nip import NipError, parse_nip
from portal.kernel.questionnaire import SKM_QUESTIONS
from portal.kernel.settings import LANGUAGES, REPO_ROOT
from portal.ops.catalogs import extract, po_path
from scoring.reasons import REASON_ORDER, REASONS
from staff_admin.dashboard.labels import CATEGORY_NAMES, MUTU_NAMES

# Words that are the same in Indonesian and English and are not to be translated. Keep this short:
# anything a reader would say differently in the other language belongs in the catalogs.
ALLOWED_WORDS = frozenset(
    {
        "IKM",  # Indeks Kepuasan Masyarakat: the regulation's name for the index, used in both languages
        "SKM",  # Survei Kepuasan Masyarakat, the survey's official name
        "IKI",  # Indikator Kinerja Individu: the SKP's term (PermenPANRB 6/2022), used in both languages
        "NIP",  # Nomor Induk Pegawai, the civil servant number printed on every ASN document
        "QR",  # QR code
        "CSV",  # file formats, as named on download links
        "XLSX",
        "PNG",
        "SVG",
    }
)
# Attributes that people read or hear (screen readers); `value` only on buttons drawn by <input>.
TEXT_ATTRIBUTES = frozenset(
    {"title", "alt", "aria-label", "aria-description", "aria-placeholder", "aria-roledescription",
     "aria-valuetext", "placeholder", "label"}
)  # fmt: skip
SHOWN_VALUE_TYPES = frozenset({"submit", "button", "reset"})
GETTEXT_CALLS = frozenset({"_", "gettext", "ngettext", "pgettext", "npgettext", "gettext_in"})
MARK = "\ue000"  # stands for a {{ ... }} output while the HTML around it is checked
PRINTF = re.compile(r"%(?:\(\w+\))?[#0 +-]*\d*(?:\.\d+)?[sdifrxXeEgGc%]")
WORD = re.compile(r"[^\W\d_]+")
# name="value" written as text, after a space or an output (MARK): attributes a macro adds to a tag
ATTRIBUTE_TEXT = re.compile(r"(?<![^\s\ue000])([a-z][\w:-]*)=(\"[^\"]*\"|'[^']*')")


def _words(text: str) -> list[str]:
    """The words of `text` that would need translating."""
    return [w for w in WORD.findall(PRINTF.sub(" ", text.replace(MARK, " "))) if w not in ALLOWED_WORDS]


def _templates() -> list[Path]:
    return sorted(TEMPLATES_DIR.rglob("*.html"))


def _skeleton(source: str) -> str:
    """The template's HTML with each {{ output }} replaced by MARK, tags {% %} and comments left out,
    and the text inside {% trans %} ... {% endtrans %} (translated) replaced by MARK."""
    environment = template_environment()
    parts: list[str] = []
    in_trans = False
    tokens = list(environment.lex(source))
    for index, (_line, kind, value) in enumerate(tokens):
        if kind == "block_begin":
            name = next((v for _, k, v in tokens[index + 1 :] if k != "whitespace"), "")
            if name == "trans":
                in_trans = True
                parts.append(MARK)
            elif name == "endtrans":
                in_trans = False
        elif kind == "variable_begin":
            parts.append(MARK)
        elif kind == "data" and not in_trans:
            parts.append(value)
    return "".join(parts)


class _LiteralFinder(HTMLParser):
    """Collects visible text and read-aloud attribute values that contain words."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0  # inside <script> or <style>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            shown = name in TEXT_ATTRIBUTES or (
                name == "value" and tag == "input" and (values.get("type") or "").lower() in SHOWN_VALUE_TYPES
            )
            if shown and value and _words(value):
                self.found.append(f'<{tag} {name}="{value}">')
        if tag in {"script", "style"}:
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"} and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        # A macro that writes attributes for the tag it is called in: check those like attributes.
        for name, value in ATTRIBUTE_TEXT.findall(data):
            if name in TEXT_ATTRIBUTES and _words(value[1:-1]):
                self.found.append(f"{name}={value}")
        text = ATTRIBUTE_TEXT.sub(" ", data)
        if _words(text):
            self.found.append(" ".join(text.replace(MARK, "{{…}}").split()))


def _printed_constants(node: nodes.Node) -> list[str]:
    """String constants that an output expression prints as they are (not through a gettext call)."""
    if isinstance(node, nodes.Const):
        return [node.value] if isinstance(node.value, str) else []
    if isinstance(node, nodes.Call):
        return []  # gettext calls are translated; other calls (macros, url_for) print what they return
    if isinstance(node, nodes.CondExpr):
        return _printed_constants(node.expr1) + (_printed_constants(node.expr2) if node.expr2 else [])
    if isinstance(node, nodes.BinExpr):  # `a or "text"`, `"text" ~ a`, `"%s" % a`, ...
        return _printed_constants(node.left) + _printed_constants(node.right)
    if isinstance(node, nodes.Concat):
        return [text for child in node.nodes for text in _printed_constants(child)]
    if isinstance(node, nodes.Filter):
        found = _printed_constants(node.node) if node.node is not None else []
        if node.name in {"default", "d"}:
            found += [text for arg in node.args for text in _printed_constants(arg)]
        return found
    if isinstance(node, nodes.MarkSafe | nodes.MarkSafeIfAutoescape):
        return _printed_constants(node.expr)
    return []


def _expression_literals(source: str, name: str) -> list[str]:
    tree = template_environment().parse(source, name)
    found = []
    for output in tree.find_all(nodes.Output):
        for child in output.nodes:
            if not isinstance(child, nodes.TemplateData):
                found += [text for text in _printed_constants(child) if _words(text)]
    return found


def untranslated_literals(source: str, name: str = "template") -> list[str]:
    finder = _LiteralFinder()
    finder.feed(_skeleton(source))
    finder.close()
    return finder.found + [f"{{{{ {text!r} }}}}" for text in _expression_literals(source, name)]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>{{ _('Hello') }}</p>", []),
        ("<p>{% trans %}Hello {{ name }}{% endtrans %}</p>", []),
        ("<p>Hello {{ name }}</p>", ["Hello {{…}}"]),
        ('<img alt="A face" src="x.png">', ['<img alt="A face">']),
        ('<a title="{{ _(\'Open\') }}" href="/x">{{ _("Open") }}</a>', []),
        ('<input type="submit" value="Send">', ['<input value="Send">']),
        ('<input type="hidden" name="action" value="confirm">', []),
        ('<input placeholder="Search">', ['<input placeholder="Search">']),
        ("<option>Any</option>", ["Any"]),
        ("<label>{{ x }} Name</label>", ["{{…}} Name"]),
        ('{% macro m(e) %} aria-invalid="true" aria-describedby="{{ e }}-error"{% endmacro %}', []),
        ('{% macro m() %} title="Open it"{% endmacro %}', ['title="Open it"']),
        ('<p>She said "x=1" and left</p>', ['She said "x=1" and left']),
        ("<th>NIP</th><td>CSV · XLSX · 95% · 88,31</td>", []),
        ('{{ value or "none" }}', ["{{ 'none' }}"]),
        ('{{ value or "–" }} {{ "%.2f"|format(x) }}', []),
        ("{{ value|default('unknown') }}", ["{{ 'unknown' }}"]),
        ("{{ macro_call('an-id', _('Text')) }}", []),
        ("<script>var a = 'text';</script><style>p{color:red}</style>", []),
        ("{# a comment with words #}<p>{% if x %}{{ a }}{% else %}{{ b }}{% endif %}</p>", []),
    ],
)
def test_the_literal_finder_flags_what_people_read(source: str, expected: list[str]) -> None:
    assert untranslated_literals(source) == expected


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES_DIR)))
def test_no_template_shows_an_untranslated_literal(path: Path) -> None:
    found = untranslated_literals(path.read_text(encoding="utf-8"), str(path))
    assert not found, f"wrap these in _() or {{% trans %}} (or, if not language, see ALLOWED_WORDS): {found}"


# --- the catalogs ---------------------------------------------------------------------------------

PLACEHOLDER = re.compile(
    r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[sdifrxXeEgGc]|%[#0 +-]*\d*(?:\.\d+)?[sdifrxXeEgGc]|%%|%"
)
BRACES = re.compile(r"\{\{|\}\}|\{(\w*)(?:![rsa])?(?::[^{}]*)?\}")


def placeholders(text: str) -> Counter[str]:
    """Printf (%(name)s, %d; a lone % is a mistake) and str.format ({name}) placeholders of a message."""
    found: Counter[str] = Counter()
    for match in PLACEHOLDER.finditer(text):
        token = match.group(0)
        if token != "%%":
            found[f"%({match.group(1)})" if match.group(1) else token] += 1
    for match in BRACES.finditer(text):
        if match.group(0) not in ("{{", "}}"):
            found["{" + match.group(1) + "}"] += 1
    return found


def test_placeholders_are_read_the_way_python_formats_them() -> None:
    assert placeholders("%(num)d of %(total)s, 95%% sure") == Counter({"%(num)": 1, "%(total)": 1})
    assert placeholders("{name} has {count:d}") == Counter({"{name}": 1, "{count}": 1})
    assert placeholders("95% sure") == Counter({"% s": 1})  # Python reads a conversion: `msg % params` breaks
    assert placeholders("at 100%") == Counter({"%": 1})
    assert placeholders("plain") == Counter()


@pytest.fixture(scope="module")
def marked() -> Catalog:
    return extract()


@pytest.fixture(scope="module")
def catalogs() -> dict[str, Catalog]:
    loaded = {}
    for language in LANGUAGES:
        with po_path(language).open("rb") as po_file:
            loaded[language] = read_po(po_file, locale=language)
    return loaded


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string]


def _ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple | list) else [message.id]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_translates_every_marked_message(
    language: str, marked: Catalog, catalogs: dict[str, Catalog]
) -> None:
    catalog = catalogs[language]
    missing, empty, fuzzy, mismatched = [], [], [], []
    for message in marked:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple | list) else message.id
        entry = catalog.get(key, message.context)
        if entry is None or _ids(entry) != _ids(message):
            missing.append(key)
            continue
        if not all(_strings(entry)):
            empty.append(key)
        if entry.fuzzy:
            fuzzy.append(key)
        wanted = placeholders(_ids(entry)[-1])
        for text in _strings(entry):
            got = placeholders(text)
            # A plural form may leave out the count ("one case"); it may not add or misspell one.
            if got - wanted or (len(_strings(entry)) == 1 and got != wanted) or "%" in got:
                mismatched.append((key, text))
    assert not missing, f"{language}: not in the catalog, run `make messages`: {missing}"
    assert not empty, f"{language}: no translation: {empty}"
    assert not fuzzy, f"{language}: fuzzy (review, then remove the flag): {fuzzy}"
    assert not mismatched, f"{language}: placeholders differ from the msgid: {mismatched}"


def test_the_catalogs_are_complete_in_both_languages(catalogs: dict[str, Catalog]) -> None:
    ids = {
        language: {m.id if isinstance(m.id, str) else m.id[0] for m in c if m.id}
        for language, c in catalogs.items()
    }
    assert ids["id"] == ids["en"]
    assert not any(catalog.fuzzy for catalog in catalogs.values())  # a fuzzy header is dropped


# The regulation's own words (Permen PANRB 14/2017 sample questionnaire; SKP ratings of Permen PANRB
# 6/2022): the Indonesian catalog must give exactly these, as citizens and auditors know them.
ASK = "Bagaimana pendapat Saudara tentang "
SUITABLE = ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai")
OFFICIAL_SKM = {
    "u1": (
        "Persyaratan",
        ASK + "kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
        SUITABLE,
    ),
    "u2": (
        "Sistem, mekanisme, dan prosedur",
        "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
        ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
    ),
    "u3": (
        "Waktu penyelesaian",
        ASK + "kecepatan waktu dalam memberikan pelayanan?",
        ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
    ),
    "u4": (
        "Biaya/tarif",
        ASK + "kewajaran biaya/tarif dalam pelayanan?",
        ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
    ),
    "u5": (
        "Produk spesifikasi jenis pelayanan",
        ASK + "kesesuaian produk pelayanan antara yang tercantum dalam standar pelayanan dengan hasil yang "
        "diberikan?",
        SUITABLE,
    ),
    "u6": (
        "Kompetensi pelaksana",
        ASK + "kompetensi/kemampuan petugas dalam pelayanan?",
        ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
    ),
    "u7": (
        "Perilaku pelaksana",
        ASK + "perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?",
        ("Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah", "Sangat sopan dan ramah"),
    ),
    "u8": (
        "Sarana dan prasarana",
        ASK + "kualitas sarana dan prasarana?",
        ("Buruk", "Cukup", "Baik", "Sangat baik"),
    ),
    "u9": (
        "Penanganan pengaduan, saran dan masukan",
        ASK + "penanganan pengaduan pengguna layanan?",
        ("Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal", "Dikelola dengan baik"),
    ),
}


def test_the_indonesian_catalog_uses_the_regulations_wording() -> None:
    assert [q.element for q in SKM_QUESTIONS] == list(OFFICIAL_SKM)
    for question in SKM_QUESTIONS:
        title, text, answers = OFFICIAL_SKM[question.element]
        assert gettext("id", question.title) == title
        assert gettext("id", question.text) == text
        assert tuple(gettext("id", answer) for answer in question.choices) == answers
    grades = {code: gettext("id", name) for code, name in MUTU_NAMES.items()}
    assert grades == {"A": "Sangat Baik", "B": "Baik", "C": "Kurang Baik", "D": "Tidak Baik"}
    skp = {code: gettext("id", name) for code, name in CATEGORY_NAMES.items() if code != "insufficient"}
    assert skp == {
        "di_atas_ekspektasi": "Di atas ekspektasi",
        "sesuai_ekspektasi": "Sesuai ekspektasi",
        "di_bawah_ekspektasi": "Di bawah ekspektasi",
    }


# --- messages made in Python ---------------------------------------------------------------------

# Where the portal's code hands a message (an English msgid) to a page: the callable and the position
# (or keyword `message`) of the message. Machine and command-line texts (the API's problem documents,
# settings, the CLI, backups) are English by design and not listed.
MESSAGE_SINKS = {
    "Problem": 1,  # staff_admin.kit.problems.Problem(column, message, params, row)
    "invalid": 1,  # staff_admin.kit.problems.invalid(column, message, **params)
    "_problem": 2,  # staff_admin.periods.hr_import._problem(row, column, message, **params)
    "FilterError": 1,  # staff_admin.dashboard.filters.FilterError(field, message, params)
    "PeriodProblem": 0,  # staff_admin.dashboard.results.PeriodProblem(message, params, status)
    "DecisionRefused": 0,  # staff_admin.kit.notes.DecisionRefused(message)
    "required_note": 1,  # staff_admin.kit.notes.required_note(raw, message)
    "NipError": 0,  # portal.kernel.nip.NipError(message): shown on the employee form and in imports
}
WEB_PACKAGES = ("portal", "staff_admin")
NOT_FOR_PAGES = {"api.py", "cli.py", "settings.py", "backup.py", "demo.py", "accesslog.py", "health.py"}


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _message_nodes(call: ast.Call) -> list[ast.expr]:
    position = MESSAGE_SINKS[_callee(call)]
    chosen = [k.value for k in call.keywords if k.arg == "message"]
    if len(call.args) > position:
        chosen.append(call.args[position])
    return chosen


def _literals(node: ast.expr) -> list[ast.expr]:
    """The string literals a message expression can evaluate to (through N_(), a ternary, `or`)."""
    if isinstance(node, ast.Call) and _callee(node) in {"N_", "_", "gettext"} and node.args:
        return _literals(node.args[0])
    if isinstance(node, ast.IfExp):
        return _literals(node.body) + _literals(node.orelse)
    if isinstance(node, ast.BoolOp):
        return [lit for value in node.values for lit in _literals(value)]
    if isinstance(node, ast.Constant | ast.JoinedStr):
        return [node]
    return []  # a name or attribute: a variable, checked where its literal is written


def python_messages() -> list[tuple[str, ast.expr]]:
    """(where, literal) for every message literal that the web packages hand to a page."""
    found = []
    for package in WEB_PACKAGES:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            if path.name in NOT_FOR_PAGES:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            where = path.relative_to(REPO_ROOT)
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and _callee(node) in MESSAGE_SINKS:
                    found += [
                        (f"{where}:{node.lineno}", lit)
                        for arg in _message_nodes(node)
                        for lit in _literals(arg)
                    ]
                elif isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id == "errors"
                    for t in node.targets
                ):  # portal.citizen.forms: errors[field] = N_("...")
                    found += [(f"{where}:{node.lineno}", lit) for lit in _literals(node.value)]
    return found


def test_python_hands_pages_only_messages_of_the_catalogs(catalogs: dict[str, Catalog]) -> None:
    found = python_messages()
    assert len(found) > 50  # the scan sees the forms, imports, filters and review messages
    built = [where for where, lit in found if isinstance(lit, ast.JoinedStr)]
    assert not built, f"f-strings cannot be translated; use a msgid with %(name)s params: {built}"
    for language, catalog in catalogs.items():
        absent = [
            (w, lit.value) for w, lit in found if isinstance(lit, ast.Constant) and lit.value not in catalog
        ]
        assert not absent, f"{language}: mark these with N_() and run `make messages`: {absent}"


BAD_NIPS = [
    "12345",
    "19851312 201001 1 003",  # month 13
    "19850312 201013 1 003",
    "19850312 199001 1 003",  # appointed at 4
    "19850312 201001 3 003",
    "19850312 201001 1 000",
]


@pytest.mark.parametrize("language", LANGUAGES)
def test_nip_and_form_errors_are_catalog_messages(language: str, catalogs: dict[str, Catalog]) -> None:
    messages = set()
    for raw in BAD_NIPS:
        with pytest.raises(NipError) as error:
            parse_nip(raw)
        messages.add(str(error.value))
    assert len(messages) == len(BAD_NIPS)  # one per rule
    with pytest.raises(FormErrors) as form:
        parse_rating_form({"overall": "9", "u1": "7", "comment": "x" * 1001, "contact_consent": "yes"})
    assert len(form.value.errors) >= 3
    messages |= set(form.value.errors.values())
    catalog = catalogs[language]
    assert all(catalog.get(m) is not None and catalog.get(m).string for m in messages), messages


def test_every_reason_code_explains_itself_in_both_languages() -> None:
    assert set(REASONS) == set(REASON_ORDER)
    for code, texts in REASONS.items():
        assert set(texts) == set(LANGUAGES), code
        assert all(texts[language].strip() for language in LANGUAGES), code
        assert texts["id"] != texts["en"], code
        assert code not in texts["id"] and code not in texts["en"], code  # words, not the code


# --- numbers and dates in the page's language ---------------------------------------------------


def test_numbers_use_the_languages_decimal_sign() -> None:
    assert (format_decimal("id", 88.31), format_decimal("en", 88.31)) == ("88,31", "88.31")
    assert (format_decimal("id", 1234.5), format_decimal("en", 1234.5)) == ("1.234,50", "1,234.50")
    assert (format_decimal("id", 65, 1), format_decimal("en", 65, 1)) == ("65,0", "65.0")
    assert (format_decimal("id", 100, 0), format_decimal("id", None)) == ("100", "")
    assert (format_number("id", 12345), format_number("en", 12345)) == ("12.345", "12,345")
    # rounded as the exports round (Python's round on the float), so a page and a file agree
    assert format_decimal("en", 2.675) == f"{round(2.675, 2):.2f}" == "2.67"


def test_dates_use_the_languages_format() -> None:
    day = date(2026, 3, 1)
    assert (format_date("id", day), format_date("en", day)) == ("1 Mar 2026", "Mar 1, 2026")
    assert (format_date("id", day, "long"), format_date("en", day, "long")) == (
        "1 Maret 2026",
        "March 1, 2026",
    )
    moment = datetime(2026, 3, 2, 14, 5, tzinfo=ZoneInfo("Asia/Makassar"))
    assert format_datetime("id", moment) == "2 Mar 2026 14.05"
    assert format_datetime("en", moment) == "Mar 2, 2026, 2:05\u202fPM"  # CLDR: a narrow no-break space
    assert format_datetime("id", moment, zone=True) == "2 Mar 2026 14.05 WITA"
    assert format_datetime("en", moment, zone=True) == "Mar 2, 2026, 2:05\u202fPM +0800"
    assert format_date("en", None) == format_datetime("en", None) == ""


@pytest.mark.parametrize(
    ("lang", "expected"), [("id", "88,31 · 1.234 · 1 Mar 2026"), ("en", "88.31 · 1,234 · Mar 1, 2026")]
)
def test_the_template_filters_read_the_page_language(lang: str, expected: str) -> None:
    template = template_environment().from_string("{{ x|decimal }} · {{ n|number }} · {{ d|date }}")
    assert template.render(lang=lang, x=88.3125, n=1234, d=date(2026, 3, 1)) == expected
