#!/usr/bin/env bash
# Rebuild the vector generators and regenerate spec-tests/vectors/*.txt.gz from scratch.
# Needs: gcc, gcc-multilib (for -m32 -static), qemu-user (qemu-i386), gzip, python3.
#   Debian: apt-get install -y gcc-multilib qemu-user
# Deterministic: fixed seed; same CPU (and same qemu version) => identical files.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
vec="$here/../vectors"
build="$here/build"
out="$build/out"

for tool in gcc qemu-i386 gzip python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y gcc-multilib qemu-user)"; exit 1; }
done

make -C "$here" -s all
rm -rf "$out"
mkdir -p "$out" "$vec"

cpuinfo() { grep -m1 "^$1" /proc/cpuinfo | sed 's/^[^:]*: *//'; }
host_cpu="$(cpuinfo 'model name') ($(cpuinfo vendor_id) family $(cpuinfo 'cpu family') model $(cpuinfo 'model	') stepping $(cpuinfo stepping)), x86-64 host running the forms in 64-bit mode"
qemu_ver="$(qemu-i386 --version | head -1)"
qemu_cpu="$qemu_ver, user mode, default CPU model, TCG on host $(cpuinfo 'model name')"

"$build/gen64" "$out" "$host_cpu"
qemu-i386 "$build/gen32" "$out" "$qemu_cpu"

rm -f "$vec"/*.txt.gz
for f in "$out"/*.txt; do
  gzip -9n -c "$f" > "$vec/$(basename "$f").gz"
done
python3 "$here/check_vectors.py" "$vec"
