#!/usr/bin/env bash
# Boot-time benchmark: the demo image (recipes/xen-demo.yaml) booted N times per path, and in the same run, just
# before each, the minimal image (recipes/xen-minimal.yaml: Xen and a busybox Dom0 in RAM, the floor: firmware, GRUB,
# Xen and the kernel's own boot). Every boot goes through `imagebuilder boot --timeline` (QEMU TCG, the default CPU
# model). Prints per path the median of every phase (seconds from QEMU start) and the ratios the boot-time issue sets
# targets for: Dom0 ready, every autostart guest ready and demo done, each over the minimal Dom0's ready time.
# Run from the repository root:
#   bench/boot-time.sh [runs] [path ...]    # default 3 runs of bios-cd; a path is FIRMWARE-MEDIA: bios-cd, uefi-usb, …
#                                           # ≈ 8 minutes per run and path on 2 cores
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
shift || true
paths=("$@")
if [ "${#paths[@]}" = 0 ]; then paths=(bios-cd); fi
work=bench/results/boot-time
mkdir -p "$work"
dotnet build -c Release src/ImageBuilder -v quiet -nologo >/dev/null
ib() { CI=true dotnet src/ImageBuilder/bin/Release/net10.0/imagebuilder.dll "$@"; }
for recipe in xen-minimal xen-demo; do
  ib build "recipes/$recipe.yaml" --output "$work/out" --cache cache > "$work/build-$recipe.log"
done

# "timeline:   107.3 s  (+  59.0 s)  Dom0 ready" -> "Dom0 ready<TAB>107.3"
phases() { sed -n 's/^timeline: *\([0-9.]*\) s *(+ *[0-9.]* s) *\(.*\)$/\2\t\1/p'; }

boot() { # IMAGE FIRMWARE MEDIA LOG EXPECTED
  if ! ib boot "$work/out/$1.iso" --firmware "$2" --media "$3" --timeout 1200 --timeline --log "$4.serial" \
      --fail-on IMAGEBUILDER-DEMO-FAILED --expect "$5" > "$4.out" 2>&1; then
    echo "boot of $1 ($2 $3) failed; see $4.out and $4.serial" >&2
    exit 1
  fi
  phases < "$4.out"
}

# Medians per phase of PHASE<TAB>SECONDS lines from every run, in the order the phases were reached.
medians() {
  sort -t$'\t' -k1,1 -k2,2n | awk -F'\t' '
    { v[$1, ++n[$1]] = $2 }
    END { for (p in n) { c = n[p]; m = (c % 2) ? v[p, (c + 1) / 2] : (v[p, c / 2] + v[p, c / 2 + 1]) / 2; printf "%s\t%.1f\t%d\n", p, m, c } }' |
    sort -t$'\t' -k2,2n
}

for path in "${paths[@]}"; do
  firmware=${path%-*} media=${path#*-}
  : > "$work/$path-minimal.tsv"
  : > "$work/$path-demo.tsv"
  for i in $(seq "$runs"); do
    boot xen-minimal "$firmware" "$media" "$work/$path-minimal-$i" IMAGEBUILDER-DOM0-READY >> "$work/$path-minimal.tsv"
    boot xen-demo "$firmware" "$media" "$work/$path-demo-$i" IMAGEBUILDER-DEMO-DONE > "$work/$path-demo-$i.tsv"
    # Every autostart guest ready: the last guest's ready time.
    awk -F'\t' '$1 ~ /^guest .* ready$/ && $2 > t { t = $2 } END { print "every guest ready\t" t }' "$work/$path-demo-$i.tsv" |
      cat "$work/$path-demo-$i.tsv" - >> "$work/$path-demo.tsv"
    echo "run $i $path: minimal Dom0 ready $(awk -F'\t' '$1 == "Dom0 ready" { t = $2 } END { print t }' "$work/$path-minimal.tsv") s, demo done $(awk -F'\t' '$1 == "demo done" { t = $2 } END { print t }' "$work/$path-demo.tsv") s"
  done

  echo "== $path, $runs run(s): median seconds from QEMU start"
  echo "-- minimal image (the floor)"
  medians < "$work/$path-minimal.tsv" | awk -F'\t' '{ printf "  %-28s %7.1f\n", $1, $2 }'
  echo "-- demo image"
  medians < "$work/$path-demo.tsv" | awk -F'\t' '{ printf "  %-28s %7.1f\n", $1, $2 }'
  floor=$(medians < "$work/$path-minimal.tsv" | awk -F'\t' '$1 == "Dom0 ready" { print $2 }')
  medians < "$work/$path-demo.tsv" | awk -F'\t' -v floor="$floor" -v path="$path" '
    $1 == "Dom0 ready" { d = $2 } $1 == "every guest ready" { g = $2 } $1 == "demo done" { e = $2 }
    END { printf "%s: floor (minimal Dom0 ready) %.1f s; Dom0 ready %.2fx (target <= 1.3), every guest ready %.2fx (<= 2.5), demo done %.2fx (<= 4)\n", path, floor, d / floor, g / floor, e / floor }'
done
