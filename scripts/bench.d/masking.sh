#!/usr/bin/env bash
# The "masking" rows of scripts/bench: what concealing secrets in a child's output costs.
# `tok run` passes 200 MB of log-like output (with the secret on every 1,000th line) from `cat`
# through its masker, timed next to the same run with --no-masking (the child writes straight to
# the output) and next to `cat` alone (the floor). scripts/bench runs it inside its private D-Bus
# session and gnome-keyring with TOK, TK_BENCH, RUNS and BENCH_TMP set; it prints two JSON rows
# on stdout (crates/bench/src/compare.rs) and everything else on stderr. MASK_MB changes the size.
set -euo pipefail

: "${BENCH_TMP:?run through scripts/bench}"
: "${TOK:?run through scripts/bench}" "${TK_BENCH:?run through scripts/bench}"
runs="${RUNS:-7}" mb="${MASK_MB:-200}"

# Its own store, so the seeded one the other rows measure stays as it was.
export TOKENKEEPER_HOME="$BENCH_TMP/masking-home"
secret="bm_$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)"
printf '%s' "$secret" | "$TOK" add bench-mask >/dev/null

big="$BENCH_TMP/masking.log"
block="$BENCH_TMP/masking.block"
# One block of 1,000 lines (about 100 KB), the secret on its last line; the file repeats it.
awk -v s="$secret" 'BEGIN {
  for (i = 1; i < 1000; i++)
    printf "2026-11-25T12:00:00Z INFO request %06d served in 12 ms from cache shard=%02d ok\n", i, i % 64
  printf "2026-11-25T12:00:01Z DEBUG using key %s for the upstream call\n", s
}' >"$block"
block_bytes=$(wc -c <"$block")
copies=$(((mb * 1000 * 1000 + block_bytes - 1) / block_bytes))
: >"$big"
for ((i = 0; i < copies; i++)); do cat "$block"; done >"$big"
echo "bench: masking input $(($(wc -c <"$big") / 1000000)) MB, $copies secrets in it" >&2

# The row measures nothing unless the masked run really conceals every one of them.
masked="$("$TOK" run --env S=bench-mask -- cat "$big" | grep -c 'concealed by tok' || true)"
leaked="$("$TOK" run --env S=bench-mask -- cat "$big" | grep -c -F "$secret" || true)"
if [[ "$masked" != "$copies" || "$leaked" != 0 ]]; then
  echo "bench: masking concealed $masked of $copies secrets and let $leaked through" >&2
  exit 1
fi

"$TK_BENCH" compare --runs "$runs" --row "masking" \
  --workload "tok run -- cat, ${mb} MB of output, $copies secrets" \
  --floor-name "the same with --no-masking" --goal ratio-max --goal-value 2 \
  --ours "'$TOK' run --env S=bench-mask -- cat '$big'" \
  --floor "'$TOK' run --no-masking --env S=bench-mask -- cat '$big'"
"$TK_BENCH" compare --runs "$runs" --row "masking vs cat" \
  --workload "tok run -- cat, ${mb} MB of output" \
  --floor-name "cat alone" --goal report \
  --ours "'$TOK' run --env S=bench-mask -- cat '$big'" \
  --floor "cat '$big'"
rm -f "$big" "$block"
