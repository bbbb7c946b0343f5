"""The CSV contract of docs/scoring.md: exact columns, located errors, exit status 2."""

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from scoring_factories import at, common_network_background, rating

from scoring.__main__ import main
from scoring.csvio import ratings_csv_text, read_ratings_csv, write_ratings_csv
from scoring.reasons import REASON_ORDER
from scoring.table import INPUT_COLUMNS, InputError

FLAGS = ["rating_id", "excluded", "anomaly_score", "reasons"]
SCORES = [
    "employee_id", "unit_id", "n_ratings", "n_excluded", "n_used", "mean_overall", "ikm", "mutu",
    "score", "score_low", "score_high", "sufficient", "category", "score_adjusted",
]  # fmt: skip
UNITS = [
    "unit_id",
    "n_ratings",
    "n_used",
    *(f"nrr_u{i}" for i in range(1, 10)),
    "ikm",
    "mutu",
    "sample_target",
]


def sample_records():
    full = [rating(answers=[4] * 9, overall=4, submitted_at=at(d, 10), employee_id="E1") for d in range(3)]
    bots = [
        rating(device_hash="script", form_seconds=0.5, submitted_at=at(1, 2, k), employee_id="")
        for k in range(3)
    ]
    return common_network_background("carrier-a") + full + bots


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ratings.csv"
    path.write_text(text, encoding="utf-8")
    return path


def read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def run_cli(tmp_path: Path, text: str, *extra: str) -> int:
    return main(["--ratings", str(write(tmp_path, text)), "--out", str(tmp_path / "out"), *extra])


def test_it_writes_three_files_with_exactly_the_contract_columns(tmp_path):
    records = sample_records()

    assert run_cli(tmp_path, ratings_csv_text(records)) == 0

    flags = read_csv(tmp_path / "out" / "flags.csv")
    assert flags[0] == FLAGS
    assert [row[0] for row in flags[1:]] == [r["rating_id"] for r in records]  # one row each, input order
    assert {row[3] for row in flags[1:] if row[1] == "1"} == {"burst;bot_speed"}
    assert read_csv(tmp_path / "out" / "scores.csv")[0] == SCORES
    units = read_csv(tmp_path / "out" / "units.csv")
    assert units[0] == UNITS
    assert units[1][UNITS.index("ikm")] == "100.00"
    assert units[1][UNITS.index("mutu")] == "A"


def test_it_marks_insufficient_scores_in_the_csv(tmp_path):
    run_cli(tmp_path, ratings_csv_text(sample_records()))

    rows = read_csv(tmp_path / "out" / "scores.csv")
    e1 = dict(zip(rows[0], next(r for r in rows[1:] if r[0] == "E1"), strict=True))
    assert (e1["sufficient"], e1["category"]) == ("0", "insufficient")


def test_it_documents_every_column_and_reason_code_in_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])

    text = capsys.readouterr().out
    assert exit_info.value.code == 0
    for name in [*INPUT_COLUMNS, "outside_hours", *FLAGS, *SCORES, *UNITS, *REASON_ORDER, "--served"]:
        assert name in text


def csv_with(row_overrides: dict[str, str], at_row: int = 3) -> str:
    """A valid file of four data rows, with one cell of data row `at_row` (spreadsheet row) replaced."""
    text = ratings_csv_text([rating(submitted_at=at(0, 9, k)) for k in range(4)])
    rows = list(csv.reader(io.StringIO(text)))
    for column, value in row_overrides.items():
        rows[at_row - 1][rows[0].index(column)] = value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("overall", "5", "row 3, column overall: expected 1, 2, 3 or 4, got '5'"),
        ("overall", "3.5", "row 3, column overall"),
        ("overall", "", "row 3, column overall"),
        ("u4", "0", "row 3, column u4: expected 1, 2, 3, 4 or empty"),
        ("submitted_at", "2025-03-04T09:00:00", "row 3, column submitted_at: no UTC offset"),
        ("submitted_at", "4/3/2025 09:00", "row 3, column submitted_at: not an ISO 8601"),
        ("channel", "whatsapp", "row 3, column channel: expected poster, kiosk or ticket"),
        ("form_seconds", "-2", "row 3, column form_seconds"),
        ("form_seconds", "fast", "row 3, column form_seconds"),
        ("rating_id", "", "row 3, column rating_id: must not be empty"),
        ("unit_id", "", "row 3, column unit_id: must not be empty"),
    ],
)
def test_it_names_the_row_and_column_of_a_bad_value(tmp_path, capsys, column, value, expected):
    assert run_cli(tmp_path, csv_with({column: value})) == 2

    assert expected in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_it_reports_a_missing_column(tmp_path, capsys):
    text = ratings_csv_text([rating()]).replace("network_hash", "network")

    assert run_cli(tmp_path, text) == 2
    assert "missing column(s): network_hash" in capsys.readouterr().err


def test_it_reports_a_duplicate_rating_id(tmp_path, capsys):
    text = csv_with({"rating_id": "same"}, at_row=2)
    text = text.replace("\n" + text.splitlines()[2].split(",")[0] + ",", "\nsame,", 1)

    assert run_cli(tmp_path, text) == 2
    assert "row 3, column rating_id: duplicate" in capsys.readouterr().err


