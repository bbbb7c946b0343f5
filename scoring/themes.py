"""Comment themes: one unit's free-text comments of a period grouped into a few themes, each with a
label made of its top terms, a count, the share of low ratings (overall 1-2) and three examples.

The method (docs/scoring.md, "Comment themes"):
1. Terms. A comment is lower-cased and cut to MAX_MODEL_CHARS; letters repeated three times or more are
   squeezed ("lamaaa" -> "lama"), informal spellings read as the word ("tdk" -> "tidak"), a trailing
   "-nya" is cut; words are letters only (no digits, no emoji). A negation is bound to the word after
   it, over at most two stop words ("tidak menyala" -> "tidak_menyala", "tidak ada air" ->
   "tidak_ada_air"), so "ramah" and "kurang ramah" stay apart. Stop words (STOP_WORDS: a short
   Indonesian list kept here and scikit-learn's English one, negations taken out) are dropped. The
   terms are the words and the pairs of words standing next to each other (not across punctuation).
2. TF-IDF over the comments (sublinear term counts, smoothed idf); a term used by fewer than two
   comments is dropped: it cannot join two comments into a theme. Comments with the same vector are
   modelled once with their count as weight, so repeated and near-duplicate comments cost nothing.
3. Groups. On a sample of at most SAMPLE comments: a truncated SVD to LSA_DIMS dimensions (latent
   semantic analysis: words used together pull their comments together), then k-means on the
   unit-length points (so cosine similarity) for k = 2..MAX_THEMES, keeping the k with the best
   silhouette; every comment then joins its nearest centre.
4. "Other" collects what fits nowhere: comments without a remaining term (only stop words, emoji or
   words nobody else used), comments whose cosine to their group's mean TF-IDF vector is below
   MIN_SIMILARITY (they share too few words with it), and groups smaller than MIN_THEME_COMMENTS or
   MIN_THEME_SHARE of the comments.
Fewer than MIN_COMMENTS comments form no themes, only "other". Deterministic: fixed random states,
stable sorts, one thread. 100,000 comments take seconds (bench/themes_bench.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

MIN_COMMENTS = 5  # below this, one "other" group: too few to tell themes apart
MAX_THEMES = 8
SAMPLE = 2_000  # comments the number of themes is chosen and the centres fitted on
MIN_SIMILARITY = 0.2  # cosine to the group's mean TF-IDF vector; below it a comment is "other"
MIN_THEME_COMMENTS = 2
MIN_THEME_SHARE = 0.01
LSA_DIMS = 100  # dimensions the comments are clustered in
N_INIT = 5  # k-means starts per number of themes
MAX_TERMS = 20_000  # the most used terms are kept
MAX_MODEL_CHARS = 500  # a longer comment is modelled on its beginning
EXAMPLE_CHARS = 280  # an example longer than this is cut, with an ellipsis
N_EXAMPLES = 3
N_LABEL_TERMS = 3
LABEL_CANDIDATES = 20
RANDOM_STATE = 0


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that mean "not": bound to the next word instead of dropped as stop words.
NEGATIONS = frozenset({"tidak", "kurang", "belum", "bukan", "jangan", "not", "no", "never", "nor"})
_SPELLINGS = {  # informal or variant spellings
    **dict.fromkeys(("tdk", "gak", "ga", "gk", "nggak", "ngga", "enggak", "engga", "tak", "ndak"), "tidak"),
    "krg": "kurang",
    "blm": "belum",
    "bkn": "bukan",
    "antrian": "antrean",  # both spellings are common
}
# Indonesian function words: pronouns, prepositions, conjunctions, particles, auxiliaries, intensifiers,
# forms of address and please-words; chosen so that no label is made of them. Content words, even very
# common ones in this setting (petugas, pelayanan, antrean), are not here: they say what a theme is about.
INDONESIAN_STOP_WORDS = _word_set(
    """
    ada adalah agak agar akan aku amat anda antara apa apakah apabila atas atau bagaimana bagi bahkan
    bahwa banget begini begitu beliau beberapa berapa bila bisa boleh bu buat dah dalam dan dapat dari
    daripada deh demikian dengan dgn di dia dong gimana hal hanya harus hingga ia ibu ini itu jadi juga
    kak kalau kalian kami kamu kan kapan karena ke kemudian kenapa kepada ketika kita kok lagi lah lalu
    lebih maka makin mana mas masih mbak meskipun mereka mengapa mohon namun nanti nih nya oke ok oleh
    pada pak paling para per pernah pula pun saat saja sama sambil sampai sana sangat saya secara sedang
    sedangkan sehingga sekali selalu semakin semua seperti setelah setiap sih sini situ sudah supaya sy
    tadi tapi telah terhadap terlalu tersebut tetapi tiap tolong tuh udah untuk utk walaupun ya yaitu
    yakni yah yang yg
    """
)
STOP_WORDS = (INDONESIAN_STOP_WORDS | ENGLISH_STOP_WORDS) - NEGATIONS

# a word (letters only), or punctuation that ends a phrase
_TOKEN = re.compile(r"[^\W\d_]+|[.,;:!?()\[\]{}\"“”/|\n\r\t]+|\s[-–—]+\s")
_REPEATS = re.compile(r"(.)\1{2,}")
_ENGLISH_NOT = re.compile(r"(?<=\w)n't\b")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Theme:
    label: str  # top terms joined by " · "; "" for the "other" group
    terms: tuple[str, ...]
    count: int
    low_share: float  # share of the theme's comments with an overall rating of 1 or 2
    examples: tuple[str, ...]  # up to N_EXAMPLES different comments, the most central first
    members: tuple[int, ...]  # indices into the comments given
    other: bool = False


def terms_of(text: str) -> list[str]:
    """The terms of one comment (step 1 of the module's description): its words, and the pairs of
    words that stand next to each other in it."""
    text = _REPEATS.sub(r"\1", text[:MAX_MODEL_CHARS].lower().replace("’", "'"))
    if "'" in text:
        text = _ENGLISH_NOT.sub(" not", text.replace("can't", "can not").replace("won't", "will not"))
    terms: list[str] = []
    previous = negation = ""
    skipped = 0
    for token in _TOKEN.findall(text):
        if not token[0].isalpha():  # punctuation ends a phrase
            previous = negation = ""
            skipped = 0
            continue
        word = _SPELLINGS.get(token, token)
        if len(word) > 5 and word.endswith("nya"):
            word = word[:-3]
        if word == "nya":  # "AC-nya": a suffix written apart, not a word between two
            continue
        if word in NEGATIONS:
            negation, skipped = negation or word, 0  # "tidak kurang" stays "tidak"
            continue
        if word in STOP_WORDS or len(word) < 2:
            skipped += 1
            if skipped > 2:  # a negation reaches over two: "tidak ada yang membantu", "not very good"
                negation = ""
            elif negation and word in INDONESIAN_STOP_WORDS:
                negation = f"{negation}_{word}"  # kept: "tidak ada air" is not "tidak air"
                continue
            previous = ""
            continue
        term = f"{negation}_{word}" if negation else word
        terms.append(term)
        if previous:
            terms.append(f"{previous} {term}")
        previous, negation, skipped = term, "", 0
    return terms


@dataclass(frozen=True)
class _Vectors:
    rows: sparse.csr_matrix  # distinct unit-length TF-IDF vectors
    of_comment: np.ndarray  # per comment, its row, or -1 when no term is left
    names: list[str]  # the term of each column


def comment_themes(comments: Sequence[tuple[str, int]]) -> list[Theme]:
    """Themes of one unit's comments, given as (text, overall rating 1-4), largest first, "other"
    last. No comments, no themes; fewer than MIN_COMMENTS, only "other"."""
    texts = [text or "" for text, _ in comments]
    overall = np.array([rating for _, rating in comments], dtype=np.int64)
    if not texts:
        return []
    if len(texts) < MIN_COMMENTS:
        return [_other(np.arange(len(texts)), texts, overall)]

    vectors = _vectors(texts)
    with threadpool_limits(1):  # small models: threads only add waiting on a busy machine
        group_of_row = _groups(vectors)
    group_of_row = _without_outliers(vectors, group_of_row)
    theme_of = np.full(len(texts), -1, dtype=np.int64)
    present = vectors.of_comment >= 0
    theme_of[present] = group_of_row[vectors.of_comment[present]]
    smallest = max(MIN_THEME_COMMENTS, math.ceil(MIN_THEME_SHARE * len(texts)))
    sizes = np.bincount(theme_of[theme_of >= 0], minlength=MAX_THEMES)
    theme_of[(theme_of >= 0) & (sizes[np.maximum(theme_of, 0)] < smallest)] = -1

    themes = [
        _theme(np.flatnonzero(theme_of == number), texts, overall, vectors)
        for number in np.flatnonzero(sizes >= smallest).tolist()
    ]
    themes.sort(key=lambda theme: (-theme.count, theme.label))
    rest = np.flatnonzero(theme_of < 0)
    if len(rest):
        themes.append(_other(rest, texts, overall))
    return themes


def _vectors(texts: list[str]) -> _Vectors:
    """Step 2 of the module's description."""
    seen: dict[str, int] = {}  # identical texts are read once
    term_lists: list[list[str]] = []
    doc_of = np.empty(len(texts), dtype=np.int64)
    for index, text in enumerate(texts):
        key = " ".join(text[:MAX_MODEL_CHARS].lower().split())
        if key not in seen:
            seen[key] = len(term_lists)
            term_lists.append(terms_of(key))
        doc_of[index] = seen[key]
    nothing = _Vectors(sparse.csr_matrix((0, 0)), np.full(len(texts), -1, dtype=np.int64), [])
    if not any(term_lists):
        return nothing
    vectorizer = CountVectorizer(analyzer=_given, dtype=np.float64)
    counts = vectorizer.fit_transform(term_lists).tocsr()
    weight = np.bincount(doc_of, minlength=len(term_lists)).astype(np.float64)
    used_by = (counts > 0).T.astype(np.float64) @ weight  # comments using each term
    keep = np.flatnonzero(used_by >= 2)
    if len(keep) > MAX_TERMS:
        keep = np.sort(keep[np.argsort(-used_by[keep], kind="stable")[:MAX_TERMS]])
    if len(keep) == 0:
        return nothing
    counts = counts[:, keep]
    counts.data = 1.0 + np.log(counts.data)
    idf = np.log((1.0 + len(texts)) / (1.0 + used_by[keep])) + 1.0
    docs = normalize(counts @ sparse.diags(idf), copy=False).tocsr()
    docs.sort_indices()
    rows: dict[tuple[bytes, bytes], int] = {}  # comments whose vectors are the same share a row
    row_of_doc = np.full(docs.shape[0], -1, dtype=np.int64)
    chosen: list[int] = []
    for doc in range(docs.shape[0]):
        start, end = docs.indptr[doc], docs.indptr[doc + 1]
        if start == end:
            continue
        key = (docs.indices[start:end].tobytes(), docs.data[start:end].tobytes())
        if key not in rows:
            rows[key] = len(chosen)
            chosen.append(doc)
        row_of_doc[doc] = rows[key]
    names = vectorizer.get_feature_names_out()[keep].tolist()
    return _Vectors(docs[chosen], row_of_doc[doc_of], names)


def _given(terms: list[str]) -> list[str]:
    return terms


def _groups(vectors: _Vectors) -> np.ndarray:
    """Step 3: per distinct vector its k-means group (0..MAX_THEMES-1)."""
    n_rows = vectors.rows.shape[0]
    if n_rows <= 1:
        return np.zeros(n_rows, dtype=np.int64)  # one distinct vector is one group
    present = np.flatnonzero(vectors.of_comment >= 0)
    if len(present) > SAMPLE:
        rng = np.random.default_rng(RANDOM_STATE)
        present = np.sort(rng.choice(present, SAMPLE, replace=False))
    sampled = vectors.of_comment[present]  # the row of each sampled comment
    points = _points(vectors.rows, sampled)
    return np.asarray(points @ _centres(points, sampled).T).argmax(axis=1)


def _without_outliers(vectors: _Vectors, group_of_row: np.ndarray) -> np.ndarray:
    """Step 4: a vector whose cosine to its group's mean TF-IDF vector is below MIN_SIMILARITY
    leaves the group (-1): it shares too few words with the comments beside it."""
    if len(group_of_row) == 0:
        return group_of_row
    weight = np.bincount(vectors.of_comment[vectors.of_comment >= 0], minlength=len(group_of_row))
    columns = np.arange(len(group_of_row))
    shape = (int(group_of_row.max()) + 1, len(group_of_row))
    indicator = sparse.csr_matrix((weight.astype(np.float64), (group_of_row, columns)), shape=shape)
    means = normalize(indicator @ vectors.rows).toarray()
    similarity = (vectors.rows @ means.T)[columns, group_of_row]
    return np.where(similarity >= MIN_SIMILARITY, group_of_row, -1)


def _points(rows: sparse.csr_matrix, sampled: np.ndarray) -> np.ndarray | sparse.csr_matrix:
    """The rows as unit-length points of at most LSA_DIMS dimensions: a truncated SVD fitted on the
    sample (latent semantic analysis), so words that occur together pull their comments together.
    A sample with no more distinct rows than that spans no more dimensions: the rows stay as they are."""
    if min(rows.shape[1], len(np.unique(sampled))) <= LSA_DIMS:
        return rows
    svd = TruncatedSVD(n_components=LSA_DIMS, random_state=RANDOM_STATE).fit(rows[sampled])
    return normalize(svd.transform(rows))


def _centres(points: np.ndarray | sparse.csr_matrix, sampled: np.ndarray) -> np.ndarray:
    """Unit-length centres of the k-means model with the best silhouette (cosine), on the sample."""
    distinct, weight = np.unique(sampled, return_counts=True)
    fit_on = points[distinct]
    best: tuple[float, np.ndarray] | None = None
    for k in range(2, min(MAX_THEMES, len(distinct)) + 1):
        model = KMeans(n_clusters=k, n_init=N_INIT, random_state=RANDOM_STATE)
        centres = normalize(model.fit(fit_on, sample_weight=weight).cluster_centers_)
        labels = np.asarray(fit_on @ centres.T).argmax(axis=1)
        if len(np.unique(labels)) < 2:
            continue
        score = silhouette(fit_on, weight, labels)
        if best is None or score > best[0] + 1e-9:  # on a tie the smaller k stays
            best = (score, centres)
    if best is None:  # a single distinct point in the sample: it is the one centre
        first = fit_on[:1]
        return first.toarray() if sparse.issparse(first) else first
    return best[1]


def silhouette(points: np.ndarray | sparse.csr_matrix, weight: np.ndarray, labels: np.ndarray) -> float:
    """The mean silhouette with the distance 1 - dot product (the cosine distance of unit-length
    points), each point counted `weight` times. From the sums of each group's points, in O(n k d)
    instead of the O(n^2) of all pairs: for a point p and a group c with n_c points summing to S_c, the
    distances to c add up to n_c - p.S_c. A point alone in its group scores 0 (as in scikit-learn)."""
    weight = weight.astype(np.float64)
    groups = int(labels.max()) + 1
    members = sparse.csr_matrix((weight, (labels, np.arange(len(labels)))), shape=(groups, len(labels)))
    sums = members @ points
    dots = np.asarray(points @ (sums.toarray() if sparse.issparse(sums) else sums).T)
    sizes = np.asarray(members.sum(axis=1)).ravel()
    self_dot = np.asarray(
        points.multiply(points).sum(axis=1) if sparse.issparse(points) else (points**2).sum(axis=1)
    ).ravel()
    rows = np.arange(len(labels))
    own = sizes[labels]
    with np.errstate(divide="ignore", invalid="ignore"):
        inside = (own - 1 - (dots[rows, labels] - self_dot)) / (own - 1)
        between = 1.0 - dots / sizes
    between[rows, labels] = np.inf
    between[:, sizes == 0] = np.inf
    nearest = between.min(axis=1)
    larger = np.maximum(inside, nearest)
    score = np.where((own > 1) & (larger > 0), (nearest - inside) / np.where(larger > 0, larger, 1), 0.0)
    return float(np.average(score, weights=weight))


def _theme(members: np.ndarray, texts: list[str], overall: np.ndarray, vectors: _Vectors) -> Theme:
    rows = vectors.of_comment[members]
    mean = np.asarray(vectors.rows.T @ np.bincount(rows, minlength=vectors.rows.shape[0])).ravel()
    mean /= np.linalg.norm(mean)
    similarity = np.asarray(vectors.rows @ mean).ravel()[rows]
    lengths = np.array([len(texts[i]) for i in members.tolist()])
    central = members[np.lexsort((members, lengths, -np.round(similarity, 6)))]
    terms = _label_terms(mean, vectors.names)
    return Theme(
        label=" · ".join(terms),
        terms=terms,
        count=len(members),
        low_share=_low_share(overall[members]),
        examples=_examples(central, texts),
        members=tuple(members.tolist()),
    )


def _other(members: np.ndarray, texts: list[str], overall: np.ndarray) -> Theme:
    """Comments that fit no theme; examples in the order given."""
    return Theme(
        "",
        (),
        len(members),
        _low_share(overall[members]),
        _examples(members, texts),
        tuple(members.tolist()),
        other=True,
    )


def _label_terms(mean: np.ndarray, names: list[str]) -> tuple[str, ...]:
    """Up to N_LABEL_TERMS of the LABEL_CANDIDATES heaviest terms of the theme's mean vector, heaviest
    first, none repeating a word of another; two chosen words that are also a candidate pair become that
    pair ("ac", "tidak menyala" -> "ac tidak menyala"); on a tie a pair goes before a single word."""
    heaviest = np.argsort(-mean, kind="stable")[: 3 * LABEL_CANDIDATES]  # ties need not be cut apart
    weighted = [t for t in heaviest.tolist() if mean[t] > 0]
    order = sorted(weighted, key=lambda t: (-round(float(mean[t]), 9), -names[t].count(" "), names[t]))
    candidates = [names[t] for t in order[:LABEL_CANDIDATES]]
    pairs = {name for name in candidates if " " in name}
    chosen: list[str] = []
    for name in candidates:
        words = name.split(" ")
        if len(chosen) == N_LABEL_TERMS:
            break
        if any(word in term.split(" ") for term in chosen for word in words):
            continue
        for index, term in enumerate(chosen):
            pair = next((p for p in (f"{term} {name}", f"{name} {term}") if p in pairs), None)
            if pair:
                chosen[index] = pair
                break
        else:
            chosen.append(name)
    return tuple(term.replace("_", " ") for term in chosen)


def _examples(ordered: np.ndarray, texts: list[str]) -> tuple[str, ...]:
    """The first N_EXAMPLES different comments (compared without case and spacing), cut for showing."""
    examples: list[str] = []
    seen: set[str] = set()
    for index in ordered.tolist():
        text = _SPACES.sub(" ", texts[index]).strip()
        key = text.casefold()
        if not text or key in seen:
            continue
        seen.add(key)
        examples.append(text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1].rstrip() + "…")
        if len(examples) == N_EXAMPLES:
            break
    return tuple(examples)


def _low_share(overall: np.ndarray) -> float:
    return float(np.mean(overall <= 2)) if len(overall) else 0.0
