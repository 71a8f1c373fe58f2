#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The tests that run inside the guest.  Each prints "ok - ..." or
# "not ok - ..."; the host counts them.  /lof/version holds the version
# the module must report (from dkms.conf).
#
# usage: suite.sh check|quick|smoke|demo|bench
mode=${1:-check}
# Absolute paths: busybox's shell would otherwise run its own applets of
# these names instead of the real kmod.
MODPROBE=/sbin/modprobe
RMMOD=/sbin/rmmod
MODINFO=/sbin/modinfo
DEPMOD=/sbin/depmod
want_version=$(cat /lof/version)
kver=$(uname -r)
# Whether this kernel has the mlock2() system call at all (4.4+): before,
# the native side of every comparison must be ENOSYS.
if grep -qw -e sys_mlock2 -e __x64_sys_mlock2 -e SyS_mlock2 /proc/kallsyms; then
	kernel_mlock2=1
else
	kernel_mlock2=0
fi
fails=0
# Parts the host proves on other kernels and leaves out here:
# lofskip=PART,PART on the command line (tests/run sizes each kernel's run)
skips=$(sed -n 's/.*lofskip=\([a-z,]*\).*/\1/p' /proc/cmdline | tr ',' ' ')
skipped() {		# skipped PART: true (and says so) if PART is left out
	case " $skips " in
	*" $1 "*) echo "# $1: left out on this kernel (lofskip), proven on the others"; return 0 ;;
	esac
	return 1
}

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; fails=$((fails + 1)); }
check() {
	# check DESCRIPTION COMMAND...: ok if COMMAND succeeds
	d=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then ok "$d"; else notok "$d"; sed 's/^/#   /' /tmp/check.out; fi
}

# The module must come from the DKMS tree, through real kmod.
modpath() { $MODINFO -n lockonfault 2>/dev/null; }
mfield() { $MODINFO -F "$1" lockonfault 2>/dev/null; }

$DEPMOD -a 2>/tmp/depmod.err
sed 's/^/# /' /tmp/depmod.err

if [ "$mode" = demo ]; then
	echo "--- kmod: $($MODPROBE --version | head -n 1)"
	echo "--- $MODINFO lockonfault"
	$MODINFO lockonfault | grep -v -e "^[[:space:]]" -e "^signature:"
	echo "--- $MODPROBE lockonfault"
	$MODPROBE lockonfault || echo "$MODPROBE failed: $?"
	dmesg | grep 'lockonfault:' | sed 's/^/    /'
	echo "--- ls -l /dev/lockonfault"
	ls -l /dev/lockonfault
	echo "--- lofinfo"
	/lof/lofinfo || exit 1
	echo "--- lof-demo: a sparse 512 MiB mapping locked three ways"
	/lof/lof-demo 512 1
	exit $?
fi

if [ "$mode" = script ]; then
	# an experiment brought by LOF_GUEST_SCRIPT
	$MODPROBE lockonfault || exit 1
	. /lof/script.sh
	exit $?
fi

if [ "$mode" = lockdown ]; then
	# booted with lockdown=integrity, as Secure Boot does: the module DKMS
	# signed with its own key, not enrolled here, must be refused
	echo "# lockdown: $(cat /sys/kernel/security/lockdown 2>&1)"
	grep -q '\[integrity\]' /sys/kernel/security/lockdown &&
		ok "lockdown: the kernel is locked down (integrity)" || notok "lockdown: not locked down"
	signer=$(mfield signer)
	[ "$signer" = "DKMS module signing key" ] && ok "lockdown: the module is signed by DKMS ($signer)" ||
		notok "lockdown: module signer '$signer'"
	if $MODPROBE lockonfault > /tmp/mp.out 2>&1; then
		notok "lockdown: a module signed by a key the kernel does not trust was loaded"
	else
		# a key the kernel lacks counts as no signature under lockdown
		grep -q 'Operation not permitted' /tmp/mp.out &&
			dmesg | grep -q 'Lockdown: modprobe: unsigned module loading is restricted' &&
			ok "lockdown: the kernel refuses it (EPERM, 'unsigned module loading is restricted')" ||
			notok "lockdown: modprobe failed otherwise: $(cat /tmp/mp.out)"
	fi
	/usr/bin/lockonfault check > /tmp/cli.out 2>&1
	sed 's/^/#   /' /tmp/cli.out
	grep -q '^INFO  lockdown  *kernel lockdown is on' /tmp/cli.out &&
		grep -q '^[A-Z]*  module  *not loaded' /tmp/cli.out &&
		ok "lockdown: lockonfault check names lockdown and the missing module" ||
		notok "lockdown: lockonfault check"
	exit $fails
fi

if [ "$mode" = bench ]; then
	$MODPROBE lockonfault || exit 1
	# a memory cgroup for the sparse rows' OOM kill (v1 before 4.5)
	cg=
	if [ -e /sys/fs/cgroup/cgroup.controllers ] && grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
		echo +memory > /sys/fs/cgroup/cgroup.subtree_control
		mkdir -p /sys/fs/cgroup/lofbench && cg=/sys/fs/cgroup/lofbench
	elif grep -qw memory /proc/cgroups && mount -t cgroup -o memory lofmem /sys/fs/cgroup 2>/dev/null; then
		mkdir -p /sys/fs/cgroup/lofbench && cg=/sys/fs/cgroup/lofbench
	fi
	[ -n "$cg" ] || echo "# bench: no memory cgroup: no OOM-kill column"
	if [ $kernel_mlock2 = 1 ]; then
		/lof/bench engine || exit 1
		# kernels before 5.18 (eager): a sparse range's cost, native's
		# per-address walks against the module's page-table walks
		if [ -e /sys/module/lockonfault/parameters/eager ]; then
			echo 0 > /sys/module/lockonfault/parameters/eager
			/lof/bench sparse 16 41943 3 $cg || exit 1
			/lof/bench sparse 16 419 3 $cg || exit 1
			# (native walks 64 GiB for about 25 s a call under
			# TCG: one round each)
			/lof/bench sparse 64 1677 1 $cg || exit 1
			/lof/bench sparse 64 419 1 $cg || exit 1
		fi
	else
		echo "# bench: no mlock2() on this kernel: nothing native to compare the engine with"
		# a sparse range's cost against the kernel's own full lock of
		# it (read-only, so that it fits: see bench.c)
		if [ -e /sys/module/lockonfault/parameters/eager ]; then
			echo 0 > /sys/module/lockonfault/parameters/eager
			# (no OOM column: on RHEL 7.3 the first OOM kill of a
			# holder left the guest idle, not investigated yet)
			/lof/bench sparse-full 16 41943 3 || exit 1
			/lof/bench sparse-full 16 419 3 || exit 1
			/lof/bench sparse-full 64 1677 1 || exit 1
			/lof/bench sparse-full 64 419 1 || exit 1
		fi
	fi
	# page faults of an unrelated process, module loaded and not
	i=0
	while [ $i -lt 7 ]; do
		l=$(/lof/bench faults) && lo=$(/lof/bench unrelated) || exit 1
		$RMMOD lockonfault || exit 1
		u=$(/lof/bench faults) && uo=$(/lof/bench unrelated) || exit 1
		$MODPROBE lockonfault || exit 1
		echo "bench: unrelated_fault_sample loaded $l unloaded $u ns"
		echo "bench: unrelated_ops_sample loaded $lo unloaded $uo"
		i=$((i + 1))
	done
	# eager locking (kernels before 5.18): faults in on-fault ranges, and
	# an unrelated process's faults, with the fault-path probe on and off
	e=/sys/module/lockonfault/parameters/eager
	if [ -w $e ]; then
		i=0
		while [ $i -lt 5 ]; do
			for v in 0 1; do
				echo $v > $e || exit 1
				eval "a$v=\$(/lof/bench onfault-faults anon)"
				eval "s$v=\$(/lof/bench onfault-faults shmem)"
				eval "u$v=\$(/lof/bench faults)"
			done
			echo "bench: eager_sample anon_off $a0 anon_on $a1 shmem_off $s0 shmem_on $s1 unrelated_off $u0 unrelated_on $u1 ns"
			i=$((i + 1))
		done
		echo 1 > $e
	else
		echo "# bench: no eager parameter on this kernel (its fault path mlocks every page it maps)"
	fi
	# how long one LOF_IOC_QUERY holds the mmap lock of a big mapping
	/lof/bench query-hold || exit 1
	/lof/lofinfo | sed 's/^/# /'
	exit 0
