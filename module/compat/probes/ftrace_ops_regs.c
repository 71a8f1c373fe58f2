// SPDX-License-Identifier: GPL-2.0
/*
 * An ftrace_ops whose callback gets the pt_regs (FTRACE_OPS_FL_SAVE_REGS):
 * 3.7.  From then on x86's ftrace_regs_caller returns to the ip the
 * callback leaves in regs->ip.  The callback takes a struct ftrace_regs
 * from 5.11 on.
 */
#include <linux/ftrace.h>

static void lof_cb(unsigned long ip, unsigned long parent_ip,
		   struct ftrace_ops *op, struct pt_regs *regs)
{
	regs->ip = ip;
}

struct ftrace_ops *lof_probe(void);
struct ftrace_ops *lof_probe(void)
{
	static struct ftrace_ops ops = {
		.func = lof_cb,
		.flags = FTRACE_OPS_FL_SAVE_REGS,
	};

	return &ops;
}
