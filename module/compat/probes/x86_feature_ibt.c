// SPDX-License-Identifier: GPL-2.0
/* X86_FEATURE_IBT: kernel indirect branch tracking, 5.18 */
#include <asm/cpufeature.h>

int lof_probe(void);
int lof_probe(void)
{
	return cpu_feature_enabled(X86_FEATURE_IBT);
}
