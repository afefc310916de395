#!/bin/bash
# vmrun.sh KERNEL_IMAGE 'COMMAND'
# (spanlog's kernel matrix runner, from the workplace's kernel-matrix reference tool: boots
# with switch_root rather than chroot, and brings the loopback interface up.)
#
# Boot KERNEL_IMAGE (a bzImage/vmlinuz, e.g. from a Debian linux-image .deb
# unpacked with `dpkg-deb -x`, or /boot/vmlinuz-*) under qemu, with the host's
# root filesystem shared read-only into the guest (virtiofs, or 9p) and a
# tmpfs overlay on top (guest writes never reach the host).  COMMAND is run as
# root by bash (or sh) in the caller's current directory, with proc, sysfs,
# devtmpfs, bpffs, tracefs, debugfs, securityfs and cgroup2 mounted.  Its
# stdout and stderr are printed on this side; this script exits with its exit
# status (124: timed out, 125: the guest did not report a status, i.e. boot
# failure; the kernel log is then printed to stderr).
#
# Kernel modules are looked up next to the image: DIR/vmlinuz-V ->
# DIR/../lib/modules/V or DIR/../usr/lib/modules/V, or
# .../lib/modules/V/vmlinuz itself, or /lib/modules/V.  modules.dep is created
# with depmod if missing.  Inside the guest the module dir is bind-mounted at
# /lib/modules/$(uname -r), so `modprobe` works there.
#
# Environment:
#   VMRUN_ACCEL    auto|kvm|tcg (auto: kvm if /dev/kvm is hardware KVM
#                  (kvm_intel/kvm_amd loaded), else tcg)
#   VMRUN_FS       auto|virtiofs|9p (auto: virtiofs if the kernel has it and
#                  virtiofsd exists, else 9p)
#   VMRUN_CPU      qemu -cpu model (default: host with kvm, max with tcg)
#   VMRUN_TCG      tcg accelerator options (default thread=multi)
#   VMRUN_VIRTIOFSD  virtiofsd binary (default: bin/virtiofsd next to this
#                  script, virtiofsd in PATH,
#                  /usr/local/libexec/vmrun/virtiofsd (setup-host.sh),
#                  /usr/libexec/virtiofsd, /usr/lib/qemu/virtiofsd)
#   VMRUN_MEM      guest memory (default 2G)
#   VMRUN_CPUS     guest CPUs (default 2)
#   VMRUN_TIMEOUT  seconds before qemu is killed (default 600)
#   VMRUN_APPEND   extra kernel command line
#   VMRUN_ENV      names of host environment variables to pass in (PATH and
#                  LANG always are)
#   VMRUN_CONSOLE  file for the guest kernel log (default: temporary)
#   VMRUN_CACHE    where prepared initramfs images are kept
#                  (default ${TMPDIR:-/tmp}/vmrun-cache)
#   VMRUN_VERBOSE  1: print timings and the qemu command line to stderr
#
# Needs (setup-host.sh installs them): qemu-system-x86_64 >= 8 (Debian 12's
# 7.2 TCG crashes Linux guests in ~1 boot of 6; bookworm-backports has 10.0),
# busybox-static, kmod (depmod/modprobe), xz/zstd for compressed modules, file,
# for virtiofs a virtiofsd (VMRUN_VIRTIOFSD; qemu 7.2's C one works with
# qemu 10).  Debian's cloud kernels have virtiofs but no 9p; the generic
# (amd64) ones have both.  Run as root (virtiofsd and 9p passthrough need it
# to read the whole tree).
#
# On a machine whose /dev/kvm is real (kvm_intel/kvm_amd) KVM is used; here
# /dev/kvm is kvm_pvm, which cannot run stock kernels, so TCG is used.
set -euo pipefail

die() { echo "vmrun: $*" >&2; exit 125; }
log() { [ "${VMRUN_VERBOSE:-0}" = 1 ] && echo "vmrun: $*" >&2 || true; }
now() { date +%s.%N; }

