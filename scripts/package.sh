#!/usr/bin/env bash
# Builds spanlog's packages for servers without Swift, from this checkout:
#
#   bash scripts/package.sh        # dist/spanlog_VERSION_amd64.deb, dist/spanlog-VERSION-linux-x86_64.tar.gz
#
# One release build with the Swift runtime linked in (--static-swift-stdlib), stripped: the
# binary then needs only Debian's shared libraries, which dpkg-shlibdeps turns into Depends.
# The version is the binary's own (`spanlog --version`, Sources/spanlog/Spanlog.swift); a tree
# with uncommitted changes gets VERSION+dirty.COMMIT, so such a package says what it is.
# docs/packaging.md describes the packages, the maintainer scripts and the lintian warnings kept.
#   SPANLOG_BINARY=PATH   package a built binary instead of building one (it must be a
#                         --static-swift-stdlib build)
#   SPANLOG_DIST=DIR      where the packages go (default dist/)
set -euo pipefail
cd "$(dirname "$0")/.."
repository=$(pwd)
dist=${SPANLOG_DIST:-$repository/dist}
started=$(date +%s)

for tool in dpkg-shlibdeps dpkg-gencontrol dpkg-deb chrpath objcopy; do
    command -v "$tool" > /dev/null || { echo "package: $tool is missing (bash scripts/setup.sh installs dpkg-dev, chrpath, binutils)" >&2; exit 2; }
done
[ "$(dpkg --print-architecture)" = amd64 ] || { echo "package: builds amd64 packages on amd64 only" >&2; exit 2; }

# --- the binary -------------------------------------------------------------------------
git_dirty() {
    [ -e .git ] && command -v git > /dev/null || return 2
    [ -n "$(git -c safe.directory='*' status --porcelain --untracked-files=no)" ]
}
binary=${SPANLOG_BINARY:-}
if [ -z "$binary" ]; then
    build=(swift build -c release --static-swift-stdlib --product spanlog)
    "${build[@]}" 2>&1 | grep -E 'error|warning: unre|Compiling spanlog|Build complete' >&2 || true
    binary="$(swift build -c release --static-swift-stdlib --show-bin-path)/spanlog"
    [ -x "$binary" ] || { echo "package: the release build failed (${build[*]})" >&2; exit 1; }
    # The build notes uncommitted changes only when a source file or git's index changed: a
    # change to packaging/ alone leaves the embedded state stale. Regenerate it then.
    said_dirty=0; "$binary" --version | grep -q 'uncommitted changes' && said_dirty=1
    is_dirty=0; git_dirty && is_dirty=1
    if [ -e .git ] && [ $said_dirty != $is_dirty ]; then
        find .build/plugins/outputs -path '*EmbedBuildInfo/BuildInfo.swift' -delete
        "${build[@]}" > /dev/null
    fi
fi
version_line=$("$binary" --version)
# "spanlog 0.5.0 (commit 0123456789ab, with uncommitted changes)"
upstream=$(sed -n 's/^spanlog \([0-9][0-9A-Za-z.~+-]*\) .*/\1/p' <<< "$version_line")
commit=$(sed -n 's/.*(commit \([0-9a-f]*\).*/\1/p' <<< "$version_line")
[ -n "$upstream" ] || { echo "package: cannot read the version from '$version_line'" >&2; exit 1; }
version=$upstream
if grep -q 'uncommitted changes' <<< "$version_line"; then version="$upstream+dirty.${commit:-unknown}"; fi

# Timestamps from the commit (reproducible builds), not from the clock.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -c safe.directory='*' log -1 --format=%ct 2>/dev/null || date +%s)}

