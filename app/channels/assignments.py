"""Tell a rep about a new assignment where they practise: a Slack DM with a start button, a WeCom message.

The rep's outside identities (the identities table) say where to reach them; a rep with none is
only shown the assignment in the web app. Runs after the response (a background task), so a
slow or failing chat platform never fails the trainer's request; failures are logged.
"""

from __future__ import annotations

import logging

from app.db.models import Identity
from app.services.container import Services

log = logging.getLogger(__name__)


async def announce_assignment(services: Services, user_id: int, scenario_id: str, note: str) -> int:
    """Send the assignment to each of the rep's chat identities; how many were reached."""
    from sqlalchemy import select

    with services.database.session() as db:
        identities = [(i.channel, i.external_id) for i in db.scalars(select(Identity).where(Identity.user_id == user_id))]
    if not identities or scenario_id not in services.scenarios:
        return 0
    scenario = services.scenarios.get(scenario_id)
    lang = services.settings.language
    title = scenario.title.get(lang)
    reached = 0
    for channel, external_id in identities:
        try:
            if channel == "slack" and services.slack is not None:
                await services.slack.send_assignment(external_id, scenario_id, title, note, lang)
            elif channel == "wecom" and services.wecom is not None:
                await services.wecom.send_assignment(external_id, scenario_id, title, note, lang)
            else:
                continue
            reached += 1
        except Exception:  # a chat platform being down must not lose the assignment (it is stored)
            log.warning("could not tell %s user %s about assignment %s", channel, external_id, scenario_id, exc_info=True)
    return reached
