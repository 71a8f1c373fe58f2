# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the host-side scripts (tests/run, tools/lint).

LOF_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Downloads and unpacked kernels outlive the checkout: keyed by the .deb
# file names, which carry the package versions.
: "${LOF_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/lockonfault}"
: "${LOF_BUILD:=$LOF_TOP/build}"

# shellcheck source=tests/config.sh
. "$LOF_TOP/tests/config.sh"

lof_version() {
	sed -n 's/^PACKAGE_VERSION="\([^"]*\)".*/\1/p' "$LOF_TOP/dkms.conf"
}

say() { printf '%s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Download a Debian package into the cache (once per version) and print
# the .deb's path.  apt-get download runs as the caller: no sandbox user
# needs to reach the cache.
lof_deb() {
	local pkg=$1 dir="$LOF_CACHE/debs" f
	mkdir -p "$dir"
	f=$(ls -t "$dir/${pkg}_"*.deb 2>/dev/null | head -n 1 || true)
	if [ -z "$f" ]; then
		(cd "$dir" && apt-get -q -o APT::Sandbox::User=root download "$pkg" >&2) ||
			die "cannot download $pkg"
		f=$(ls -t "$dir/${pkg}_"*.deb | head -n 1)
	fi
	printf '%s\n' "$f"
}

# checkpatch.pl and its data files from Debian's linux-source-6.1.
lof_checkpatch() {
	local deb key dir
	dir=$(ls -d "$LOF_CACHE"/checkpatch/*/ 2>/dev/null | grep -v '\.tmp/$' | head -n 1 || true)
	dir=${dir%/}
	if [ -z "$dir" ]; then
		deb=$(lof_deb linux-source-6.1)
		key=$(basename "$deb" .deb)
		dir="$LOF_CACHE/checkpatch/$key"
		rm -rf "$dir.tmp"
		mkdir -p "$dir.tmp"
		dpkg-deb --fsys-tarfile "$deb" |
			tar -xO ./usr/src/linux-source-6.1.tar.xz |
			tar -xJ -C "$dir.tmp" --strip-components=2 \
				linux-source-6.1/scripts/checkpatch.pl \
				linux-source-6.1/scripts/spelling.txt \
				linux-source-6.1/scripts/const_structs.checkpatch
		mv "$dir.tmp" "$dir"
	fi
	printf '%s\n' "$dir/checkpatch.pl"
}

# The vmlinuz and modules of a Debian kernel ABI, unpacked (never installed)
# from its linux-image package.  Prints the directory.
lof_kernel() {
	local kver=$1 deb dir
	deb=$(lof_deb "linux-image-$kver")
	dir="$LOF_CACHE/kernels/$(basename "$deb" .deb)"
	if [ ! -f "$dir/boot/vmlinuz-$kver" ]; then
		rm -rf "$dir.tmp"
		mkdir -p "$dir.tmp"
		dpkg-deb -x "$deb" "$dir.tmp"
		rm -rf "$dir"
		mv "$dir.tmp" "$dir"
	fi
	printf '%s\n' "$dir"
}

# The test-kernel fixtures: a boot image and a module build tree each, for
# the kernels the module exists for (no public package of them exists).
# Read in place from LOF_FIXTURES (read-only in CI); the build tree is
# unpacked once into the cache, keyed by the checksum of its tarball.
: "${LOF_FIXTURES:=$LOF_TOP/../shared/kernels}"
LOF_FIXTURE_NAMES="rhel73 rhel79 linux-4.4"

lof_is_fixture() {	# lof_is_fixture NAME
	case " $LOF_FIXTURE_NAMES " in *" $1 "*) return 0 ;; esac
	# one of one's own, made by build-fixture.sh in LOF_FIXTURES
	case $1 in */* | .*) return 1 ;; esac
	[ -f "$LOF_FIXTURES/$1/bzImage" ] && [ -f "$LOF_FIXTURES/$1/release" ]
}

# Unpack TARBALL once into the cache under PREFIX-<its checksum> and print
# that directory; WITNESS, a path inside it, must exist afterwards.
lof_unpack() {		# lof_unpack TARBALL PREFIX WITNESS
	local tb=$1 key dir
	key=$(sha256sum "$tb" | cut -c1-16)
	dir="$LOF_CACHE/$2-$key"
	if [ ! -e "$dir/$3" ]; then
		rm -rf "$dir.tmp"
		mkdir -p "$dir.tmp"
		tar -C "$dir.tmp" -xJf "$tb" || die "cannot unpack $tb"
		[ -e "$dir.tmp/$3" ] || die "$tb holds no $3"
		rm -rf "$dir"
		mv "$dir.tmp" "$dir"
	fi
	printf '%s\n' "$dir"
}

# Unpack fixture NAME (once) and print the directory holding its build/.
lof_fixture() {
	local src="$LOF_FIXTURES/$1"
	[ -f "$src/bzImage" ] && [ -f "$src/build.tar.xz" ] && [ -f "$src/release" ] ||
		die "no test-kernel fixture $1 in $LOF_FIXTURES (set LOF_FIXTURES)"
	lof_unpack "$src/build.tar.xz" "fixtures/$1" build/Makefile
}

# The targets' compiler generation (RHEL 7 ships gcc 4.8.5), prebuilt in
# LOF_TOOLCHAINS; unpacked once into the cache, keyed by checksum.
: "${LOF_TOOLCHAINS:=$LOF_TOP/../shared/toolchains}"
LOF_GCC48_TARBALL=gcc-4.8.3-x86_64-linux.tar.xz

lof_gcc48() {		# prints the path of its bin/gcc
	local tb="$LOF_TOOLCHAINS/$LOF_GCC48_TARBALL" dir
	[ -f "$tb" ] || die "no $tb (set LOF_TOOLCHAINS)"
	dir=$(lof_unpack "$tb" toolchains/gcc48 gcc-4.8.3/bin/gcc) || exit 1
	printf '%s\n' "$dir/gcc-4.8.3/bin/gcc"
}
