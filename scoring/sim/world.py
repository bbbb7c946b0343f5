"""The simulated city that honest traffic and attacks are drawn into, and the rows under construction."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DAY = 86_400


@dataclass(slots=True)
class World:
    offset_hours: np.ndarray  # per unit
    officer_unit: np.ndarray
    officer_counter: np.ndarray  # the officer's usual counter
    officer_weight: np.ndarray
    officer_quality: np.ndarray  # expected face rating 1-4 (before counter and channel effects)
    officer_female: np.ndarray  # bool
    officer_birth_year: np.ndarray  # int
    counter_unit: np.ndarray
    counter_kiosk: np.ndarray
    counter_ticket: np.ndarray
    counter_effect: np.ndarray  # added to the expected face rating at this counter (1-4 scale)
    channel_effect: np.ndarray  # per channel code (poster, kiosk, ticket), 1-4 scale
    element_base: np.ndarray  # per unit, 9 elements
    working_days: np.ndarray  # day numbers (Mon-Fri) within the period
    start_day: int


@dataclass(slots=True)
class Rows:
    """Ratings under construction, one array per column."""

    local: list[np.ndarray] = field(default_factory=list)  # local wall-clock epoch seconds
    unit: list[np.ndarray] = field(default_factory=list)
    counter: list[np.ndarray] = field(default_factory=list)
    officer: list[np.ndarray] = field(default_factory=list)  # -1 unattributed
    channel: list[np.ndarray] = field(default_factory=list)
    device: list[np.ndarray] = field(default_factory=list)  # object: str
    network: list[np.ndarray] = field(default_factory=list)
    overall: list[np.ndarray] = field(default_factory=list)
    answers: list[np.ndarray] = field(default_factory=list)
    seconds: list[np.ndarray] = field(default_factory=list)
    kind: list[np.ndarray] = field(default_factory=list)  # attack kind, "" for honest
    incident: list[np.ndarray] = field(default_factory=list)
    look_alike: list[np.ndarray] = field(default_factory=list)  # honest look-alike label, or ""

    def add(self, **columns: np.ndarray | str | int) -> None:
        """Append a batch; scalars are repeated for every row of the batch. look_alike defaults to ""."""
        n = len(columns["local"])  # type: ignore[arg-type]
        columns.setdefault("look_alike", "")
        for name, values in columns.items():
            if np.ndim(values) == 0:
                values = np.full(n, values, dtype=object if isinstance(values, str) else None)
            getattr(self, name).append(np.asarray(values))

    def stacked(self) -> dict[str, np.ndarray]:
        return {name: np.concatenate(getattr(self, name)) for name in self.__dataclass_fields__}
