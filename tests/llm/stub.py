"""A real loopback HTTP server speaking OpenAI's chat-completions API (plain and SSE streaming).

It records every request (body and headers) and answers with whatever its ``responder`` returns
for the request body, so a test can script a customer, a judge, a slow or a dying endpoint.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietServer(ThreadingHTTPServer):
    """Does not print a traceback when a client gives up first (the timeout tests do)."""

    def handle_error(self, request: object, client_address: object) -> None:
        return


@dataclass
class Reply:
    """What the stub answers: text, after ``delay`` s, with ``status``; ``drop`` closes the socket."""

    text: str = "嗯，你接着说。"
    delay: float = 0.0
    status: int = 200
    drop: bool = False
    pace: float = 0.0  # seconds between streamed pieces


@dataclass
class Recorded:
    """One request the stub received."""

    path: str
    headers: dict[str, str]  # names in lower case
    body: dict[str, object]


@dataclass
class StubLLM:
    """The server; ``start()`` binds 127.0.0.1 on a free port, ``stop()`` shuts it down."""

    responder: Callable[[dict[str, object]], Reply] = field(default=lambda body: Reply())
    requests: list[Recorded] = field(default_factory=list)

    def start(self) -> StubLLM:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # quiet test output
                return

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                body = json.loads(raw or b"{}")
                stub.requests.append(
                    Recorded(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                reply = stub.responder(body)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    return
                if reply.status != 200:
                    self._send(
                        reply.status,
                        "application/json",
                        json.dumps({"error": {"message": "stub error"}}).encode(),
                    )
                    return
                if body.get("stream"):
                    options = body.get("stream_options")
                    usage = isinstance(options, dict) and bool(options.get("include_usage"))
                    self._stream(reply.text, reply.pace, usage)
                    return
                message = {"role": "assistant", "content": reply.text}
                payload = {
                    "id": "stub-1", "object": "chat.completion", "created": 0, "model": str(body.get("model")),
                    "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }  # fmt: skip
                self._send(200, "application/json", json.dumps(payload, ensure_ascii=False).encode())

            def _send(self, status: int, ctype: str, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, text: str, pace: float = 0.0, usage: bool = False) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                pieces = [text[i : i + 3] for i in range(0, len(text), 3)]
                for i, piece in enumerate(pieces):
                    delta = {"role": "assistant", "content": piece} if i == 0 else {"content": piece}
                    self._event({"choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
                    if pace:
                        time.sleep(pace)
                self._event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                if usage:
                    self._event({"choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": len(pieces),
                                                          "total_tokens": 1 + len(pieces)}})  # fmt: skip
                self.wfile.write(b"data: [DONE]\n\n")
                self.close_connection = True

            def _event(self, chunk: dict[str, object]) -> None:
                full = {
                    "id": "stub-1",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": "stub",
                    **chunk,
                }
                self.wfile.write(f"data: {json.dumps(full, ensure_ascii=False)}\n\n".encode())
                self.wfile.flush()

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        """The ``…/v1`` base URL to configure."""
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
