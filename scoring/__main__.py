"""python -m scoring --ratings FILE --out DIR [--employees FILE]: score exported ratings without the
web app."""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence

from scoring.csvio import read_employees_csv, read_ratings_csv, write_outputs
from scoring.params import ScoringParams
from scoring.pipeline import score_table
from scoring.reasons import DETECTOR_VERSION, EXCLUDING_REASONS, REASON_ORDER, REASONS
from scoring.table import InputError

EXIT_BAD_INPUT = 2
EXIT_CANNOT_WRITE = 1

_COLUMNS_HELP = """\
input ratings.csv (header row; unknown extra columns are ignored):
  rating_id      opaque unique id (required, not empty)
  submitted_at   ISO 8601 date-time WITH UTC offset, e.g. 2025-03-04T09:15:00+07:00 (or Z)
  unit_id        opaque unit id (required)
  counter_id     opaque counter id within the unit (required)
  employee_id    officer on duty; empty = unattributed (counts for the unit only)
  channel        poster | kiosk | ticket
  device_hash    keyed hash of the device; may be empty
  network_hash   keyed hash of the network; may be empty
  overall        face rating 1-4 (4 best), required
  u1 u2 u3 u4 u5 u6 u7 u8 u9
                 SKM elements U1..U9 (docs/scoring.md), 1-4, empty = not answered
                 (quick rating). u6 (competence) and u7 (courtesy) concern the officer.
  form_seconds   seconds from form shown to submit; may be empty
  comment        free text, not scored (optional column)
  outside_hours  OPTIONAL: 1 if outside the counter's opening hours, 0 if inside, empty = unknown.
                 Without it, opening hours are Mon-Sat 07:00-17:00 in the local time of the
                 submitted_at offset.

output DIR/flags.csv: rating_id, excluded, anomaly_score, reasons
  one row per input row, input order. excluded: 1 = left out of every figure (stored, reversible);
  anomaly_score: 0..1, higher = more anomalous, >= 0.5 exactly when an excluding rule fired;
  reasons: ';'-separated reason codes (see below), empty when none.

output DIR/scores.csv: employee_id, unit_id, n_ratings, n_excluded, n_used, mean_overall, ikm, mutu,
                       score, score_low, score_high, sufficient, category, score_adjusted
  one row per (employee_id, unit_id) with ratings; no unit rows (see units.csv).
  mean_overall: mean face rating 1-4 of used ratings. ikm/mutu: SKM index (25-100) and grade A-D of
  the officer's used ratings (empty if some element has no answer). score: public-service component
  25-100 from face, u6, u7 only, shrunk toward the unit mean; score_low/score_high: 95% interval.
  sufficient: 1 if n_used >= the minimum (default 30). category: di_atas_ekspektasi |
  sesuai_ekspektasi | di_bawah_ekspektasi | insufficient (always insufficient when sufficient=0; the
  shrunk score is still shown but must not be used as a valid score). score_adjusted: the score
  after adjusting for the channel and counter mix of the officer's ratings (fixed officer effects,
  ridge-shrunk channel and counter effects; see docs/scoring.md); the category is decided on score
  unless the SKP score is set to adjusted.

output DIR/units.csv: unit_id, n_ratings, n_used, nrr_u1, nrr_u2, nrr_u3, nrr_u4, nrr_u5, nrr_u6,
                      nrr_u7, nrr_u8, nrr_u9, ikm, mutu, sample_target
  one row per unit. n_ratings: all ratings; n_used: not excluded.
  nrr: mean answer per element over used ratings that answered it; ikm = sum(nrr)/9 x 25 rounded
  to 2 decimals (empty if an element has no answer); mutu: A >= 88.31 > B >= 76.61 > C >= 65.00 > D;
  sample_target: Krejcie-Morgan minimum sample for N people served (N = --served value; empty
  without it: the number of ratings is not the population).

optional input --employees FILE (header row; unknown columns ignored): employee_id, nip, unit_id
  nip: the 18-digit NIP (birth date YYYYMMDD, appointment YYYYMM, gender digit 1 male / 2 female,
  sequence). Adds:
output DIR/audit.csv: dimension, group, officers, gap, gap_low, gap_high, flagged
  the bias audit of officers with a sufficient score. dimension gender (groups female, male),
  age_band (<30, 30-39, 40-49, 50+: age on the last day of the ratings) or channel (poster, kiosk,
  ticket: the channel of most of the officer's usable ratings). gap: the group's mean score minus the
  other officers' mean, in points of 25-100, with its 95% interval (gap_low, gap_high; empty when a
  side has fewer than two officers). flagged: 1 when the gap holds after Holm's correction over all
  groups (family-wise 5%) and is at least 2 points, else 0.
"""


