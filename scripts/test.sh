#!/usr/bin/env bash
# Set up .venv with the test extras and run lint, types and the whole test suite.
# Extra arguments go to pytest, e.g. scripts/test.sh -k scorer
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
.venv/bin/ruff check app tests scripts
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