fi

echo "# kernel $kver"
if [ $kernel_mlock2 = 0 ]; then
	echo "# no mlock2() on this kernel (before 4.4): the native side of every comparison"
	echo "# cannot run; it must fail with ENOSYS (mlock2) or EINVAL (mlockall), which is"
	echo "# checked, and the module is judged by each case's documented expectations"
fi
grep -q lofkernel=debug /proc/cmdline ||
	echo "# KUnit runs on the project's debug kernel only"

# --- kmod and DKMS -----------------------------------------------------
check "kmod is the real kmod ($($MODPROBE --version 2>&1 | head -n 1))" \
	sh -c "$MODPROBE --version | grep -q '^kmod version'"
p=$(modpath)
case $p in
/lib/modules/$kver/updates/dkms/lockonfault.ko*) ok "$MODINFO finds the DKMS-installed module: $p" ;;
*) notok "$MODINFO finds the DKMS-installed module (got '$p')" ;;
esac
[ "$(mfield version)" = "$want_version" ] && ok "$MODINFO version $(mfield version) = dkms.conf version" ||
	notok "$MODINFO version '$(mfield version)' != '$want_version'"
[ "$(mfield vermagic | cut -d' ' -f1)" = "$kver" ] && ok "vermagic matches the running kernel $kver" ||
	notok "vermagic '$(mfield vermagic)' does not match $kver"
[ "$(mfield license)" = GPL ] && ok "$MODINFO license GPL" || notok "$MODINFO license '$(mfield license)'"
[ -n "$(mfield description)" ] && ok "$MODINFO description present" || notok "$MODINFO description missing"
[ -n "$(mfield author)" ] && ok "$MODINFO author present" || notok "$MODINFO author missing"
mfield parm | grep -q '^verbose:.\{20,\}' && ok "$MODINFO documents parameter verbose" ||
	notok "$MODINFO parm: '$(mfield parm)'"
mfield alias | grep -qx 'devname:lockonfault' && ok "$MODINFO alias devname:lockonfault" ||
	notok "$MODINFO alias: '$(mfield alias)'"
minor=$(mfield alias | sed -n 's/^char-major-10-\([0-9]*\)$/\1/p')
[ -n "$minor" ] && ok "$MODINFO alias char-major-10-$minor" || notok "no char-major-10-N alias"
grep -q "^lockonfault lockonfault c10:$minor\$" "/lib/modules/$kver/modules.devname" &&
	ok "$DEPMOD wrote modules.devname for on-demand loading" ||
	notok "modules.devname: '$(cat "/lib/modules/$kver/modules.devname" 2>&1)'"

# --- load, device -------------------------------------------------------
if $MODPROBE -v lockonfault >/tmp/modprobe.out 2>&1; then
	ok "modprobe -v lockonfault: $(tr '\n' ' ' < /tmp/modprobe.out)"
	# Kernels before 5.18 (their fault path mlocks new anonymous pages
	# only) have the eager parameter, off by default for its cost; the
	# engine's tests expect 6.1's behaviour, page cache and shmem pages
	# mlocked at fault: on for them (off is tested on its own below).
	if [ -e /sys/module/lockonfault/parameters/eager ]; then
		[ "$(cat /sys/module/lockonfault/parameters/eager)" = N ] &&
			ok "eager locking is off by default" ||
			notok "eager default: $(cat /sys/module/lockonfault/parameters/eager)"
		echo 1 > /sys/module/lockonfault/parameters/eager
		echo "# eager=1 for the engine's tests"
	fi
else
	notok "modprobe -v lockonfault: $(cat /tmp/modprobe.out)"
fi
grep -q '^lockonfault ' /proc/modules && ok "module listed in /proc/modules" || notok "module not in /proc/modules"
dmesg | grep -q "lockonfault: version $want_version loaded: /dev/lockonfault" &&
	ok "load message in the kernel log" || notok "no load message in the kernel log"
st=$(dmesg | sed -n 's/.*lockonfault: load self-test passed in \([0-9]*\) us$/\1/p' | head -n 1)
[ -n "$st" ] && ok "the load self-test ran and passed before the device was offered ($st us)" ||
	notok "no 'load self-test passed' in the kernel log"
[ -c /dev/lockonfault ] && ok "/dev/lockonfault is a character device" || notok "/dev/lockonfault missing"
# shellcheck disable=SC2012
m=$(ls -l /dev/lockonfault | cut -c1-10)
[ "$m" = "crw-rw-rw-" ] && ok "/dev/lockonfault mode $m" || notok "/dev/lockonfault mode $m, want crw-rw-rw-"

# The smoke run (the module and userspace as packages installed them):
# kmod, load, device, userspace, unload; not the ABI, KUnit, conformance.
if [ "$mode" != smoke ]; then
# (the mutation stage goes straight to its own runs, below)
if [ "$mode" != mutants ]; then
# --- the ioctl ABI, 64-bit and 32-bit (compat_ioctl) ------------------
/lof/abi_test64 "$want_version" || fails=$((fails + 1))
if [ -e /proc/sys/abi/vsyscall32 ]; then
	/lof/abi_test32 "$want_version" || fails=$((fails + 1))
else
	notok "32-bit test binary cannot run on this kernel (no ia32 emulation)"
fi

# --- hostile callers: only the caller's own mm is ever touched -----------
/lof/hostile || fails=$((fails + 1))

