#!/usr/bin/env bash
# Writing sticks: `imagebuilder write` against what people otherwise type, `dd bs=4M oflag=direct` (plus the
# `cmp` that checks it), N runs each, on loop devices over files (this machine has no sticks; never a real disk).
# Prints medians of: dd alone, dd + cmp, `imagebuilder write` to one device (write + read-back), to DEVICES devices
# at once, and the peak memory (max RSS) of the write to DEVICES devices. Needs root. Run from the repository root:
#   bench/write.sh [image] [runs] [devices]    # default out/xen-demo.iso, 5 runs, 3 devices
set -euo pipefail
cd "$(dirname "$0")/.."
image=${1:-out/xen-demo.iso}
runs=${2:-5}
count=${3:-3}
work=bench/results/write
mkdir -p "$work"
dotnet build -c Release src/ImageBuilder -v quiet -nologo >/dev/null
bytes=$(stat -c %s "$image")
loops=()
cleanup() { for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null || true; done; rm -f "$work"/backing-*; }
trap cleanup EXIT
for i in $(seq "$count"); do
  truncate -s 0 "$work/backing-$i" && truncate -s "$((bytes + (64 << 20)))" "$work/backing-$i"
  loops+=("$(losetup --find --show "$work/backing-$i")")
done
ib() { CI=true dotnet src/ImageBuilder/bin/Release/net10.0/imagebuilder.dll "$@"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
seconds() { local start=$1; printf '%.2f' "$(echo "$(date +%s.%N) - $start" | bc)"; }

declare -A times
for i in $(seq "$runs"); do
  sync; echo 3 > /proc/sys/vm/drop_caches
  start=$(date +%s.%N)
  dd if="$image" of="${loops[0]}" bs=4M oflag=direct status=none
  times[dd]+="$(seconds "$start") "
  cmp -n "$bytes" "$image" "${loops[0]}"
  times[dd+cmp]+="$(seconds "$start") "

  sync; echo 3 > /proc/sys/vm/drop_caches
  start=$(date +%s.%N)
  ib write "$image" "${loops[0]}" --allow-fixed --yes > "$work/one-$i.log"
  times[write-1]+="$(seconds "$start") "
  times[phase]+="$(sed -n 's/.*: ok: written in \([0-9.]*\) s.*/\1/p' "$work/one-$i.log") "

  sync; echo 3 > /proc/sys/vm/drop_caches
  start=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$work/rss-$i" dotnet src/ImageBuilder/bin/Release/net10.0/imagebuilder.dll write "$image" "${loops[@]}" --allow-fixed --yes > "$work/many-$i.log"
  times[write-$count]+="$(seconds "$start") "
  times[rss]+="$(cat "$work/rss-$i") "
  echo "run $i: dd $(echo "${times[dd]}" | awk '{print $NF}') s, dd+cmp $(echo "${times[dd+cmp]}" | awk '{print $NF}') s, write to 1 $(echo "${times[write-1]}" | awk '{print $NF}') s, to $count $(echo "${times[write-$count]}" | awk '{print $NF}') s"
done

declare -A med
for k in dd dd+cmp write-1 phase "write-$count" rss; do
  med[$k]=$(tr " " "\n" <<< "${times[$k]}" | grep . | median)
done
echo "image: $image ($((bytes >> 20)) MiB), $runs runs, loop devices over files on $(df --output=source "$work" | tail -1)"
printf '%-28s %8s s   (runs: %s)\n' "dd bs=4M oflag=direct" "${med[dd]}" "${times[dd]% }"
printf '%-28s %8s s   (runs: %s)\n' "dd + cmp" "${med[dd+cmp]}" "${times[dd+cmp]% }"
printf '%-28s %8s s   (runs: %s)\n' "imagebuilder write, 1 device" "${med[write-1]}" "${times[write-1]% }"
printf '%-28s %8s s   (runs: %s)\n' "imagebuilder write, $count devices" "${med[write-$count]}" "${times[write-$count]% }"
printf '%-28s %8s s   (runs: %s)\n' "  of which writing (its line)" "${med[phase]}" "${times[phase]% }"
echo "write throughput against dd's: $(echo "scale=2; ${med[dd]} / ${med[phase]}" | bc) (goal >= 0.90)"
echo "write to 1 device (with its read-back) / dd + cmp: $(echo "scale=2; ${med[write-1]} / ${med[dd+cmp]}" | bc)"
echo "write to $count devices / write to 1: $(echo "scale=2; ${med[write-$count]} / ${med[write-1]}" | bc)"
echo "peak memory writing $count devices: $(( ${med[rss]%.*} / 1024 )) MiB (max RSS; the image is $((bytes >> 20)) MiB)"
