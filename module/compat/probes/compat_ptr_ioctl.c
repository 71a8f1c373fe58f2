// SPDX-License-Identifier: GPL-2.0
/* compat_ptr_ioctl(): 5.5 */
#include <linux/fs.h>

static const struct file_operations lof_probe_fops = {
	.compat_ioctl = compat_ptr_ioctl,
};

const struct file_operations *lof_probe(void);
const struct file_operations *lof_probe(void)
{
	return &lof_probe_fops;
}
