"""The SKM questionnaire (Permen PANRB 14/2017 sample order U1..U9) and the overall face rating.

Strings are English msgids; the Indonesian catalog carries the regulation's official wording.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.citizen.forms import N_


@dataclass(frozen=True)
class Question:
    element: str  # "u1".."u9"
    title: str
    text: str
    choices: tuple[str, str, str, str]  # answers scored 1..4


@dataclass(frozen=True)
class Face:
    value: int
    label: str
    symbol: str  # which face _macros.html draws


OVERALL_CHOICES = (
    Face(1, N_("Very dissatisfied"), "very-sad"),
    Face(2, N_("Dissatisfied"), "sad"),
    Face(3, N_("Satisfied"), "happy"),
    Face(4, N_("Very satisfied"), "very-happy"),
)

_SUITABLE = (N_("Not suitable"), N_("Less suitable"), N_("Suitable"), N_("Very suitable"))

SKM_QUESTIONS = (
    Question(
        "u1",
        N_("Requirements"),
        N_("How well do the service requirements match the type of service?"),
        _SUITABLE,
    ),
    Question(
        "u2",
        N_("Systems, mechanisms and procedures"),
        N_("How easy is the service procedure at this unit?"),
        (N_("Not easy"), N_("Less easy"), N_("Easy"), N_("Very easy")),
    ),
    Question(
        "u3",
        N_("Completion time"),
        N_("How fast was the service?"),
        (N_("Not fast"), N_("Less fast"), N_("Fast"), N_("Very fast")),
    ),
    Question(
        "u4",
        N_("Cost/tariff"),
        N_("How reasonable is the fee or tariff for the service?"),
        (N_("Very expensive"), N_("Fairly expensive"), N_("Cheap"), N_("Free")),
    ),
    Question(
        "u5",
        N_("Product specification of the service type"),
        N_("How well does the service product match what the service standard promises?"),
        _SUITABLE,
    ),
    Question(
        "u6",
        N_("Competence of the staff"),
        N_("How competent were the staff who served you?"),
        (N_("Not competent"), N_("Less competent"), N_("Competent"), N_("Very competent")),
    ),
    Question(
        "u7",
        N_("Behaviour of the staff"),
        N_("How polite and friendly were the staff who served you?"),
        (
            N_("Not polite and friendly"),
            N_("Less polite and friendly"),
            N_("Polite and friendly"),
            N_("Very polite and friendly"),
        ),
    ),
    Question(
        "u8",
        N_("Facilities and infrastructure"),
        N_("How good are the facilities and infrastructure?"),
        (N_("Poor"), N_("Fair"), N_("Good"), N_("Very good")),
    ),
    Question(
        "u9",
        N_("Handling of complaints, suggestions and feedback"),
        N_("How are complaints from service users handled?"),
        (
            N_("Not available"),
            N_("Available but not working"),
            N_("Working, but not at its best"),
            N_("Well managed"),
        ),
    ),
)
