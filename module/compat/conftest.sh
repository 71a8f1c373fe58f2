#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Decide kernel features by compiling small probes against the target
# kernel's own headers (OpenZFS-style), never by version number: vendor
# kernels backport.  Every probes/NAME.c that compiles defines HAVE_NAME
# in the generated header.  Extra facts that are not a compile test (a
# free misc minor) are read from the headers too.
#
# usage: conftest.sh KDIR OUTPUT_HEADER
set -eu

kdir=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/lof-conftest.XXXXXX")
trap 'rm -rf "$work"' EXIT

names=
for p in "$here"/probes/*.c; do
	n=$(basename "$p" .c)
	cp "$p" "$work/$n.c"
	names="$names $n"
done

# The private vm_flags bit that tags a VM_LOCKED vma as locked on fault.
# It must be free on this very kernel: every object-like VM_* macro of its
# own headers is evaluated by the compiler, with its configuration, and a
# candidate bit is usable only if no such flag (one with at most 8 bits
# set, so masks and negations are ignored) covers it.  Candidates, in order
# of preference: high bits no kernel from 3.10 to 6.1 uses (64-bit only),
# then low bits free on some kernels.  The names come from the headers'
# text; their values from the compiler.
vmbits="38 39 40 41 42 11 9 12 23 25"
mkdir -p "$work/srctree"
echo '$(info LOF_SRCTREE=$(srctree))' > "$work/srctree/Kbuild"
make -C "$kdir" M="$work/srctree" modules > "$work/srctree.log" 2>&1 || true
srctree=$(sed -n 's/^LOF_SRCTREE=//p' "$work/srctree.log" | head -n 1)
vmhdrs=
for d in "$srctree" "$kdir"; do
	for h in include/linux/mm.h include/linux/mm_types.h; do
		[ -f "$d/$h" ] && vmhdrs="$vmhdrs $d/$h"
	done
done
vmnames=$(cat $vmhdrs /dev/null 2>/dev/null |
	sed -n 's/^[[:space:]]*#[[:space:]]*define[[:space:]]\{1,\}\(VM_[A-Z0-9_]*\)[[:space:]].*/\1/p' |
	grep -v -e '^VM_FAULT' -e '_BIT' -e '^VM_BUG' -e '^VM_WARN' | sort -u)
# One probe per name: a name that is not an integer constant on this
# kernel does not compile and is ignored; the value of one that does is
# read back from the object's symbol table.
i=0
for v in $vmnames; do
	i=$((i + 1))
	{
		echo '#include <linux/mm.h>'
		echo 'void lof_probe(void);'
		echo 'void lof_probe(void)'
		echo '{'
		printf '\tasm volatile(".globl lof_v0\\n.set lof_v0, %%c0\\n.globl lof_v1\\n.set lof_v1, %%c1\\n.globl lof_v2\\n.set lof_v2, %%c2\\n.globl lof_v3\\n.set lof_v3, %%c3" :: "i" ((u16)((u64)(%s))), "i" ((u16)((u64)(%s) >> 16)), "i" ((u16)((u64)(%s) >> 32)), "i" ((u16)((u64)(%s) >> 48)));\n' "$v" "$v" "$v" "$v"
		echo '}'
	} > "$work/vmval_$i.c"
	echo "$v" > "$work/vmval_$i.name"
	names="$names vmval_$i"
done

objs=
for n in $names; do objs="$objs $n.o"; done
# The warnings that mean "this interface is not what the probe expects"
# are errors; not all warnings: old kernels' own headers warn under a new
# compiler (3.10 with gcc 12: -Wundef, -Wattributes), which would make
# every probe fail.
# Each option is tried on the compiler first, as Kbuild's cc-option does:
# gcc before 5 has no -Wincompatible-pointer-types, -Wint-conversion or
# -Wdiscarded-qualifiers and rejects -Werror= of an option it lacks.  What
# such a compiler only warns about without a name still fails a probe:
# any warning located in a probe's own file is a "no" (below).
werror="implicit-function-declaration incompatible-pointer-types int-conversion
	return-type implicit-int int-to-pointer-cast pointer-to-int-cast
	discarded-qualifiers missing-prototypes unused-function"
cc=${CC:-gcc}
# (unquoted: CC may carry words, "ccache gcc")
# shellcheck disable=SC2086
$cc --version > /dev/null 2>&1 || { echo "conftest: no compiler '$cc'" >&2; exit 1; }
{
	printf 'ccflags-y +='
	for w in $werror; do
		# shellcheck disable=SC2086
		if echo 'int lof_x;' | $cc -Werror="$w" -c -x c -o /dev/null - 2>/dev/null; then
			printf ' -Werror=%s' "$w"
		fi
	done
	echo
	echo "obj-m :=$objs"
} > "$work/Kbuild"
# Probes that do not compile are the answer "no", so errors are expected.
# (Kbuild before 4.5 records each module object in .tmp_versions, which
# only its "modules" target creates.)
mkdir -p "$work/.tmp_versions"
# shellcheck disable=SC2086
make -C "$kdir" M="$work" -k -j"$(nproc 2>/dev/null || echo 2)" $objs > "$work/build.log" 2>&1 || true

