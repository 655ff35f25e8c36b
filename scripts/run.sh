#!/usr/bin/env bash
# Set up .venv and start the service on the embedded engine (http://127.0.0.1:8000).
# Extra arguments go to `coach serve`, e.g. scripts/run.sh --port 8080
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/coach serve "$@"
