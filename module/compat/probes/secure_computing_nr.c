// SPDX-License-Identifier: GPL-2.0
/* __secure_computing(int this_syscall): 3.5 to 3.18 (RHEL 7.0-7.4) */
#include <linux/bug.h>
#include <linux/seccomp.h>

void lof_probe(void);
void lof_probe(void)
{
	BUILD_BUG_ON(!__builtin_types_compatible_p(typeof(__secure_computing),
						   int (int)));
}
