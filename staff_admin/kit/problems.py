"""What is wrong with a form or an uploaded file, in words people can act on.

Messages are English msgids (marked with N_) translated when the page renders, with `params`
filled in: `{{ _(p.message, **p.params) }}`. Imports add the row number and column."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from portal.citizen.forms import N_

# portal.kernel.nip raises these English messages; listed here so they reach the catalogs.
NIP_MESSAGES = (
    N_("A NIP has exactly 18 digits."),
    N_("The first 8 digits of a NIP must be a valid birth date (YYYYMMDD)."),
    N_("Digits 9-14 of a NIP must be a valid appointment month (YYYYMM)."),
    N_("The appointment date in a NIP must be at least 18 years after the birth date."),
    N_("Digit 15 of a NIP must be 1 (male) or 2 (female)."),
    N_("The last 3 digits of a NIP are a sequence number starting at 001."),
)


@dataclass(frozen=True)
class Problem:
    column: str  # the form field or file column it is about ("" for the whole form or file)
    message: str
    params: dict[str, Any] = field(default_factory=dict)
    row: int | None = None  # 1-based spreadsheet row (the header is row 1)


class Invalid(Exception):
    """The request cannot be honoured as it stands; nothing was written."""

    def __init__(self, *problems: Problem, values: dict[str, str] | None = None) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)
        self.values = values or {}

    @property
    def by_field(self) -> dict[str, Problem]:
        return {p.column: p for p in reversed(self.problems)}


def invalid(column: str, message: str, **params: Any) -> Invalid:
    return Invalid(Problem(column, message, params))
