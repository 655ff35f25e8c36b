"""Check the multi-author training corpus (training/replies/*.jsonl) and gaming sets.

Usage: python scripts/check_training_data.py [FILE ...]   (default: every corpus and gaming file)
Prints one line per problem and a summary per file; exits 1 when a problem was found.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
MOVES = set(yaml.safe_load((ROOT / "app/coach/data/moves.yaml").read_text(encoding="utf-8"))["moves"])
SCENARIOS = {p.stem for p in (ROOT / "knowledge/scenarios").glob("*.yaml")}
LANGS = {"zh", "zh-hant", "en", "mixed"}
GAMING = {
    "instruction-obfuscated", "instruction-plain", "instruction-appended", "instruction-codeblock",
    "keyword-list", "keyword-stuffed", "off-topic", "echo-paraphrase", "echo-repeat", "spec-sheet", "emoji",
}


def check_reply(item: dict, where: str) -> list[str]:
    errs = []
    for key in ("id", "author", "scenario", "customer", "sentences", "grade", "why", "lang"):
        if key not in item:
            errs.append(f"{where}: missing {key}")
    if errs:
        return errs
    if item["scenario"] not in SCENARIOS:
        errs.append(f"{where}: unknown scenario {item['scenario']}")
    if item["grade"] not in (1, 2, 3, 4, 5):
        errs.append(f"{where}: grade must be 1-5")
    if item["lang"] not in LANGS:
        errs.append(f"{where}: lang must be one of {sorted(LANGS)}")
    for turn in item.get("context", []):
        if turn.get("role") not in ("customer", "rep") or not str(turn.get("text", "")).strip():
            errs.append(f"{where}: context turns need role customer|rep and text")
    if item.get("context") and item["context"][-1].get("role") != "rep":
        errs.append(f"{where}: the last context turn must be the rep's (the customer's latest line is 'customer')")
    if not item["sentences"]:
        errs.append(f"{where}: no sentences")
    for s in item["sentences"]:
        if not str(s.get("text", "")).strip():
            errs.append(f"{where}: empty sentence")
        bad = [m for m in s.get("moves", []) if m not in MOVES]
        if bad or not s.get("moves"):
            errs.append(f"{where}: sentence moves {s.get('moves')} (unknown: {bad})")
    return errs


def check_gaming(item: dict, where: str) -> list[str]:
    errs = [f"{where}: missing {k}" for k in ("id", "author", "scenario", "customer", "reply", "class", "lang", "max_band") if k not in item]
    if errs:
        return errs
    if item["class"] not in GAMING:
        errs.append(f"{where}: class must be one of {sorted(GAMING)}")
    if item["max_band"] not in (1, 2):
        errs.append(f"{where}: max_band must be 1 or 2")
    if item["scenario"] not in SCENARIOS:
        errs.append(f"{where}: unknown scenario {item['scenario']}")
    return errs


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or sorted((ROOT / "training").glob("*/*.jsonl")) + sorted((ROOT / "tests/data/gaming").glob("*.jsonl"))
    problems = 0
    for f in files:
        gaming = f.parent.name == "gaming" and f.parent.parent.name == "data"  # tests/data/gaming: the test set
        ids: set[str] = set()
        grades: Counter[int] = Counter()
        n = later = sentences = 0
        for no, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{f.name}:{no}"
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                print(f"{where}: not JSON ({exc})")
                problems += 1
                continue
            errs = check_gaming(item, where) if gaming else check_reply(item, where)
            if item.get("id") in ids:
                errs.append(f"{where}: duplicate id {item.get('id')}")
            ids.add(str(item.get("id")))
            for e in errs:
                print(e)
            problems += len(errs)
            n += 1
            if not gaming and not errs:
                grades[item["grade"]] += 1
                later += bool(item.get("context"))
                sentences += len(item["sentences"])
        if gaming:
            print(f"{f.name}: {n} gaming items")
        else:
            print(f"{f.name}: {n} replies, {later} later turns, {sentences} sentences, grades {dict(sorted(grades.items()))}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
