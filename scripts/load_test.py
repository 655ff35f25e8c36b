"""Load and fault test: N concurrent role-play sessions against `coach serve` with 1 or more workers.

Loopback only, bounded in time. For each worker count and each N, it starts a fresh server on a
private data dir (SQLite unless ``--database-url``), opens N sessions and has each play
``--turns`` replies concurrently (one asyncio loop with aiohttp by default, the lighter load
generator on the server's own two cores; ``--client threads``: a thread per session with httpx),
then reports turns/s and p50/p95 turn latency. ``--think S``: each rep pauses about S seconds
between answers (the first answer within S), so the run measures latency at an offered rate of
about N / (S + latency) turns a second rather than the server's saturated capacity. With
``--kill``, one worker is killed with SIGKILL two seconds into each run (uvicorn's supervisor
starts a new one); afterwards the database is checked: every acknowledged reply (HTTP 200) is
stored exactly once, scored and answered, and every session's ``seq`` runs without gaps.

    .venv/bin/python scripts/load_test.py --workers 1 2 --sessions 10 50 100 --turns 5
    .venv/bin/python scripts/load_test.py --workers 2 --sessions 50 --turns 5 --kill
    .venv/bin/python scripts/load_test.py --workers 1 2 --sessions 50 --turns 5 --think 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from serving import free_port, start_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REPLIES = [
    "理解您的顾虑。方便说说您主要拿哪几项在比较吗？",
    "我们的方案包含三年上门维修，算下来每年能省不少停机损失。",
    "除了价格，您最看重的是稳定性还是售后？",
    "上季度我们给同行业客户部署后，故障率降了三成。",
    "您看下周二上午我带案例来当面聊聊？",
]


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


def server_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of the server and its workers so far (Linux /proc)."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # a worker that just exited (or was killed)
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        todo += children(p)
    return total


def think_times(think: float, sessions: int, turns: int) -> list[list[float]]:
    """Each session's pause before each of its turns: none when ``think`` is 0 (every session
    sends again as soon as it is answered: the server's capacity); otherwise a random start within
    the first ``think`` seconds, then ``think`` ± 50 % between turns, so N sessions offer about
    N / (think + latency) turns a second instead of arriving in lockstep."""
    import random

    rng = random.Random(0)
    if think <= 0:
        return [[0.0] * turns for _ in range(sessions)]
    return [[rng.uniform(0, think)] + [think * rng.uniform(0.5, 1.5) for _ in range(turns - 1)] for _ in range(sessions)]


def run(
    base: str, sessions: int, turns: int, kill_from: int | None, server: int | None = None, client: str = "async",
    think: float = 0.0,
) -> dict[str, object]:
    with httpx.Client(base_url=base, timeout=60) as http:
        sids = [http.post("/api/v1/sessions", json={"scenario": "price-objection", "seed": i}).json()["id"]
                for i in range(sessions)]  # fmt: skip
    pauses = think_times(think, sessions, turns)
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    acknowledged: list[tuple[str, str]] = []
    lock = threading.Lock()

    def text_of(idx: int, t: int) -> str:
        return f"{REPLIES[t % len(REPLIES)]}（#{idx}-{t}）"

    def record(idx: int, text: str, status: str, began: float) -> None:
        with lock:
            outcomes[status] += 1
            if status == "200":
                latencies.append(time.perf_counter() - began)
                acknowledged.append((sids[idx], text))

    def play(idx: int) -> None:
        with httpx.Client(base_url=base, timeout=120) as http:
            for t in range(turns):
                time.sleep(pauses[idx][t])
                text, began = text_of(idx, t), time.perf_counter()
                try:
                    r = http.post(f"/api/v1/sessions/{sids[idx]}/messages", json={"text": text})
                    status = str(r.status_code)
                except httpx.HTTPError:
                    status = "connection"
                record(idx, text, status, began)

    async def play_all() -> None:
        # One event loop and one connection pool for every session: the load generator shares
        # the two cores with the server, and N threads of httpx cost it 12-37 ms CPU a turn.
        import aiohttp

        async def one(idx: int, http: aiohttp.ClientSession) -> None:
            for t in range(turns):
                await asyncio.sleep(pauses[idx][t])
                text, began = text_of(idx, t), time.perf_counter()
                try:
                    async with http.post(f"{base}/api/v1/sessions/{sids[idx]}/messages", json={"text": text}) as r:
                        await r.read()
                        status = str(r.status)
                except (TimeoutError, aiohttp.ClientError):
                    status = "connection"
                record(idx, text, status, began)

        timeout = aiohttp.ClientTimeout(total=120)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=sessions), timeout=timeout) as http:
            await asyncio.gather(*(one(i, http) for i in range(sessions)))

    killed: list[int] = []
    if kill_from is not None:
        def killer() -> None:
            time.sleep(2.0)
            pids = children(kill_from)
            if pids:
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])

        threading.Thread(target=killer, daemon=True).start()
    began, cpu0 = time.perf_counter(), (server_cpu_s(server) if server else 0.0)
    client0 = time.process_time()
    if client == "threads":
        with ThreadPoolExecutor(sessions) as pool:
            list(pool.map(play, range(sessions)))
    else:
        asyncio.run(play_all())
    wall = time.perf_counter() - began
    lat = sorted(latencies)
    cpu = {  # where the two cores went, per acknowledged turn (a killed worker's share is lost)
        "server_cpu_ms_per_turn": round((server_cpu_s(server) - cpu0) * 1000 / max(len(lat), 1)) if server else None,
        "client_cpu_ms_per_turn": round((time.process_time() - client0) * 1000 / max(len(lat), 1)),
    }
    return {**cpu, 
        "sessions": sessions, "turns": len(lat), "wall_s": round(wall, 2), "turns_per_s": round(len(lat) / wall, 1),
        "p50_ms": round(statistics.median(lat) * 1000) if lat else None,
        "p95_ms": round(lat[int(0.95 * (len(lat) - 1))] * 1000) if lat else None,
        "outcomes": dict(outcomes), "killed": killed, "session_ids": sids, "acknowledged": acknowledged,
    }  # fmt: skip


def check(url: str, result: dict[str, object]) -> dict[str, int]:
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from app.db.engine import Database
    from app.db.models import Message

    sids = list(result["session_ids"])  # type: ignore[call-overload]
    acked = list(result["acknowledged"])  # type: ignore[call-overload]
    database = Database(url)
    with database.session() as db:
        rows = db.scalars(select(Message).where(Message.session_id.in_(sids)).options(selectinload(Message.score))).all()
        scored = Counter((m.session_id, m.text) for m in rows if m.role == "rep" and m.score is not None)
        gaps = 0
        for sid in sids:
            seqs = sorted(m.seq for m in rows if m.session_id == sid)
            gaps += seqs != list(range(len(seqs)))
    database.dispose()
    lost = sum(1 for key in acked if scored[tuple(key)] == 0)
    duplicated = sum(1 for key in acked if scored[tuple(key)] > 1)
    return {"acknowledged": len(acked), "lost": lost, "duplicated": duplicated, "sessions_with_seq_gaps": gaps}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--sessions", type=int, nargs="+", default=[10, 50, 100])
    ap.add_argument("--turns", type=int, default=5)
    ap.add_argument("--kill", action="store_true", help="SIGKILL one worker two seconds into each run")
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--think", type=float, default=0.0,
                    help="seconds a rep takes between answers (± 50 %%); 0: send again at once (capacity)")
    ap.add_argument("--client", choices=["async", "threads"], default="async",
                    help="load generator: one asyncio loop with aiohttp (light), or a thread per session with httpx")
    args = ap.parse_args()
    rows = []
    for workers in args.workers:
        for n in args.sessions:
            with tempfile.TemporaryDirectory() as tmp:
                port = free_port()
                env = {"COACH_REPLY_LEASE_S": "5", **({"COACH_DATABASE_URL": args.database_url} if args.database_url else {})}
                proc = start_server(Path(tmp) / "data", port, workers=workers, env=env, quiet=True)
                try:
                    result = run(f"http://127.0.0.1:{port}", n, args.turns, proc.pid if args.kill else None, proc.pid,
                                 args.client, args.think)  # fmt: skip
                finally:
                    proc.terminate()
                    proc.wait(timeout=120)
                url = args.database_url or f"sqlite:///{Path(tmp) / 'data' / 'coach.db'}"
                integrity = check(url, result)
            row = {"workers": workers, "think_s": args.think, **{k: v for k, v in result.items() if k not in ("session_ids", "acknowledged")}, **integrity}
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    print("\n| workers | sessions | think s | turns | turns/s | p50 ms | p95 ms | server / client CPU ms per turn | non-200 | lost | duplicated |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        non200 = sum(v for k, v in dict(r["outcomes"]).items() if k != "200")  # type: ignore[call-overload]
        print(f"| {r['workers']} | {r['sessions']} | {r['think_s']} | {r['turns']} | {r['turns_per_s']} | {r['p50_ms']} | {r['p95_ms']} "
              f"| {r['server_cpu_ms_per_turn']} / {r['client_cpu_ms_per_turn']} "
              f"| {non200} | {r['lost']} | {r['duplicated']} |")  # fmt: skip


if __name__ == "__main__":
    main()
