"""The SKM report per service element (pure): for each of the nine elements U1-U9 its NRR (mean answer,
1-4), weighted NRR (NRR x 1/9) and converted value (NRR x 25), the weakest first, with the IKM and
grade they add up to (Permen PANRB 14/2017; formulas in scoring.skm). This is what tells a unit what
to fix: the elements at the top of the list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from portal.kernel.questionnaire import SKM_QUESTIONS
from scoring.skm import ELEMENT_CODES, ELEMENT_WEIGHT, SCALE_FACTOR, grade, ikm_exact, round_half_up
from staff_admin.dashboard.labels import MUTU_NAMES

ELEMENT_TITLES = {question.element: question.title for question in SKM_QUESTIONS}  # msgids
NRR_DIGITS, WEIGHTED_DIGITS, CONVERTED_DIGITS = 2, 3, 2


@dataclass(frozen=True)
class ElementRow:
    element: str  # "u1".."u9"
    title: str  # msgid; the Indonesian catalog has the regulation's name ("Persyaratan")
    nrr: Decimal | None  # None: nobody answered this element
    weighted: Decimal | None
    converted: Decimal | None

    @property
    def code(self) -> str:
        return self.element.upper()


@dataclass(frozen=True)
class ElementReport:
    scope: str  # the unit's or the counter's name
    counter_id: int | None  # None: the whole unit
    rows: list[ElementRow]  # weakest first; unanswered elements last
    weighted_total: Decimal | None  # sum of the exact weighted NRRs, None when an element is unanswered
    ikm: Decimal | None  # weighted total x 25, rounded once (what the unit results store)
    mutu: str
    mutu_name: str  # msgid
    n_used: int


def exact_nrr(value: float | Fraction | None) -> Fraction | None:
    """A stored NRR (a float) read back as the decimal it prints as, so 3.345 rounds to 3.35."""
    if value is None or isinstance(value, Fraction):
        return value
    return Fraction(repr(float(value)))


def element_report(
    scope: str, counter_id: int | None, nrrs: Sequence[float | Fraction | None], n_used: int
) -> ElementReport:
    """The report from the nine NRRs in U1-U9 order (stored floats or exact fractions)."""
    exact = [exact_nrr(value) for value in nrrs]
    if len(exact) != len(ELEMENT_CODES):
        raise ValueError(f"expected {len(ELEMENT_CODES)} NRR values, got {len(exact)}")
    rows = [
        ElementRow(
            element=code,
            title=ELEMENT_TITLES[code],
            nrr=None if value is None else round_half_up(value, NRR_DIGITS),
            weighted=None if value is None else round_half_up(value * ELEMENT_WEIGHT, WEIGHTED_DIGITS),
            converted=None if value is None else round_half_up(value * SCALE_FACTOR, CONVERTED_DIGITS),
        )
        for code, value in zip(ELEMENT_CODES, exact, strict=True)
    ]
    order = {code: index for index, code in enumerate(ELEMENT_CODES)}
    by_value = {code: value for code, value in zip(ELEMENT_CODES, exact, strict=True)}
    rows.sort(key=lambda row: (by_value[row.element] is None, by_value[row.element] or 0, order[row.element]))
    ikm = ikm_exact(exact)
    published = None if ikm is None else round_half_up(ikm, 2)
    mutu = "" if published is None else grade(published).letter
    return ElementReport(
        scope=scope,
        counter_id=counter_id,
        rows=rows,
        weighted_total=None if ikm is None else round_half_up(ikm / SCALE_FACTOR, 4),
        ikm=published,
        mutu=mutu,
        mutu_name=MUTU_NAMES.get(mutu, ""),
        n_used=n_used,
    )
