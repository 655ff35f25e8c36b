"""The LLM customer voice: the state machine's chosen move, in the model's own words.

The scenario's state machine has already decided what the customer does (the state); this voice
only phrases it, answering what the rep just said, in the persona's manner and the session's
language. The scripted line is always drawn first: it is the intent the model is asked to
express, and the answer whenever the model is unavailable, slow, or slips out of the role
(:mod:`app.llm.guard`). The opening and the closing lines stay scripted: they answer nothing.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Mapping, Sequence

from langchain_core.callbacks import get_usage_metadata_callback
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable

from app.coach.voice import ScriptedVoice
from app.domain import Difficulty
from app.llm.breaker import CircuitBreaker
from app.llm.budget import TokenBudget
from app.llm.chat import transient_errors
from app.llm.guard import inversion
from app.llm.prompts import PromptRenderer
from app.llm.streaming import PIECES, Sink
from app.observability.metrics import observe_llm, record_llm_error
from app.scenarios.schema import Scenario
from app.text.fold import detect_language

log = logging.getLogger(__name__)

#: Earlier turns shown to the model; older ones add cost, not consistency.
MAX_TURNS = 12

_TYPES = ("personality", "decision_style", "value_type")


class LLMVoice:
    """:class:`app.ports.CustomerVoice` backed by a chat model, with the scripted voice as fallback."""

    def __init__(
        self,
        model: BaseChatModel,
        renderer: PromptRenderer,
        breaker: CircuitBreaker,
        fallback: ScriptedVoice | None = None,
        budget: TokenBudget | None = None,
    ) -> None:
        self.fallback = fallback or ScriptedVoice()
        self.budget = budget
        self.model = model
        self.renderer = renderer
        self.breaker = breaker
        self.chain: Runnable[list[BaseMessage], BaseMessage] = model.with_retry(
            retry_if_exception_type=transient_errors(),
            stop_after_attempt=2,
            wait_exponential_jitter=False,  # retry at once: a rep is waiting
        )

    def opening(self, scenario: Scenario, rng: random.Random) -> str:
        """The scripted opening (there is nothing to answer yet)."""
        return self.fallback.opening(scenario, rng)

    def ending(self, lines: Sequence[str], rng: random.Random, used: list[str]) -> str:
        """A scripted closing line: the outcome is the state machine's, said as its author wrote it."""
        return self.fallback.ending(lines, rng, used)

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
        """The customer's line in ``state_id``, answering the last rep turn of ``context``."""
        scripted = self.fallback.line(scenario, state_id, motive_id, rng, used)
        rep_last = next((t.get("text", "") for t in reversed(context) if t.get("role") == "rep"), "")
        if self.budget is not None and self.budget.exhausted():
            return scripted
        if not rep_last or not self.breaker.allow():
            return scripted
        state = scenario.state(state_id)
        motive = next((m for m in scenario.persona.motives if m.id == motive_id), scenario.persona.motives[0])
        lang = _language(context)
        started = time.perf_counter()
        try:  # everything after allow(): a half-open probe must always be settled
            prompt = self.renderer.render(
                "customer",
                {
                    "persona": {
                        "name": scenario.persona.name,
                        "company": scenario.persona.company,
                        "role": scenario.persona.role,
                        "types": [v for v in (getattr(scenario.persona, k) for k in _TYPES) if v],
                        "background": scenario.persona.background.get(lang),
                    },
                    "scenario_title": scenario.title.get(lang),
                    "turn": sum(1 for t in context if t.get("role") == "rep"),
                    "turn_limit": scenario.turn_limit,
                    "motive": motive.description.get(lang),
                    "reveal_now": state.reveal_motive,
                    "reveal_lines": list(motive.reveal),
                    "state_id": state.id,
                    "state_description": state.description,
                    "state_lines": list(state.lines),
                    "language": lang,
                    "difficulty": difficulty,
                    "transcript": [dict(t) for t in context[-MAX_TURNS:-1]],
                    "rep_last": rep_last,
                },
            )
            with get_usage_metadata_callback() as usage:
                sink = PIECES.get()
                answer = self.chain.invoke(prompt.messages()) if sink is None else _streamed(self.model, prompt.messages(), sink)
            if self.budget is not None:
                self.budget.spend(usage)
        except Exception as exc:  # endpoint down, slow or refusing: the scripted line answers
            self.breaker.failure()
            record_llm_error("customer", type(exc).__name__)
            log.warning("LLM voice unavailable (%s); using the scripted line", type(exc).__name__)
            return scripted
        observe_llm("customer", time.perf_counter() - started)
        self.breaker.success()
        text = _text(answer)
        secrets = (
            [] if state.reveal_motive else [motive.description.zh, motive.description.en, *motive.reveal]
        )
        why = inversion(text, language=lang, secrets=[s for s in secrets if s], rep_last=rep_last)
        if why is not None:
            log.info("LLM customer line rejected (%s); using the scripted line", why)
            return scripted
        used.append(text)
        return text


def _streamed(model: BaseChatModel, messages: list[BaseMessage], sink: Sink) -> str:
    """The line streamed from the model, each piece handed to ``sink`` as it arrives.

    No retry here (a half-streamed line cannot be taken back); a failure mid-stream is handled like
    any other: the scripted line answers, and the channel shows the final text when the turn ends.
    """
    parts: list[str] = []
    for chunk in model.stream(messages):
        piece = chunk.content if isinstance(chunk.content, str) else ""
        if piece:
            parts.append(piece)
            sink(piece)
    return "".join(parts)


def _language(context: Sequence[Mapping[str, str]]) -> str:
    """The session's language as the role-play engine reads it: English when the rep writes English."""
    reps = [t.get("text", "") for t in context if t.get("role") == "rep"]
    return "en" if reps and detect_language(reps[-1]) == "en" else "zh"


def _text(message: BaseMessage | str) -> str:
    """The plain text of a model answer (a message, or a streamed line), without wrapping quotes."""
    text = message if isinstance(message, str) else message.text
    return text.strip().strip('"“”「」').strip()
