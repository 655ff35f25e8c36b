"""Trainer scenario authoring: validate YAML, preview it, save it to the database.

Saved scenarios go to the ``trainer_scenarios`` table through the
:class:`~app.scenarios.catalog.ScenarioCatalog`, which every worker refreshes, so a new
scenario is playable at once everywhere. Ids of built-in and company-directory scenarios
are taken: saving one is reported like a validation error. Scenarios are found by id in the
catalog, never by a path built from a request.
"""

from __future__ import annotations

from app.scenarios.catalog import ScenarioCatalog
from app.scenarios.loader import ScenarioError, parse_scenario
from app.scenarios.schema import Scenario
from app.services.container import Services


def _clean(exc: ScenarioError) -> ScenarioError:
    # The editor has no file name: keep only "field: problem; field: problem".
    return ScenarioError(str(exc).removeprefix("yaml: "))


def check(text: str) -> Scenario:
    """The scenario in ``text`` or :class:`ScenarioError` naming the field."""
    try:
        return parse_scenario(text, "yaml")
    except ScenarioError as exc:
        raise _clean(exc) from exc


def catalog(services: Services) -> ScenarioCatalog:
    """The database-backed scenario catalog of the composition root."""
    return services.scenarios


def is_trainer_owned(services: Services, scenario_id: str) -> bool:
    """True when the scenario is a trainer's (in the database), so it may be edited and deleted."""
    return catalog(services).owned(scenario_id)


def source(services: Services, scenario_id: str) -> str | None:
    """The YAML of a known scenario (for the editor and export), None for an unknown id."""
    return catalog(services).source(scenario_id)


def save(services: Services, text: str, user_id: int | None = None) -> Scenario:
    """Validate and save a trainer's scenario; playable at once. Errors read like :func:`check`'s."""
    check(text)
    try:
        return catalog(services).save(text, user_id)
    except ScenarioError as exc:
        raise _clean(exc) from exc


def delete(services: Services, scenario_id: str) -> bool:
    """Delete a trainer's scenario; False when no trainer scenario has this id."""
    return catalog(services).delete(scenario_id)
