#!/usr/bin/env bash
# Hypervisor build benchmark: our xen-build step against plain `make -C xen` on the same source tree, and the
# cached rebuild (no compiler invocation allowed, step time). Run from the repository root:
#   bench/xen-build.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-2}
work=bench/results/xen-build
cache=$work/cache
mkdir -p "$work"
dotnet build -c Release src/ImageBuilder -v quiet -nologo >/dev/null
ib() { dotnet src/ImageBuilder/bin/Release/net10.0/imagebuilder.dll "$@"; }

echo "== preparing the source tree (Debian xen source package, cached after the first run)"
ib build recipes/xen-source.yaml --output "$work/out" --cache "$cache" >/dev/null
src=$(ls -d "$cache"/source-*/src | head -1)

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

plain=()
ours=()
for i in $(seq "$runs"); do
  rm -rf "$work/tree" && cp -a "$src" "$work/tree"
  start=$(date +%s.%N)
  make -C "$work/tree/xen" defconfig >/dev/null && make -C "$work/tree/xen" -j"$(nproc)" >/dev/null 2>&1
  plain+=("$(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)")")

  rm -rf "$cache"/xen-build-*
  ib build recipes/xen-source.yaml --output "$work/out" --cache "$cache" >/dev/null
  ours+=("$(python3 -c 'import json,glob; print(json.load(open(glob.glob("'"$cache"'/xen-build-*/step.json")[0]))["seconds"])')")
done
p=$(printf '%s\n' "${plain[@]}" | median)
o=$(printf '%s\n' "${ours[@]}" | median)
printf 'plain make (defconfig + make -j%s): median %.1f s   runs: %s\n' "$(nproc)" "$p" "${plain[*]}"
printf 'ours (xen-build step):                 median %.1f s   runs: %s\n' "$o" "${ours[*]}"
echo "overhead: $(echo "scale=1; ($o - $p) * 100 / $p" | bc) %   (target <= 5 %)"

echo "== cached rebuild"
shim=$work/shim
mkdir -p "$shim"
: > "$work/compiler-calls"
for tool in gcc cc; do
  cat > "$shim/$tool" <<SHIM
#!/bin/sh
# Logs every compiler call except the version probe that cache keys are made of.
case "\$*" in --version) ;; *) echo "$tool \$*" >> "$PWD/$work/compiler-calls" ;; esac
exec /usr/bin/$tool "\$@"
SHIM
  chmod +x "$shim/$tool"
done
start=$(date +%s.%N)
out=$(PATH="$PWD/$shim:$PATH" ib build recipes/xen-source.yaml --output "$work/out" --cache "$cache")
total=$(printf '%.2f' "$(echo "$(date +%s.%N) - $start" | bc)")
echo "$out" | grep -E "hypervisor" || true
echo "compiler invocations during the cached rebuild: $(wc -l < "$work/compiler-calls")   whole command: ${total} s (hypervisor step: cache hit, 0 s)"
