"""Comment themes (scoring/themes.py): grouping, labels, the "other" bucket, small and odd inputs."""

from __future__ import annotations

import random

import numpy as np
import pytest
from scipy import sparse
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize

from portal.ops.demo import COMMENTS as DEMO_COMMENTS
from scoring.themes import (
    EXAMPLE_CHARS,
    INDONESIAN_STOP_WORDS,
    MAX_THEMES,
    Theme,
    comment_themes,
    silhouette,
    terms_of,
)

AC_COMMENTS = [
    "Ruang tunggu panas, AC tidak menyala.",
    "AC tidak menyala lagi, panas sekali",
    "ac tdk menyala!!",
    "AC-nya tidak menyala, gerah",
    "Tolong AC diperbaiki, tidak menyala sejak minggu lalu",
    "ac TIDAK menyala 😡😡",
]
OTHER_COMMENTS = [
    "Pelayanan cepat dan ramah, terima kasih",
    "Petugas ramah dan cepat",
    "pelayanan sangat cepat, mantap",
    "Antrean terlalu panjang",
    "antrian panjang sekali, mohon tambah loket",
    "Antrean panjang dan lama sekali",
    "Parkir sempit",
    "tempat parkir kurang luas",
    "parkir penuh terus",
    "Website persyaratan berbeda dengan loket",
    "informasi persyaratan di website tidak sama",
    "ok",
    "👍👍",
    "Toilet kotor",
    "toilet bau dan kotor",
    "The staff were very helpful",
    "staff helpful and kind",
    "Formulir online error terus",
    "aplikasi online sering error",
]


def _mixed(seed: int = 5) -> list[tuple[str, int]]:
    comments = [(text, 1) for text in AC_COMMENTS] + [(text, 3) for text in OTHER_COMMENTS]
    random.Random(seed).shuffle(comments)
    return comments


def _theme_of(themes: list[Theme], index: int) -> Theme:
    return next(theme for theme in themes if index in theme.members)


def test_it_puts_the_repeated_ac_comments_in_one_theme_of_their_own() -> None:
    comments = _mixed()
    ac = {i for i, (text, _) in enumerate(comments) if text in AC_COMMENTS}

    themes = comment_themes(comments)

    theme = _theme_of(themes, min(ac))
    assert set(theme.members) == ac
    assert not theme.other and theme.count == len(AC_COMMENTS)
    assert theme.label.startswith("ac tidak menyala")
    assert theme.low_share == 1.0  # every AC comment came with an overall rating of 1
    assert len(theme.examples) == 3 and set(theme.examples) <= set(AC_COMMENTS)


def test_it_gives_each_repeated_demo_comment_its_own_theme() -> None:
    rng = random.Random(7)
    comments = [(text, rng.randint(1, 4)) for text in DEMO_COMMENTS for _ in range(rng.randint(2, 6))]
    rng.shuffle(comments)

    themes = comment_themes(comments)

    assert len(themes) == len(DEMO_COMMENTS) == MAX_THEMES
    ac = next(theme for theme in themes if "ac tidak menyala" in theme.label)
    assert {comments[i][0] for i in ac.members} == {"Ruang tunggu panas, AC tidak menyala."}
    assert ac.count == sum(1 for text, _ in comments if "AC" in text)
    assert ac.examples == ("Ruang tunggu panas, AC tidak menyala.",)  # one distinct text, shown once
    assert ac.low_share == sum(1 for i in ac.members if comments[i][1] <= 2) / ac.count


def test_it_assigns_every_comment_to_exactly_one_theme_and_puts_other_last() -> None:
    comments = _mixed()

    themes = comment_themes(comments)

    members = [i for theme in themes for i in theme.members]
    assert sorted(members) == list(range(len(comments)))
    assert [theme.other for theme in themes].count(True) == 1 and themes[-1].other
    assert [theme.count for theme in themes[:-1]] == sorted((t.count for t in themes[:-1]), reverse=True)
    other = themes[-1]
    assert other.label == "" and other.terms == ()
    assert {comments[i][0] for i in other.members} >= {"ok", "👍👍"}  # nothing a theme could hold


def test_it_keeps_indonesian_stop_words_out_of_labels() -> None:
    filler = "yang sangat di dan untuk saya ini itu dengan juga sudah karena"
    topics = ["antrean panjang", "parkir sempit", "petugas ramah", "toilet kotor"]
    comments = [(f"{filler.split()[i % 6]} {topic} {filler} {i}", 2) for topic in topics for i in range(6)]

    themes = comment_themes(comments)

    words = {word for theme in themes for term in theme.terms for word in term.split()}
    assert words and not words & INDONESIAN_STOP_WORDS
    assert {theme.label for theme in themes if not theme.other} == set(topics)


