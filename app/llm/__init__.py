"""The LLM engine: an OpenAI-compatible chat model behind the embedded engine's contracts.

The scenario's state machine still decides what the customer does and the embedded scorer still
scores every reply; the chat model only phrases the customer's move (:mod:`app.llm.voice`) and
adds a second opinion to the score (:mod:`app.llm.judge`). Whatever goes wrong with the model
(down, slow, malformed, manipulated) the embedded answer is given instead, so a practice never
stops because a model did. See docs/llm.md.
"""