work=$(mktemp -d "${TMPDIR:-/tmp}/spanlog-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$dist"

# --- the files, under their Debian paths ---------------------------------------------------
root=$work/root
install -d "$root/usr/bin" "$root/usr/lib/systemd/system" "$root/usr/lib/systemd/catalog" \
    "$root/etc/spanlog/rules.d" "$root/usr/share/spanlog/rules/examples" \
    "$root/usr/share/man/man1" "$root/usr/share/man/man5" "$root/usr/share/doc/spanlog" \
    "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
    "$root/usr/share/fish/vendor_completions.d"
# objcopy, as dh_strip does: the symbol table and debug sections go, nothing the loader needs.
objcopy --strip-unneeded --remove-section=.comment --remove-section=.note "$binary" "$root/usr/bin/spanlog"
chmod 0755 "$root/usr/bin/spanlog"
# SwiftPM links executables with RUNPATH $ORIGIN (for the toolchain's shared runtime, which is
# not used here): a Debian binary must not search its own directory for libraries.
chrpath -d "$root/usr/bin/spanlog" > /dev/null
sed 's|/usr/local/bin/spanlog|/usr/bin/spanlog|g; s|the spanlog package (or scripts/install.sh)|the spanlog package|' \
    packaging/spanlog.service > "$root/usr/lib/systemd/system/spanlog.service"
install -m 0644 packaging/spanlog.yaml "$root/etc/spanlog/spanlog.yaml"
install -m 0644 packaging/spanlog.catalog "$root/usr/lib/systemd/catalog/spanlog.catalog"
install -m 0644 rules/default.yaml "$root/usr/share/spanlog/rules/default.yaml"
install -m 0644 rules/examples/*.yaml "$root/usr/share/spanlog/rules/examples/"
# rules.d is the administrator's: an empty directory the package owns.
gzip -9n < packaging/man/spanlog.1 > "$root/usr/share/man/man1/spanlog.1.gz"
gzip -9n < packaging/man/spanlog-rules.5 > "$root/usr/share/man/man5/spanlog-rules.5.gz"
# bash sources its completions: they need no #! line (the argument parser writes one).
"$root/usr/bin/spanlog" --generate-completion-script bash | sed '1{/^#!/d}' > "$root/usr/share/bash-completion/completions/spanlog"
"$root/usr/bin/spanlog" --generate-completion-script zsh > "$root/usr/share/zsh/vendor-completions/_spanlog"
"$root/usr/bin/spanlog" --generate-completion-script fish > "$root/usr/share/fish/vendor_completions.d/spanlog.fish"
install -m 0644 packaging/debian/copyright "$root/usr/share/doc/spanlog/copyright"
install -d "$root/usr/share/lintian/overrides"
grep -v '^#' packaging/debian/lintian-overrides > "$root/usr/share/lintian/overrides/spanlog"

# The changelog: one entry for this build, written from the version (the one place it is kept).
packager=$(sed -n 's/^Maintainer: //p' packaging/debian/control)
if [ "$version" != "$upstream" ]; then
    change="Development build of $upstream from commit ${commit:-unknown},
    with uncommitted changes."
else
    change="spanlog $upstream${commit:+, built from commit $commit}."
fi
cat > "$work/changelog" <<EOF
spanlog ($version) unstable; urgency=medium

  * $change
    The project's history is its git log; docs/packaging.md describes
    this package.

 -- $packager  $(date -u -R -d "@$SOURCE_DATE_EPOCH")
EOF
gzip -9n < "$work/changelog" > "$root/usr/share/doc/spanlog/changelog.gz"
find "$root" -type d -exec chmod 0755 {} +
find "$root" -type f ! -path "$root/usr/bin/*" -exec chmod 0644 {} +

# --- control: Depends from the binary's libraries, the rest from packaging/debian/control -----
source=$work/source
mkdir -p "$source/debian/spanlog/DEBIAN"
cp packaging/debian/control "$work/changelog" "$source/debian/"
(cd "$source" && dpkg-shlibdeps -Tdebian/substvars "$root/usr/bin/spanlog" 2> "$work/shlibdeps.log") \
    || { cat "$work/shlibdeps.log" >&2; exit 1; }
# Nothing may come from the Swift toolchain: every library must belong to a Debian package.
if grep -q '/opt/' "$source/debian/substvars" || ldd "$root/usr/bin/spanlog" | grep -qE 'libswift|/opt/'; then
    echo "package: the binary needs the Swift toolchain's libraries:" >&2; ldd "$root/usr/bin/spanlog" >&2; exit 1
fi
install -d -m 0755 "$root/DEBIAN"
(cd "$source" && dpkg-gencontrol -pspanlog -P"$root" -cdebian/control -ldebian/changelog -Tdebian/substvars \
    -fdebian/files 2>&1) | grep -v 'warning: package spanlog: substitution variable' >&2 || true
[ -s "$root/DEBIAN/control" ] || { echo "package: dpkg-gencontrol wrote no control file" >&2; exit 1; }
install -m 0644 packaging/debian/conffiles "$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do install -m 0755 "packaging/debian/$script" "$root/DEBIAN/$script"; done
(cd "$root" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum > DEBIAN/md5sums)
chmod 0644 "$root/DEBIAN/md5sums"

deb=$dist/spanlog_${version}_amd64.deb
rm -f "$dist"/spanlog_*_amd64.deb "$dist"/spanlog-*-linux-x86_64.tar.gz
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" > /dev/null

# --- the tarball for other distributions: the same files, under /usr/local ----------------
name=spanlog-$version-linux-x86_64
tree=$work/$name
install -d "$tree/bin" "$tree/share/man/man1" "$tree/share/man/man5" "$tree/share/spanlog" "$tree/etc/spanlog/rules.d" \
    "$tree/lib/systemd/system" "$tree/share/bash-completion/completions" "$tree/share/zsh/site-functions" \
    "$tree/share/fish/vendor_completions.d" "$tree/lib/systemd/catalog"
cp -p "$root/usr/bin/spanlog" "$tree/bin/"
cp -p packaging/spanlog.service "$tree/lib/systemd/system/"
cp -p "$root/etc/spanlog/spanlog.yaml" "$tree/etc/spanlog/"
cp -p packaging/spanlog.catalog "$tree/lib/systemd/catalog/"
cp -rp "$root/usr/share/spanlog/rules" "$tree/share/spanlog/"
cp -p packaging/man/spanlog.1 "$tree/share/man/man1/"; cp -p packaging/man/spanlog-rules.5 "$tree/share/man/man5/"
cp -p "$root/usr/share/bash-completion/completions/spanlog" "$tree/share/bash-completion/completions/"
cp -p "$root/usr/share/zsh/vendor-completions/_spanlog" "$tree/share/zsh/site-functions/"
cp -p "$root/usr/share/fish/vendor_completions.d/spanlog.fish" "$tree/share/fish/vendor_completions.d/"
cp -p LICENSE "$tree/"
libraries=$(readelf -d "$root/usr/bin/spanlog" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
cat > "$tree/INSTALL" <<EOF
spanlog $version for Linux x86_64 (${version_line#spanlog })

The binary has the Swift runtime linked in; it needs these shared libraries of the system:
    $libraries
(on Debian and Ubuntu: libbpf1 libelf1 zlib1g libsystemd0 libncursesw6 libtinfo6 libstdc++6
libgcc-s1 libc6; on Fedora: libbpf elfutils-libelf zlib systemd-libs ncurses-libs libstdc++),
and a kernel with BTF (/sys/kernel/btf/vmlinux). As root:

    cp -r bin share lib /usr/local/           # the unit runs /usr/local/bin/spanlog
    mkdir -p /etc/spanlog/rules.d && cp -n etc/spanlog/spanlog.yaml /etc/spanlog/
    cp lib/systemd/catalog/spanlog.catalog /usr/lib/systemd/catalog/ && journalctl --update-catalog
    systemctl daemon-reload
    \$EDITOR /etc/spanlog/spanlog.yaml         # the programs to follow
    systemctl enable --now spanlog

The unit reads /etc/spanlog/spanlog.yaml. Manual: man spanlog, man spanlog-rules.
EOF
find "$tree" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" -C "$work" -czf "$dist/$name.tar.gz" "$name"

size=$(stat -c %s "$root/usr/bin/spanlog")
echo "package: $deb ($(stat -c %s "$deb") bytes; binary $size bytes stripped; $(sed -n 's/^Depends: //p' "$root/DEBIAN/control"))"
echo "package: $dist/$name.tar.gz; $(( $(date +%s) - started )) s"
