#!/usr/bin/env bash
# chroot.sh ROOT 'COMMAND': runs COMMAND under bash as root in a throw-away copy of ROOT (an
# overlay on it with its writes in a temporary directory), with /proc, /sys, /dev and
# /dev/pts mounted and this machine's resolv.conf; the caller's files are not visible.
# FILES in SPANLOG_CHROOT_COPY (space-separated) are copied into its /root first. Prints the
# command's output and exits with its status. As root.
set -euo pipefail
lower=$(readlink -f "${1:?usage: chroot.sh ROOT COMMAND}")
command=${2:?usage: chroot.sh ROOT COMMAND}
[ -d "$lower/etc" ] || { echo "chroot: $lower is not a root filesystem" >&2; exit 2; }
work=$(mktemp -d /var/tmp/spanlog-chroot.XXXXXX)
mkdir -p "$work/upper" "$work/work" "$work/root"
mounted=()
cleanup() {
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
mount -t overlay overlay -o "lowerdir=$lower,upperdir=$work/upper,workdir=$work/work" "$work/root"
mounted+=("$work/root")
new=$work/root
mount -t proc proc "$new/proc"; mounted+=("$new/proc")
mount -t sysfs sysfs "$new/sys"; mounted+=("$new/sys")
mount --rbind /dev "$new/dev"; mount --make-rslave "$new/dev"; mounted+=("$new/dev")
mount -t tmpfs tmpfs "$new/run"; mounted+=("$new/run")
mount -t tmpfs tmpfs "$new/tmp"; mounted+=("$new/tmp")
[ -e /sys/fs/bpf ] && mountpoint -q /sys/fs/bpf && { mount --bind /sys/fs/bpf "$new/sys/fs/bpf" && mounted+=("$new/sys/fs/bpf"); } || true
cp -L /etc/resolv.conf "$new/etc/resolv.conf" 2>/dev/null || true
for file in ${SPANLOG_CHROOT_COPY:-}; do cp "$file" "$new/root/"; done
# Nothing may start services in a chroot (policy-rc.d, as Debian's build chroots do).
printf '#!/bin/sh\nexit 101\n' > "$new/usr/sbin/policy-rc.d"; chmod 755 "$new/usr/sbin/policy-rc.d"
set +e
chroot "$new" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
    /bin/bash -c "cd /root && $command"
status=$?
set -e
exit $status
