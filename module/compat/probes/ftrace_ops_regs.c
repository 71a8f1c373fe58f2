// SPDX-License-Identifier: GPL-2.0
/*
 * An ftrace_ops whose callback gets the pt_regs and may change the ip
 * (FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY): 3.19, RHEL 7's 3.10;
 * the callback takes a struct ftrace_regs from 5.11 on.
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
		.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY,
	};

	return &ops;
}
