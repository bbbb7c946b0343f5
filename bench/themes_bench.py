"""Time, peak memory and grouping quality of the comment themes (scoring/themes.py) on generated comments.

    .venv/bin/python bench/themes_bench.py                      # 1k, 10k, 100k comments in one unit,
                                                                # and 100k spread over 20 units
    .venv/bin/python bench/themes_bench.py --sizes 100000 --units 0

The comments come from eight topics (air conditioning, queue, friendly staff, rude staff, parking,
requirements, online services, toilets), each written in several ways that share few words, in
Indonesian with some English, with fillers, emoji, capitals, 2% very long ones, 8% without a topic
("ok", "👍") and, on 90% of them, one random extra word so that nearly every comment is distinct (the
hard case: identical comments are modelled once). Each size runs in a child process, so its peak
resident memory is its own. Quality is the adjusted Rand index between the themes (with "other" as a
group) and the topics the generator used (1.0: the same grouping; 0: chance).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

TOPICS = {  # topic: (ways of saying it, mean overall rating)
    "ac": (
        ["AC tidak menyala", "AC mati", "ruang tunggu panas", "kipas angin rusak", "AC-nya tdk dingin"],
        1.6,
    ),
    "queue": (
        ["antrean terlalu panjang", "antri lama sekali", "nomor antrean tidak jalan", "menunggu dua jam"],
        1.8,
    ),
    "friendly": (
        ["petugas ramah", "pelayanan cepat dan ramah", "petugasnya sopan", "staff very friendly"],
        3.7,
    ),
    "rude": (["petugas kurang ramah", "petugas main HP", "petugas judes", "petugas tidak sopan"], 1.5),
    "parking": (["tempat parkir sempit", "parkir penuh", "tukang parkir liar", "susah cari parkir"], 2.4),
    "requirements": (
        ["persyaratan di website berbeda", "informasi persyaratan tidak jelas", "berkas bolak balik"],
        2.0,
    ),
    "online": (
        ["aplikasi online error", "website sering down", "pendaftaran online gagal", "online form broken"],
        2.0,
    ),
    "toilet": (["toilet kotor", "kamar mandi bau", "wc tidak ada air"], 2.1),
}
FILLERS = [
    "",
    "mohon diperbaiki",
    "tolong ya",
    "sangat kecewa",
    "terima kasih",
    "😡",
    "👍",
    "!!!",
    "please fix",
]
NOISE = ["ok", "mantap", "👍👍", "-", "baik", "lumayan", "so so"]

CHILD = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from bench.themes_bench import generate
from scoring.themes import comment_themes
from sklearn.metrics import adjusted_rand_score
size, units = int(sys.argv[2]), int(sys.argv[3])
comments, topics = generate(size, seed=size)
per_unit = [range(u, size, units) for u in range(units)]  # round robin: every unit gets every topic
wall, cpu = time.perf_counter(), time.process_time()
results = [comment_themes([comments[i] for i in rows]) for rows in per_unit]
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
scores, counts = [], []
for rows, themes in zip(per_unit, results):
    found = {}
    for number, theme in enumerate(themes):
        found.update({rows[i]: number for i in theme.members})
    scores.append(adjusted_rand_score([topics[i] for i in rows], [found[i] for i in rows]))
    counts.append(sum(not theme.other for theme in themes))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"wall": wall, "cpu": cpu, "peak": peak, "ari": min(scores), "themes": max(counts)}))
"""


def generate(size: int, seed: int = 0) -> tuple[list[tuple[str, int]], list[str]]:
    """(text, overall) per comment and the topic each was written from ("noise" for none)."""
    rng = random.Random(seed)
    syllables = ["ka", "ri", "mo", "tu", "sa", "ne", "lu", "bi", "da", "go", "pe", "ra"]
    extra = ["".join(rng.choice(syllables) for _ in range(3)) for _ in range(5_000)]
    comments, topics = [], []
    for _ in range(size):
        if rng.random() < 0.08:
            comments.append((rng.choice(NOISE), rng.randint(2, 4)))
            topics.append("noise")
            continue
        topic = rng.choice(list(TOPICS))
        ways, mean = TOPICS[topic]
        parts = [*rng.sample(ways, rng.randint(1, 2)), rng.choice(FILLERS)]
        if rng.random() < 0.9:
            parts.append(rng.choice(extra))
        text = ", ".join(part for part in parts if part)
        if rng.random() < 0.3:
            text = text.upper()
        if rng.random() < 0.02:
            text += " " + "lorem ipsum dolor " * 60  # very long: 1,000+ characters
        comments.append((text, min(4, max(1, round(rng.gauss(mean, 0.6))))))
        topics.append(topic)
    return comments, topics


def run(size: int, units: int) -> dict:
    import json

    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(ROOT), str(size), str(units)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["child"] = time.perf_counter() - started
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000,100000", help="comments in one unit, comma-separated")
    parser.add_argument("--units", type=int, default=20, help="also 100,000 comments over this many units")
    args = parser.parse_args()
    cases = [(int(size), 1) for size in args.sizes.split(",")]
    if args.units:
        cases.append((100_000, args.units))
    print(
        f"{'comments':>9} {'units':>5} {'wall s':>7} {'cpu s':>7} {'peak MB':>8} {'themes':>6} {'min ARI':>7}"
    )
    for size, units in cases:
        f = run(size, units)
        print(
            f"{size:>9,} {units:>5} {f['wall']:>7.2f} {f['cpu']:>7.2f} {f['peak'] / 1e6:>8.0f} "
            f"{f['themes']:>6} {f['ari']:>7.2f}"
        )
    print(f"cpu count {os.cpu_count()}, load average {os.getloadavg()[0]:.1f} (wall grows with other load)")


if __name__ == "__main__":
    main()