# --- KUnit (debug kernel) ----------------------------------------------
if grep -q lofkernel=debug /proc/cmdline; then
	# (the log is sliced, never cleared: what modprobe, the ABI tests and
	# hostile logged stays for the host's splat check)
	n0=$(dmesg | wc -l)
	if insmod /lof/lockonfault_kunit.ko; then
		ok "KUnit module loaded"
		rmmod lockonfault_kunit
	else
		notok "KUnit module did not load"
	fi
	# KTAP: "    # Subtest: SUITE", then "    ok N CASE" per case (6.1;
	# newer kernels write "ok N - CASE"), then the suite's own "ok N SUITE"
	# unindented: a suite whose init failed has only that line
	dmesg | tail -n +$((n0 + 1)) | sed 's/^\[[ 0-9.]*\] //' | awk '
		/^    # Subtest: / { suite = $3; next }
		/^    (not )?ok [0-9]+ / {
			line = $0
			sub(/^    /, "", line)
			bad = line ~ /^not ok/
			name = line
			sub(/^(not )?ok [0-9]+ (- )?/, "", name)
			if (name ~ /# SKIP/)
				bad = 1		# a skipped case is not a pass
			printf("%s - kunit: %s: %s\n", bad ? "not ok" : "ok", suite, name)
			cases[suite]++
			next
		}
		/^(not )?ok [0-9]+ (- )?lockonfault_/ {
			name = $0
			sub(/^(not )?ok [0-9]+ (- )?/, "", name)
			sub(/ .*/, "", name)
			printf("%s - kunit: suite %s: %d cases\n", /^not ok/ ? "not ok" : "ok", name, cases[name])
			printf("# kunit-suite %s %d\n", name, cases[name])
		}' > /tmp/kunit.out
	cat /tmp/kunit.out
	# every suite, by name, with exactly its number of cases
	for sc in lockonfault_arguments:14 lockonfault_flag_decisions:16 lockonfault_engine:10; do
		su=${sc%:*} want=${sc#*:}
		got=$(sed -n "s/^# kunit-suite $su //p" /tmp/kunit.out)
		[ "$got" = "$want" ] && ok "KUnit suite $su reported all $want cases" ||
			notok "KUnit suite $su reported '${got:-nothing}' cases, want $want"
	done
fi

fi # not mutants

# --- the engine, side by side with native lock-on-fault -------------
echo "# uptime $(cut -d" " -f1 /proc/uptime) s"
echo 16 > /proc/sys/vm/nr_hugepages
# a block file system for the file-backed cases (page cache, not shmem)
mkdir -p /mnt/ext
# (brd and ext2/ext4 as modules, or built in as on some old kernels,
# which then take brd.rd_nr/brd.rd_size from the command line)
if { [ -b /dev/ram0 ] || $MODPROBE brd rd_nr=2 rd_size=65536; } &&
	{ grep -qw -e ext4 -e ext2 /proc/filesystems || { $MODPROBE ext4 && $MODPROBE crc32c; }; } &&
	mke2fs -q /dev/ram0 >/tmp/mke2fs.out 2>&1 &&
	{ mount -t ext4 /dev/ram0 /mnt/ext 2>/dev/null || mount -t ext2 /dev/ram0 /mnt/ext; }; then
	ok "ext2 on a RAM disk mounted for file-backed cases"
else
	notok "cannot mount ext2 on /dev/ram0 (brd, ext4 modules)"
	{ ls -l /dev/ram0; grep ext /proc/filesystems; cat /tmp/mke2fs.out; lsmod; } 2>&1 | sed 's/^/#   /'
fi
export LOF_FILEDIR=/mnt/ext
grep -q lofverbose /proc/cmdline && export CONFORM_VERBOSE=1

if [ "$mode" = mutants ]; then
	# Each planted bug (module/lof_internal.h) in the module's place: the
	# fast suite (conformance side by side with native, eager=0, then the
	# module alone with eager=1; the ABI tests; hostile) must fail, on
	# this kernel or another.  Its "not ok" lines are what caught the
	# mutant, not failures of this run.
	eager=/sys/module/lockonfault/parameters/eager
	for ko in /lof/mutants/lockonfault-m*.ko; do
		n=${ko##*-m}
		n=${n%.ko}
		case $n in
		1) what="populate of file ranges not skipped" ;;
		2) what="munlock keeps the tag" ;;
		3) what="a fork child keeps the tag" ;;
		4) what="lock on fault locks fully" ;;
		5) what="populate leaves the last page out" ;;
		6) what="locked_vm counted twice" ;;
		7) what="mlock_fixup's vma read from the wrong argument" ;;
		8) what="populate of ranges locked on fault not skipped" ;;
		9) what="built for another kernel release" ;;
		*) what="?" ;;
		esac
		$RMMOD lockonfault 2>/dev/null
		# mutants 7 and 8 stand for a kernel the probes do not fit: the
		# load self-test must refuse them; 9 for a build of another
		# kernel, which the release check must.  The others meet it too, and
		# then the suite, with the self-test off (a mutant build's
		# parameter), so that what the suite catches stays measured.
		echo "lofmark mutant $n" > /dev/kmsg
		st=0
		if insmod "$ko" 2>/tmp/insmod.out; then
			[ "$n" -lt 7 ] || $RMMOD lockonfault
		else
			dmesg | sed -n "/lofmark mutant $n\$/,\$p" > /tmp/mutant.dmesg
			by="the self-test"
			why=$(sed -n 's/.*lockonfault: load self-test failed: \(.*\)$/\1/p' /tmp/mutant.dmesg | head -n 1)
			if [ -z "$why" ]; then
				by="the release check"
				why=$(sed -n 's/.*lockonfault: \(built for kernel .*\)$/\1/p' /tmp/mutant.dmesg | head -n 1)
			fi
			if [ -z "$why" ]; then
				notok "mutant $n ($what): insmod failed without a self-test or release-check verdict: $(cat /tmp/insmod.out)"
				continue
			fi
			echo "# mutant $n ($what): refused at load by $by: $why"
			grep -q -e 'refusing to load. Please report' -e 'refusing to load. Rebuild it for this kernel' /tmp/mutant.dmesg ||
				notok "mutant $n: the refusal does not say what to do"
			st=1
			if [ "$n" -lt 7 ] && ! insmod "$ko" selftest=0 2>/tmp/insmod.out; then
				notok "mutant $n ($what): insmod selftest=0: $(cat /tmp/insmod.out)"
				continue
			fi
		fi
		if [ "$n" -ge 7 ]; then
			[ $st = 1 ] && echo "# mutant $n ($what): caught by 1 checks" ||
				echo "# mutant $n ($what): survived on this kernel"
			continue
		fi
		{
			[ -w $eager ] && echo 0 > $eager
			if [ $kernel_mlock2 = 1 ]; then
				/lof/conform
			else
				/lof/conform --no-native
			fi
			echo "=== status $?"
			if [ -w $eager ]; then
				echo 1 > $eager
				CONFORM_FILE_MLOCK=fault CONFORM_TAG=conform-eager1 /lof/conform --module-only
				echo "=== status $?"
			fi
			/lof/abi_test64 "$want_version"
			echo "=== status $?"
			HOSTILE_QUICK=1 /lof/hostile
			echo "=== status $?"
			[ -w $eager ] && echo 0 > $eager
			/lof/fuzz $((n * 1000 + 1)) 3000 1 $LOF_FILEDIR
			echo "=== status $?"
		} > /tmp/mutant.out 2>&1
		grep -q '^not ok - fuzz ' /tmp/mutant.out &&
			echo "# mutant $n ($what): the fuzzer caught it" ||
			echo "# mutant $n ($what): the fuzzer missed it"
		# (the verdict is the host's: a bug that this kernel's own mm
		# code makes harmless can only be caught on another kernel)
		caught=$(($(grep -c -e '^not ok - ' -e '^=== status [^0]' /tmp/mutant.out) + st))
		if [ "$caught" -gt 0 ]; then
			echo "# mutant $n ($what): caught by $caught checks"
			grep -e '^not ok - ' /tmp/mutant.out | head -n 8 | sed "s/^not ok - /#   mutant $n caught by: /"
		else
			echo "# mutant $n ($what): survived on this kernel"
		fi
		$RMMOD lockonfault || notok "mutant $n: rmmod"
	done
	$MODPROBE lockonfault
	exit $fails
fi
eager=/sys/module/lockonfault/parameters/eager
if [ -w $eager ] && [ $kernel_mlock2 = 0 ]; then
	# a kernel before 4.4: no mlock2() at all (conform checks ENOSYS).
	# With eager=1 the module mlocks page cache and shmem pages at fault,
	# as 5.18+ does, and is judged by that; with eager=0 by what these
	# kernels' own fault path does (reclaim mlocks them later).
	CONFORM_FILE_MLOCK=fault /lof/conform --no-native
	rc=$?
	echo 0 > $eager
	CONFORM_TAG=conform-eager0 /lof/conform --no-native
	rc2=$?
	echo 1 > $eager
	[ $rc2 -le 1 ] || notok "conform (eager=0) exited with status $rc2"
elif [ -w $eager ]; then
	# native lock-on-fault before 5.18 (4.4, RHEL 7.8+): side by side with
	# eager=0, the module's default, which does what native does there;
	# then eager=1 alone, judged by 5.18's behaviour
	echo 0 > $eager
	/lof/conform
	rc=$?
	echo 1 > $eager
	CONFORM_FILE_MLOCK=fault CONFORM_TAG=conform-eager1 /lof/conform --module-only
	rc2=$?
	[ $rc2 -le 1 ] || notok "conform (eager=1) exited with status $rc2"