# A warning in a probe's own file means the interface is not the one the
# probe expects (a compiler that cannot make it an error by name still
# reports it): that probe's answer is "no".
for n in $names; do
	if grep -q "^$work/$n\.c:[0-9]*:[0-9]*: warning:" "$work/build.log"; then
		rm -f "$work/$n.o"
	fi
done

# The baseline probe includes only the headers the module does: if it
# does not compile, every "no" above means nothing (a compiler that
# rejects an option, a broken build tree).  Stop with the compiler's words.
if [ ! -f "$work/header_baseline.o" ]; then
	{
		echo "conftest: the baseline probe does not compile against $kdir;"
		echo "conftest: no feature can be probed.  The command and the compiler's output:"
		echo "  make -C $kdir M=$work header_baseline.o  (CC=${CC:-gcc}, ccflags-y from $work/Kbuild)"
		grep -v -e '^  CC' -e 'Entering directory' -e 'Leaving directory' "$work/build.log" |
			grep -v -e '^make.*\.o\] Error' | head -n 30
	} >&2
	exit 1
fi

# Warnings the target's own headers raise under this compiler (old kernels
# with a new gcc: -Wundef, -Wattributes, -Wmissing-attributes): the
# header_baseline probe includes the headers the module does; every
# warning located outside the probes' own files is the kernel's, and is
# turned off for the module on this kernel only.
hdrwarn=$(sed -n 's/^\([^ :]*\):[0-9]*:[0-9]*: warning: .*\[-W\([a-z0-9-]*\)\]$/\1 \2/p' "$work/build.log" |
	grep -v -e "^$work/" -e '^/tmp/lof-conftest' | awk '{ print $2 }' | sort -u | tr '\n' ' ')

# A misc minor that the target kernel does not reserve, for on-demand
# loading through devname:/char-major aliases (falls back to a dynamic
# minor at load time if it is taken anyway).
minor=
mischdr=
for d in "$srctree" "$kdir"; do
	if [ -n "$d" ] && [ -f "$d/include/linux/miscdevice.h" ]; then
		mischdr="$d/include/linux/miscdevice.h"
		break
	fi
done
m=248
while [ "$m" -ge 200 ]; do
	if [ -z "$mischdr" ] || ! grep -Eq "[[:space:]]$m[[:space:]]*(/\\*.*)?\$" "$mischdr"; then
		minor=$m
		break
	fi
	m=$((m - 1))
done

tmp="$out.tmp"
{
	echo '/* SPDX-License-Identifier: GPL-2.0 */'
	echo "/* Generated by compat/conftest.sh for $kdir: do not edit. */"
	echo '#ifndef LOF_CONFIG_H'
	echo '#define LOF_CONFIG_H'
	taken=0
	nflags=0
	for f in "$work"/vmval_*.o; do
		[ -f "$f" ] || continue
		syms=$(nm "$f" 2>/dev/null)
		val=0
		for k in 0 1 2 3; do
			part=$(echo "$syms" | sed -n "s/^\([0-9a-fA-F]*\) [aA] lof_v$k\$/\1/p")
			[ -n "$part" ] || continue 2
			part=${part#"${part%????}"}	# low 16 bits (sign-extended by nm)
			val=$((val | (0x$part << (16 * k))))
		done
		bits=0
		x=$val
		while [ "$x" -ne 0 ]; do
			x=$((x & (x - 1)))
			bits=$((bits + 1))
		done
		# single flags and small unions; masks and negations are not flags
		if [ "$bits" -ge 1 ] && [ "$bits" -le 8 ]; then
			taken=$((taken | val))
			nflags=$((nflags + 1))
		fi
	done
	vmbit=
	for b in $vmbits; do
		if [ "$nflags" -gt 0 ] && [ $(((taken >> b) & 1)) -eq 0 ]; then
			vmbit=$b
			break
		fi
	done
	if [ -n "$vmbit" ]; then
		printf "/* free vm_flags bit for the on-fault tag; the %d VM_* flags of these headers use %#x */\n" "$nflags" "$taken"
		echo "#define LOF_VM_ONFAULT_BIT $vmbit"
	else
		echo "/* no vm_flags bit is free on this kernel: the module cannot be built */"
	fi
	for n in $names; do
		case $n in vmval_*) continue ;; esac
		u=$(echo "$n" | tr 'a-z-' 'A-Z_')
		if [ -f "$work/$n.o" ]; then
			echo "#define HAVE_$u 1"
		else
			echo "/* #undef HAVE_$u */"
		fi
	done
	echo "#define LOF_MISC_MINOR ${minor:-255}"
	echo '#endif'
} > "$tmp"
mv "$tmp" "$out"

# The compiler flags that go with it (included by Kbuild).
mk="$(dirname "$out")/lof_cflags.mk"
{
	echo "# Generated by compat/conftest.sh for $kdir: do not edit."
	echo "# Warnings this kernel's own headers raise under $cc $($cc -dumpfullversion 2>/dev/null || $cc -dumpversion 2>/dev/null):"
	printf 'lof_header_warnings :='
	for w in $hdrwarn; do printf ' %s' "$w"; done
	echo
	echo 'ccflags-y += $(addprefix -Wno-,$(lof_header_warnings))'
} > "$mk"
