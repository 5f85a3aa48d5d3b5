#!/usr/bin/env bash
# Bootstrap for a fresh Debian 12 machine: restores the Cake tool (NuGet) and runs build.cake, which installs
# the host packages (apt-get, when run as root), builds, tests and makes the demo image.
#   ./build.sh --target=Demo    build recipes/xen-demo.yaml and boot it in QEMU
#   ./build.sh --target=Test    run the whole test suite (including the QEMU boots)
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet tool restore >/dev/null
exec dotnet cake build.cake "$@"
