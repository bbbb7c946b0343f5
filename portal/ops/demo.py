"""Demo data: a small city with nested units, 15 counters, 45 officers, rosters and six months of
ratings, with a few obvious attacks mixed in for the scoring module to find. Idempotent.

Every date is relative to the day it is loaded: the ratings run up to yesterday, and the roster from
six months back to eight weeks ahead, so the rating form names the officer on duty for weeks after a
`make run`. (The staff side of the demo, scored periods, complaint cases and an appeal, comes from
`rating-portal demo-casework`: staff_admin.demo.)"""

from __future__ import annotations

import random
import secrets
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from portal.citizen.rating_row import rating_row
from portal.kernel.hours import STANDARD_OFFICE_HOURS, OpeningHours
from portal.kernel.models import SKM_ELEMENTS, Counter, DutyShift, Employee, Rating, Unit
from portal.kernel.profile import PROFILE_QUESTIONS
from portal.kernel.security import keyed_hash
from portal.kernel.settings import Settings

ROOT_CODE = "KOTA"
TIMEZONE = "Asia/Jakarta"
DAYS = 182  # of ratings, up to yesterday
ROSTER_DAYS_AHEAD = 56  # the roster also covers today and the next eight weeks

SATURDAY_MORNINGS: OpeningHours = {**STANDARD_OFFICE_HOURS, "5": [["08:00", "12:00"]]}
# (code, name, parent code, counters)
UNITS = [
    (ROOT_CODE, "Pemerintah Kota Contoh", None, []),
    (
        "DUKCAPIL",
        "Dinas Kependudukan dan Pencatatan Sipil",
        ROOT_CODE,
        [
            "Loket 1 · KTP-el",
            "Loket 2 · Kartu Keluarga",
            "Loket 3 · Akta Kelahiran",
            "Loket 4 · Pindah Datang",
        ],
    ),
    (
        "DPMPTSP",
        "Dinas Penanaman Modal dan PTSP",
        ROOT_CODE,
        ["Loket Perizinan 1", "Loket Perizinan 2", "Loket Informasi"],
    ),
    ("BAPENDA", "Badan Pendapatan Daerah", ROOT_CODE, ["Loket PBB", "Loket BPHTB"]),
    ("DINKES", "Dinas Kesehatan", ROOT_CODE, []),
    ("PKM-SENTOSA", "Puskesmas Sentosa", "DINKES", ["Pendaftaran", "Apotek", "Kasir"]),
    ("KEC-UTARA", "Kecamatan Utara", ROOT_CODE, ["Loket Pelayanan Umum", "Loket Administrasi Kependudukan"]),
    ("KEC-SELATAN", "Kecamatan Selatan", ROOT_CODE, ["Loket Pelayanan Terpadu"]),
]
FIRST = [
    "Agus",
    "Budi",
    "Citra",
    "Dewi",
    "Eko",
    "Fitri",
    "Gilang",
    "Hendra",
    "Indah",
    "Joko",
    "Kartika",
    "Lestari",
    "Made",
    "Nur",
    "Okta",
    "Putri",
    "Rahmat",
    "Sari",
    "Teguh",
    "Umi",
    "Wahyu",
    "Yuni",
    "Zainal",
    "Ayu",
]
LAST = [
    "Santoso",
    "Wijaya",
    "Lestari",
    "Saputra",
    "Hidayat",
    "Pratama",
    "Kusuma",
    "Nugroho",
    "Siregar",
    "Nasution",
    "Wulandari",
    "Rahayu",
    "Setiawan",
    "Purnomo",
    "Simanjuntak",
    "Harahap",
]
COMMENTS = [
    "Pelayanan cepat dan ramah, terima kasih.",
    "Antrean terlalu panjang, mohon ditambah petugas.",
    "Petugas sangat membantu menjelaskan persyaratan.",
    "Ruang tunggu panas, AC tidak menyala.",
    "Prosesnya jelas, saya puas.",
    "Informasi persyaratan di website berbeda dengan di loket.",
    "Mohon disediakan tempat parkir yang lebih luas.",
    "Petugas kurang ramah dan sering main HP.",
]


