// SPDX-License-Identifier: GPL-2.0
/* __secure_computing(const struct seccomp_data *sd): 4.8 */
#include <linux/bug.h>
#include <linux/seccomp.h>

void lof_probe(void);
void lof_probe(void)
{
	BUILD_BUG_ON(!__builtin_types_compatible_p(typeof(__secure_computing),
						   int (const struct seccomp_data *)));
}
