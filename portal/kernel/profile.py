"""The respondent profile of the official SKM questionnaire (Permen PANRB 14/2017, its sample form):
gender, age, education and occupation. Every question is optional; the answers are stored on the
rating as short codes and reported only in aggregate, never a group smaller than five
(staff_admin/reports/profile.py). Labels are English msgids; the Indonesian catalog has the form's
own words (Laki-laki, SD ke bawah, PNS ...)."""

from __future__ import annotations

from dataclasses import dataclass


def N_(message: str) -> str:
    return message


@dataclass(frozen=True)
class ProfileQuestion:
    field: str  # the form field and the ratings column
    label: str  # msgid
    choices: tuple[tuple[str, str], ...]  # (stored code, msgid)


PROFILE_QUESTIONS = (
    ProfileQuestion("gender", N_("Gender"), (("l", N_("Male")), ("p", N_("Female")))),
    ProfileQuestion(
        "age_band",
        N_("Age"),
        (
            ("u20", N_("Under 20")),
            ("20-29", N_("20 to 29")),
            ("30-39", N_("30 to 39")),
            ("40-49", N_("40 to 49")),
            ("50-59", N_("50 to 59")),
            ("60+", N_("60 or over")),
        ),
    ),
    ProfileQuestion(
        "education",
        N_("Education"),
        (
            ("sd", N_("Primary school or less")),
            ("smp", N_("Junior high school")),
            ("sma", N_("Senior high school")),
            ("d3", N_("Diploma (D1 to D3)")),
            ("s1", N_("Bachelor's degree or D4")),
            ("s2", N_("Master's degree or higher")),
        ),
    ),
    ProfileQuestion(
        "occupation",
        N_("Occupation"),
        (
            ("pns", N_("Civil servant")),
            ("tni", N_("Armed forces (TNI)")),
            ("polri", N_("Police (POLRI)")),
            ("swasta", N_("Private employee")),
            ("wirausaha", N_("Self-employed")),
            ("lainnya", N_("Other")),
        ),
    ),
)
PROFILE_FIELDS: tuple[str, ...] = tuple(question.field for question in PROFILE_QUESTIONS)
PROFILE_CODES: dict[str, frozenset[str]] = {
    question.field: frozenset(code for code, _ in question.choices) for question in PROFILE_QUESTIONS
}
