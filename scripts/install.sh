#!/usr/bin/env bash
# For developers: builds spanlog from this checkout and installs it (the binary, the systemd
# unit, a default configuration, the rules, the man pages, shell completions and the journal
# catalog) under /usr/local, on a machine with the Swift toolchain. The binary it installs
# needs the toolchain's libraries at run time. Servers install the package instead:
# bash scripts/package.sh, then apt-get install ./dist/spanlog_VERSION_amd64.deb
# (docs/packaging.md). As root:
#
#   bash scripts/install.sh                  # then: systemctl enable --now spanlog
#
# PREFIX (default /usr/local) moves the binary, man pages and shared files; DESTDIR stages
# everything under another root (packaging, tests). SPANLOG_BINARY installs a built binary
# instead of building a release one.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${PREFIX:-/usr/local}
root=${DESTDIR:-}

bash scripts/setup.sh
binary=${SPANLOG_BINARY:-}
if [ -z "$binary" ]; then
    swift build -c release --product spanlog
    binary="$(swift build -c release --show-bin-path)/spanlog"
fi

install -d "$root$prefix/bin" "$root$prefix/share/man/man1" "$root$prefix/share/man/man5" \
    "$root$prefix/share/spanlog/rules/examples" \
    "$root/etc/spanlog/rules.d" "$root/etc/systemd/system" "$root/usr/lib/systemd/catalog" \
    "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
    "$root/usr/share/fish/vendor_completions.d"
install -m 0755 "$binary" "$root$prefix/bin/spanlog"

# The unit, pointing at the installed binary.
sed "s|/usr/local/bin/spanlog|$prefix/bin/spanlog|" packaging/spanlog.service > "$root/etc/systemd/system/spanlog.service"
chmod 0644 "$root/etc/systemd/system/spanlog.service"
# A configuration the administrator edits: never overwritten.
if [ ! -e "$root/etc/spanlog/spanlog.yaml" ]; then
    install -m 0644 packaging/spanlog.yaml "$root/etc/spanlog/spanlog.yaml"
fi
# The defaults are built in; the files are there to read and to copy into rules.d.
install -m 0644 rules/default.yaml "$root$prefix/share/spanlog/rules/default.yaml"
install -m 0644 rules/examples/*.yaml "$root$prefix/share/spanlog/rules/examples/"
install -m 0644 packaging/spanlog.catalog "$root/usr/lib/systemd/catalog/spanlog.catalog"

install -m 0644 packaging/man/spanlog.1 "$root$prefix/share/man/man1/spanlog.1"
install -m 0644 packaging/man/spanlog-rules.5 "$root$prefix/share/man/man5/spanlog-rules.5"

"$binary" --generate-completion-script bash > "$root/usr/share/bash-completion/completions/spanlog"
"$binary" --generate-completion-script zsh > "$root/usr/share/zsh/vendor-completions/_spanlog"
"$binary" --generate-completion-script fish > "$root/usr/share/fish/vendor_completions.d/spanlog.fish"

if [ -z "$root" ]; then
    journalctl --update-catalog 2>/dev/null || true
    if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
fi
echo "spanlog installed in $root$prefix/bin; edit /etc/spanlog/spanlog.yaml, then: systemctl enable --now spanlog"
