#!/usr/bin/env bash
# kernel-image.sh SERIES: prints the path of the newest Debian cloud kernel image of a series
# (5.10, 6.1, 6.12, 6.16, 7.3, …), fetching it on first use with getkernel.sh (apt's own tools) into
# SPANLOG_KERNEL_CACHE (default /var/tmp/spanlog-kernels). Later calls reuse it, offline.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
series=${1:?usage: kernel-image.sh SERIES}
cache=${SPANLOG_KERNEL_CACHE:-/var/tmp/spanlog-kernels}
mkdir -p "$cache"
remembered="$cache/series-$series"
if [ -s "$remembered" ] && [ -f "$(cat "$remembered")" ]; then cat "$remembered"; exit 0; fi
case $series in
    5.10) pattern='^linux-image-5\.10\.0-[0-9]+-cloud-amd64$' ;;
    6.1) pattern='^linux-image-6\.1\.0-[0-9]+-cloud-amd64$' ;;
    6.12) pattern='^linux-image-6\.12\.[0-9]+\+deb12-cloud-amd64$' ;;
    *) pattern="^linux-image-${series//./\\.}\\.[0-9]+\\+deb13-cloud-amd64\$" ;;
esac
package=$(bash "$here/getkernel.sh" --list | awk '{print $1}' | grep -E "$pattern" | sort -V | tail -1)
[ -n "$package" ] || { echo "kernel-image: Debian has no cloud kernel for series $series" >&2; exit 1; }
version=${package#linux-image-}
bash "$here/getkernel.sh" "$cache" "$package" > /dev/null
for image in "$cache/boot/vmlinuz-$version" "$cache/usr/lib/modules/$version/vmlinuz"; do
    if [ -f "$image" ]; then echo "$image" > "$remembered"; echo "$image"; exit 0; fi
done
echo "kernel-image: $package unpacked without a kernel image" >&2
exit 1
