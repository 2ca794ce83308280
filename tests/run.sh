#!/usr/bin/env bash
# The whole test suite: installs what the tests need (idempotent, quick when present), then runs
# the linter and pytest. Extra arguments go to pytest (e.g. -m "not slow").
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)          # the browser test
command -v cmake >/dev/null 2>&1 || missing+=(cmake build-essential)  # llama-cpp-python builds from source
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# A portable llama.cpp build using both cores (only the first install compiles).
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}"
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF}"
python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
python -m ruff check .
python -m pytest "$@"
