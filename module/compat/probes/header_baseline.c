// SPDX-License-Identifier: GPL-2.0
/*
 * Not a feature: the kernel headers the module includes, and a module
 * init/exit pair, compiled alone.  Whatever warnings this raises come from
 * the target kernel's own headers under this compiler (an old kernel with
 * a new gcc); conftest.sh turns exactly those off for the module.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/hugetlb.h>
#include <linux/kprobes.h>
#include <linux/ftrace.h>
#include <linux/miscdevice.h>
#include <linux/compat.h>
#include <linux/uaccess.h>
#include <linux/hashtable.h>
#include <linux/ratelimit.h>
#include <linux/task_work.h>

static int __init lof_probe_init(void)
{
	return 0;
}

static void __exit lof_probe_exit(void)
{
}

module_init(lof_probe_init);
module_exit(lof_probe_exit);
MODULE_LICENSE("GPL");
