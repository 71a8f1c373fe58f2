/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * lockonfault: lock-on-fault (mlock2(MLOCK_ONFAULT), mlockall(MCL_ONFAULT))
 * for kernels that lack it, through ioctls on /dev/lockonfault.
 *
 * This header is the whole userspace ABI of the module.  It needs nothing but
 * <linux/types.h> and <linux/ioctl.h> and can be used from C and C++.
 *
 * Conventions shared by every command
 * -----------------------------------
 * - Every argument struct starts with "__u32 size": the caller sets it to
 *   sizeof() of the struct it was compiled with.  The size encoded in the
 *   command number is the one of the first version (LOF_*_SIZE_VER0) and
 *   never changes; later versions only append fields.  The module accepts
 *   any size from LOF_*_SIZE_VER0 up to 4096 bytes:
 *     size < LOF_*_SIZE_VER0                  -> EINVAL
 *     size > 4096                             -> E2BIG
 *     bytes past the end the module knows are not all zero -> E2BIG
 *   Output is written back for min(size, what the module knows).
 * - All structs have explicit padding and 64-bit fields on 8-byte offsets:
 *   32-bit and 64-bit callers share one layout (compat_ioctl works as is).
 * - "reserved" fields and padding must be zero on input (EINVAL otherwise);
 *   the module writes them as zero.
 * - Unknown flags -> EINVAL.  Bad or unreadable argument pointer -> EFAULT.
 *   Unknown command -> ENOTTY.
 * - Addresses and lengths are 64-bit; they mean what the matching syscall's
 *   arguments mean, with the same rounding (start rounded down to a page,
 *   end rounded up), the same errno values and the same limits
 *   (RLIMIT_MEMLOCK, CAP_IPC_LOCK).
 */
#ifndef _UAPI_LINUX_LOCKONFAULT_H
#define _UAPI_LINUX_LOCKONFAULT_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define LOF_DEVICE_NAME		"lockonfault"
#define LOF_DEVICE_PATH		"/dev/lockonfault"

/* Bumped only for incompatible changes; growth goes through "size". */
#define LOF_ABI_VERSION		1

#define LOF_IOC_MAGIC		0xE8

/* Largest "size" the module accepts in any argument struct. */
#define LOF_ARG_SIZE_MAX	4096

/*
 * LOF_IOC_VERSION: what the module is and can do.
 *
 * In: size (and zero reserved fields).  Out: everything else.
 */
struct lof_version {
	__u32 size;
	__u32 abi_version;	/* LOF_ABI_VERSION of the module */
	__u32 major;		/* module version, e.g. 0.1.0 */
	__u32 minor;
	__u32 patch;
	__u32 reserved0;
	__u64 features;		/* LOF_FEAT_*: what the module implements */
	__u64 kernel_features;	/* LOF_KFEAT_*: what the running kernel has */
	__u64 missed_probes;	/* kprobe and kretprobe hits lost so far */
	char version[32];	/* module version string, NUL-terminated */
	__u64 reserved[4];
};

#define LOF_VERSION_SIZE_VER0	112

/* lof_version.features */
#define LOF_FEAT_LOCK		(1ULL << 0)	/* LOF_IOC_LOCK, flags 0 */
#define LOF_FEAT_LOCK_ONFAULT	(1ULL << 1)	/* LOF_IOC_LOCK, LOF_LOCK_ONFAULT */
#define LOF_FEAT_UNLOCK		(1ULL << 2)	/* LOF_IOC_UNLOCK */
#define LOF_FEAT_LOCKALL	(1ULL << 3)	/* LOF_IOC_LOCKALL, all flags */
#define LOF_FEAT_UNLOCKALL	(1ULL << 4)	/* LOF_IOC_UNLOCKALL */
#define LOF_FEAT_QUERY		(1ULL << 5)	/* LOF_IOC_QUERY of the caller */
#define LOF_FEAT_QUERY_PID	(1ULL << 6)	/* LOF_IOC_QUERY of another pid */
#define LOF_FEAT_COMPAT32	(1ULL << 7)	/* 32-bit callers on a 64-bit kernel */

/* lof_version.kernel_features: native support of the running kernel */
#define LOF_KFEAT_MLOCK2	(1ULL << 0)	/* the mlock2 syscall exists */
#define LOF_KFEAT_ONFAULT_HDRS	(1ULL << 1)	/* built against headers with VM_LOCKONFAULT */
#define LOF_KFEAT_KPROBES	(1ULL << 2)	/* kprobes usable by the module */

