"""Structure and balance of the scorer's labelled dev set (tests/data/graded_replies.yaml).

The embedded coach calibrates and evaluates its reply scorer on this file, so a
broken or lopsided set silently produces flattering figures.  These checks
keep it honest: every scenario and grade covered, the three languages present,
gaming attempts graded low, and reply length unable to predict the grade (a
scorer that learns "longer is better" must not look good here).  They also
guard its independence from the scenario exemplars the scorer is calibrated on.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from scipy.stats import pearsonr, spearmanr

from app.scenarios.schema import GUIDE_SCENARIO_IDS
from app.text.fold import detect_language, fold, is_traditional

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "graded_replies.yaml"
SCENARIO_DIR = ROOT / "knowledge" / "scenarios"

SCENARIO_IDS = set(GUIDE_SCENARIO_IDS)
LANGS = {"zh", "zh-hant", "en"}
REQUIRED = {"id", "scenario", "customer", "reply", "grade", "lang", "why"}
ALLOWED = REQUIRED | {"tags"}
#: Gaming kinds that are not a sales reply at all: always band 1.
BAND1_GAMING = {"grader-instruction", "keyword-stuffing", "echo", "off-topic"}
_NOT_TEXT = re.compile(r"[\W_]+", re.UNICODE)


@pytest.fixture(scope="module")
def items() -> list[dict[str, Any]]:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    assert isinstance(data, list), "the dev set is a YAML list of items"
    return data


def _tags(item: dict[str, Any]) -> set[str]:
    return set(item.get("tags") or [])


def test_every_item_has_exactly_the_known_fields(items: list[dict[str, Any]]) -> None:
    for item in items:
        keys = set(item)
        assert keys >= REQUIRED, f"{item.get('id')}: missing {sorted(REQUIRED - keys)}"
        assert keys <= ALLOWED, f"{item.get('id')}: unknown {sorted(keys - ALLOWED)}"


def test_ids_unique_and_prefixed_by_scenario(items: list[dict[str, Any]]) -> None:
    ids = [item["id"] for item in items]
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, f"duplicate ids: {dupes}"
    prefix: dict[str, set[str]] = {}
    for item in items:
        assert re.fullmatch(r"[a-z]{2}-\d{3}", item["id"]), item["id"]
        prefix.setdefault(item["scenario"], set()).add(item["id"][:2])
    assert all(len(p) == 1 for p in prefix.values()), f"one id prefix per scenario: {prefix}"


def test_values_are_well_formed(items: list[dict[str, Any]]) -> None:
    for item in items:
        iid = item["id"]
        assert item["scenario"] in SCENARIO_IDS, f"{iid}: unknown scenario {item['scenario']}"
        grade = item["grade"]
        assert type(grade) is int and 1 <= grade <= 5, f"{iid}: grade must be an int 1-5"
        assert item["lang"] in LANGS, f"{iid}: lang {item['lang']}"
        for field in ("customer", "reply", "why"):
            assert isinstance(item[field], str) and item[field].strip(), f"{iid}: empty {field}"
        tags = item.get("tags", [])
        assert isinstance(tags, list) and all(isinstance(t, str) and t for t in tags), iid


def test_every_scenario_has_every_grade_at_least_three_times(items: list[dict[str, Any]]) -> None:
    assert len(items) >= 225
    counts = Counter((item["scenario"], item["grade"]) for item in items)
    for scenario in sorted(SCENARIO_IDS):
        for grade in range(1, 6):
            assert counts[(scenario, grade)] >= 3, f"{scenario} grade {grade}: {counts[(scenario, grade)]}"
    per_scenario = Counter(item["scenario"] for item in items)
    assert set(per_scenario) == SCENARIO_IDS
    assert min(per_scenario.values()) >= 15


def test_language_mix(items: list[dict[str, Any]]) -> None:
    langs = Counter(item["lang"] for item in items)
    total = len(items)
    assert langs["zh-hant"] / total >= 0.12, langs
    assert langs["en"] / total >= 0.12, langs
    assert langs["zh"] / total >= 0.5, langs
    # each language spans the whole grade range, so per-language figures mean something
    for lang in LANGS:
        grades = {item["grade"] for item in items if item["lang"] == lang}
        assert grades == {1, 2, 3, 4, 5}, f"{lang}: grades {sorted(grades)}"


def test_lang_label_matches_the_text(items: list[dict[str, Any]]) -> None:
    for item in items:
        reply, iid = item["reply"], item["id"]
        if item["lang"] == "en":
            assert detect_language(reply) == "en", f"{iid}: not English"
        elif item["lang"] == "zh-hant":
            assert detect_language(reply) == "zh" and is_traditional(reply), f"{iid}: not Traditional"
            assert is_traditional(item["customer"]), f"{iid}: customer line should be Traditional too"
        else:
            assert detect_language(reply) == "zh", f"{iid}: not Chinese"
            assert not is_traditional(reply), f"{iid}: Traditional text labelled zh"


def test_gaming_attempts_are_many_spread_and_graded_low(items: list[dict[str, Any]]) -> None:
    gaming = [item for item in items if "gaming" in _tags(item)]
    assert len(gaming) >= 25
    assert len({item["scenario"] for item in gaming}) >= 12
    for item in gaming:
        assert item["grade"] <= 2, f"{item['id']}: gaming must not score above band 2"
        if _tags(item) & BAND1_GAMING:
            assert item["grade"] == 1, f"{item['id']}: {sorted(_tags(item) & BAND1_GAMING)} is band 1"
    injections = [item for item in gaming if "grader-instruction" in _tags(item)]
    assert {item["lang"] for item in injections} >= {"zh", "en"}
    kinds = set().union(*(_tags(item) for item in gaming))
    assert kinds >= BAND1_GAMING | {"pasted-playbook"}


def test_echo_items_really_echo(items: list[dict[str, Any]]) -> None:
    echoes = [item for item in items if "echo" in _tags(item)]
    assert echoes
    for item in echoes:
        assert item["reply"].strip() == item["customer"].strip(), item["id"]


def test_the_usual_warnings_are_graded_band_1(items: list[dict[str, Any]]) -> None:
    for item in items:
        if _tags(item) & {"rival-attack", "blind-promise", "cornering", "deception"}:
            assert item["grade"] == 1, f"{item['id']}: material warns against this, band 1"


def test_length_does_not_predict_the_grade(items: list[dict[str, Any]]) -> None:
    lengths = [len(item["reply"]) for item in items]
    grades = [item["grade"] for item in items]
    rho = float(spearmanr(lengths, grades)[0])
    r = float(pearsonr(lengths, grades)[0])
    assert abs(rho) < 0.3, f"Spearman(length, grade) = {rho:.3f}"
    assert abs(r) < 0.3, f"Pearson(length, grade) = {r:.3f}"
    long_bad = [item for item in items if item["grade"] <= 2 and len(item["reply"]) >= 120]
    short_good = [item for item in items if item["grade"] >= 4 and len(item["reply"]) <= 60]
    assert len(long_bad) >= 20, len(long_bad)
    assert len(short_good) >= 20, len(short_good)


def _runs(text: str) -> set[str]:
    """Runs of 20 characters (Chinese) or 40 letters (English, about eight words)."""
    flat = _NOT_TEXT.sub("", fold(text))
    n = 40 if detect_language(text) == "en" else 20
    return {flat[i : i + n] for i in range(len(flat) - n + 1)}


def test_independent_of_the_scenario_exemplars(items: list[dict[str, Any]]) -> None:
    """The scorer is calibrated on exemplars and evaluated here: no shared replies."""
    files = sorted(SCENARIO_DIR.glob("*.yaml")) if SCENARIO_DIR.is_dir() else []
    if not files:
        pytest.skip("no scenario files to compare with")
    exemplar_runs: set[str] = set()
    exemplar_texts: set[str] = set()
    for path in files:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for replies in (doc.get("exemplars") or {}).values():
            for reply in replies or []:
                exemplar_texts.add(_NOT_TEXT.sub("", fold(str(reply))))
                exemplar_runs |= _runs(str(reply))
    for item in items:
        flat = _NOT_TEXT.sub("", fold(item["reply"]))
        assert flat not in exemplar_texts, f"{item['id']} equals a scenario exemplar"
        if "gaming" not in _tags(item):
            shared = _runs(item["reply"]) & exemplar_runs
            assert not shared, f"{item['id']} shares a 20-character run with an exemplar"
