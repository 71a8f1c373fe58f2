// SPDX-License-Identifier: GPL-2.0
/* pmd_devmap(): 4.5 */
#include <linux/mm.h>

int lof_probe(pmd_t pmd);
int lof_probe(pmd_t pmd)
{
	return pmd_devmap(pmd);
}
