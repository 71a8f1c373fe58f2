// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl ABI of /dev/lockonfault: argument copying and validation.
 *
 * Validation follows the native syscalls, in their order: unknown flags
 * are refused first (EINVAL); the rest (the right to lock memory, range
 * rounding and wrap-around, RLIMIT_MEMLOCK, holes) is the kernel's own
 * mlock code, which the engine runs (lof_engine.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/pid.h>
#include <linux/uaccess.h>
#include <linux/ratelimit.h>

#include "lof_internal.h"
#include "lof_logic.h"

/*
 * Copy the caller's argument struct: its leading u32 says how large it is
 * (LOF_*_SIZE_VER0 at least, LOF_ARG_SIZE_MAX at most); bytes the module
 * does not know must be zero.  Returns the caller's size or an errno.
 */
static int lof_copy_arg(void *karg, size_t ksize, size_t minsize,
			const void __user *uarg)
{
	u32 usize;
	int ret;

	if (get_user(usize, (const u32 __user *)uarg))
		return -EFAULT;
	ret = lof_check_arg_size(usize, minsize);
	if (ret)
		return ret;
	ret = copy_struct_from_user(karg, ksize, uarg, usize);
	if (ret)
		return ret;
	return usize;
}

static int lof_copy_out(void __user *uarg, const void *karg, size_t ksize,
			u32 usize)
{
	if (copy_to_user(uarg, karg, min_t(size_t, ksize, usize)))
		return -EFAULT;
	return 0;
}

/*
 * The system call each request stands for, for the caller's seccomp
 * filter: numbers of the x86_64 and the i386 ABI (fixed by the ABI; mlock2
 * has its number on kernels that lack it too).  A lock on fault is
 * mlock2(addr, len, MLOCK_ONFAULT); a full lock, mlock(addr, len).
 */
enum lof_call { LOF_MLOCK, LOF_MUNLOCK, LOF_MLOCKALL, LOF_MUNLOCKALL, LOF_MLOCK2 };

static const struct {
	short nr64, nr32;
} lof_calls[] = {
	[LOF_MLOCK] = { 149, 150 },
	[LOF_MUNLOCK] = { 150, 151 },
	[LOF_MLOCKALL] = { 151, 152 },
	[LOF_MUNLOCKALL] = { 152, 153 },
	[LOF_MLOCK2] = { 325, 376 },
};

static void *lof_secure_computing;

/*
 * As the kernel does at syscall entry, before it looks at the arguments:
 * a caller whose seccomp filter refuses the equivalent system call gets
 * what the filter says (its errno; SIGSYS for a trap; death for a kill).
 * Callers without a filter pay one test.
 */
static long lof_policy(enum lof_call call, u64 a0, u64 a1, u64 a2)
{
	bool compat = lof_in_compat();

	if (likely(!LOF_SECCOMP_FILTERED()))
		return 0;
	if (!lof_secure_computing) {
		pr_warn_once("cannot run seccomp filters on this kernel: refusing the requests of filtered tasks\n");
		return -EPERM;
	}
	return lof_seccomp(lof_secure_computing,
			   compat ? lof_calls[call].nr32 : lof_calls[call].nr64,
			   compat, a0, a1, a2);
}

void lof_policy_init(void)
{
	if (IS_ENABLED(CONFIG_SECCOMP_FILTER))
		lof_secure_computing = lof_lookup_name("__secure_computing");
}

static void lof_version_string(struct lof_version *v)
{
	v->abi_version = LOF_ABI_VERSION;
	v->major = LOF_VERSION_MAJOR;
	v->minor = LOF_VERSION_MINOR;
	v->patch = LOF_VERSION_PATCH;
	memset(v->version, 0, sizeof(v->version));
	snprintf(v->version, sizeof(v->version), "%s", LOF_VERSION);
}

static long lof_ioc_version(void __user *uarg)
{
	struct lof_version v;
	int usize;

	usize = lof_copy_arg(&v, sizeof(v), LOF_VERSION_SIZE_VER0, uarg);
	if (usize < 0)
		return usize;
	if (v.reserved0 || !lof_all_zero(v.reserved, ARRAY_SIZE(v.reserved)))
		return -EINVAL;

	lof_version_string(&v);
	v.features = lof_features();
	v.kernel_features = lof_kernel_features();
	v.missed_probes = lof_missed_probes();
	return lof_copy_out(uarg, &v, sizeof(v), usize);
}

static long lof_ioc_range(void __user *uarg, bool lock)
{
	struct lof_range r;
	int usize, ret;

	usize = lof_copy_arg(&r, sizeof(r), LOF_RANGE_SIZE_VER0, uarg);
	if (usize < 0)
		return usize;
	if (!lock)
		ret = lof_policy(LOF_MUNLOCK, r.addr, r.len, 0);
	else if (r.flags & LOF_LOCK_ONFAULT)
		ret = lof_policy(LOF_MLOCK2, r.addr, r.len, r.flags);
	else
		ret = lof_policy(LOF_MLOCK, r.addr, r.len, 0);
	if (ret)
		return ret;
	ret = lof_check_range(&r, lock);
	if (ret)
		return ret;
	/*
	 * The right to lock (EPERM) is checked by the kernel's mlock() the
	 * engine runs, first thing, as mlock2() does after its flags.
	 */
	/* what the syscalls' unsigned long and size_t can carry */
	if (r.addr != (unsigned long)r.addr || r.len != (size_t)r.len)
		return -ENOMEM;
	if (lock)
		return lof_lock(r.addr, r.len, r.flags & LOF_LOCK_ONFAULT);
	return lof_unlock(r.addr, r.len);
}

static long lof_ioc_lockall(void __user *uarg, bool lock)
{
	struct lof_lockall a;
	int usize;
	long ret;

	usize = lof_copy_arg(&a, sizeof(a), LOF_LOCKALL_SIZE_VER0, uarg);
	if (usize < 0)
		return usize;
	ret = lock ? lof_policy(LOF_MLOCKALL, a.flags, 0, 0) :
		     lof_policy(LOF_MUNLOCKALL, 0, 0, 0);
	if (ret)
		return ret;
	if (!lof_all_zero(a.reserved, ARRAY_SIZE(a.reserved)))
		return -EINVAL;
	if (!lock) {
		if (a.flags)
			return -EINVAL;
		return lof_unlockall();
	}
	/* mlockall(): no flags, unknown flags, or MCL_ONFAULT alone */
	if (!lof_lockall_flags_valid(a.flags))
		return -EINVAL;
	/* EPERM: the kernel's mlockall(), right after the same flag checks */
	return lof_lockall(a.flags);
}

static long lof_ioc_query(void __user *uarg)
{
	struct lof_query q;
	long ret;
	int usize;

	usize = lof_copy_arg(&q, sizeof(q), LOF_QUERY_SIZE_VER0, uarg);
	if (usize < 0)
		return usize;
	ret = lof_check_query(&q);
	if (ret)
		return ret;
	ret = lof_query(&q);
	if (ret)
		return ret;
	return lof_copy_out(uarg, &q, sizeof(q), usize);
}

long lof_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	long ret;

	switch (cmd) {
	case LOF_IOC_VERSION:
		ret = lof_ioc_version(uarg);
		break;
	case LOF_IOC_LOCK:
		ret = lof_ioc_range(uarg, true);
		break;
	case LOF_IOC_UNLOCK:
		ret = lof_ioc_range(uarg, false);
		break;
	case LOF_IOC_LOCKALL:
		ret = lof_ioc_lockall(uarg, true);
		break;
	case LOF_IOC_UNLOCKALL:
		ret = lof_ioc_lockall(uarg, false);
		break;
	case LOF_IOC_QUERY:
		ret = lof_ioc_query(uarg);
		break;
	default:
		ret = -ENOTTY;
		break;
	}
	/* a probe hit missed since the last request is logged now, once */
	if (cmd != LOF_IOC_VERSION)
		lof_missed_probes();
	if (ret < 0 && lof_verbose)
		pr_info_ratelimited("%s[%d]: ioctl %#x refused: %ld\n",
				    current->comm, task_pid_nr(current), cmd,
				    ret);
	return ret;
}