[ $# -eq 2 ] || { sed -n '2,3p' "$0" >&2; exit 2; }
KIMG=$(readlink -f "$1") || die "no such kernel image: $1"
CMD=$2
[ -f "$KIMG" ] || die "no such kernel image: $1"
T0=$(now)

ACCEL=${VMRUN_ACCEL:-auto}
FS=${VMRUN_FS:-auto}
MEM=${VMRUN_MEM:-2G}
CPUS=${VMRUN_CPUS:-2}
TIMEOUT=${VMRUN_TIMEOUT:-600}
CACHE=${VMRUN_CACHE:-${TMPDIR:-/tmp}/vmrun-cache}

QEMU=$(command -v qemu-system-x86_64) || die "qemu-system-x86_64 not found"
QVER=$("$QEMU" --version | sed -n '1s/.*version \([0-9]*\)\..*/\1/p')
BUSYBOX=$(command -v busybox) || die "busybox not found"
file -bL "$BUSYBOX" | grep -q 'statically linked' || die "$BUSYBOX is not static (install busybox-static)"

# --- kernel version and module directory ----------------------------------
KVER=$(file -bL "$KIMG" | sed -n 's/.*, version \([^ ]*\) .*/\1/p')
[ -n "$KVER" ] || KVER=$(strings "$KIMG" | sed -n 's/^Linux version \([^ ]*\) .*/\1/p' | head -1)
[ -n "$KVER" ] || die "cannot read the kernel version of $KIMG"
KDIR=$(dirname "$KIMG")
MODDIR=
for d in "$KDIR" "$KDIR/../lib/modules/$KVER" "$KDIR/../usr/lib/modules/$KVER" \
         "/lib/modules/$KVER" "/usr/lib/modules/$KVER"; do
    if [ -d "$d/kernel" ] && { [ "$d" != "$KDIR" ] || [ "$(basename "$d")" = "$KVER" ]; }; then
        MODDIR=$(readlink -f "$d"); break
    fi
done
[ -n "$MODDIR" ] || die "no module directory found for $KVER (looked next to $KIMG and in /lib/modules)"
MODBASE=${MODDIR%/lib/modules/$KVER}
[ "$MODBASE" != "$MODDIR" ] || die "module directory $MODDIR is not of the form BASE/lib/modules/$KVER"
[ -n "$MODBASE" ] || MODBASE=/
if [ ! -s "$MODDIR/modules.dep" ]; then
    log "depmod -b $MODBASE $KVER"
    depmod -b "$MODBASE" "$KVER" || die "depmod failed for $MODDIR"
fi
have_mod() {   # built in or loadable?
    grep -q "/$1\.ko" "$MODDIR/modules.builtin" 2>/dev/null && return 0
    modprobe -d "$MODBASE" -S "$KVER" --show-depends "$1" >/dev/null 2>&1
}

VIRTIOFSD=
for v in "${VMRUN_VIRTIOFSD:-}" "$(dirname "$(readlink -f "$0")")/bin/virtiofsd" \
         "$(command -v virtiofsd || true)" /usr/local/libexec/vmrun/virtiofsd \
         /usr/libexec/virtiofsd /usr/lib/qemu/virtiofsd; do
    [ -n "$v" ] && [ -x "$v" ] && { VIRTIOFSD=$v; break; }
done
if [ "$FS" = auto ]; then
    if have_mod virtiofs && [ -n "$VIRTIOFSD" ]; then FS=virtiofs
    elif have_mod 9p && have_mod 9pnet_virtio; then FS=9p
    else die "kernel $KVER has neither usable virtiofs (virtiofsd: ${VIRTIOFSD:-none}) nor 9p"; fi
fi
case $FS in
    virtiofs) MODS="virtio_pci virtiofs overlay"; [ -n "$VIRTIOFSD" ] || die "virtiofsd not found" ;;
    9p) MODS="virtio_pci 9pnet_virtio 9p overlay" ;;
    *) die "VMRUN_FS must be auto, virtiofs or 9p" ;;