/*
 * LOF_IOC_LOCK: mlock2(addr, len, flags) for the caller's own memory.
 * LOF_IOC_UNLOCK: munlock(addr, len); flags must be 0.
 */
struct lof_range {
	__u32 size;
	__u32 flags;		/* LOF_LOCK_* for LOF_IOC_LOCK, 0 for UNLOCK */
	__u64 addr;
	__u64 len;
	__u64 reserved[2];
};

#define LOF_RANGE_SIZE_VER0	40

/* Same value as MLOCK_ONFAULT. */
#define LOF_LOCK_ONFAULT	0x01U
#define LOF_LOCK_FLAGS		(LOF_LOCK_ONFAULT)

/*
 * LOF_IOC_LOCKALL: mlockall(flags).  LOF_IOC_UNLOCKALL: munlockall();
 * flags must be 0.  As for mlockall(), flags must not be 0 and
 * LOF_MCL_ONFAULT needs LOF_MCL_CURRENT or LOF_MCL_FUTURE.
 */
struct lof_lockall {
	__u32 size;
	__u32 flags;
	__u64 reserved[3];
};

#define LOF_LOCKALL_SIZE_VER0	32

/* Same values as MCL_CURRENT, MCL_FUTURE and MCL_ONFAULT. */
#define LOF_MCL_CURRENT		0x01U
#define LOF_MCL_FUTURE		0x02U
#define LOF_MCL_ONFAULT		0x04U
#define LOF_MCL_FLAGS		(LOF_MCL_CURRENT | LOF_MCL_FUTURE | LOF_MCL_ONFAULT)

/*
 * LOF_IOC_QUERY: how [addr, addr + len) of a process is locked.
 *
 * The range is cut into entries, one per stretch of one state; holes
 * between mappings are reported as LOF_STATE_UNMAPPED.  Totals cover the
 * whole range even when entries[] is too small; then "next" is where the
 * first entry that did not fit starts, otherwise it is the end of the range.
 *
 * pid 0 is the caller.  Another pid needs the permission that reading its
 * /proc/PID/smaps needs (PTRACE_MODE_READ with the caller's fs credentials).
 */
enum lof_state {
	LOF_STATE_UNLOCKED = 0,	/* mapped, not locked */
	LOF_STATE_ONFAULT = 1,	/* locked on fault */
	LOF_STATE_LOCKED = 2,	/* fully locked (mlock(), mlock2(..., 0)) */
	LOF_STATE_UNMAPPED = 3,	/* no mapping */
};

struct lof_query_entry {
	__u64 start;
	__u64 end;		/* exclusive */
	__u32 state;		/* enum lof_state */
	__u32 reserved;
	__u64 resident;		/* pages present in the page tables */
	__u64 locked;		/* of those, pages that are mlocked */
};

#define LOF_QUERY_ENTRY_SIZE	40

struct lof_query {
	__u32 size;
	__u32 flags;		/* must be 0 */
	__s32 pid;		/* 0: the caller */
	__u32 nr_entries;	/* in: room in entries[]; out: entries written */
	__u64 addr;
	__u64 len;
	__u64 entries;		/* user pointer to struct lof_query_entry[] */
	__u64 next;		/* out */
	__u64 onfault_bytes;	/* out: bytes locked on fault */
	__u64 locked_bytes;	/* out: bytes fully locked */
	__u64 resident_pages;	/* out */
	__u64 locked_pages;	/* out */
	__u64 reserved[4];
};

#define LOF_QUERY_SIZE_VER0	112

/* Most entries one LOF_IOC_QUERY call fills. */
#define LOF_QUERY_ENTRIES_MAX	65536U

#define LOF_IOC_VERSION		_IOWR(LOF_IOC_MAGIC, 0x00, struct lof_version)
#define LOF_IOC_LOCK		_IOW(LOF_IOC_MAGIC, 0x01, struct lof_range)
#define LOF_IOC_UNLOCK		_IOW(LOF_IOC_MAGIC, 0x02, struct lof_range)
#define LOF_IOC_LOCKALL		_IOW(LOF_IOC_MAGIC, 0x03, struct lof_lockall)
#define LOF_IOC_UNLOCKALL	_IOW(LOF_IOC_MAGIC, 0x04, struct lof_lockall)
#define LOF_IOC_QUERY		_IOWR(LOF_IOC_MAGIC, 0x05, struct lof_query)

#endif /* _UAPI_LINUX_LOCKONFAULT_H */
