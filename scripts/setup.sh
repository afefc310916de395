#!/usr/bin/env bash
# Installs what spanlog needs to build and test on Debian 12, when it is missing.
# Idempotent: a machine that has everything pays one dpkg query.
set -euo pipefail

packages=(
    libbpf-dev      # loading the collector's BPF object
    libelf-dev      # libbpf's ELF parsing
    zlib1g-dev      # libbpf links it
    libsystemd-dev  # the journald sink
    llvm            # llvm-strip for the BPF object
    bpftool         # inspecting loaded programs when debugging
    systemd         # systemd-journald and journalctl for the journald tests
    systemd-journal-remote  # journal-upload and journal-remote: the journald fleet recipe
    iproute2        # the fleet recipe's hosts are network namespaces
    python3         # the demo's service and the collector tests' workloads
    curl            # the seed example: curl against a local HTTP server
    gcc             # the C workload of the collector tests (writev, pwrite)
    mandoc          # checking the man pages (mandoc -Tlint)
    libncurses-dev  # spanlog top's screen (ncursesw)
    tmux            # the spanlog top tests drive it in a terminal
    dpkg-dev        # scripts/package.sh: dpkg-shlibdeps, dpkg-gencontrol
    chrpath         # scripts/package.sh: the binary loses SwiftPM's RUNPATH
    lintian         # the package's tests
    debootstrap     # the package's tests: bare Debian roots to install it in
)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "spanlog setup: missing Debian packages: ${missing[*]}; run this script as root to install them" >&2
        exit 2
    fi
    echo "spanlog setup: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The sysdig-tracers Python package, which the tests run unchanged under spanlog. From PyPI into
# the project's own folder (ignored by git); a machine without PyPI skips that test with the reason.
tools="$(cd "$(dirname "$0")/.." && pwd)/.build-tools/python"
if [ ! -e "$tools/sysdig_tracers.py" ]; then
    python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$tools" sysdig-tracers==0.1.2 \
        >/dev/null 2>&1 || echo "spanlog setup: could not install sysdig-tracers from PyPI; its test will be skipped" >&2
fi
# The OTLP output's tests decode what spanlog sends with the official OpenTelemetry protobuf
# definitions (and protobuf's own JSON parser), into the same folder.
if [ ! -e "$tools/opentelemetry/proto/collector/trace/v1/trace_service_pb2.py" ]; then
    python3 -m pip install --quiet --disable-pip-version-check --target "$tools" opentelemetry-proto==1.45.2 protobuf==7.36.2 \
        >/dev/null 2>&1 || echo "spanlog setup: could not install opentelemetry-proto from PyPI; the OTLP tests will be skipped" >&2
fi
