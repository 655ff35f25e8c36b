"""The scripted customer voice: the scenario author's own lines, never repeated in a session.

The embedded engine's :class:`app.ports.CustomerVoice`. The state machine has already chosen
the customer's move; this picks which of the author's variants says it. An LLM voice (issue 11)
phrases the same move in its own words and plugs in through the same Protocol.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from app.domain import Difficulty
from app.scenarios.schema import Scenario


def pick(rng: random.Random, options: Sequence[str], used: list[str]) -> str:
    """A variant not said yet in this session; when all were said, any but the last one."""
    fresh = [o for o in options if o not in used]
    if not fresh:
        fresh = [o for o in options if not used or o != used[-1]] or list(options)
    return rng.choice(fresh)


class ScriptedVoice:
    """Lines straight from the scenario file; a ``reveal_motive`` state voices the hidden motive."""

    def opening(self, scenario: Scenario, rng: random.Random) -> str:
        """One of the scenario's openings."""
        return rng.choice(list(scenario.openings))

    def line(
        self,
        scenario: Scenario,
        state_id: str,
        motive_id: str,
        rng: random.Random,
        used: list[str],
        *,
        context: Sequence[Mapping[str, str]] = (),
        difficulty: Difficulty = "normal",
    ) -> str:
        """A variant of the state's lines, plus the motive's reveal where the state asks for it.

        ``context`` is ignored: the author's lines do not depend on the wording of the reply.
        """
        state = scenario.state(state_id)
        line = pick(rng, list(state.lines), used)
        if state.reveal_motive:
            motive = next((m for m in scenario.persona.motives if m.id == motive_id), scenario.persona.motives[0])
            reveal = pick(rng, list(motive.reveal), used)
            used.append(reveal)
            line = f"{line}{reveal}"
        used.append(line)
        return line

    def ending(self, lines: Sequence[str], rng: random.Random, used: list[str]) -> str:
        """A closing line not said yet."""
        line = pick(rng, list(lines), used)
        used.append(line)
        return line
