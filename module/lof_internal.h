/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LOF_INTERNAL_H
#define LOF_INTERNAL_H

#include <linux/types.h>
#include <linux/fs.h>
#include <uapi/linux/lockonfault.h>

#include "compat/lof_compat.h"

#define LOF_NAME "lockonfault"

/* lof_main.c */
extern unsigned int lof_verbose;
u64 lof_features(void);
u64 lof_kernel_features(void);
u64 lof_missed_probes(void);

/* lof_ioctl.c */
long lof_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

#endif /* LOF_INTERNAL_H */
