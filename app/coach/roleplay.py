"""The role-play engine: a simulated customer that reacts to what the rep does.

A session is the scenario + a seeded persona instance (the hidden motive) +
the customer's state.  Each rep reply is scored, its moves are read from the
score, and the scenario's transitions decide the next state by the move
priority (attack_rival > blind_promise > off_topic > concede > close >
defer_honestly > probe > quantify > value > empathise > default).  The
customer's line is a variant of the new state not yet said in this session;
in a ``reveal_motive`` state the session's motive is voiced.  Everything
random is drawn from ``Random(f"{seed}:{turn}:…")``, so the same seed and
the same replies replay the same conversation.  A ``mode: scripted`` scenario
skips all of this: the trainer fixed the customer's lines, so its one opening
and then ``script[n]`` after reply n are said verbatim (every reply is still
scored) and the session ends after the last line.
"""

from __future__ import annotations

import random
import secrets

from app.coach.difficulty import adjust, turn_limit
from app.coach.errors import SessionDoneError
from app.coach.scorecard import build_scorecard
from app.coach.voice import ScriptedVoice
from app.domain import Difficulty, RoleplaySession, Scorecard, ScoreResult, Turn, TurnResult
from app.ports import CustomerVoice, ScenarioSource, Scorer
from app.scenarios.schema import Scenario
from app.text.fold import detect_language


def choose_transition(moves: list[str], transitions: dict[str, str]) -> tuple[str, str]:
    """(transition key, target state) for the detected ``moves`` by the engine's priority.

    The priority is the order of ``app/coach/data/engine_moves.yaml``, the same table that
    maps the scorer's fine moves onto these coarse ones: the customer reacts to what the
    coach read in the reply.
    """
    from app.coach.rubric import vocabulary

    present = set(moves)
    for move in vocabulary().engine:
        if move in present and move in transitions:
            return move, transitions[move]
    return "default", transitions["default"]


def effective_moves(moves: list[str], transitions: dict[str, str], scenario: Scenario) -> list[str]:
    """The moves the engine reacts to: a proposed time that comes with real work is not a push.

    A reply that apologises, answers the concern or defers honestly *and* proposes a time
    ("…先从广州仓调货，今天下午三点前给您确切到货时间") is not a bare push to sign.  Where the
    state's ``close`` does not end the conversation (it leads to a pushed or angrier state), such
    a reply is read by its other moves.  Pressure (an ultimatum, a deadline the customer did not
    ask for) always counts as a close, whatever else the reply does.
    """
    if "pressure" in moves:
        return moves if "close" in moves else ["close", *moves]
    if "close" not in moves or "close" not in transitions:
        return moves
    if not {"value", "quantify", "empathise", "defer_honestly", "probe"} & set(moves):
        return moves
    if scenario.state(transitions["close"]).ending is not None:
        return moves  # here a close ends in a deal or a meeting: it is the move that counts
    return [m for m in moves if m != "close"]


