// SPDX-License-Identifier: GPL-2.0
/*
 * handle_mm_fault(mm, vma, address, flags): before 4.6 (from then on the
 * vma comes first; RHEL 7.9 has the later form).
 */
#include <linux/mm.h>

int lof_probe(struct mm_struct *mm, struct vm_area_struct *vma,
	      unsigned long address);
int lof_probe(struct mm_struct *mm, struct vm_area_struct *vma,
	      unsigned long address)
{
	return handle_mm_fault(mm, vma, address, 0);
}