def _reasons_help() -> str:
    lines = ["reason codes (stable):"]
    for code in REASON_ORDER:
        effect = "excludes" if code in EXCLUDING_REASONS else "review only, does not exclude"
        lines.append(f"  {code} ({effect})")
        lines.extend(
            textwrap.wrap(REASONS[code]["en"], 96, initial_indent="      ", subsequent_indent="      ")
        )
    return "\n".join(lines)


def _served(values: Sequence[str]) -> dict[str, int]:
    served: dict[str, int] = {}
    for value in values:
        unit, sep, number = value.rpartition("=")
        if not sep or not unit or not number.isdigit():
            raise argparse.ArgumentTypeError(
                f"--served expects unit_id=N with N a whole number, got {value!r}"
            )
        served[unit] = int(number)
    return served


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scoring",
        description=f"Score citizen ratings: flag ballot stuffing, sabotage and bots with reasons, then "
        f"compute unit IKM and officer scores (detector {DETECTOR_VERSION}). Exit status 0 on "
        f"success, 2 on bad input (message names row and column), 1 if outputs cannot be written.",
        epilog=_COLUMNS_HELP + "\n" + _reasons_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--ratings", required=True, metavar="FILE", help="ratings.csv to score")
    parser.add_argument("--out", required=True, metavar="DIR", help="directory for the output CSVs")
    parser.add_argument(
        "--employees",
        metavar="FILE",
        help="employees.csv (employee_id, nip, unit_id): adds audit.csv, the bias audit by gender, age "
        "and channel",
    )
    parser.add_argument(
        "--served",
        action="append",
        default=[],
        metavar="UNIT_ID=N",
        help="people served by a unit in the period, for its sample target; repeat per unit "
        "(without it the unit's sample target is left empty: unknown)",
    )
    defaults = ScoringParams()
    parser.add_argument(
        "--min-ratings", type=int, default=defaults.min_ratings, help="usable ratings for a sufficient score"
    )
    parser.add_argument(
        "--prior-weight",
        type=float,
        default=defaults.prior_weight,
        help="m: ratings' worth of the unit-mean prior",
    )
    return parser


def audit_note(audit: list[dict] | None) -> str:
    if audit is None:
        return ""
    flagged = [f"{row['dimension']} {row['group']}" for row in audit if row["flagged"]]
    return f", bias audit: {', '.join(flagged) + ' flagged' if flagged else 'nothing flagged'}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        served = _served(args.served)
        params = ScoringParams(min_ratings=args.min_ratings, prior_weight=args.prior_weight)
    except (argparse.ArgumentTypeError, ValueError) as exc:
        parser.error(str(exc))
    try:
        table = read_ratings_csv(args.ratings)
    except InputError as exc:
        print(f"error: bad input in {args.ratings}:\n{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"error: cannot read {args.ratings}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    employees = None
    if args.employees:
        try:
            employees = read_employees_csv(args.employees)
        except InputError as exc:
            print(f"error: bad input in {args.employees}:\n{exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        except OSError as exc:
            print(f"error: cannot read {args.employees}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
    result = score_table(table, params, served=served, employees=employees)
    try:
        paths = write_outputs(result, args.out)
    except OSError as exc:
        print(f"error: cannot write to {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_CANNOT_WRITE
    excluded = int(result.flags.excluded.sum())
    print(
        f"scored {len(table)} ratings ({excluded} excluded), {len(result.officers)} officer rows, "
        f"{len(result.units)} units{audit_note(result.audit)} -> {', '.join(str(p) for p in paths.values())}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
