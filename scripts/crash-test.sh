#!/usr/bin/env bash
# The deletion service's crash test at full length: the server is SIGKILLed 30 times (set
# KILLS to change) while deletions stream in and the worker applies them; after each restart
# every acknowledged request, the audit chain, the tables and the served model are checked,
# and at the end every request is applied with no erased sample back. All traffic stays on
# 127.0.0.1. The test suite runs the same test with 5 kills.
set -euo pipefail
cd "$(dirname "$0")/.."
# --workspace keeps the feature set of `cargo test --workspace`, so nothing is rebuilt.
OUBLI_CRASH_KILLS="${KILLS:-30}" cargo test --workspace --test serve_crash -- --nocapture
