// SPDX-License-Identifier: GPL-2.0
/* <linux/sched/mm.h> with mmget(): 4.11 */
#include <linux/sched/mm.h>

void lof_probe(struct mm_struct *mm);
void lof_probe(struct mm_struct *mm)
{
	mmget(mm);
}