def _nip(rng: random.Random, sequence: int) -> str:
    birth = date(rng.randint(1966, 1998), rng.randint(1, 12), rng.randint(1, 28))
    appointed = (birth.year + rng.randint(22, 27), rng.randint(1, 12))
    return f"{birth:%Y%m%d}{appointed[0]:04d}{appointed[1]:02d}{rng.choice('12')}{sequence:03d}"


def _local_moment(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, ZoneInfo(TIMEZONE)).astimezone(UTC)


def build_city(
    session: Session, rng: random.Random
) -> tuple[dict[str, Unit], list[Counter], dict[int, list[Employee]]]:
    """The units, counters and three officers per counter (keyed by id(counter)), flushed."""
    units: dict[str, Unit] = {}
    counters: list[Counter] = []
    for code, name, parent, counter_names in UNITS:
        unit = Unit(code=code, name=name, parent=units.get(parent) if parent else None)
        units[code] = unit
        session.add(unit)
        hours = SATURDAY_MORNINGS if code.startswith("PKM") else STANDARD_OFFICE_HOURS
        for counter_name in counter_names:
            counter = Counter(unit=unit, name=counter_name, timezone=TIMEZONE, opening_hours=hours)
            counters.append(counter)
            session.add(counter)
    staff: dict[int, list[Employee]] = {}
    sequence = 1
    for counter in counters:
        staff[id(counter)] = []
        for _ in range(3):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            employee = Employee(nip=_nip(rng, sequence), name=name, unit=counter.unit)
            sequence += 1
            staff[id(counter)].append(employee)
            session.add(employee)
    session.flush()
    return units, counters, staff


def load_demo_data(session: Session, settings: Settings, today: date | None = None) -> str:
    if session.scalar(select(Unit.id).where(Unit.code == ROOT_CODE)) is not None:
        return "demo data already loaded"
    rng = random.Random(2026)  # noqa: S311  (fake data, reproducible on purpose)
    # The profile has its own generator, so the rest of the demo stays as it was without it.
    profile_rng = random.Random(14_2017)  # noqa: S311
    today = today or datetime.now(ZoneInfo(TIMEZONE)).date()
    units, counters, staff = build_city(session, rng)

    quality = {e.id: rng.uniform(2.6, 3.7) for team in staff.values() for e in team}
    # A few excellent officers (the first of every fifth counter), so that HR's recognition list has
    # names; set without a random draw, so everything else the seed makes stays as it was.
    for team in list(staff.values())[::5]:
        quality[team[0].id] = 4.5
    networks = [keyed_hash(settings.secret_key, "network", f"carrier-{i}") for i in range(4)]
    wifi = {u.id: keyed_hash(settings.secret_key, "network", f"wifi-{u.code}") for u in units.values()}
    returning = [keyed_hash(settings.secret_key, "device", f"returning-{i}") for i in range(300)]
    shifts: list[dict] = []
    ratings: list[dict] = []

    def add_rating(
        counter: Counter,
        employee: Employee | None,
        moment: datetime,
        overall: int,
        answers: dict[str, int] | None = None,
        comment: str | None = None,
        **columns: object,
    ) -> None:
        """A citizen's rating through the poster; `columns` (an attack's device, network, time on
        the form) replace an ordinary citizen's."""
        row = rating_row(
            key=secrets.token_urlsafe(18),
            counter=counter,
            unit_id=counter.unit_id,
            employee_id=employee.id if employee else None,
            attribution="roster",
            channel="poster",
            at=moment,
            overall=overall,
            answers=answers or {},
            comment=comment,
            profile=_profile(profile_rng) if answers else {},
            form_seconds=round(rng.lognormvariate(3.0, 0.5), 1),
            device=rng.choice(returning)
            if rng.random() < 0.08
            else keyed_hash(settings.secret_key, "device", secrets.token_hex(8)),
            network=rng.choice(networks) if rng.random() < 0.8 else wifi[counter.unit_id],
            language="id",
        )
        ratings.append({**row, **columns})

    for offset in range(DAYS, -ROSTER_DAYS_AHEAD - 1, -1):
        day = today - timedelta(days=offset)
        for counter in counters:
            intervals = counter.opening_hours.get(str(day.weekday()), [])
            if not intervals:
                continue
            team = staff[id(counter)]
            morning, afternoon = rng.sample(team, 2)
            opens = _local_moment(day, time(8))
            noon = _local_moment(day, time(11, 30))
            closes = _local_moment(day, time(16))
            shifts.append(
                {"employee_id": morning.id, "counter_id": counter.id, "starts_at": opens, "ends_at": noon}
            )
            shifts.append(
                {"employee_id": afternoon.id, "counter_id": counter.id, "starts_at": noon, "ends_at": closes}
            )
            if offset <= 0:  # today and the weeks ahead: on the roster, not rated yet
                continue
            for _ in range(rng.randint(2, 10)):
                minute = int(min(max(rng.gauss(150, 90), 0), 419))  # busiest mid-morning
                moment = opens + timedelta(minutes=minute, seconds=rng.randint(0, 59))
                officer = morning if moment < noon else afternoon
                overall = min(4, max(1, round(rng.gauss(quality[officer.id], 0.7))))
                answers = {}
                if rng.random() < 0.4:
                    answers = {u: min(4, max(1, round(rng.gauss(overall, 0.6)))) for u in SKM_ELEMENTS}
                comment = rng.choice(COMMENTS) if rng.random() < 0.1 else None
                add_rating(counter, officer, moment, overall, answers, comment)

    _mix_in_attacks(rng, counters, staff, today, add_rating, settings)
    # Core inserts: one batched statement per table (the ORM would split batches on NULL columns).
    session.execute(insert(DutyShift.__table__), shifts)
    session.execute(insert(Rating.__table__), ratings)
    session.commit()
    return (
        f"demo data loaded: {len(units)} units, {len(counters)} counters, "
        f"{sum(len(t) for t in staff.values())} employees, {len(shifts)} shifts, {len(ratings)} ratings"
    )


