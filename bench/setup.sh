#!/usr/bin/env bash
# Installs the competitors the whole-process benchmarks run beside trailguard (into bench/.venv),
# and builds trailguard in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/trailguard-target}"
if [ ! -x bench/.venv/bin/python ]; then python3 -m venv bench/.venv; fi
bench/.venv/bin/python -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt
command -v jq >/dev/null || { echo "jq is missing: apt-get install -y jq"; exit 1; }
cargo build --release --locked -p trailguard-cli
