// SPDX-License-Identifier: GPL-2.0
/* regs_get_kernel_argument(): 4.20 */
#include <linux/ptrace.h>

unsigned long lof_probe(struct pt_regs *regs);
unsigned long lof_probe(struct pt_regs *regs)
{
	return regs_get_kernel_argument(regs, 4);
}
