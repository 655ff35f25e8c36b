"""The one chat model: LangChain's ``ChatOpenAI`` pointed at any OpenAI-compatible endpoint.

DeepSeek, Qwen (DashScope), GLM, Kimi, Ollama, vLLM, llama.cpp's server and OpenAI all speak the
chat-completions API, so one client covers them (presets in docs/llm.md). Built once by
:attr:`app.services.container.Services.chat_model`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import SecretStr

from app.config import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

#: Sent when no key is configured: local servers (Ollama, llama.cpp, vLLM) ignore it, and the
#: OpenAI client refuses to start without one.
NO_KEY = "sk-no-key-required"


class LLMNotConfiguredError(RuntimeError):
    """The LLM engine was asked for without an endpoint, or without its client installed."""


def make_chat_model(settings: Settings) -> BaseChatModel:
    """A ``ChatOpenAI`` for ``settings.llm_*``; raises :class:`LLMNotConfiguredError` if it cannot be built.

    ``max_tokens`` travels in ``extra_body``: ChatOpenAI renames its own ``max_tokens`` to
    ``max_completion_tokens``, which llama.cpp's server (and several other compatible servers)
    ignores, so a local model could ramble on until the timeout. ``max_retries=0`` leaves the
    retrying to LangChain's ``with_retry`` in the callers, which know what is worth retrying.
    """
    if not settings.llm_base_url:
        raise LLMNotConfiguredError(
            "COACH_ENGINE=llm needs COACH_LLM_BASE_URL (an OpenAI-compatible …/v1 endpoint, see docs/llm.md); "
            "set it or use COACH_ENGINE=embedded"
        )
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:  # the optional extra is not installed
        raise LLMNotConfiguredError(
            "COACH_ENGINE=llm needs the langchain-openai package: pip install 'key-account-coach[llm]'"
        ) from exc
    key = settings.llm_api_key or SecretStr(NO_KEY)
    return ChatOpenAI(
        model=settings.llm_model,
        base_url=settings.llm_base_url,
        api_key=key,
        timeout=settings.llm_timeout_s,
        max_retries=0,
        temperature=settings.llm_temperature,
        extra_body={"max_tokens": settings.llm_max_tokens},
        stream_usage=True,  # a streamed customer line reports its tokens too (the daily budget counts them)
    )


def transient_errors() -> tuple[type[BaseException], ...]:
    """Endpoint errors worth one more try: overload and server errors, not refusals or timeouts.

    A refused connection or a timeout is not retried: the endpoint is down or too slow, and the
    rep is waiting; the circuit breaker, not a retry, deals with a dead endpoint.
    """
    try:
        import openai
    except ImportError:  # fake models in tests: nothing transient to retry
        return ()
    return (openai.RateLimitError, openai.InternalServerError)
