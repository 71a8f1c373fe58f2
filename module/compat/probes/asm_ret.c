// SPDX-License-Identifier: GPL-2.0
/* ASM_RET (return thunks, 5.19 and backports) */
#include <linux/linkage.h>

#ifndef ASM_RET
#error "no ASM_RET"
#endif
