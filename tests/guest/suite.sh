#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The tests that run inside the guest.  Each prints "ok - ..." or
# "not ok - ..."; the host counts them.  /lof/version holds the version
# the module must report (from dkms.conf).
#
# usage: suite.sh check|demo|bench
mode=${1:-check}
# Absolute paths: busybox's shell would otherwise run its own applets of
# these names instead of the real kmod.
MODPROBE=/sbin/modprobe
RMMOD=/sbin/rmmod
MODINFO=/sbin/modinfo
DEPMOD=/sbin/depmod
want_version=$(cat /lof/version)
kver=$(uname -r)
fails=0

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

if [ "$mode" = bench ]; then
	$MODPROBE lockonfault || exit 1
	/lof/bench engine || exit 1
	# page faults of an unrelated process, module loaded and not
	i=0
	while [ $i -lt 7 ]; do
		l=$(/lof/bench faults)
		$RMMOD lockonfault || exit 1
		u=$(/lof/bench faults)
		$MODPROBE lockonfault || exit 1
		echo "bench: unrelated_fault_sample loaded $l unloaded $u ns"
		i=$((i + 1))
	done
	/lof/lofinfo | sed 's/^/# /'
	exit 0
fi

echo "# kernel $kver"

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
else
	notok "modprobe -v lockonfault: $(cat /tmp/modprobe.out)"
fi
grep -q '^lockonfault ' /proc/modules && ok "module listed in /proc/modules" || notok "module not in /proc/modules"
dmesg | grep -q "lockonfault: version $want_version loaded: /dev/lockonfault" &&
	ok "load message in the kernel log" || notok "no load message in the kernel log"
[ -c /dev/lockonfault ] && ok "/dev/lockonfault is a character device" || notok "/dev/lockonfault missing"
# shellcheck disable=SC2012
m=$(ls -l /dev/lockonfault | cut -c1-10)
[ "$m" = "crw-rw-rw-" ] && ok "/dev/lockonfault mode $m" || notok "/dev/lockonfault mode $m, want crw-rw-rw-"

# --- the ioctl ABI, 64-bit and 32-bit (compat_ioctl) ------------------
/lof/abi_test64 "$want_version" || fails=$((fails + 1))
if [ -e /proc/sys/abi/vsyscall32 ]; then
	/lof/abi_test32 "$want_version" || fails=$((fails + 1))
else
	notok "32-bit test binary cannot run on this kernel (no ia32 emulation)"
fi

# --- KUnit (debug kernel) ----------------------------------------------
if grep -q lofkernel=debug /proc/cmdline; then
	dmesg -c > /dev/null
	if insmod /lof/lockonfault_kunit.ko; then
		ok "KUnit module loaded"
		rmmod lockonfault_kunit
	else
		notok "KUnit module did not load"
	fi
	# KTAP: "    # Subtest: SUITE", then "    ok N CASE" per case (6.1;
	# newer kernels write "ok N - CASE")
	dmesg | sed 's/^\[[ 0-9.]*\] //' | awk '
		/^    # Subtest: / { suite = $3 }
		/^    (not )?ok [0-9]+ / {
			line = $0
			sub(/^    /, "", line)
			bad = line ~ /^not ok/
			name = line
			sub(/^(not )?ok [0-9]+ (- )?/, "", name)
			if (name ~ /# SKIP/)
				bad = 1		# a skipped case is not a pass
			printf("%s - kunit: %s: %s\n", bad ? "not ok" : "ok", suite, name)
			n++
		}
		END { printf("# kunit: %d cases\n", n) }' > /tmp/kunit.out
	cat /tmp/kunit.out
	n=$(grep -c -e '^ok - kunit' -e '^not ok - kunit' /tmp/kunit.out)
	[ "$n" -ge 30 ] && ok "KUnit reported $n cases" || notok "KUnit reported only $n cases"
fi

# --- the engine, side by side with native lock-on-fault -------------
echo 16 > /proc/sys/vm/nr_hugepages
# a block file system for the file-backed cases (page cache, not shmem)
mkdir -p /mnt/ext
if $MODPROBE brd rd_nr=1 rd_size=65536 && $MODPROBE ext4 && $MODPROBE crc32c &&
	mke2fs -q /dev/ram0 >/tmp/mke2fs.out 2>&1 && mount -t ext4 /dev/ram0 /mnt/ext; then
	ok "ext2 on a RAM disk mounted for file-backed cases"
else
	notok "cannot mount ext2 on /dev/ram0 (brd, ext4 modules)"
	{ ls -l /dev/ram0; grep ext /proc/filesystems; cat /tmp/mke2fs.out; lsmod; } 2>&1 | sed 's/^/#   /'
fi
export LOF_FILEDIR=/mnt/ext
grep -q lofverbose /proc/cmdline && export CONFORM_VERBOSE=1
if grep -q lofkernel=debug /proc/cmdline; then
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

# --- unload rules, modprobe/rmmod cycles -------------------------------
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
