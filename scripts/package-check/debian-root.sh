#!/usr/bin/env bash
# debian-root.sh SUITE [PACKAGE...]: prints the path of a bare Debian root filesystem
# (debootstrap --variant=minbase SUITE, plus PACKAGEs), made on first use from this machine's
# Debian mirror into SPANLOG_ROOT_CACHE (default /var/tmp/spanlog-roots) and reused, as the
# kernel matrix keeps its kernels. No Swift and no build tools are in it. As root.
#   bash scripts/package-check/debian-root.sh bookworm
#   bash scripts/package-check/debian-root.sh bookworm systemd systemd-sysv bpftool
# Callers use the root through an overlay (chroot.sh, boot.sh): the cached one stays as made.
set -euo pipefail
suite=${1:?usage: debian-root.sh SUITE [PACKAGE...]}
shift
packages=("$@")
cache=${SPANLOG_ROOT_CACHE:-/var/tmp/spanlog-roots}
name=$suite
if [ ${#packages[@]} -gt 0 ]; then name=$suite-$(printf '%s\n' "${packages[@]}" | sort | sha1sum | cut -c1-10); fi
root=$cache/$name
[ -e "$root/.spanlog-root" ] && { echo "$root"; exit 0; }

command -v debootstrap > /dev/null || { echo "debian-root: debootstrap is missing (bash scripts/setup.sh installs it)" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "debian-root: needs root (debootstrap)" >&2; exit 2; }
mkdir -p "$cache"
exec 9> "$root.lock"
flock 9
[ -e "$root/.spanlog-root" ] && { echo "$root"; exit 0; }
mirror=${SPANLOG_DEBIAN_MIRROR:-$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)}
mirror=${mirror:-http://deb.debian.org/debian}
rm -rf "$root.tmp"
include=()
if [ ${#packages[@]} -gt 0 ]; then include=(--include="$(IFS=,; echo "${packages[*]}")"); fi
started=$(date +%s)
if ! debootstrap --variant=minbase "${include[@]}" "$suite" "$root.tmp" "$mirror" > "$root.log" 2>&1; then
    tail -20 "$root.log" >&2
    echo "debian-root: debootstrap $suite failed (log: $root.log)" >&2
    exit 1
fi
# apt's package lists, so that apt-get install ./x.deb can resolve dependencies: debootstrap
# leaves none.
echo "deb $mirror $suite main" > "$root.tmp/etc/apt/sources.list"
mount -t proc proc "$root.tmp/proc"
chroot "$root.tmp" apt-get update -qq > "$root.log" 2>&1 || { umount "$root.tmp/proc"; tail -5 "$root.log" >&2; exit 1; }
umount "$root.tmp/proc"
rm -f "$root.tmp/var/cache/apt/archives/"*.deb
echo "$suite ${packages[*]} $(date -u +%FT%TZ)" > "$root.tmp/.spanlog-root"
mv "$root.tmp" "$root"
echo "debian-root: made $root in $(( $(date +%s) - started )) s" >&2
echo "$root"
