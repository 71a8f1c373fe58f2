// SPDX-License-Identifier: GPL-2.0
/* copy_struct_from_user(): 5.4 */
#include <linux/uaccess.h>

int lof_probe(void *dst, const void __user *src);
int lof_probe(void *dst, const void __user *src)
{
	return copy_struct_from_user(dst, 8, src, 16);
}
