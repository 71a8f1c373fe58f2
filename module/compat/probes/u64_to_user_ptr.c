// SPDX-License-Identifier: GPL-2.0
/* u64_to_user_ptr(): 4.6 */
#include <linux/kernel.h>
#include <linux/uaccess.h>

void __user *lof_probe(u64 v);
void __user *lof_probe(u64 v)
{
	return u64_to_user_ptr(v);
}