def _mix_in_attacks(rng, counters, staff, today, add_rating, settings, shift: int = 0, tag: str = "") -> None:
    """A burst, a sabotage cluster, a night bot, slow stuffing and device rotation; the scaled demo
    repeats them `shift` days earlier with devices of their own (`tag`)."""

    def device(label: str) -> str:
        return keyed_hash(settings.secret_key, "device", label + tag)

    def weekday_before(days: int) -> date:
        day = today - timedelta(days=days + shift)
        while day.weekday() > 4:
            day -= timedelta(days=1)
        return day

    burst_counter, sabotage_counter, stuffing_counter, rotation_counter, bot_counter = counters[0:5]
    start = _local_moment(weekday_before(40), time(9, 10))
    for i in range(20):  # one phone, twenty top ratings in ten minutes
        add_rating(
            burst_counter,
            staff[id(burst_counter)][0],
            start + timedelta(seconds=30 * i),
            4,
            device_hash=device("burst"),
            form_seconds=2.5,
        )
    start = _local_moment(weekday_before(30), time(13, 0))
    for i in range(15):  # three phones, bottom ratings against one officer
        add_rating(
            sabotage_counter,
            staff[id(sabotage_counter)][1],
            start + timedelta(minutes=7 * i),
            1,
            answers={"u6": 1, "u7": 1},
            device_hash=device(f"sabotage-{i % 3}"),
        )
    for i in range(35):  # the same phone, every weekday for seven weeks
        day = weekday_before(60 - i)
        add_rating(
            stuffing_counter,
            staff[id(stuffing_counter)][2],
            _local_moment(day, time(10, 5)),
            4,
            device_hash=device("stuffer"),
        )
    start = _local_moment(weekday_before(20), time(10, 0))
    home = keyed_hash(settings.secret_key, "network", "home-network" + tag)
    for i in range(25):  # new "phones" one after another from a home network
        add_rating(
            rotation_counter,
            staff[id(rotation_counter)][0],
            start + timedelta(seconds=70 * i),
            4,
            device_hash=device(f"rotation-{i}"),
            network_hash=home,
        )
    start = _local_moment(weekday_before(10), time(2, 0))
    for i in range(30):  # a script at night, submitting in under a second
        add_rating(
            bot_counter,
            None,
            start + timedelta(seconds=40 * i),
            rng.choice([1, 4]),
            device_hash=device(f"bot-{i}"),
            form_seconds=0.6,
        )


def _profile(rng: random.Random) -> dict[str, str | None]:
    """Half of those who answer the nine questions also fill in the profile, each question skipped
    now and then."""
    if rng.random() < 0.5:
        return {}
    return {
        question.field: rng.choice(question.choices)[0] if rng.random() < 0.9 else None
        for question in PROFILE_QUESTIONS
    }
