#!/usr/bin/env bash
# bench/logs/run.sh BUILD_DIR
#
# End-to-end speed of `firebreak logs mine` on >= 1 GB of real logs (the ten loghub-2k corpora
# concatenated and repeated; generated into BUILD_DIR/bench-logs, never committed), beside the
# physical floor of reading the same file and splitting it into lines (`wc -l`), in the same run.
# Prints lines/s, the ratio to the floor, and peak memory (max RSS from /usr/bin/time).
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
shared=${FB_SHARED_DIR:-$root/../shared}
bin=$build/firebreak
out=$build/bench-logs
target_bytes=${LOGS_BENCH_BYTES:-1100000000}
mkdir -p "$out"
big=$out/loghub-repeated.log

if [ ! -s "$big" ] || [ "$(stat -c %s "$big")" -lt "$target_bytes" ]; then
  one=$out/loghub-all.log
  : > "$one"
  for f in "$shared"/data/loghub-2k/*/*_2k.log; do cat "$f" >> "$one"; done
  : > "$big"
  # Double up to the target size (a few appends, not thousands).
  cp "$one" "$big"
  while [ "$(stat -c %s "$big")" -lt "$target_bytes" ]; do
    cat "$big" "$big" > "$big.tmp" && mv "$big.tmp" "$big"
  done
fi
bytes=$(stat -c %s "$big")
cat "$big" > /dev/null  # warm the page cache for both contenders

best() {  # best wall time in seconds of N runs of a command
  local n=$1; shift
  local best=""
  for _ in $(seq "$n"); do
    local t
    /usr/bin/time -o "$out/time.txt" -f '%e' "$@" > /dev/null 2> /dev/null
    t=$(tail -1 "$out/time.txt")
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$t; fi
  done
  echo "$best"
}

lines=$(wc -l < "$big")
floor=$(best 3 wc -l "$big")
# Mining, twice: wall seconds, CPU seconds (user + sys: what one core spent, which stays meaningful
# on a shared, loaded machine) and max RSS (KB). The better run counts.
mine_once() {
  /usr/bin/time -o "$out/time.txt" -f '%e %U %S %M' "$bin" logs mine "$big" --no-progress --top 20 \
    > "$out/templates.txt" 2> "$out/mine.err"
  tail -1 "$out/time.txt"
}
read -r w1 u1 s1 rss < <(mine_once)
read -r w2 u2 s2 rss2 < <(mine_once)
read -r mine cpu < <(awk -v a="$w1" -v b="$w2" -v c1="$u1" -v d1="$s1" -v c2="$u2" -v d2="$s2" \
  'BEGIN{ if (a<=b) print a, c1+d1; else print b, c2+d2 }')
[ "$rss2" -gt "$rss" ] && rss=$rss2
/usr/bin/time -o "$out/time.txt" -f '%U %S' wc -l "$big" > /dev/null
wc_cpu=$(tail -1 "$out/time.txt" | awk '{print $1+$2}')

awk -v bytes="$bytes" -v lines="$lines" -v floor="$floor" -v mine="$mine" -v cpu="$cpu" -v wccpu="$wc_cpu" -v rss="$rss" 'BEGIN {
  printf "input:  %.2f GB, %d lines (loghub-2k x %d)\n", bytes/1e9, lines, lines/20000
  printf "wc -l:  %6.2f s  %6.1f M lines/s  (floor: read + split into lines; %.2f s CPU)\n", floor, lines/floor/1e6, wccpu
  printf "mine:   %6.2f s  %6.2f M lines/s  %.1fx the floor (wall), peak RSS %.0f MB\n", mine, lines/mine/1e6, mine/floor, rss/1024
  printf "mine:   %6.2f s CPU  %6.2f M lines per CPU-second (one core)\n", cpu, lines/cpu/1e6
}'
grep -E "lines, .* templates" "$out/mine.err" || true
