"""The note a decision about a person needs (a review decision, an appeal and its outcome, a
complaint's response or dismissal), and the refusal shown when a decision form cannot be applied."""

from __future__ import annotations

from portal.citizen.forms import N_, clean_comment

MAX_NOTE_CHARS = 2000


class DecisionRefused(ValueError):
    """The form cannot be applied as sent; `message` is a msgid shown on the page (422)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def required_note(raw: str | None, message: str = N_("Please write a note explaining the decision.")) -> str:
    """The note cleaned like a citizen's comment; refused with `message` when empty, or when longer
    than MAX_NOTE_CHARS."""
    note = clean_comment(raw or "")
    if not note:
        raise DecisionRefused(message)
    if len(note) > MAX_NOTE_CHARS:
        raise DecisionRefused(N_("Please keep the note to 2000 characters or fewer."))
    return note
