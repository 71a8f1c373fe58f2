// SPDX-License-Identifier: GPL-2.0
/*
 * FTRACE_OPS_FL_IPMODIFY: 3.19, RHEL 7's 3.10.  An ops that changes the ip
 * says so, and ftrace refuses a second such ops on the same function.
 */
#include <linux/ftrace.h>

unsigned long lof_probe(void);
unsigned long lof_probe(void)
{
	return FTRACE_OPS_FL_IPMODIFY;
}
