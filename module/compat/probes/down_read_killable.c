// SPDX-License-Identifier: GPL-2.0
/* down_read_killable(): 4.15 */
#include <linux/rwsem.h>

int lof_probe(struct rw_semaphore *sem);
int lof_probe(struct rw_semaphore *sem)
{
	int ret = down_read_killable(sem);

	if (!ret)
		up_read(sem);
	return ret;
}