esac

if [ "$ACCEL" = auto ]; then
    ACCEL=tcg
    if [ -w /dev/kvm ] && { [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; }; then ACCEL=kvm; fi
fi
case $ACCEL in
    kvm) ACCEL_OPTS=(-enable-kvm -cpu "${VMRUN_CPU:-host}") ;;
    tcg) ACCEL_OPTS=(-accel "tcg,${VMRUN_TCG:-thread=multi}" -cpu "${VMRUN_CPU:-max}") ;;
    *) die "VMRUN_ACCEL must be auto, kvm or tcg" ;;
esac
# qemu 7.2 (Debian 12) TCG corrupts guest state (EFLAGS after cmpxchg16b...):
# Linux guests crash in about 1 boot out of 6.  8.0+ is fine (10.0 tested).
[ "$ACCEL" = kvm ] || [ "${QVER:-0}" -ge 8 ] || \
    echo "vmrun: warning: qemu $QVER's TCG crashes guests at random; use qemu >= 8 (bookworm-backports)" >&2

# --- initramfs (cached per kernel + fs) -----------------------------------
mkdir -p "$CACHE"
KEY=$(printf '%s\n' "$KIMG" "$MODDIR" "$FS" "$(stat -c %Y "$KIMG")" "$(sha1sum < "$0")" | sha1sum | cut -c1-16)
INITRD=$CACHE/initrd-$KVER-$FS-$KEY.cpio
if [ ! -s "$INITRD" ]; then
    log "building $INITRD"
    B=$(mktemp -d "$CACHE/build.XXXXXX")
    mkdir -p "$B"/{bin,dev,proc,sys,mods,lower,rw,newroot}
    cp "$BUSYBOX" "$B/bin/busybox"
    for a in $("$BUSYBOX" --list); do [ "$a" = busybox ] || ln -s busybox "$B/bin/$a"; done
    : > "$B/mods.list"
    for m in $MODS; do
        modprobe -d "$MODBASE" -S "$KVER" --show-depends "$m" 2>/dev/null | while read -r kind path _; do
            [ "$kind" = insmod ] || continue
            n=$(basename "$path"); n=${n%.xz}; n=${n%.zst}; n=${n%.gz}
            [ -e "$B/mods/$n" ] && continue
            case $path in
                *.xz) xz -dc "$path" > "$B/mods/$n" ;;
                *.zst) zstd -qdc "$path" > "$B/mods/$n" ;;
                *.gz) gzip -dc "$path" > "$B/mods/$n" ;;
                *) cp "$path" "$B/mods/$n" ;;
            esac
            echo "$n" >> "$B/mods.list"
        done
    done
    cat > "$B/init" <<'EOF'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
for m in $(cat /mods.list); do insmod /mods/$m 2>/dev/null || echo "vmrun-init: insmod $m failed" > /dev/ttyS0; done
for t in 1 2 3; do stty -F /dev/ttyS$t raw -echo 2>/dev/null; done
. /vmrun.conf
fail() { echo "vmrun-init: $*" > /dev/ttyS0; poweroff -f; }
if [ "$FS" = virtiofs ]; then
    mount -t virtiofs -o ro hostroot /lower || fail "virtiofs mount failed"
else
    mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=512000,cache=loose hostroot /lower || fail "9p mount failed"
fi
mount -t tmpfs -o mode=755 rw /rw; mkdir -p /rw/upper /rw/work
if ! mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot 2>/dev/null; then
    echo "vmrun-init: overlay failed, using read-only root with tmpfs on /tmp /run /var/tmp" > /dev/ttyS0
    mount --bind /lower /newroot
    for d in /tmp /var/tmp; do mount -t tmpfs tmpfs /newroot$d; done
