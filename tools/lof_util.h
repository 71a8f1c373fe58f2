/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by lockonfault's userspace tools and test programs. */
#ifndef LOF_UTIL_H
#define LOF_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A "Key:   N kB" line of /proc/self/status, in kB; -1 if absent. */
static inline long lof_status_kb(const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

/* Seconds on CLOCK_MONOTONIC. */
static inline double lof_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif /* LOF_UTIL_H */
