#!/usr/bin/env bash
# boot.sh ROOT KERNEL_IMAGE SCRIPT [FILE...]: boots the root filesystem ROOT (a Debian root
# with systemd, from debian-root.sh) under qemu with KERNEL_IMAGE and systemd as PID 1, as
# the kernel matrix boots kernels (scripts/kernel-matrix/vmrun.sh): ROOT shared read-only over
# virtiofs with a tmpfs overlay on it, so nothing the guest does reaches it. SCRIPT and the
# FILEs are copied into the guest's /root; SCRIPT runs there under bash as a oneshot service
# once multi-user.target is reached. Its stdout and stderr are printed here, and this script
# exits with its status (124: timed out, 125: the guest never reported; the console then goes
# to stderr). As root, after scripts/kernel-matrix/setup-host.sh.
#   BOOT_MEM (default 2G), BOOT_CPUS (2), BOOT_TIMEOUT (seconds, default 900), BOOT_CONSOLE
#   (a file for the guest's console), VMRUN_VIRTIOFSD, VMRUN_ACCEL (auto|kvm|tcg).
set -euo pipefail
die() { echo "boot: $*" >&2; exit 125; }
[ $# -ge 3 ] || { sed -n '2,3p' "$0" >&2; exit 2; }
ROOT=$(readlink -f "$1"); KIMG=$(readlink -f "$2"); SCRIPT=$3; shift 3
[ -x "$ROOT/lib/systemd/systemd" ] || die "$ROOT has no systemd (debian-root.sh SUITE systemd systemd-sysv)"
[ -f "$KIMG" ] || die "no such kernel image: $KIMG"
[ -f "$SCRIPT" ] || die "no such script: $SCRIPT"
QEMU=$(command -v qemu-system-x86_64) || die "qemu-system-x86_64 not found (scripts/kernel-matrix/setup-host.sh)"
BUSYBOX=$(command -v busybox) || die "busybox not found"
VIRTIOFSD=
for v in "${VMRUN_VIRTIOFSD:-}" /usr/local/libexec/vmrun/virtiofsd "$(command -v virtiofsd || true)" /usr/libexec/virtiofsd; do
    [ -n "$v" ] && [ -x "$v" ] && { VIRTIOFSD=$v; break; }
done
[ -n "$VIRTIOFSD" ] || die "virtiofsd not found (scripts/kernel-matrix/setup-host.sh)"

KVER=$(file -bL "$KIMG" | sed -n 's/.*, version \([^ ]*\) .*/\1/p')
[ -n "$KVER" ] || die "cannot read the kernel version of $KIMG"
MODDIR=
for d in "$(dirname "$KIMG")/../lib/modules/$KVER" "$(dirname "$KIMG")/../usr/lib/modules/$KVER" "/lib/modules/$KVER"; do
    [ -d "$d/kernel" ] && { MODDIR=$(readlink -f "$d"); break; }
done
[ -n "$MODDIR" ] || die "no modules for $KVER next to $KIMG"
MODBASE=${MODDIR%/lib/modules/$KVER}
[ -s "$MODDIR/modules.dep" ] || depmod -b "$MODBASE" "$KVER"

RUN=$(mktemp -d "${TMPDIR:-/tmp}/spanlog-boot.XXXXXX")
VFSD_PID=; QEMU_PID=
cleanup() {
    [ -n "$QEMU_PID" ] && kill "$QEMU_PID" 2>/dev/null || true
    [ -n "$VFSD_PID" ] && kill "$VFSD_PID" 2>/dev/null || true
    rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the initramfs: busybox, the modules for virtiofs and overlay, the payload -------------
B=$RUN/initrd.d
mkdir -p "$B"/{bin,dev,proc,sys,mods,lower,rw,newroot,payload}
cp "$BUSYBOX" "$B/bin/busybox"
for a in $("$BUSYBOX" --list); do [ "$a" = busybox ] || ln -s busybox "$B/bin/$a"; done
: > "$B/mods.list"
for m in virtio_pci virtiofs overlay; do
    modprobe -d "$MODBASE" -S "$KVER" --show-depends "$m" 2>/dev/null | while read -r kind path _; do
        [ "$kind" = insmod ] || continue
        n=$(basename "$path"); n=${n%.xz}; n=${n%.zst}; n=${n%.gz}
        [ -e "$B/mods/$n" ] && continue
        case $path in
            *.xz) xz -dc "$path" > "$B/mods/$n" ;; *.zst) zstd -qdc "$path" > "$B/mods/$n" ;;
            *.gz) gzip -dc "$path" > "$B/mods/$n" ;; *) cp "$path" "$B/mods/$n" ;;
        esac
        echo "$n" >> "$B/mods.list"
    done
