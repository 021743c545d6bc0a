"""Own words: no content or text file shares a run of 8 words with either source article.

The two articles live outside the repository (``../shared/seeds``). So that the check also
runs on a clean checkout without them, ``tests/data/article_8grams.txt`` keeps a one-way
fingerprint of every 8-word run of the articles (a truncated SHA-256 per run, no text);
when the articles are present, the fingerprint is checked against them too.
Regenerate it with ``python -m tests.test_own_words``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"
FINGERPRINT = REPO / "tests" / "data" / "article_8grams.txt"
RUN = 8

#: Spelling variants that would otherwise hide a copied run.
_VARIANTS = {"towards": "toward", "centre": "center", "upwards": "upward", "outwards": "outward"}


def words(text: str) -> list[str]:
    """Lower case, curly quotes straightened, punctuation dropped, variants unified."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("'", "")  # "it's" and "its" compare equal
    return [_VARIANTS.get(w, w) for w in re.findall(r"[a-z0-9]+", text)]


def runs(text: str) -> Iterator[tuple[str, ...]]:
    tokens = words(text)
    for i in range(len(tokens) - RUN + 1):
        yield tuple(tokens[i : i + RUN])


def fingerprint(run: tuple[str, ...]) -> str:
    return hashlib.sha256(" ".join(run).encode()).hexdigest()[:16]


def article_fingerprints() -> set[str]:
    return set(FINGERPRINT.read_text(encoding="utf-8").split())


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def our_texts() -> Iterator[tuple[str, str]]:
    """(file, text) for every content and text file: YAML values one by one (so no run
    spans two fields), and whole Python text modules and docs."""
    for path in sorted((REPO / "content").rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for text in _strings(data):
            yield path.relative_to(REPO).as_posix(), text
    text_files = [REPO / "bot" / "texts.py", REPO / "README.md"]
    text_files += sorted((REPO / "docs").rglob("*.md")) + sorted((REPO / "bot").rglob("*.py"))
    for path in text_files:
        yield path.relative_to(REPO).as_posix(), path.read_text(encoding="utf-8")


def shared_runs(text: str, known: set[str]) -> list[str]:
    return [" ".join(run) for run in runs(text) if fingerprint(run) in known]


def test_no_file_shares_eight_words_with_an_article() -> None:
    known = article_fingerprints()
    found = [
        f"{name}: {' '.join(run.split())!r}"
        for name, text in our_texts()
        for run in shared_runs(text, known)
    ]
    assert found == [], "copied from an article (rewrite in our own words):\n" + "\n".join(found)


def test_the_check_catches_a_copied_sentence_despite_case_and_punctuation() -> None:
    known = article_fingerprints()
    copied = "PRESS your feet, and arms into the floor -- while lifting your hips towards..."
    assert shared_runs(copied, known)
    assert shared_runs("Slowly bend one knee, bringing it up toward your chest.", known)
    assert not shared_runs("Press your feet and arms into the mat and lift.", known)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the source articles are not on this machine")
def test_fingerprint_matches_the_articles() -> None:
    assert article_fingerprints() == _from_articles()


def _from_articles() -> set[str]:
    return {
        fingerprint(run)
        for path in sorted(SEEDS.glob("*.txt"))
        for run in runs(path.read_text(encoding="utf-8"))
    }


if __name__ == "__main__":
    FINGERPRINT.write_text("\n".join(sorted(_from_articles())) + "\n", encoding="utf-8")
    print(f"wrote {FINGERPRINT.relative_to(REPO)}")