fi
R=/newroot
mount -t proc proc $R/proc; mount -t sysfs sysfs $R/sys; mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm; mount -t devpts devpts $R/dev/pts; mount -t tmpfs tmpfs $R/dev/shm
mount -t tmpfs -o mode=755 tmpfs $R/run
mount -t bpf bpf $R/sys/fs/bpf 2>/dev/null
mount -t tracefs tracefs $R/sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs $R/sys/kernel/debug 2>/dev/null
mount -t securityfs securityfs $R/sys/kernel/security 2>/dev/null
mount -t cgroup2 cgroup2 $R/sys/fs/cgroup 2>/dev/null
KV=$(uname -r)
ML=$(chroot $R readlink -f /lib/modules 2>/dev/null || echo /lib/modules)
if [ "$MODDIR" != "$ML/$KV" ] && [ -d "$R$MODDIR" ]; then
    mkdir -p "$R$ML/$KV" && mount --bind "$R$MODDIR" "$R$ML/$KV"
fi
# kernel config where bpftool & co look for it (/boot/config-$(uname -r))
if [ -n "$KCONFIG" ] && [ -f "$R$KCONFIG" ] && [ ! -e "$R/boot/config-$KV" ]; then
    mkdir -p $R/boot && cp "$R$KCONFIG" "$R/boot/config-$KV"
fi
hostname vmrun
mkdir -p $R/run/vmrun; cp /cmd.sh $R/run/vmrun/cmd.sh; cp /bin/busybox $R/run/vmrun/busybox
SH=/bin/sh; [ -x $R/bin/bash ] && SH=/bin/bash
# The new root becomes the mount namespace's root (switch_root, as a real boot does), not a
# chroot inside it: programs that walk the mount tree see the paths a booted system has.
cat > $R/run/vmrun/stage2.sh <<STAGE2
#!/run/vmrun/busybox sh
/usr/bin/env -i HOME=/root TERM=dumb USER=root LOGNAME=root $SH /run/vmrun/cmd.sh < /dev/null > /dev/ttyS1 2> /dev/ttyS2
echo "rc=\$?" > /dev/ttyS3
/run/vmrun/busybox sync
/run/vmrun/busybox poweroff -f
STAGE2
chmod 755 $R/run/vmrun/stage2.sh
exec switch_root $R /run/vmrun/busybox sh /run/vmrun/stage2.sh
EOF
    chmod 755 "$B/init"
    (cd "$B" && find . -path ./vmrun.conf -prune -o -print | "$BUSYBOX" cpio -o -H newc 2>/dev/null) > "$B/initrd.tmp"
    mv "$B/initrd.tmp" "$INITRD"
    rm -rf "$B"
fi