elif [ $kernel_mlock2 = 0 ]; then
	/lof/conform --no-native
	rc=$?
elif grep -q lofkernel=debug /proc/cmdline; then
	# no native lock-on-fault here: the module alone, judged by what
	# each case documents; then again with mlock2 gone altogether
	/lof/conform --no-native
	rc=$?
	echo 1 > /sys/module/kernel/parameters/lof_no_mlock2
	CONFORM_TAG=conform-enosys /lof/conform --no-native
	rc2=$?
	echo 0 > /sys/module/kernel/parameters/lof_no_mlock2
	[ $rc2 -le 1 ] || notok "conform (mlock2 ENOSYS) exited with status $rc2"
else
	/lof/conform
	rc=$?
fi
[ $rc -le 1 ] || notok "conform exited with status $rc"

# --- a sparse range costs what is present in it (kernels before 5.18) ---
# The module hands munlock, munmap and exit of a range it locked on fault
# only the page tables that exist; native walks every address.  Side by
# side in this boot, on the kernels that have both (eager: before 5.18).
if [ $kernel_mlock2 = 1 ] && [ -e /sys/module/lockonfault/parameters/eager ]; then
	echo 0 > /sys/module/lockonfault/parameters/eager
	if /lof/bench sparse 4 16 3 > /tmp/sparse.out 2>&1; then
		sed 's/^/# /' /tmp/sparse.out
		awk '/^bench: sparse_4g_16_munlock / { n = $4; m = $6 }
			END { if (!(m > 0 && n >= 10 * m)) exit 1
			      printf("%.1f ms against %.2f ms, %.0fx\n", n, m, n / m) }' \
			/tmp/sparse.out > /tmp/sparse.ratio &&
			ok "munlock of a 4 GiB range with 16 pages touched, at least 10x faster than native's: $(cat /tmp/sparse.ratio)" ||
			notok "munlock of a 4 GiB sparse range not 10x faster than native's: $(grep munlock /tmp/sparse.out)"
	else
		notok "bench sparse failed: $(cat /tmp/sparse.out)"
	fi
	echo 1 > /sys/module/lockonfault/parameters/eager
fi

fi # not smoke

