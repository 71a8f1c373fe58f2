/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by lockonfault's userspace tools and test programs. */
#ifndef LOF_UTIL_H
#define LOF_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * The number on the "Key: ..." line of /proc/self/status, read in @base;
 * @absent if there is no such line.
 */
static inline unsigned long long lof_status_num(const char *key, int base,
						unsigned long long absent)
{
	char line[256];
	size_t n = strlen(key);
	unsigned long long v = absent;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return absent;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = strtoull(line + n + 1, NULL, base);
	fclose(f);
	return v;
}

/* A "Key:   N kB" line of /proc/self/status, in kB; -1 if absent. */
static inline long lof_status_kb(const char *key)
{
	return (long)lof_status_num(key, 10, (unsigned long long)-1);
}

/* Seconds on CLOCK_MONOTONIC. */
static inline double lof_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif /* LOF_UTIL_H */