# --- per-run part of the initramfs: command, cwd, environment -------------
RUN=$(mktemp -d "${TMPDIR:-/tmp}/vmrun.XXXXXX")
VFSD_PID=
QEMU_PID=
cleanup() {
    [ -n "$QEMU_PID" ] && kill "$QEMU_PID" 2>/dev/null || true
    [ -n "$VFSD_PID" ] && kill "$VFSD_PID" 2>/dev/null || true
    rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
mkdir -p "$RUN/root"
KCONFIG=
for c in "$KDIR/config-$KVER" "$MODDIR/config" "/boot/config-$KVER"; do [ -f "$c" ] && { KCONFIG=$(readlink -f "$c"); break; }; done
{ echo "FS=$FS"; echo "MODDIR=$(q "$MODDIR")"; echo "KCONFIG=$(q "$KCONFIG")"; } > "$RUN/root/vmrun.conf"
{
    echo "export PATH=$(q "$PATH") LANG=$(q "${LANG:-C.UTF-8}")"
    for v in ${VMRUN_ENV:-}; do [ -n "${!v+x}" ] && echo "export $v=$(q "${!v}")"; done
    printf 'cd %s 2>/dev/null || cd /\n' "$(q "$PWD")"
    echo 'ip link set lo up 2>/dev/null || /run/vmrun/busybox ip link set lo up'
    printf '%s\n' "$CMD"
} > "$RUN/root/cmd.sh"
(cd "$RUN/root" && printf '%s\n' vmrun.conf cmd.sh | "$BUSYBOX" cpio -o -H newc 2>/dev/null) > "$RUN/run.cpio"
cat "$INITRD" "$RUN/run.cpio" > "$RUN/initrd"

CONSOLE=${VMRUN_CONSOLE:-$RUN/console.log}
: > "$CONSOLE"
: > "$RUN/rc"
FS_OPTS=()
if [ "$FS" = virtiofs ]; then
    SOCK=$RUN/vfs.sock
    "$VIRTIOFSD" --socket-path="$SOCK" -o source=/ -o cache=always -o sandbox=chroot \
        -o log_level=err > "$RUN/virtiofsd.log" 2>&1 &
    VFSD_PID=$!
    for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
    [ -S "$SOCK" ] || { cat "$RUN/virtiofsd.log" >&2; die "virtiofsd did not start"; }
    FS_OPTS=(-object "memory-backend-memfd,id=mem,size=$MEM,share=on" -numa node,memdev=mem
             -chardev "socket,id=vfs,path=$SOCK" -device vhost-user-fs-pci,queue-size=1024,chardev=vfs,tag=hostroot)
else
    FS_OPTS=(-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap
             -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot)
fi
APPEND="console=ttyS0 panic=-1 rdinit=/init quiet loglevel=4 ${VMRUN_APPEND:-}"
QCMD=("$QEMU" -nodefaults -no-user-config -machine q35 "${ACCEL_OPTS[@]}" -m "$MEM" -smp "$CPUS"
      -display none -no-reboot
      -kernel "$KIMG" -initrd "$RUN/initrd" -append "$APPEND"
      -chardev "file,id=con,path=$CONSOLE" -chardev "file,id=out,path=$RUN/out"
      -chardev "file,id=err,path=$RUN/err" -chardev "file,id=rc,path=$RUN/rc"
      -serial chardev:con -serial chardev:out -serial chardev:err -serial chardev:rc
      "${FS_OPTS[@]}")
log "kernel $KVER, modules $MODDIR, fs $FS, accel $ACCEL, prepared in $(awk "BEGIN{print $(now) - $T0}") s"
log "${QCMD[*]}"
T1=$(now)
# the guest's stdout/stderr come through FIFOs, copied by cat, so that they
# append correctly to whatever our stdout/stderr are
mkfifo "$RUN/out" "$RUN/err"
cat "$RUN/out" & CAT1=$!
cat "$RUN/err" >&2 & CAT2=$!
set +e
timeout "$TIMEOUT" "${QCMD[@]}" < /dev/null &
QEMU_PID=$!
wait "$QEMU_PID"; QRC=$?
QEMU_PID=
# if qemu died before opening the FIFOs, unblock the readers
# (opening a FIFO read-write never blocks on Linux)
kill -0 "$CAT1" 2>/dev/null && : 1<> "$RUN/out"
kill -0 "$CAT2" 2>/dev/null && : 1<> "$RUN/err"
wait "$CAT1" "$CAT2"
set -e
log "qemu exited ($QRC) after $(awk "BEGIN{print $(now) - $T1}") s"
RC=$(sed -n 's/^rc=\([0-9]*\).*/\1/p' "$RUN/rc" | head -1)
if [ -z "$RC" ]; then
    if [ "$QRC" = 124 ]; then echo "vmrun: timed out after ${TIMEOUT}s" >&2; RC=124
    else echo "vmrun: guest did not report an exit status (qemu rc $QRC)" >&2; RC=125; fi
    echo "--- guest console (last 60 lines) ---" >&2; tail -n 60 "$CONSOLE" >&2
    [ -s "$RUN/virtiofsd.log" ] && { echo "--- virtiofsd ---" >&2; tail -n 20 "$RUN/virtiofsd.log" >&2; }
fi
exit "$RC"
