#!/usr/bin/env bash
# Create .venv at the repository root and install the project.
#   scripts/setup.sh          runtime only (numpy embeddings, no torch)
#   scripts/setup.sh --test   plus torch (CPU build), sentence-transformers, test tools, Chromium
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  command -v apt-get >/dev/null || { echo "apt-get not found; install $* yourself" >&2; return 1; }
  as_root apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null; then PY="$candidate"; break; fi
  done
fi
[ -n "$PY" ] || { apt_install python3 python3-venv python3-pip; PY=python3; }

if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    apt_install python3-venv
    "$PY" -m venv .venv
  fi
fi
# pip install, quiet, without the local index's harmless "is ignored" warnings; pip's own exit status counts.
pipq() {
  .venv/bin/python -m pip install -q --disable-pip-version-check "$@" 2>&1 | { grep -v "is ignored" || true; }
  return "${PIPESTATUS[0]}"
}
pipq --upgrade pip

if [ "${1:-}" = "--test" ]; then
  # torch first, pinned, so pip takes the CPU build instead of a multi-GB CUDA one.
  pipq torch==2.13.0
  pipq -e '.[st,dev]'
  # Real browser and database servers for the tests (the tests skip, saying why, where they are missing).
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium fonts-noto-cjk)
  compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}" || echo "warning: could not install ${missing[*]}; their tests will be skipped" >&2
  fi
else
  pipq -e .
fi
.venv/bin/coach --help >/dev/null
