/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference the module meets lives here, decided by
 * the compile probes of compat/conftest.sh (generated/lof_config.h), so
 * the rest of the module reads like current kernel code.
 */
#ifndef LOF_COMPAT_H
#define LOF_COMPAT_H

#include <linux/kernel.h>
#include <linux/fs.h>
#include <linux/uaccess.h>
#include <linux/compat.h>

#include "lof_config.h"

#ifndef HAVE_U64_TO_USER_PTR
#define u64_to_user_ptr(x) ((void __user *)(uintptr_t)(u64)(x))
#endif

#ifndef HAVE_COPY_STRUCT_FROM_USER
/*
 * copy_struct_from_user() of 5.4: copy @usize bytes into a @ksize struct,
 * zero-fill what the caller did not pass, and refuse (-E2BIG) a larger
 * struct whose extra bytes are not all zero.
 */
static inline int copy_struct_from_user(void *dst, size_t ksize,
					const void __user *src, size_t usize)
{
	size_t size = min(ksize, usize);
	size_t i;

	if (usize > ksize) {
		const u8 __user *p = (const u8 __user *)src;

		for (i = ksize; i < usize; i++) {
			u8 b;

			if (get_user(b, p + i))
				return -EFAULT;
			if (b)
				return -E2BIG;
		}
	} else if (usize < ksize) {
		memset((u8 *)dst + size, 0, ksize - size);
	}
	if (copy_from_user(dst, src, size))
		return -EFAULT;
	return 0;
}
#endif

#ifdef CONFIG_COMPAT
#ifdef HAVE_COMPAT_PTR_IOCTL
#define lof_compat_ptr_ioctl compat_ptr_ioctl
#else
/* compat_ptr_ioctl() of 5.5 */
static inline long lof_compat_ptr_ioctl(struct file *file, unsigned int cmd,
					unsigned long arg)
{
	if (!file->f_op->unlocked_ioctl)
		return -ENOIOCTLCMD;
	return file->f_op->unlocked_ioctl(file, cmd,
					  (unsigned long)compat_ptr(arg));
}
#endif
#endif /* CONFIG_COMPAT */

#endif /* LOF_COMPAT_H */
