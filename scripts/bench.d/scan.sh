#!/usr/bin/env bash
# The leak sweep's rows of scripts/bench: `tok scan` of a large generated tree next to grep reading
# it, and `tok scan` next to detect-secrets (PyPI, pinned below, installed into a venv under
# target/) on one smaller tree, in MB/s, in this run. scripts/bench runs it inside its private
# D-Bus session and gnome-keyring with TK_BENCH, TOK and BENCH_TMP set; it prints two JSON rows on
# stdout and everything else on stderr.
# SCAN_MIB (default 200) sizes the large tree tok scans next to grep; SCAN_PEER_MIB (default 4)
# the tree both tok and detect-secrets scan (it reads well under 1 MB/s here, so a minute a run).
set -euo pipefail

: "${BENCH_TMP:?run through scripts/bench}"
: "${TK_BENCH:?run through scripts/bench}"
: "${TOK:?run through scripts/bench}"
detect_secrets_version=1.5.0

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

install_packages bench python3-venv >&2
load_cargo_env
venv="$(cargo_target_dir)/bench-venv/detect-secrets-$detect_secrets_version"
if [[ ! -x "$venv/bin/detect-secrets" ]]; then
  echo "bench: installing detect-secrets $detect_secrets_version into $venv" >&2
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q "detect-secrets==$detect_secrets_version" >&2
fi

work="$(mktemp -d "$BENCH_TMP/scan.XXXXXX")"
echo "bench: generating ${SCAN_MIB:-200} and ${SCAN_PEER_MIB:-4} MiB trees and a store of held keys" >&2
"$TK_BENCH" scan --tok "$TOK" --peer "$venv/bin/detect-secrets" --work "$work" \
  --mib "${SCAN_MIB:-200}" --peer-mib "${SCAN_PEER_MIB:-4}" --runs "${RUNS:-5}" --peer-runs 3
rm -rf "$work"
