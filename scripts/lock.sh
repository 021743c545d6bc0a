#!/usr/bin/env sh
# Regenerate requirements.lock (the pinned runtime dependencies the Docker image and CI
# install) from pyproject.toml with pip-tools: `pip install pip-tools && scripts/lock.sh`.
# tests/test_deploy_files.py fails when the two disagree.
set -eu
cd "$(dirname "$0")/.."
pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
    --output-file requirements.lock pyproject.toml