# --- userspace: liblockonfault, the preload shim, the CLI --------------
echo "# uptime $(cut -d" " -f1 /proc/uptime) s"
LOF=/usr/bin/lockonfault
# where make install (LIBDIR/lockonfault) or a package put the shim
SHIM=$(ls /usr/lib/lockonfault/liblockonfault-preload.so \
	/usr/lib/*/lockonfault/liblockonfault-preload.so 2>/dev/null | head -n 1)
# field NAME of the last plain_onfault line in /tmp/po.out
kv() { tr ' ' '\n' < /tmp/po.out | sed -n "s/^$1=//p" | tail -n 1; }
# plain_onfault's observations of an on-fault lock that worked: the 64 MiB
# accounted locked, only the touched pages present (pagemap) and mlocked
# (kpageflags), VmRSS far below the mapping, all unlocked at the end
onfault_ok() {		# onfault_ok DESCRIPTION
	if [ "$(kv rc)" = 0 ] && [ "$(kv errno_kept)" = 1 ] && [ "$(kv lo)" = 1 ] &&
		[ "$(kv present)" = "$(kv touched)" ] && [ "$(kv mlocked)" = "$(kv touched)" ] &&
		[ "$(kv vmlck_kb)" -ge 65536 ] && [ "$(kv vmlck_after_kb)" = 0 ] &&
		[ "$(kv rss_kb)" -lt 32768 ]; then
		ok "$1: $(head -c 160 /tmp/po.out)"
	else
		notok "$1: $(cat /tmp/po.out)"
	fi
}
# The kernel's own answer, asked without any of our code in the way.
/lof/plain_onfault mlock2 > /tmp/po.out 2>&1
if [ "$(kv rc)" = 0 ]; then native=1; else native=0; fi
echo "# native lock-on-fault on this kernel: $native ($(cat /tmp/po.out))"
if ! skipped userspace; then
if grep -q lofkernel=debug /proc/cmdline; then
	[ $native = 0 ] && [ "$(kv errno)" = 22 ] && [ "$(kv vmlck_kb)" = 0 ] &&
		[ "$(kv present)" = "$(kv touched)" ] &&
		ok "unmodified program, no shim: mlock2(MLOCK_ONFAULT) fails with EINVAL, nothing locked" ||
		notok "unmodified program without the shim on the debug kernel: $(cat /tmp/po.out)"
	/lof/plain_onfault mlockall > /tmp/po.out 2>&1
	[ "$(kv rc)" = -1 ] && [ "$(kv errno)" = 22 ] && [ "$(kv vmlck_kb)" = 0 ] &&
		ok "unmodified program, no shim: mlockall(MCL_ONFAULT) fails with EINVAL, nothing locked" ||
		notok "unmodified mlockall without the shim on the debug kernel: $(cat /tmp/po.out)"
fi

check "lockonfault --version says $want_version" sh -c "$LOF --version | grep -qx 'lockonfault $want_version'"
check "lockonfault --help: usage on stdout, status 0" sh -c "$LOF --help | grep -q '^usage: lockonfault status'"
$LOF frobnicate > /tmp/cli.out 2> /tmp/cli.err
rc=$?
[ $rc = 2 ] && [ ! -s /tmp/cli.out ] && grep -q "unknown command 'frobnicate'" /tmp/cli.err &&
	ok "lockonfault with an unknown command: status 2, message on stderr" ||
	notok "unknown command: status $rc, stdout '$(cat /tmp/cli.out)', stderr '$(cat /tmp/cli.err)'"
$LOF status abc > /dev/null 2> /tmp/cli.err
[ $? = 2 ] && grep -q "not a process ID" /tmp/cli.err && ok "lockonfault status abc: usage error" ||
	notok "lockonfault status abc: $(cat /tmp/cli.err)"
$LOF status 999999 > /dev/null 2> /tmp/cli.err
[ $? = 1 ] && grep -q "no such process" /tmp/cli.err && ok "lockonfault status of a missing pid: status 1" ||
	notok "lockonfault status 999999: $(cat /tmp/cli.err)"
$LOF status > /tmp/cli.out 2>&1
rc=$?
sed 's/^/#   /' /tmp/cli.out
[ $rc = 0 ] && grep -q "^module  *loaded, version $want_version\$" /tmp/cli.out &&
	grep -q '^missed probes  *0$' /tmp/cli.out && grep -q '^device  *.*: usable$' /tmp/cli.out &&
	ok "lockonfault status: module $want_version loaded, device usable, 0 missed probes" ||
	notok "lockonfault status (status $rc)"
want_backend=module
[ $native = 1 ] && want_backend=native
$LOF status --json > /tmp/cli.out 2>&1
grep -q "\"loaded\":true,\"version\":\"$want_version\"" /tmp/cli.out &&
	grep -q '"missed_probes":0' /tmp/cli.out && grep -q "\"backend\":\"$want_backend\"" /tmp/cli.out &&
	ok "lockonfault status --json: loaded, version, backend $want_backend" ||
	notok "lockonfault status --json: $(cat /tmp/cli.out)"
$LOF check > /tmp/cli.out 2>&1
rc=$?
sed 's/^/#   /' /tmp/cli.out
[ $rc = 0 ] && grep -q '^OK    module' /tmp/cli.out && grep -q '^OK    device' /tmp/cli.out &&
	grep -q "available here through the $want_backend backend" /tmp/cli.out &&
	ok "lockonfault check: status 0, module and device OK, backend $want_backend" ||
	notok "lockonfault check (status $rc)"

chmod 0600 /dev/lockonfault
su nobody -s /bin/sh -c "$LOF check" > /tmp/cli.out 2>&1
rc=$?
chmod 0666 /dev/lockonfault
grep -q '^[A-Z]*  *device .*permission denied' /tmp/cli.out &&
	{ [ $native = 1 ] || [ $rc = 1 ]; } &&
	ok "lockonfault check as a user who may not open the device: says permission denied" ||
	notok "lockonfault check, device 0600, as nobody: $rc $(cat /tmp/cli.out)"
$LOF --version > /dev/full 2> /tmp/cli.err
[ $? = 1 ] && grep -q 'write error' /tmp/cli.err && ok "lockonfault reports a failed write (status 1)" ||
	notok "lockonfault --version > /dev/full: $(cat /tmp/cli.err)"

# the library, by its own test program, on each backend this kernel has
LIBTEST_TAG=" auto" /lof/libtest "$want_version" "$want_backend" || fails=$((fails + 1))
LIBTEST_TAG=" forced module" LOCKONFAULT_BACKEND=module /lof/libtest "$want_version" module ||
	fails=$((fails + 1))
if [ $native = 1 ]; then
	LIBTEST_TAG=" forced native" LOCKONFAULT_BACKEND=native /lof/libtest "$want_version" native ||
		fails=$((fails + 1))
fi

# the shim: an unmodified program gets lock-on-fault through it
for m in mlock2 syscall mlockall; do
	LD_PRELOAD=$SHIM /lof/plain_onfault $m > /tmp/po.out 2>&1
	onfault_ok "shim, $want_backend backend: unmodified $m(...ONFAULT) locks on fault"
	LD_PRELOAD=$SHIM LOCKONFAULT_BACKEND=module /lof/plain_onfault $m > /tmp/po.out 2>&1
	onfault_ok "shim, forced module backend: unmodified $m(...ONFAULT) locks on fault"
done
LD_PRELOAD=$SHIM /lof/plain_onfault none > /tmp/po.out 2>&1
[ "$(kv vmlck_kb)" = 0 ] && [ "$(kv present)" = "$(kv touched)" ] &&
	ok "shim alone locks nothing a program did not ask for" || notok "shim alone: $(cat /tmp/po.out)"
if [ -w /sys/module/kernel/parameters/lof_no_mlock2 ]; then
	echo 1 > /sys/module/kernel/parameters/lof_no_mlock2
	/lof/plain_onfault syscall > /tmp/po.out 2>&1
	[ "$(kv errno)" = 38 ] && [ "$(kv vmlck_kb)" = 0 ] &&
		ok "mlock2 gone (ENOSYS): the unmodified program alone gets ENOSYS" ||
		notok "no shim, mlock2 gone: $(cat /tmp/po.out)"
	for m in mlock2 syscall; do
		LD_PRELOAD=$SHIM /lof/plain_onfault $m > /tmp/po.out 2>&1
		onfault_ok "shim, mlock2 gone (ENOSYS): unmodified $m(MLOCK_ONFAULT) locks on fault"
	done
	echo 0 > /sys/module/kernel/parameters/lof_no_mlock2
fi

# An independent client, unmodified: Debian's stress-ng through the shim.
# Its mlock and mlockmany stressors call mlock2(MLOCK_ONFAULT) (through
# syscall()), mlock, munlock, mlockall and munlockall from several
# processes.  Bounded in operations and time.  Afterwards no probe hit was
# missed and nothing holds the module: it unloads at once.  The system's
# Mlocked is printed, not judged: the kernels themselves leave pages
# counted there after such a run (3.10: +124 kB from the kernel's own
# mlock alone; 6.1: a munlock racing an mlock on another CPU leaves
# PG_mlocked set, "reclaim will fix it" in mm/mlock.c).
if [ "$mode" != smoke ] && [ -x /lof/stress-ng ]; then
	mlocked_kb() {
		echo 1 > /proc/sys/vm/compact_memory	# drains per-CPU LRU batches
		sed -n 's/^Mlocked: *\([0-9]*\) kB$/\1/p' /proc/meminfo
	}
	missed() { /lof/lofinfo | sed -n 's/^missed probes *//p'; }
	sng() {		# sng [VAR=VALUE...]: one bounded run; sets rc, ml0, ml1
		ml0=$(mlocked_kb)
		env "$@" /lof/stress-ng --mlock 2 --mlock-ops 300 \
			--mlockmany 1 --mlockmany-ops 20 --mlockmany-procs 4 --timeout 30 \
			--metrics-brief > /tmp/sng.out 2>&1
		rc=$?
		ml1=$(mlocked_kb)
		echo "# stress-ng (${*:-the kernel alone}): exit $rc, Mlocked $ml0 -> $ml1 kB"
		sed 's/^/#   /' /tmp/sng.out | tail -n 4
	}
	# the kernel alone first, for comparison (its own mlock and mlockall;
	# mlock2 as it has it)
	sng
	base_rc=$rc
	eager=/sys/module/lockonfault/parameters/eager
	for e in $([ -w $eager ] && echo 0 1 || echo -); do
		how="module backend"
		[ "$e" = - ] || { echo $e > $eager; how="module backend, eager=$e"; }
		sng LD_PRELOAD=$SHIM LOCKONFAULT_BACKEND=module
		m=$(missed)
		unloaded=0
		$RMMOD lockonfault && unloaded=1
		$MODPROBE lockonfault
		[ $rc = 0 ] && [ $base_rc = 0 ] && [ "$m" = 0 ] && [ $unloaded = 1 ] &&
			ok "stress-ng --mlock --mlockmany through the shim ($how): exit 0, 0 missed probe hits, nothing left holding the module (Mlocked $ml0 -> $ml1 kB)" ||
			notok "stress-ng through the shim ($how): exit $rc (the kernel alone: $base_rc), missed probes $m, rmmod afterwards: $unloaded"
	done
	[ -w $eager ] && echo 1 > $eager
fi

# lockonfault exec
$LOF exec --onfault --future -- /lof/plain_onfault none > /tmp/po.out 2>&1
onfault_ok "lockonfault exec --onfault --future: the program's later mapping is locked on fault"
$LOF exec --all --future -- /lof/plain_onfault none > /tmp/po.out 2>&1
# (mlock() populates at mmap time, before the program's MADV_NOHUGEPAGE:
# THP tail pages carry no MLOCKED bit of their own in kpageflags)
[ "$(kv present)" = "$(kv pages)" ] && [ "$(kv lo)" = 1 ] && [ "$(kv vmlck_kb)" -ge 65536 ] &&
	ok "lockonfault exec --all --future: the later mapping is populated and locked" ||
	notok "lockonfault exec --all --future: $(cat /tmp/po.out)"
$LOF exec -- /lof/plain_onfault none > /tmp/po.out 2>&1
[ "$(kv lo)" = 0 ] && [ "$(kv vmlck_kb)" -gt 0 ] && [ "$(kv present)" = "$(kv touched)" ] &&
	ok "lockonfault exec (current only): startup mappings locked, the later one not" ||
	notok "lockonfault exec: $(cat /tmp/po.out)"
$LOF exec -- /lof/abi_test64 > /tmp/cli.out 2>&1
rc=$?
[ $rc = 126 ] && grep -q 'statically linked' /tmp/cli.out &&
	ok "lockonfault exec refuses a static program (126)" || notok "exec of a static program: $rc $(cat /tmp/cli.out)"
$LOF exec -- /lof/no-such-program > /tmp/cli.out 2>&1
[ $? = 127 ] && ok "lockonfault exec of a missing command: 127" || notok "exec missing: $(cat /tmp/cli.out)"
su nobody -s /bin/sh -c "ulimit -l 64; $LOF exec --future -- /lof/plain_onfault none" > /tmp/cli.out 2>&1
rc=$?
[ $rc = 126 ] && grep -q 'RLIMIT_MEMLOCK' /tmp/cli.out &&
	ok "lockonfault exec over RLIMIT_MEMLOCK: not run (126), says why" ||
	notok "exec over the limit: $rc $(cat /tmp/cli.out)"

# lockonfault status PID, of a process that holds an on-fault range
if [ $native = 1 ]; then how=native; else how=shim; fi
if [ $native = 1 ]; then
	/lof/plain_onfault mlock2 hold > /tmp/po.out 2>&1 &
else
	LD_PRELOAD=$SHIM /lof/plain_onfault mlock2 hold > /tmp/po.out 2>&1 &
fi
holder=$!
i=0
while [ $i -lt 50 ] && ! grep -q holding /tmp/po.out; do sleep 0.1; i=$((i + 1)); done
kb=$(($(kv touched) * 4))
$LOF status $holder > /tmp/cli.out 2>&1
rc=$?
sed 's/^/#   /' /tmp/cli.out
awk -v kb=$kb '$3 == "onfault" && $4 == 65536 && $5 == kb && $6 == kb { f = 1 } END { exit !f }' /tmp/cli.out &&
	[ $rc = 0 ] && ok "lockonfault status PID ($how lock): 65536 kB on fault, $kb kB resident and mlocked" ||
	notok "lockonfault status PID (status $rc)"
$LOF status --json $holder > /tmp/cli.out 2>&1
grep -q "\"state\":\"onfault\",\"size_kb\":65536,\"resident_kb\":$kb,\"locked_kb\":$kb" /tmp/cli.out &&
	ok "lockonfault status --json PID: the range, its state and counts" ||
	notok "lockonfault status --json PID: $(cat /tmp/cli.out)"
su nobody -s /bin/sh -c "$LOF status $holder" > /tmp/cli.out 2>&1
rc=$?
[ $rc = 1 ] && grep -q 'Permission denied' /tmp/cli.out &&
	ok "lockonfault status of root's process as nobody: permission denied (1)" ||
	notok "status as nobody: $rc $(cat /tmp/cli.out)"
kill $holder
wait $holder 2>/dev/null
fi # userspace not skipped

if [ "$mode" = check ]; then
# --- the guarantee under memory pressure --------------------------------
if ! skipped pressure; then
echo "# uptime $(cut -d" " -f1 /proc/uptime) s"
# swap on a RAM disk, a memory cgroup of 48 MiB, a 64 MiB hog inside it
pkv() { tr ' ' '\n' < /tmp/pr.$1 | sed -n "s/^$2=//p"; }
# (cgroup v1's memory controller on kernels before 4.5)
memcg=
if [ -e /sys/fs/cgroup/cgroup.controllers ] && grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
	echo +memory > /sys/fs/cgroup/cgroup.subtree_control
	mkdir -p /sys/fs/cgroup/lofp
	echo 48M > /sys/fs/cgroup/lofp/memory.max && memcg=/sys/fs/cgroup/lofp
elif grep -qw memory /proc/cgroups && mount -t cgroup -o memory lofmem /sys/fs/cgroup 2>/dev/null; then
	mkdir -p /sys/fs/cgroup/lofp
	echo 48M > /sys/fs/cgroup/lofp/memory.limit_in_bytes && memcg=/sys/fs/cgroup/lofp
fi
echo "# pressure: memory cgroup ${memcg:-none}"
if [ -n "$memcg" ] && [ -e /proc/swaps ] && [ -b /dev/ram1 ]; then
	mkswap /dev/ram1 > /dev/null && swapon /dev/ram1
	backends="none module"
	[ $native = 1 ] && backends="none native module"
	# where the kernel leaves page cache pages unmlocked at fault (before
	# 5.18), also with eager locking off: kept all the same, by reclaim
	eager=/sys/module/lockonfault/parameters/eager
	[ -w $eager ] && backends="$backends module-eager0"
	for b in $backends; do
		if [ $b = module-eager0 ]; then
			echo 0 > $eager
			/lof/pressure module $memcg /mnt/ext > /tmp/pr.$b 2>&1
			echo 1 > $eager
		else
			/lof/pressure $b $memcg /mnt/ext > /tmp/pr.$b 2>&1
		fi
		echo "# $b: $(cat /tmp/pr.$b)"
	done
	# without a lock the pressure is real: pages swapped or dropped, major faults
	{ [ "$(pkv none anon_swapped)" -gt 0 ] || [ "$(pkv none file_resident)" -lt "$(pkv none file_touched)" ]; } &&
		[ "$(pkv none majflt_reaccess)" -gt 0 ] && [ "$(pkv none hog_swapped)" -gt 0 ] &&
		ok "pressure: without a lock, touched pages are reclaimed ($(pkv none anon_swapped) anon swapped, $(pkv none file_resident)/$(pkv none file_touched) file pages resident, $(pkv none majflt_reaccess) major faults)" ||
		notok "pressure: the unlocked control was not reclaimed: $(cat /tmp/pr.none)"
	for b in $backends; do
		[ $b = none ] && continue
		[ "$(pkv $b anon_present)" = "$(pkv $b anon_touched)" ] && [ "$(pkv $b anon_swapped)" = 0 ] &&
			[ "$(pkv $b anon_untouched_populated)" = 0 ] &&
			[ "$(pkv $b file_resident)" = "$(pkv $b file_touched)" ] &&
			[ "$(pkv $b majflt_reaccess)" = 0 ] && [ "$(pkv $b hog_swapped)" -gt 0 ] &&
			ok "pressure, $b lock on fault: all $(pkv $b anon_touched) anon and $(pkv $b file_touched) file pages kept, none swapped, untouched pages unpopulated, 0 major faults ($(pkv $b hog_swapped) hog pages swapped)" ||
			notok "pressure, $b: $(cat /tmp/pr.$b)"
		# reclaim has been through them: every touched page of a
		# locked range is PG_mlocked and unevictable by now (before
		# 5.18 reclaim is what mlocks the page cache pages the fault
		# path left alone: eager=0 and native)
		[ "$(pkv $b anon_mlocked)" = "$(pkv $b anon_touched)" ] &&
			[ "$(pkv $b anon_unevictable)" = "$(pkv $b anon_touched)" ] &&
			[ "$(pkv $b file_mlocked)" = "$(pkv $b file_touched)" ] &&
			[ "$(pkv $b file_unevictable)" = "$(pkv $b file_touched)" ] &&
			ok "pressure, $b: after reclaim every touched page is PG_mlocked and unevictable ($(pkv $b anon_mlocked) anon, $(pkv $b file_mlocked) file)" ||
			notok "pressure, $b: page flags after reclaim: $(cat /tmp/pr.$b)"
	done
	swapoff /dev/ram1
else
	notok "pressure: cannot run here (needs a memory cgroup, swap and a second RAM disk)"
fi

fi # pressure not skipped

# --- reliability: fuzzing, stress, unload under load, kills -------------
echo "# uptime $(cut -d" " -f1 /proc/uptime) s"
# (the debug kernel under TCG runs about 13 ms per operation and process
# with its checks, KASAN and lockdep, two processes on its two vCPUs; the
# stock kernels about 1 ms)
if grep -q lofkernel=debug /proc/cmdline; then
	fops=100000 sops=2000 ncycles=20
else
	fops=100000 sops=10000 ncycles=100
fi
# the host sizes the run per kernel: loffuzz=OPS,SIDE-OPS,CYCLES
for arg in $(cat /proc/cmdline); do
	case $arg in
	loffuzz=*,*,*)
		v=${arg#loffuzz=}
		fops=${v%%,*}
		v=${v#*,}
		sops=${v%%,*}
		ncycles=${v#*,}
		;;
	esac
done
echo "# fuzz: $fops operations, $sops in the 32-bit and unprivileged runs, $ncycles load cycles"
seed=$(( $(date +%s) % 1000000 ))
fdir=/tmp
grep -q ' /mnt/ext ' /proc/mounts && fdir=/mnt/ext
# A program that prints its own result line: printing none (it could not
# start, its shell refused the setup) is a failure too.
selfreport() {		# selfreport DESCRIPTION COMMAND...
	local d=$1 rc=0
	shift
	"$@" > /tmp/sr.out 2>&1 || rc=$?
	cat /tmp/sr.out
	grep -q -e '^ok - ' -e '^not ok - ' /tmp/sr.out ||
		notok "$d: printed no result (exit status $rc)"
}
echo "# fuzz: seed $seed; replay with: /lof/fuzz $seed $fops 2 $fdir"
selfreport "fuzz" /lof/fuzz $seed $fops 2 $fdir
selfreport "fuzz, 32-bit" /lof/fuzz32 $((seed + 1)) $sops 1
# As nobody (65534), without groups or capabilities: the fuzzer drops them
# itself once its /proc files are open (4.0/4.1 let only CAP_SYS_ADMIN open
# pagemap).  The limit is set by root: before 5.16 the hard limit is 64 KiB.
selfreport "fuzz as nobody" sh -c "ulimit -l 256 &&
	/lof/fuzz --user 65534 $((seed + 2)) $sops 1"
# The fuzzer's model against the kernel's own lock-on-fault, where there
# is one, in the same boot: a model that does not hold natively would
# blame the module for the kernel's behaviour.
if /lof/fuzz --has-native; then
	selfreport "fuzz of the model against native" /lof/fuzz --native $((seed + 3)) $sops 2 $fdir
	selfreport "fuzz of the model against native, as nobody" sh -c "ulimit -l 256 &&
		/lof/fuzz --native --user 65534 $((seed + 4)) $sops 1 $fdir"
else
	echo "# fuzz: mlock2(MLOCK_ONFAULT) is refused here: the model is checked against native on the kernels that have it"
fi
eager=/sys/module/lockonfault/parameters/eager
if [ -w $eager ]; then
	for v in 0 1; do
		echo $v > $eager
		echo "# stress with eager=$v"
		selfreport "stress with eager=$v" /lof/fuzz --stress 10
	done
else
	echo "# stress: no eager parameter on this kernel (its fault path mlocks what it maps)"
	selfreport "stress" /lof/fuzz --stress 10
fi
# eager on and off 40 times while an unrelated load faults without pause:
# arming the fault probe must never rewrite handle_mm_fault() under a
# running CPU (an ftrace-based or optimized probe there crashed 3.10 and
# 4.4 guests); the kernel's log is checked by the host
if [ -w $eager ]; then
	( while :; do /lof/bench faults > /dev/null; done ) &
	load=$!
	i=0 toggled=0
	while [ $i -lt 40 ]; do
		echo 1 > $eager && /lof/fuzz --hold 0.02 > /dev/null && echo 0 > $eager &&
			toggled=$((toggled + 1))
		i=$((i + 1))
	done
	kill $load
	wait $load 2>/dev/null
	echo 1 > $eager
	[ $toggled = 40 ] && /lof/lofinfo > /dev/null &&
		ok "eager on and off 40 times under an unrelated fault load: module working" ||
		notok "eager toggles under load: $toggled of 40"
fi
# unload while processes hold on-fault ranges and fault in them, under an
# unrelated faulting load: refused every time, the module working after
( while :; do /lof/bench faults > /dev/null; done ) &
load=$!
/lof/fuzz --hold 600 > /tmp/hold1.out 2>&1 &
h1=$!
/lof/fuzz --hold 600 > /tmp/hold2.out 2>&1 &
h2=$!
i=0
while [ $i -lt 50 ] && ! { grep -q holding /tmp/hold1.out && grep -q holding /tmp/hold2.out; }; do
	sleep 0.1
	i=$((i + 1))
done
refused=0
i=0
while [ $i -lt 100 ]; do
	$RMMOD lockonfault 2>/dev/null || refused=$((refused + 1))
	i=$((i + 1))
done
/lof/lofinfo > /dev/null && alive=1 || alive=0
kill $h1 $h2
wait $h1 $h2 2>/dev/null
[ $refused = 100 ] && [ $alive = 1 ] &&
	ok "rmmod 100 times while 2 processes fault in on-fault ranges: refused 100 times, module working" ||
	notok "rmmod under load: refused $refused of 100, module working: $alive"
# then load/lock/fault/exit/unload cycles, still under the load
cycles=0
i=0
while [ $i -lt $ncycles ]; do
	$RMMOD lockonfault 2>/dev/null
	$MODPROBE lockonfault && /lof/fuzz --hold 0.05 > /dev/null && $RMMOD lockonfault &&
		[ ! -e /dev/lockonfault ] && cycles=$((cycles + 1))
	i=$((i + 1))
done
kill $load
wait $load 2>/dev/null
[ $cycles = $ncycles ] && ok "$ncycles cycles of modprobe, lock on fault and fault, exit, rmmod under load" ||
	notok "load/unload cycles under load: $cycles of $ncycles"
$MODPROBE lockonfault
# SIGKILL in the middle of locking, faulting or unlocking a huge range
for m in onfault full unlock; do
	/lof/fuzz --biglock $m 256 > /tmp/big.out 2>&1 &
	pid=$!
	sleep 1
	t0=$(cut -d" " -f1 /proc/uptime)
	kill -9 $pid
	wait $pid 2>/dev/null
	t1=$(cut -d" " -f1 /proc/uptime)
	ms=$(echo "$t0 $t1" | awk '{ printf "%d", ($2 - $1) * 1000 }')
	grep -q locking /tmp/big.out && [ "$ms" -lt 5000 ] &&
		ok "SIGKILL in a loop of $m locks of 256 MiB: gone after $ms ms" ||
		notok "SIGKILL during $m: $ms ms, $(cat /tmp/big.out)"
done
# the OOM killer, in a 64 MiB memory cgroup, faulting in a 256 MiB on-fault range
oomcg=
if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
	echo +memory > /sys/fs/cgroup/cgroup.subtree_control
	mkdir -p /sys/fs/cgroup/lofoom && echo 64M > /sys/fs/cgroup/lofoom/memory.max &&
		oomcg=/sys/fs/cgroup/lofoom
elif [ -d /sys/fs/cgroup/lofp ]; then
	mkdir -p /sys/fs/cgroup/lofoom && echo 64M > /sys/fs/cgroup/lofoom/memory.limit_in_bytes &&
		oomcg=/sys/fs/cgroup/lofoom
fi
if [ -n "$oomcg" ]; then
	sh -c "echo \$\$ > $oomcg/cgroup.procs && exec /lof/fuzz --biglock onfault 256" > /tmp/oom.out 2>&1 &
	pid=$!
	t0=$(cut -d" " -f1 /proc/uptime)
	wait $pid
	st=$?
	t1=$(cut -d" " -f1 /proc/uptime)
	[ $st = 137 ] && grep -q locking /tmp/oom.out &&
		ok "OOM killer in a 64 MiB cgroup kills a process faulting in its on-fault range (status $st, $(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }') s)" ||
		notok "OOM: status $st, $(cat /tmp/oom.out)"
	rmdir $oomcg 2>/dev/null
else
	notok "OOM test: no memory cgroup"
fi
# no probe hit missed through all of it: the read-only parameter says
# so without the ioctl, and the kernel log has no report of a miss
m=$(cat /sys/module/lockonfault/parameters/missed_probes 2>&1)
[ "$m" = 0 ] && ! dmesg | grep -q 'lockonfault: the .* probe missed' &&
	ok "missed_probes parameter 0 after the reliability tests, none logged" ||
	notok "missed probes: parameter '$m'; $(dmesg | grep 'probe missed' | head -n 3)"
# all of it gone: no process holds a range, so the module unloads
$RMMOD lockonfault && ok "rmmod after the fuzzing, stress and kills: nothing left holding the module" ||
	notok "rmmod after the reliability tests refused"
$MODPROBE lockonfault

# --- parameter: eager (kernels whose fault path leaves page cache,
# shmem and swap cache pages unmlocked: before 5.18); the conformance
# suite ran with it off and on, above --------------------------------------
eager=/sys/module/lockonfault/parameters/eager
if [ -w $eager ]; then
	$MODINFO -F parm lockonfault | grep -q '^eager:.\{20,\}' &&
		ok "$MODINFO documents parameter eager" || notok "$MODINFO parm: no eager"
fi

# --- parameter: verbose ------------------------------------------------
echo 1 > /sys/module/lockonfault/parameters/verbose
before=$(dmesg | grep -c 'refused: -22')
check "provoke one EINVAL with verbose=1" /lof/abi_test64 provoke
after=$(dmesg | grep -c 'refused: -22')
[ "$after" -gt "$before" ] && ok "verbose=1 logs the refused ioctl" || notok "verbose=1 logged nothing"
dmesg | grep 'refused: -22' | tail -n 1 | grep -q 'abi_test64\[[0-9]*\]: ioctl 0x4028e801' &&
	ok "verbose log names caller, pid and command" || notok "verbose log line: $(dmesg | grep 'refused' | tail -n 1)"
echo 0 > /sys/module/lockonfault/parameters/verbose
before=$(dmesg | grep -c 'refused: -22')
/lof/abi_test64 provoke
after=$(dmesg | grep -c 'refused: -22')
[ "$after" -eq "$before" ] && ok "verbose=0 logs nothing" || notok "verbose=0 still logs"

fi # not smoke

# --- unload rules, modprobe/rmmod cycles -------------------------------
echo "# uptime $(cut -d" " -f1 /proc/uptime) s"
# a request that failed holds the module only if it left a mapping locked
for how in refused partial; do
	/lof/hostile --$how > /tmp/$how.out 2>&1 &
	lingerer=$!
	i=0
	while [ $i -lt 50 ] && ! grep -q holding /tmp/$how.out; do sleep 0.1; i=$((i + 1)); done
	if ! grep -q holding /tmp/$how.out; then
		notok "hostile --$how: $(cat /tmp/$how.out)"
	elif $RMMOD lockonfault 2>/dev/null; then
		$MODPROBE lockonfault
		[ $how = refused ] && ok "rmmod while a process lives on after an EPERM request" ||
			notok "rmmod while a failed request left a range locked on fault"
	else
		[ $how = partial ] && ok "rmmod refused while a failed request left a range locked on fault" ||
			notok "rmmod refused: a request refused with EPERM pins the module"
	fi
	kill $lingerer
	wait $lingerer 2>/dev/null
done
exec 3</dev/lockonfault
if $RMMOD lockonfault 2>/dev/null; then
	notok "$RMMOD refused while /dev/lockonfault is open"
	$MODPROBE lockonfault
else
	ok "$RMMOD refused while /dev/lockonfault is open"
fi
exec 3<&-
/lof/conform --hold > /tmp/hold.out 2>&1 &
holder=$!
i=0
while [ $i -lt 50 ] && ! grep -q holding /tmp/hold.out; do sleep 0.1; i=$((i + 1)); done
grep -q holding /tmp/hold.out && ok "a process holds an on-fault range" || notok "holder did not start"
if $RMMOD lockonfault 2>/dev/null; then
	notok "rmmod refused while a process holds on-fault ranges"
	$MODPROBE lockonfault
else
	ok "rmmod refused while a process holds on-fault ranges"
fi
kill $holder
wait $holder 2>/dev/null
check "$RMMOD once the device is closed and the holder exited" $RMMOD lockonfault
[ ! -e /dev/lockonfault ] && ok "device node gone after rmmod" || notok "device node left after rmmod"
# userspace without the module
$LOF status > /tmp/cli.out 2>&1
grep -q '^module  *not loaded$' /tmp/cli.out && ok "lockonfault status: module not loaded" ||
	notok "lockonfault status without the module: $(cat /tmp/cli.out)"
$LOF check > /tmp/cli.out 2>&1
rc=$?
if [ $native = 1 ]; then
	[ $rc = 0 ] && ok "lockonfault check without the module on a native kernel: fine (0)" ||
		notok "lockonfault check, native, no module: $rc $(cat /tmp/cli.out)"
	LIBTEST_TAG=" auto, no module" /lof/libtest "$want_version" native || fails=$((fails + 1))
else
	[ $rc = 1 ] && grep -q "^FAIL  module .*modprobe lockonfault" /tmp/cli.out &&
		ok "lockonfault check without the module: FAIL, says to modprobe it (1)" ||
		notok "lockonfault check, no module: $rc $(cat /tmp/cli.out)"
	LIBTEST_TAG=" no backend" /lof/libtest "$want_version" none \
		"$([ $kernel_mlock2 = 1 ] && echo EINVAL || echo ENOSYS)" || fails=$((fails + 1))
	if [ -w /sys/module/kernel/parameters/lof_no_mlock2 ]; then
		echo 1 > /sys/module/kernel/parameters/lof_no_mlock2
		LIBTEST_TAG=" no backend, no mlock2" /lof/libtest "$want_version" none ENOSYS ||
			fails=$((fails + 1))
		echo 0 > /sys/module/kernel/parameters/lof_no_mlock2
	fi
	$LOF exec -- /lof/plain_onfault none > /tmp/cli.out 2>&1
	[ $? = 126 ] && grep -q 'no lock-on-fault here' /tmp/cli.out &&
		ok "lockonfault exec without any backend: 126, says why" ||
		notok "exec without backend: $(cat /tmp/cli.out)"
fi
i=0
cycles_ok=1
while [ $i -lt 10 ]; do
	$MODPROBE lockonfault verbose=$((i % 2)) || cycles_ok=0
	[ -c /dev/lockonfault ] || cycles_ok=0
	[ "$(cat /sys/module/lockonfault/parameters/verbose)" = $((i % 2)) ] || cycles_ok=0
	/lof/lofinfo >/dev/null || cycles_ok=0
	$MODPROBE -r lockonfault || cycles_ok=0
	[ -e /dev/lockonfault ] && cycles_ok=0
	i=$((i + 1))
done
[ $cycles_ok = 1 ] && ok "10 $MODPROBE / $MODPROBE -r cycles with parameters" || notok "modprobe/rmmod cycles"

# --- on-demand loading through the char-major alias --------------------
mknod /dev/lockonfault c 10 "$minor"
chmod 0666 /dev/lockonfault
if /lof/lofinfo >/dev/null 2>&1 && grep -q '^lockonfault ' /proc/modules; then
	ok "opening a static node c10:$minor loads the module (kmod alias)"
else
	notok "opening a static node c10:$minor did not load the module"
fi
$RMMOD lockonfault 2>/dev/null

# --- kmemleak (debug kernel): no leak may name the module --------------
if grep -q lofkernel=debug /proc/cmdline; then
	if [ -w /sys/kernel/debug/kmemleak ]; then
		sleep 6		# objects younger than 5 s are not reported
		echo scan > /sys/kernel/debug/kmemleak
		echo scan > /sys/kernel/debug/kmemleak
		cat /sys/kernel/debug/kmemleak > /tmp/leaks
		n=$(grep -c '^unreferenced object' /tmp/leaks)
		if grep -q -e lockonfault -e 'lof_' /tmp/leaks; then
			notok "kmemleak: a leak names the module"
			sed 's/^/#   /' /tmp/leaks | head -n 40
		else
			ok "kmemleak: no leak names the module ($n leaks elsewhere)"
		fi
	else
		notok "kmemleak is not available on the debug kernel"
	fi
fi

echo "# guest suite on $kver: $fails failing groups"
[ $fails -eq 0 ]
