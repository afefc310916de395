#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, builds, packages, fuzzes the parsers,
# boots the kernel matrix and the service's guest, and runs the unit and kernel tests. Tests
# that need root or a kernel feature skip with the reason when it is missing.
#   SPANLOG_FUZZ_SECONDS=N     fuzzing time (default 20; 0 skips it)
#   SPANLOG_KERNEL_MATRIX=quick|full|0   the kernel matrix (default quick; 0 skips it)
#   SPANLOG_SERVICE_CHECK=0    skips the service under systemd in a qemu guest
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Builds the tests and the spanlog binary the collector tests start.
swift build --build-tests
# The packages (one release build): the package tests install them on bare Debian roots.
package_status=0
bash scripts/package.sh || package_status=$?
# The parsers under libFuzzer for a bounded time.
fuzz_seconds=${SPANLOG_FUZZ_SECONDS:-20}
if [ "$fuzz_seconds" != 0 ]; then bash scripts/fuzz.sh "$fuzz_seconds"; fi
# The collector's kernel tests on the kernels users run, each booted under qemu.
matrix=${SPANLOG_KERNEL_MATRIX:-quick}
matrix_status=0
case $matrix in
    0) echo "spanlog test: kernel matrix skipped (SPANLOG_KERNEL_MATRIX=0)" >&2 ;;
    full) bash scripts/kernel-matrix.sh || matrix_status=$? ;;
    *) bash scripts/kernel-matrix.sh --quick || matrix_status=$? ;;
esac
# The package's service under systemd as PID 1 in a qemu guest (SPANLOG_SERVICE_CHECK=0 skips it).
service_status=0
if [ "${SPANLOG_SERVICE_CHECK:-1}" = 0 ]; then
    echo "spanlog test: the service check skipped (SPANLOG_SERVICE_CHECK=0)" >&2
elif [ $package_status -eq 0 ]; then
    bash scripts/package-check/service-check.sh || service_status=$?
fi
# Last, so its closing line is the run's.
test_status=0
swift test --skip-build "$@" || test_status=$?
if [ $matrix_status -ne 0 ]; then echo "spanlog test: the kernel matrix failed (above)" >&2; fi
if [ $package_status -ne 0 ]; then echo "spanlog test: scripts/package.sh failed (above)" >&2; fi
if [ $service_status -ne 0 ]; then echo "spanlog test: the service check failed (above)" >&2; fi
[ $test_status -eq 0 ] && [ $matrix_status -eq 0 ] && [ $package_status -eq 0 ] && [ $service_status -eq 0 ]