def test_it_keeps_a_negation_with_the_word_it_negates() -> None:
    assert terms_of("AC-nya tdk menyalaaa 😡") == ["ac", "tidak_menyala", "ac tidak_menyala"]
    assert terms_of("WC tidak ada air") == ["wc", "tidak_ada_air", "wc tidak_ada_air"]
    assert terms_of("The form doesn't work") == ["form", "does", "form does", "not_work", "does not_work"]
    comments = [("Petugas ramah", 4)] * 6 + [("Petugas kurang ramah", 1)] * 6

    themes = comment_themes(comments)

    assert sorted(theme.label for theme in themes) == ["petugas kurang ramah", "petugas ramah"]
    unfriendly = next(theme for theme in themes if "kurang" in theme.label)
    assert unfriendly.low_share == 1.0


def test_it_finds_no_theme_without_comments_and_only_other_in_a_handful() -> None:
    assert comment_themes([]) == []
    (single,) = comment_themes([("AC tidak menyala", 1)])
    assert single.other and single.members == (0,) and single.examples == ("AC tidak menyala",)
    few = [("AC tidak menyala", 1), ("ac tidak menyala", 2), ("Parkir sempit", 3), ("Parkir sempit", 4)]
    (other,) = comment_themes(few)
    assert other.other and other.count == 4 and other.low_share == 0.5
    assert other.examples == ("AC tidak menyala", "Parkir sempit")  # the same text is shown once


def test_it_makes_one_theme_of_comments_that_all_say_the_same() -> None:
    comments = [("AC tidak menyala!", 1), ("ac tidak menyala", 2), ("AC  TIDAK MENYALA 😡", 1)] * 3

    (theme,) = comment_themes(comments)

    assert not theme.other and theme.count == 9 and theme.label == "ac tidak menyala"


def test_it_leaves_comments_without_words_to_other() -> None:
    comments = [("👍", 4), ("😡😡", 1), ("!!!", 2), ("123", 3), ("", 3), ("ok", 4), ("yang dan di", 3)]

    (other,) = comment_themes(comments)

    assert other.other and other.count == len(comments)


def test_it_models_very_long_comments_on_their_beginning_and_cuts_their_examples() -> None:
    long = "AC tidak menyala, ruang tunggu panas. " + "dan yang di " * 30_000 + "parkir sempit toilet kotor"
    comments = [(long, 1)] * 3 + _mixed()

    themes = comment_themes(comments)

    theme = _theme_of(themes, 0)
    assert {0, 1, 2} <= set(theme.members) and "ac tidak menyala" in theme.terms
    assert "parkir" not in theme.label and "toilet" not in theme.label  # far down the long one: unread
    assert all(len(example) <= EXAMPLE_CHARS for example in theme.examples)
    (alone,) = comment_themes([(long, 1)] * 5)
    (example,) = alone.examples
    assert len(example) == EXAMPLE_CHARS and example.endswith("…") and long.startswith(example[:-1])


@pytest.mark.parametrize("seed", [1, 2])
def test_it_gives_the_same_themes_for_the_same_comments(seed: int) -> None:
    comments = _mixed(seed) * 3

    assert comment_themes(comments) == comment_themes(list(comments))


def test_it_computes_the_silhouette_as_scikit_learn_does_on_the_repeated_points() -> None:
    rng = np.random.default_rng(1)
    points = normalize(rng.random((60, 12)) ** 3)
    labels = rng.integers(0, 4, 60)
    labels[:3] = [0, 1, 3]
    weight = rng.integers(1, 4, 60)
    repeated = np.repeat(np.arange(60), weight)

    expected = silhouette_score(points[repeated], labels[repeated], metric="cosine")

    assert silhouette(points, weight, labels) == pytest.approx(expected, abs=1e-9)
    assert silhouette(sparse.csr_matrix(points), weight, labels) == pytest.approx(expected, abs=1e-9)
    alone = np.array([0, 1, 1, 2, 2])  # a point alone in its group scores 0
    expected = silhouette_score(points[:5], alone, metric="cosine")
    assert silhouette(points[:5], np.ones(5), alone) == pytest.approx(expected, abs=1e-9)
