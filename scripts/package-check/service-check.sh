#!/usr/bin/env bash
# The service under a real systemd: boots a Debian 12 root (debootstrap, with systemd, bpftool
# and spanlog's dependencies, cached by debian-root.sh) under qemu with Debian 12's kernel and
# systemd as PID 1 (boot.sh: the root shared read-only, writes to a tmpfs overlay), and runs
# guest-checks.sh there once: the package installed with apt, `systemctl enable --now`, a
# shop.service's lines in `journalctl -u shop.service SPAN_TAGS=checkout`, alerts, reload (a
# broken rule file keeps the running rules), the watchdog, `systemd-analyze security`, stop
# (no BPF program or link left), a broken configuration (fails once, no restart loop), an
# upgrade keeping the edited conffile, remove and purge. Prints one line per check and exits 1
# when one fails; skips (exit 0, with the reason) where it cannot run: not root, no package.
#   bash scripts/package-check/service-check.sh [DEB]      (default dist/spanlog_*_amd64.deb)
#   SPANLOG_SERVICE_CHECK_LOG=FILE keeps the guest's whole output.
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$(date +%s)
skip() { echo "service-check: skipped: $*" >&2; [ "${CI:-}" = true ] && { echo "service-check: CI=true requires it" >&2; exit 1; }; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap, qemu with virtiofsd)"
deb=${1:-$(ls dist/spanlog_*_amd64.deb 2>/dev/null | grep -v '+upgrade_' | tail -1 || true)}
[ -n "$deb" ] && [ -f "$deb" ] || skip "no package: run bash scripts/package.sh first"
command -v debootstrap > /dev/null || skip "debootstrap is not installed (bash scripts/setup.sh)"
bash scripts/kernel-matrix/setup-host.sh > /dev/null
kernel=$(bash scripts/kernel-matrix/kernel-image.sh 6.1)

# The dependencies come preinstalled: the guest has no network, apt installs the package offline.
depends=$(dpkg-deb -f "$deb" Depends | sed 's/([^)]*)//g; s/,/ /g')
# shellcheck disable=SC2086
root=$(bash scripts/package-check/debian-root.sh bookworm systemd systemd-sysv bpftool $depends)

# The package as built, and a newer build of it for the upgrade (the version with +upgrade),
# both repacked uncompressed: unpacking xz takes minutes under emulation, and the format is
# what the bare-root tests (BareDebianInstallTests) install; here the files are the same.
work=$(mktemp -d /var/tmp/spanlog-service-check.XXXXXX)
trap 'rm -rf "$work"' EXIT
version=$(dpkg-deb -f "$deb" Version)
dpkg-deb -R "$deb" "$work/tree"
dpkg-deb --root-owner-group -Znone --build "$work/tree" "$work/$(basename "$deb")" > /dev/null
sed -i "s/^Version: .*/Version: $version+upgrade/" "$work/tree/DEBIAN/control"
dpkg-deb --root-owner-group -Znone --build "$work/tree" "$work/spanlog_${version}+upgrade_amd64.deb" > /dev/null
rm -rf "$work/tree"

output=$work/guest.out
set +e
BOOT_TIMEOUT=${SPANLOG_SERVICE_CHECK_TIMEOUT:-900} BOOT_CONSOLE=$work/console.log \
    bash scripts/package-check/boot.sh "$root" "$kernel" scripts/package-check/guest-checks.sh \
    "$work/$(basename "$deb")" "$work/spanlog_${version}+upgrade_amd64.deb" > "$output" 2> "$work/guest.err"
status=$?
set -e
[ -n "${SPANLOG_SERVICE_CHECK_LOG:-}" ] && cat "$output" "$work/guest.err" > "$SPANLOG_SERVICE_CHECK_LOG"
grep -E '^(CHECK|INFO) ' "$output" || true
failed=$(grep -c '^CHECK [^ ]* FAIL' "$output" || true)
checks=$(grep -c '^CHECK ' "$output" || true)
if [ $status -ne 0 ] || [ "$checks" -lt 22 ]; then
    echo "service-check: the guest run ended with status $status after $checks checks" >&2
    tail -30 "$work/guest.err" >&2
    [ -s "$work/console.log" ] && { echo "--- console ---" >&2; tail -40 "$work/console.log" >&2; }
    exit 1
fi
echo "service-check: $checks checks, $failed failed, $(( $(date +%s) - started )) s"
[ "$failed" = 0 ]
