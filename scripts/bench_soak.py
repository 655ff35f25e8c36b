"""Soak benchmark: does a serving process's memory stay flat under repeated identical load?

Starts ``coach serve`` (one worker, a private data dir, the configured embedding backend) on a
loopback port, then runs ``--rounds`` identical rounds of load: ``--sessions`` sessions each get
``--replies`` replies from a small pool of threads, plus ``--unknown`` replies to session ids
that do not exist (the old per-session lock map kept an entry for each of those). After each
round and after an idle pause, it reads the server's resident set size from /proc. A bounded
server grows during warm-up (models, caches filling) and then stays flat.

    .venv/bin/python scripts/bench_soak.py --rounds 5 --sessions 20 --replies 5 --unknown 2000
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from serving import free_port, start_server

REPLIES = [
    "理解您的顾虑。方便说说您主要拿哪几项在比较吗？",
    "我们的方案包含三年上门维修，算下来每年能省不少停机损失。",
    "除了价格，您最看重的是稳定性还是售后？",
    "上季度我们给同行业客户部署后，故障率降了三成。",
    "您看下周二上午我带案例来当面聊聊？",
]


def rss_mib(pid: int) -> float:
    """Resident set size of ``pid`` in MiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def one_round(base: str, sessions: int, replies: int, unknown: int) -> dict[str, float]:
    started = time.perf_counter()
    statuses: list[int] = []
    with httpx.Client(base_url=base, timeout=120) as http:
        sids = [http.post("/api/v1/sessions", json={"scenario": "price-objection", "seed": i}).json()["id"] for i in range(sessions)]

    def play(sid: str) -> list[int]:
        with httpx.Client(base_url=base, timeout=120) as http:
            return [http.post(f"/api/v1/sessions/{sid}/messages", json={"text": REPLIES[i % len(REPLIES)]}).status_code
                    for i in range(replies)]  # fmt: skip

    def stray(n: int) -> list[int]:
        with httpx.Client(base_url=base, timeout=60) as http:
            return [http.post(f"/api/v1/sessions/{uuid.uuid4().hex}/messages", json={"text": "你好"}).status_code
                    for _ in range(n)]  # fmt: skip

    with ThreadPoolExecutor(8) as pool:
        for codes in pool.map(play, sids):
            statuses += codes
        for codes in pool.map(stray, [unknown // 8] * 8):
            statuses += codes
    return {"seconds": time.perf_counter() - started, "5xx": float(sum(s >= 500 for s in statuses))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--replies", type=int, default=5)
    ap.add_argument("--unknown", type=int, default=2000)
    ap.add_argument("--idle", type=float, default=10.0, help="seconds of idle before the last reading")
    args = ap.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = start_server(Path(tmp) / "data", port)
        base = f"http://127.0.0.1:{port}"
        try:
            readings = [{"round": 0, "rss_mib": rss_mib(proc.pid)}]
            for r in range(1, args.rounds + 1):
                res = one_round(base, args.sessions, args.replies, args.unknown)
                readings.append({"round": r, "rss_mib": rss_mib(proc.pid), **res})
                print(json.dumps(readings[-1]), flush=True)
            time.sleep(args.idle)
            readings.append({"round": "idle", "rss_mib": rss_mib(proc.pid)})
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    after_warmup = [float(x["rss_mib"]) for x in readings[2:]]
    growth = after_warmup[-1] - after_warmup[0] if len(after_warmup) > 1 else 0.0
    print(json.dumps({"readings": readings, "growth_after_round_1_mib": round(growth, 1),
                      "median_after_round_1_mib": round(statistics.median(after_warmup), 1)}, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
