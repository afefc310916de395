#!/bin/bash
# setup-host.sh [BINDIR]   (Debian 12, as root)
# Installs what vmrun.sh needs: qemu-system-x86 from bookworm-backports
# (10.x; bookworm's 7.2 TCG crashes Linux guests at random), busybox-static,
# kmod, file, xz-utils, zstd; and puts qemu 7.2's C virtiofsd (no longer
# shipped by qemu >= 8; the Rust virtiofsd needs glibc 2.39) at
# BINDIR/virtiofsd (default /usr/local/libexec/vmrun), taken from bookworm's
# qemu-system-common .deb.  bookworm-backports is used through a private apt
# configuration: no sources file is left behind.
set -euo pipefail
BINDIR=${1:-/usr/local/libexec/vmrun}
# Already set up: one look at each tool, no apt run.
if command -v qemu-system-x86_64 > /dev/null && [ -x "$BINDIR/virtiofsd" ] && command -v busybox > /dev/null \
    && command -v depmod > /dev/null && command -v zstd > /dev/null && command -v bc > /dev/null \
    && [ "$(qemu-system-x86_64 --version | sed -n '1s/.*version \([0-9]*\)\..*/\1/p')" -ge 8 ]; then
    exit 0
fi
SRC=/etc/apt/sources.list.d/debian.sources
URI=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' "$SRC")
T=$(mktemp -d /tmp/setup-host.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/lists/partial" "$T/parts"
cp "$SRC" "$T/parts/"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $URI bookworm-backports main" > "$T/sources.list"
APTO=(-o "Dir::Etc::sourcelist=$T/sources.list" -o "Dir::Etc::sourceparts=$T/parts" -o "Dir::State::lists=$T/lists")
apt-get "${APTO[@]}" -qq update
DEBIAN_FRONTEND=noninteractive apt-get "${APTO[@]}" install -y -qq --no-install-recommends \
    -t bookworm-backports qemu-system-x86 > /dev/null
DEBIAN_FRONTEND=noninteractive apt-get "${APTO[@]}" install -y -qq --no-install-recommends \
    busybox-static kmod file xz-utils zstd bc > /dev/null
if [ ! -x "$BINDIR/virtiofsd" ]; then
    v=$(apt-cache "${APTO[@]}" madison qemu-system-common | awk '$3 ~ /^1:7\./ {print $3; exit}')
    (cd "$T" && apt-get "${APTO[@]}" -qq download "qemu-system-common=$v")
    dpkg-deb -x "$T"/qemu-system-common_*.deb "$T/x"
    mkdir -p "$BINDIR" && cp "$T/x/usr/lib/qemu/virtiofsd" "$BINDIR/virtiofsd"
fi
qemu-system-x86_64 --version | head -1
echo "virtiofsd: $BINDIR/virtiofsd (export VMRUN_VIRTIOFSD=$BINDIR/virtiofsd)"