def test_it_rejects_a_row_with_a_missing_field_without_shifting_the_others(tmp_path, capsys):
    records = [rating(comment="line one\nline two, with a comma", submitted_at=at(0, 9)), rating(), rating()]
    lines = ratings_csv_text(records).split("\n")
    # the quoted comment spans two physical lines; data row 3 (spreadsheet numbering) loses a field
    lines[3] = lines[3].replace(",carrier-a,", ",", 1)

    assert run_cli(tmp_path, "\n".join(lines)) == 2
    error = capsys.readouterr().err
    assert "row 3" in error
    assert "19 fields, the header has 20" in error


def test_it_ignores_unknown_columns_in_any_order(tmp_path):
    records = sample_records()
    rows = list(csv.reader(io.StringIO(ratings_csv_text(records))))
    reordered = [[row[-2], "extra", *reversed(row[:-2])] for row in rows]
    reordered[0][1] = "browser"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(reordered)

    assert run_cli(tmp_path, buffer.getvalue()) == 0
    assert len(read_csv(tmp_path / "out" / "flags.csv")) == len(records) + 1


def test_it_uses_the_outside_hours_column_when_present(tmp_path):
    quick = [
        rating(
            device_hash=f"q{k}",
            network_hash=f"n{k}",
            form_seconds=3.0,
            submitted_at=at(0, 10, k),
            outside_hours=1,
        )
        for k in range(12)
    ]
    background = [
        r | {"outside_hours": None} for r in common_network_background("carrier-a", devices_per_day=6)
    ]

    assert run_cli(tmp_path, ratings_csv_text(quick + background, outside_hours=True)) == 0
    assert {row[3] for row in read_csv(tmp_path / "out" / "flags.csv")[1:13]} == {"bot_off_hours"}


def test_it_takes_people_served_from_the_command_line(tmp_path):
    assert run_cli(tmp_path, ratings_csv_text(sample_records()), "--served", "U1=1000") == 0

    assert read_csv(tmp_path / "out" / "units.csv")[1][-1] == "278"


def test_it_exits_with_2_and_no_traceback_from_the_real_command(tmp_path):
    path = write(tmp_path, csv_with({"overall": "5"}))

    done = subprocess.run(
        [sys.executable, "-m", "scoring", "--ratings", str(path), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )

    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "row 3, column overall" in done.stderr


def test_it_round_trips_comments_with_commas_quotes_newlines_and_formulas_untouched(tmp_path):
    comment = '=HYPERLINK("x"), petugas "ramah"\nbaris dua; +62 -1 @me'
    records = [rating(comment=comment), rating(comment="")]
    path = tmp_path / "export.csv"

    write_ratings_csv(records, path)

    rows = read_csv(path)
    assert rows[0] == list(INPUT_COLUMNS)
    assert rows[1][INPUT_COLUMNS.index("comment")] == comment
    assert len(read_ratings_csv(path)) == 2


def test_it_reads_back_what_it_wrote(tmp_path):
    records = sample_records()
    path = tmp_path / "export.csv"
    write_ratings_csv(records, path)

    table = read_ratings_csv(path)

    assert list(table.rating_id) == [r["rating_id"] for r in records]
    assert table.overall.tolist() == [r["overall"] for r in records]


def test_it_refuses_an_empty_file(tmp_path):
    with pytest.raises(InputError, match="empty"):
        read_ratings_csv(write(tmp_path, ""))


AUDIT = ["dimension", "group", "officers", "gap", "gap_low", "gap_high", "flagged"]


def employees_csv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "employees.csv"
    path.write_text("\n".join(["employee_id,nip,unit_id", *rows]) + "\n", encoding="utf-8")
    return path


def test_it_writes_the_bias_audit_when_given_employees(tmp_path):
    employees = employees_csv(tmp_path, ["E1,198503122010012003,U1", "E8,199001012015011001,U1"])

    assert run_cli(tmp_path, ratings_csv_text(sample_records()), "--employees", str(employees)) == 0

    audit = read_csv(tmp_path / "out" / "audit.csv")
    assert audit[0] == AUDIT
    assert [row[:2] for row in audit[1:]] == [
        ["gender", "female"], ["gender", "male"],
        ["age_band", "<30"], ["age_band", "30-39"], ["age_band", "40-49"], ["age_band", "50+"],
        ["channel", "poster"], ["channel", "kiosk"], ["channel", "ticket"],
    ]  # fmt: skip
    assert {row[6] for row in audit[1:]} == {"0"}  # nobody has 30 ratings: nothing to compare
    assert read_csv(tmp_path / "out" / "scores.csv")[0][-1] == "score_adjusted"


def test_it_writes_no_audit_without_employees(tmp_path):
    assert run_cli(tmp_path, ratings_csv_text(sample_records())) == 0

    assert not (tmp_path / "out" / "audit.csv").exists()


def test_it_names_the_row_and_column_of_a_bad_nip(tmp_path, capsys):
    employees = employees_csv(tmp_path, ["E1,198503122010012003,U1", "E2,19850312201001500,U1"])

    assert run_cli(tmp_path, ratings_csv_text(sample_records()), "--employees", str(employees)) == 2

    error = capsys.readouterr().err
    assert "row 3, column nip: a NIP has exactly 18 digits" in error
    assert not (tmp_path / "out").exists()
