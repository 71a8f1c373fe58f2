// SPDX-License-Identifier: GPL-2.0
/* ANNOTATE_NOENDBR for hand-written asm functions (IBT kernels, 5.18) */
#include <linux/objtool.h>

#ifndef ANNOTATE_NOENDBR
#error "no ANNOTATE_NOENDBR"
#endif
