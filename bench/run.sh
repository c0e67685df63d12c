#!/usr/bin/env bash
# The newsblog benchmark: see "## Performance" in README.md. Options: bench/run.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python bench/run.py "$@"
