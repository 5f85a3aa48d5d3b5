#!/usr/bin/env bash
# Cold build benchmark: a recipe built from an empty cache with its steps one after another (`--cores 1`, what the
# build did before steps ran at once) and with independent steps at once (the default), N runs each. Prints medians
# of the wall time and of the sum of the step times (each step's own record, step.json), the ratios, and checks that
# both builds give the same bytes. Run from the repository root:
#   bench/cold-build.sh [recipe] [runs]      # default recipes/xen-demo.yaml, 1 run (≈ 15 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
recipe=${1:-recipes/xen-demo.yaml}
runs=${2:-1}
work=bench/results/cold-build
mkdir -p "$work"
dotnet build -c Release src/ImageBuilder -v quiet -nologo >/dev/null
ib() { CI=true dotnet src/ImageBuilder/bin/Release/net10.0/imagebuilder.dll "$@"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
step_sum() { python3 -c 'import json,glob,sys; print(round(sum(json.load(open(f))["seconds"] for f in glob.glob(sys.argv[1] + "/*/step.json")), 1))' "$1"; }

declare -A wall sum
shas=()
for i in $(seq "$runs"); do
  for mode in sequential parallel; do
    rm -rf "$work/cache" "$work/out"
    options=()
    if [ "$mode" = sequential ]; then options=(--cores 1); fi
    start=$(date +%s.%N)
    ib build "$recipe" --output "$work/out" --cache "$work/cache" "${options[@]}" > "$work/$mode-$i.log"
    seconds=$(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)")
    wall[$mode]+="$seconds "
    sum[$mode]+="$(step_sum "$work/cache") "
    shas+=("$(cut -d' ' -f1 "$work"/out/*.iso.sha256)")
    echo "run $i $mode: wall $seconds s"
  done
done
rm -rf "$work/cache"

declare -A wall_median sum_median
for mode in sequential parallel; do
  wall_median[$mode]=$(tr " " "\n" <<< "${wall[$mode]}" | grep . | median)
  sum_median[$mode]=$(tr " " "\n" <<< "${sum[$mode]}" | grep . | median)
  printf '%-10s wall median %6.1f s (runs: %s)  sum of step times median %6.1f s (runs: %s)\n' "$mode" "${wall_median[$mode]}" "${wall[$mode]% }" "${sum_median[$mode]}" "${sum[$mode]% }"
done
echo "parallel wall / sequential wall: $(echo "scale=2; ${wall_median[parallel]} / ${wall_median[sequential]}" | bc)"
echo "parallel wall / sum of the step times (sequential run): $(echo "scale=2; ${wall_median[parallel]} / ${sum_median[sequential]}" | bc)   (goal <= 0.65)"
if [ "$(printf '%s\n' "${shas[@]}" | sort -u | wc -l)" -ne 1 ]; then
  echo "the builds gave different images: ${shas[*]}" >&2
  exit 1
fi
echo "same image every time: sha256 ${shas[0]}"
