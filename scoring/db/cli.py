"""`rating-portal score` and `rating-portal export-ratings`: the scoring core on the database."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from portal.kernel.clock import utc_now
from portal.kernel.db import make_engine, make_sessionmaker
from portal.kernel.settings import Settings
from scoring.db.freeze import ResultsFrozen
from scoring.params import ScoringParams
from scoring.periods import PeriodError, parse_period


def scoring_params(settings: Settings) -> ScoringParams:
    return ScoringParams(
        prior_weight=settings.officer_prior_weight,
        min_ratings=settings.officer_min_ratings,
        above_expectation_min=settings.skp_above_threshold,
        meets_expectation_min=settings.skp_below_threshold,
    )


def register(commands: argparse._SubParsersAction, _create_app: Callable) -> None:
    score = commands.add_parser("score", help="score a period: flag outliers, store unit and officer results")
    score.add_argument("--period", required=True, help="2026-03, 2026-Q1, 2026-S1, 2026 or a range A..B")
    score.set_defaults(handler=_score)
    export = commands.add_parser(
        "export-ratings", help="write a period's ratings as the scoring CSV contract"
    )
    export.add_argument("--period", required=True)
    export.add_argument("--out", required=True, help="file to write, or - for standard output")
    export.set_defaults(handler=_export)


def _period(text: str):
    try:
        return parse_period(text)
    except PeriodError as error:
        print(f"rating-portal: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def _score(args: argparse.Namespace, settings: Settings) -> int:
    from scoring.db.store import score_period  # numpy and scikit-learn load only for this command

    period = _period(args.period)
    engine = make_engine(settings.database_url)
    began = time.perf_counter()
    with make_sessionmaker(engine)() as session:
        try:
            summary = score_period(
                session, period, scoring_params(settings), settings.period_timezone, utc_now
            )
        except ResultsFrozen as frozen:
            summary, refusal = None, frozen
    engine.dispose()
    if summary is None:
        print(f"rating-portal: {refusal}", file=sys.stderr)
        return 2
    reasons = ", ".join(f"{code} {n}" for code, n in sorted(summary.excluded_by_reason.items())) or "none"
    print(
        f"period {period.label} ({summary.period_key}): {summary.n_ratings} ratings, "
        f"{summary.n_excluded} excluded ({reasons}); {summary.n_units} units, {summary.n_officers} officers; "
        f"detector {summary.detector_version}; input {summary.input_hash[:12]}; "
        f"{', '.join(f'{phase} {t:.1f} s' for phase, t in summary.seconds.items())}; "
        f"{time.perf_counter() - began:.1f} s"
    )
    return 0


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from scoring.db.store import export_ratings

    period = _period(args.period)
    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine)() as session:
        if args.out == "-":
            count = export_ratings(session, period, settings.period_timezone, sys.stdout)
        else:
            count = export_ratings(session, period, settings.period_timezone, args.out)
    engine.dispose()
    print(f"wrote {count} ratings of {period.label}", file=sys.stderr)
    return 0
