#!/usr/bin/env bash
# The desktop app's rows of scripts/bench: "app start" (a new app process to the dashboard
# painted with the seeded store's tokens, next to the same app on an empty store, or with
# INSTALLED_APP set, that binary next to this source build on the same store) and
# "app memory" (PSS and RSS of the app and its WebKit processes, same two stores).
# scripts/bench runs it inside its private D-Bus session and gnome-keyring, with TOKENKEEPER_HOME,
# RUNS, TOKENS and BENCH_TMP set; it prints three JSON rows on stdout and everything else on
# stderr. It installs Xvfb, WebKitWebDriver and tauri-driver if missing, builds the release app,
# and starts a private Xvfb display; `tk-bench app-start` (crates/bench/src/app_start.rs) drives
# the window and times it.
set -euo pipefail

: "${TOKENKEEPER_HOME:?run through scripts/bench, which seeds the store}"
: "${BENCH_TMP:?run through scripts/bench}"
runs="${RUNS:-7}" tokens="${TOKENS:-10000}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

# stdout is the table's: every message goes to stderr.
install_packages bench xvfb webkit2gtk-driver >&2
load_cargo_env
if ! command -v tauri-driver >/dev/null 2>&1; then
  echo "bench: installing tauri-driver" >&2
  cargo install tauri-driver --version '^2' --locked >&2
fi
echo "bench: building the app (release)" >&2
# The same packages as scripts/bench's build, so cargo unifies features alike and reuses its
# dependencies instead of building them again for the app alone.
cargo build --release -q -p tokenkeeper -p tokenkeeper-bench -p tokenkeeper-cli >&2
app="$(cd "$(cargo_target_dir)" && pwd)/release/tokenkeeper"

tmp="$(mktemp -d "$BENCH_TMP/app.XXXXXX")"
# Xvfb picks a free display number and writes it to fd 3 (as in scripts/test).
Xvfb -displayfd 3 -screen 0 1400x900x24 -nolisten tcp 3>"$tmp/display" 2>"$tmp/xvfb.log" >&2 &
xvfb=$!
trap 'kill "$xvfb" 2>/dev/null || true; wait "$xvfb" 2>/dev/null || true' EXIT
for _ in $(seq 50); do [[ -s "$tmp/display" ]] && break; sleep 0.1; done
[[ -s "$tmp/display" ]] || { echo "bench: Xvfb did not start:" >&2; cat "$tmp/xvfb.log" >&2; exit 1; }
export DISPLAY=":$(cat "$tmp/display")"

# INSTALLED_APP (scripts/bench --installed-app): that binary against this source build, both
# over the seeded store, instead of this build over the seeded store against an empty one.
against=(--app "$app")
if [[ -n "${INSTALLED_APP:-}" ]]; then
  against=(--app "$INSTALLED_APP" --floor-app "$app" --name "installed app"
    --floor-name "source build (cargo build --release)")
fi
"$TK_BENCH" app-start "${against[@]}" --home "$TOKENKEEPER_HOME" \
  --empty-home "$tmp/empty" --runs "$runs" --tokens "$tokens" --log "$tmp/driver.log"
