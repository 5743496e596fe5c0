#!/usr/bin/env bash
# Rebuild docs/compare/*.png and measurements.md (see build.py for what it draws).
set -euo pipefail
cd "$(dirname "$0")/../.." && exec nice .venv/bin/python docs/compare/build.py "$@"
