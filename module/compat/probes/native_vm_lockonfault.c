// SPDX-License-Identifier: GPL-2.0
/*
 * The target's headers know VM_LOCKONFAULT (4.4, RHEL 7.8+).  Detection
 * only: the engine never uses the flag.
 */
#include <linux/mm.h>

#ifndef VM_LOCKONFAULT
#error "no VM_LOCKONFAULT"
#endif
