// SPDX-License-Identifier: GPL-2.0
/* in_compat_syscall(): 4.6 (before: is_compat_task()) */
#include <linux/compat.h>

bool lof_probe(void);
bool lof_probe(void)
{
	return in_compat_syscall();
}
