// SPDX-License-Identifier: GPL-2.0
/*
 * lockonfault: lock-on-fault for kernels without mlock2(MLOCK_ONFAULT).
 *
 * Module setup: the misc device /dev/lockonfault, its parameters, and what
 * the running kernel offers natively.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/utsname.h>
#include <generated/utsrelease.h>

#include "lof_internal.h"

unsigned int lof_verbose;
module_param_named(verbose, lof_verbose, uint, 0644);
MODULE_PARM_DESC(verbose,
		 "Log refused requests: 0 = never (default), 1 = rate-limited, with caller, command and errno");

static u64 lof_kfeatures;

static const struct file_operations lof_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.llseek = no_llseek,
	.unlocked_ioctl = lof_ioctl,
#ifdef CONFIG_COMPAT
	.compat_ioctl = lof_compat_ptr_ioctl,
#endif
};

static struct miscdevice lof_misc = {
	.minor = LOF_MISC_MINOR,
	.name = LOF_DEVICE_NAME,
	.fops = &lof_fops,
	/* Everything the device does is bounded by the caller's own rights. */
	.mode = 0666,
};

u64 lof_features(void)
{
	u64 f = 0;

	f |= LOF_FEAT_LOCK | LOF_FEAT_LOCK_ONFAULT | LOF_FEAT_UNLOCK |
	     LOF_FEAT_LOCKALL | LOF_FEAT_UNLOCKALL | LOF_FEAT_QUERY |
	     LOF_FEAT_QUERY_PID;
	if (IS_ENABLED(CONFIG_COMPAT))
		f |= LOF_FEAT_COMPAT32;
	return f;
}

u64 lof_kernel_features(void)
{
	return lof_kfeatures;
}

static void lof_detect_kernel(void)
{
	static const char * const mlock2_names[] = {
		"__x64_sys_mlock2", "__ia32_sys_mlock2", "__arm64_sys_mlock2",
		"__se_sys_mlock2", "sys_mlock2", "SyS_mlock2",
	};
	unsigned int i;

	if (lof_lookup_name("handle_mm_fault"))
		lof_kfeatures |= LOF_KFEAT_KPROBES;
	for (i = 0; i < ARRAY_SIZE(mlock2_names); i++) {
		if (lof_lookup_name(mlock2_names[i])) {
			lof_kfeatures |= LOF_KFEAT_MLOCK2;
			break;
		}
	}
#ifdef HAVE_NATIVE_VM_LOCKONFAULT
	lof_kfeatures |= LOF_KFEAT_ONFAULT_HDRS;
#endif
}

/* The release of the build tree (utsrelease.h): the kernel it is for. */
static const char *lof_built_for(void)
{
	return lof_mutant(9) ? UTS_RELEASE ".other" : UTS_RELEASE;
}

static int __init lof_init(void)
{
	int ret;

	BUILD_BUG_ON(sizeof(struct lof_version) != LOF_VERSION_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct lof_range) != LOF_RANGE_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct lof_lockall) != LOF_LOCKALL_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct lof_query) != LOF_QUERY_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct lof_query_entry) != LOF_QUERY_ENTRY_SIZE);

	/*
	 * Built for this very kernel, or not loaded: the probes, the vm_flags
	 * bit and the struct layouts are those of one build tree.  A build
	 * brought over from another kernel of the same kABI by weak-updates
	 * (RHEL's weak-modules; dkms before 2.3 ignores NO_WEAK_MODULES)
	 * passes the loader's symbol checks.
	 */
	if (strcmp(init_utsname()->release, lof_built_for())) {
		pr_err("built for kernel %s, not for the running %s (a weak-updates link from another kernel?); refusing to load. Rebuild it for this kernel: dkms install lockonfault/%s -k %s\n",
		       lof_built_for(), init_utsname()->release, LOF_VERSION,
		       init_utsname()->release);
		return -ENOEXEC;
	}
	if (lof_ibt_active()) {
		pr_err("indirect branch tracking (IBT) is on, and the module calls kernel functions through pointers that IBT refuses; refusing to load. This kernel has native mlock2(MLOCK_ONFAULT); to use the module anyway, boot with ibt=off\n");
		return -EOPNOTSUPP;
	}
	lof_detect_kernel();
	lof_policy_init();
	ret = lof_query_init();
	if (ret)
		return ret;
	ret = lof_engine_init();
	if (ret)
		return ret;

	ret = misc_register(&lof_misc);
	if (ret == -EBUSY) {
		pr_warn("misc minor %d is taken; using a dynamic minor (no on-demand loading)\n",
			LOF_MISC_MINOR);
		lof_misc.minor = MISC_DYNAMIC_MINOR;
		ret = misc_register(&lof_misc);
	}
	if (ret) {
		pr_err("cannot register /dev/%s: %d\n", LOF_DEVICE_NAME, ret);
		lof_engine_exit();
		return ret;
	}

	pr_info("version %s loaded: /dev/%s (10:%d), on-fault tag vm_flags bit %d, kernel mlock2 %s\n",
		LOF_VERSION, LOF_DEVICE_NAME, lof_misc.minor, LOF_VM_ONFAULT_BIT,
		(lof_kfeatures & LOF_KFEAT_MLOCK2) ? "present" : "absent");
	if (lof_kfeatures & LOF_KFEAT_MLOCK2)
		pr_info("this kernel has mlock2(); applications should prefer the native MLOCK_ONFAULT and MCL_ONFAULT\n");
	return 0;
}

static void __exit lof_exit(void)
{
	misc_deregister(&lof_misc);
	lof_engine_exit();
	pr_info("unloaded\n");
}

module_init(lof_init);
module_exit(lof_exit);

MODULE_DESCRIPTION("Lock-on-fault memory locking (mlock2 MLOCK_ONFAULT, mlockall MCL_ONFAULT) for kernels without it");
MODULE_AUTHOR("The lockonfault developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(LOF_VERSION);
#ifdef LOF_MUTANT
MODULE_INFO(mutant, __stringify(LOF_MUTANT));
#endif
MODULE_ALIAS_MISCDEV(LOF_MISC_MINOR);
MODULE_ALIAS("devname:" LOF_DEVICE_NAME);