done
cp "$SCRIPT" "$B/payload/check.sh"
for f in "$@"; do cp "$f" "$B/payload/"; done
cat > "$B/init" <<'EOF'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
for m in $(cat /mods.list); do insmod /mods/$m 2>/dev/null; done
for t in 1 2 3; do stty -F /dev/ttyS$t raw -echo 2>/dev/null; done
fail() { echo "boot-init: $*" > /dev/ttyS0; poweroff -f; }
mount -t virtiofs -o ro guestroot /lower || fail "virtiofs mount failed"
mount -t tmpfs -o mode=755 rw /rw; mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot || fail "overlay failed"
R=/newroot
mkdir -p $R/root; cp -a /payload/. $R/root/
# The check, a oneshot service once the system is up; it powers the machine off when done.
cat > $R/etc/systemd/system/spanlog-check.service <<UNIT
[Unit]
Description=spanlog's checks under systemd
After=multi-user.target
[Service]
Type=oneshot
WorkingDirectory=/root
ExecStart=/bin/sh -c '/bin/bash /root/check.sh > /dev/ttyS1 2> /dev/ttyS2; echo "rc=\$\$?" > /dev/ttyS3; sync; systemctl poweroff --force --force'
StandardOutput=journal+console
TimeoutStartSec=infinity
[Install]
WantedBy=multi-user.target
UNIT
mkdir -p $R/etc/systemd/system/multi-user.target.wants
ln -sf /etc/systemd/system/spanlog-check.service $R/etc/systemd/system/multi-user.target.wants/
# No logins on the console, no clock or network waits: nothing but the check.
ln -sf /dev/null $R/etc/systemd/system/serial-getty@ttyS0.service
ln -sf /dev/null $R/etc/systemd/system/getty@tty1.service
echo spanlog-guest > $R/etc/hostname
umount /proc /sys 2>/dev/null; umount /dev 2>/dev/null
exec switch_root $R /lib/systemd/systemd
EOF
chmod 755 "$B/init"
(cd "$B" && find . | "$BUSYBOX" cpio -o -H newc 2>/dev/null) > "$RUN/initrd"

# --- qemu -----------------------------------------------------------------------------------
ACCEL=${VMRUN_ACCEL:-auto}
if [ "$ACCEL" = auto ]; then
    ACCEL=tcg
    if [ -w /dev/kvm ] && { [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; }; then ACCEL=kvm; fi
fi
case $ACCEL in
    kvm) ACCEL_OPTS=(-enable-kvm -cpu host) ;;
    *) ACCEL_OPTS=(-accel tcg,thread=multi -cpu max) ;;
esac
MEM=${BOOT_MEM:-2G}
SOCK=$RUN/vfs.sock
"$VIRTIOFSD" --socket-path="$SOCK" -o source="$ROOT" -o cache=always -o sandbox=chroot -o log_level=err \
    > "$RUN/virtiofsd.log" 2>&1 &
VFSD_PID=$!
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
[ -S "$SOCK" ] || { cat "$RUN/virtiofsd.log" >&2; die "virtiofsd did not start"; }
CONSOLE=${BOOT_CONSOLE:-$RUN/console.log}
: > "$CONSOLE"; : > "$RUN/rc"
mkfifo "$RUN/out" "$RUN/err"
cat "$RUN/out" & CAT1=$!
cat "$RUN/err" >&2 & CAT2=$!
set +e
timeout "${BOOT_TIMEOUT:-900}" "$QEMU" -nodefaults -no-user-config -machine q35 "${ACCEL_OPTS[@]}" -m "$MEM" \
    -smp "${BOOT_CPUS:-2}" -display none -no-reboot \
    -kernel "$KIMG" -initrd "$RUN/initrd" \
    -append "console=ttyS0 panic=-1 rdinit=/init quiet loglevel=4 systemd.show_status=0 systemd.firstboot=0 ${BOOT_APPEND:-}" \
    -chardev "file,id=con,path=$CONSOLE" -chardev "file,id=out,path=$RUN/out" \
    -chardev "file,id=err,path=$RUN/err" -chardev "file,id=rc,path=$RUN/rc" \
    -serial chardev:con -serial chardev:out -serial chardev:err -serial chardev:rc \
    -object "memory-backend-memfd,id=mem,size=$MEM,share=on" -numa node,memdev=mem \
    -chardev "socket,id=vfs,path=$SOCK" -device vhost-user-fs-pci,queue-size=1024,chardev=vfs,tag=guestroot \
    < /dev/null &
QEMU_PID=$!
wait "$QEMU_PID"; QRC=$?
QEMU_PID=
kill -0 "$CAT1" 2>/dev/null && : 1<> "$RUN/out"
kill -0 "$CAT2" 2>/dev/null && : 1<> "$RUN/err"
wait "$CAT1" "$CAT2"
set -e
RC=$(sed -n 's/^rc=\([0-9]*\).*/\1/p' "$RUN/rc" | head -1)
if [ -z "$RC" ]; then
    if [ "$QRC" = 124 ]; then echo "boot: timed out" >&2; RC=124; else echo "boot: the guest did not report (qemu $QRC)" >&2; RC=125; fi
    echo "--- guest console (last 60 lines) ---" >&2; tail -n 60 "$CONSOLE" >&2
fi
exit "$RC"
