"""Trainer scenario authoring: validate YAML, preview it, save it and reload.

Saved files go to ``settings.trainer_scenarios_path`` as ``<id>.yaml``; the
registry is reloaded in place so a new scenario is playable at once. A
save that would break loading (an id clash with a built-in scenario) is
rolled back and reported like a validation error.
"""

from __future__ import annotations

from pathlib import Path

from app.scenarios.loader import ScenarioError, parse_scenario
from app.scenarios.schema import Scenario
from app.services.container import Services


def check(text: str) -> Scenario:
    """The scenario in ``text`` or :class:`ScenarioError` naming the field."""
    try:
        return parse_scenario(text, "yaml")
    except ScenarioError as exc:
        # The editor has no file name: keep only "field: problem; field: problem".
        raise ScenarioError(str(exc).removeprefix("yaml: ")) from exc


def trainer_file(services: Services, scenario_id: str) -> Path:
    """Where a trainer's scenario with this id is (or would be) saved."""
    return services.settings.trainer_scenarios_path / f"{scenario_id}.yaml"


def is_trainer_owned(services: Services, scenario_id: str) -> bool:
    """True when the scenario comes from the trainer's directory (so it may be edited)."""
    return trainer_file(services, scenario_id).is_file()


def save(services: Services, text: str) -> Scenario:
    """Validate, write ``<id>.yaml`` to the trainer directory and reload the registry."""
    scenario = check(text)
    registry = services.scenarios
    owned = is_trainer_owned(services, scenario.id)
    if scenario.id in registry and not owned:
        raise ScenarioError(f"{scenario.id}: id: a built-in scenario already uses '{scenario.id}'; choose another id")
    registry.check_new(scenario, replacing=owned)
    path = trainer_file(services, scenario.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    previous = path.read_text(encoding="utf-8") if owned else None
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    try:
        registry.reload()
    except ScenarioError:
        if previous is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(previous, encoding="utf-8")
        registry.reload()
        raise
    return scenario
