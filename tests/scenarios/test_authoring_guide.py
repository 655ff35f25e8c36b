"""knowledge/scenarios/README.md stays true: its example validates and it explains every field."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from app.config import REPO_ROOT
from app.scenarios.loader import parse_scenario
from app.scenarios.schema import CustomerState, Localized, Motive, Persona, Rubric, Rule, Scenario

GUIDE = REPO_ROOT / "knowledge" / "scenarios" / "README.md"
FIXTURE = Path(__file__).with_name("printer-upgrade.yaml")


def _yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)


def test_minimal_example_validates_and_matches_the_fixture() -> None:
    blocks = _yaml_blocks()
    assert blocks, "the guide has no ```yaml example"
    scenario = parse_scenario(blocks[0], "README.md example")
    fixture = parse_scenario(FIXTURE.read_text(encoding="utf-8"), FIXTURE.name)
    assert scenario == fixture


def test_every_schema_field_is_explained() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    models: list[type[BaseModel]] = [Scenario, Persona, Motive, CustomerState, Rubric, Rule, Localized]
    missing = [f"{m.__name__}.{name}" for m in models for name in m.model_fields if f"`{name}`" not in text]
    assert not missing, f"README.md does not explain: {missing}"
