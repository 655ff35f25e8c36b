"""``scripts/eval_scoring.py --engine llm`` runs the graded evaluation through the configured endpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from app.config import REPO_ROOT
from tests.llm.canned import CUSTOMER, GOOD, verdict_json
from tests.llm.stub import Reply, StubLLM


def test_eval_scoring_with_the_llm_engine_reports_agreement_and_fallbacks(stub: StubLLM, tmp_path: Path) -> None:
    stub.responder = lambda body: Reply(verdict_json(70))
    cases = {"cases": [{"scenario": "price-objection", "customer": CUSTOMER, "replies": [
        {"text": GOOD, "grade": 4}, {"text": "那您去买别家的吧。", "grade": 1},
        {"text": "我们的价格确实偏高，但三年上门维修能帮您省不少停机损失。", "grade": 3}]}]}  # fmt: skip
    path = tmp_path / "graded.json"
    path.write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, "COACH_LLM_BASE_URL": stub.url, "COACH_LLM_MODEL": "stub", "COACH_LLM_API_KEY": "sk-x",
           "COACH_DATA_DIR": str(tmp_path / "data"), "COACH_EMBEDDING_BACKEND": "fake", "COACH_LLM_TIMEOUT_S": "2"}  # fmt: skip
    out = subprocess.run(
        [sys.executable, "scripts/eval_scoring.py", "--external", str(path), "--engine", "llm", "--boot", "50"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "llm judged 3 of 3 replies" in out.stdout and "graded.json (llm)" in out.stdout
    assert len(stub.requests) >= 3