class RoleplayService:
    """Starts sessions, plays rep replies, and sums sessions up; stateless between calls."""

    def __init__(self, registry: ScenarioSource, scorer: Scorer, voice: CustomerVoice | None = None) -> None:
        self.registry = registry
        self.scorer = scorer
        self.voice: CustomerVoice = voice or ScriptedVoice()

    def start(
        self, scenario_id: str, seed: int | None = None, lang: str = "zh", difficulty: Difficulty = "normal"
    ) -> RoleplaySession:
        """A new session whose first transcript line is the customer's opening."""
        scenario = self.registry.get(scenario_id)
        seed = secrets.randbelow(2**31) if seed is None else int(seed)
        if scenario.mode == "scripted":
            return _scripted_start(scenario, seed, lang).model_copy(update={"difficulty": difficulty})
        rng = random.Random(f"{seed}:start")
        motives = scenario.persona.motives
        motive = rng.choices(motives, weights=[m.weight for m in motives], k=1)[0]
        opening = self.voice.opening(scenario, rng)
        return RoleplaySession(
            scenario_id=scenario.id,
            seed=seed,
            motive_id=motive.id,
            state_id=scenario.initial_state,
            used_lines=[opening],
            transcript=[Turn(role="customer", text=opening, state=scenario.initial_state)],
            language="en" if lang == "en" else "zh",
            difficulty=difficulty,
        )

    def reply(self, session: RoleplaySession, text: str) -> TurnResult:
        """Play one rep reply; returns a new session (the given one is not changed)."""
        if session.done:
            raise SessionDoneError(session.outcome)
        scenario = self.registry.get(session.scenario_id)
        customer = next((t.text for t in reversed(session.transcript) if t.role == "customer"), "")
        lang = "en" if session.language == "en" or detect_language(text) == "en" else "zh"
        earlier = [{"role": t.role, "text": t.text} for t in session.transcript[:-1]]
        score = self.scorer.score(scenario.id, customer, text, lang=lang, context=earlier)
        if scenario.mode == "scripted":
            return _scripted_reply(scenario, session, text, score)
        state = scenario.state(session.state_id)
        transitions = {str(k): v for k, v in state.transitions.items()}
        move, target_id = choose_transition(effective_moves(score.moves, transitions, scenario), transitions)
        held = list(session.held)
        target_id = adjust(session.difficulty, move, state.id, target_id, held)
        target = scenario.state(target_id)
        turn = session.turn + 1
        rng = random.Random(f"{session.seed}:{turn}:{target_id}")
        used = list(session.used_lines)
        outcome: str | None = None
        if target.ending is not None:
            outcome = target.ending
            line = self.voice.ending(list(target.lines), rng, used)
        elif turn >= turn_limit(scenario.turn_limit, session.difficulty):
            outcome = "turn_limit"
            line = self.voice.ending(list(scenario.turn_limit_lines), rng, used)
        else:
            said = [{"role": t.role, "text": t.text} for t in session.transcript] + [{"role": "rep", "text": text}]
            line = self.voice.line(
                scenario, target_id, session.motive_id, rng, used, context=said, difficulty=session.difficulty
            )
        new = session.model_copy(deep=True)
        new.turn = turn
        new.state_id = target_id
        new.used_lines = used
        new.held = held
        new.transcript.append(Turn(role="rep", text=text, score=score))
        new.transcript.append(Turn(role="customer", text=line, state=target_id))
        new.done = outcome is not None
        new.outcome = outcome  # type: ignore[assignment]
        return TurnResult(customer=line, score=score, done=new.done, outcome=outcome, session=new)

    def scorecard(self, session: RoleplaySession) -> Scorecard:
        """The end-of-session summary (also works on an unfinished session)."""
        return build_scorecard(self.registry, session)


#: The state recorded for every turn of a scripted scenario (it has no state machine).
SCRIPT_STATE = "script"


def _scripted_start(scenario: Scenario, seed: int, lang: str) -> RoleplaySession:
    """A scripted session: the one opening, verbatim (the trainer fixed it; no voice rephrases it)."""
    opening = scenario.openings[0]
    motive = scenario.persona.motives[0].id if scenario.persona.motives else ""
    return RoleplaySession(
        scenario_id=scenario.id,
        seed=seed,
        motive_id=motive,
        state_id=SCRIPT_STATE,
        used_lines=[opening],
        transcript=[Turn(role="customer", text=opening, state=SCRIPT_STATE)],
        language="en" if lang == "en" else "zh",
    )


def _scripted_reply(
    scenario: Scenario, session: RoleplaySession, text: str, score: ScoreResult
) -> TurnResult:
    """The script's next line after a scored reply; the last line ends with ``script_ending``."""
    turn = session.turn + 1
    line = scenario.script[min(turn, len(scenario.script)) - 1]
    outcome = scenario.script_ending if turn >= len(scenario.script) else None
    new = session.model_copy(deep=True)
    new.turn = turn
    new.used_lines.append(line)
    new.transcript.append(Turn(role="rep", text=text, score=score))
    new.transcript.append(Turn(role="customer", text=line, state=SCRIPT_STATE))
    new.done = outcome is not None
    new.outcome = outcome
    return TurnResult(customer=line, score=score, done=new.done, outcome=outcome, session=new)
