// SPDX-License-Identifier: GPL-2.0
/*
 * An ordinary program that asks the kernel for lock-on-fault the way
 * programs written for Linux 4.4+ do.  It knows nothing of lockonfault:
 * no header, no library, no device; the test suite runs it with and
 * without the preload shim (and under "lockonfault exec").
 *
 * usage: plain_onfault mlock2|syscall|mlockall|none [hold]
 *   mlock2    glibc's mlock2(p, len, MLOCK_ONFAULT) on a 64 MiB mapping
 *   syscall   syscall(SYS_mlock2, p, len, MLOCK_ONFAULT)
 *   mlockall  mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT), then maps
 *   none      no lock call: observe what the environment did
 * It then touches every 100th page and prints one line of key=value:
 *   rc errno (of the lock call; errno_kept=1 if a successful call left
 *   errno alone), pages, present (pagemap), touched, mlocked and
 *   unevictable (kpageflags of the present pages; needs root), vmlck_kb,
 *   rss_kb, lo (smaps VmFlags of the mapping has "lo"), then munlocks the
 *   mapping and reports vmlck_after_kb.  "hold" keeps it locked and
 *   waits (prints "holding" and sleeps) for status queries instead.
 *   It also checks that other syscall() numbers pass through (getpid).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/* a 3.10-headers, glibc-2.17 system has no number for it */
#ifndef SYS_mlock2
#define SYS_mlock2 325
#endif

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 0x01
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

#define SIZE (64UL << 20)

static long status_kb(const char *key)
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

static int vmflags_lo(void *p)
{
	char line[512];
	unsigned long s, e;
	int in = 0, lo = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = (uintptr_t)p >= s && (uintptr_t)p < e;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8))
			lo = strstr(line, " lo") != NULL;
	}
	fclose(f);
	return lo;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "none";
	long pg = sysconf(_SC_PAGESIZE), npages = SIZE / pg;
	long present = 0, touched = 0, mlocked = 0, unevictable = 0, i;
	int pm, kpf, rc = 0, err = 0, kept = 1;
	char *p = NULL;

	if (syscall(SYS_getpid) != getpid()) {
		fprintf(stderr, "syscall(SYS_getpid) did not pass through\n");
		return 2;
	}
	if (!strcmp(mode, "mlockall")) {
		errno = EXDEV;
		rc = mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT);
		err = rc ? errno : 0;
		kept = rc || errno == EXDEV;
	}
	p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 2;
	madvise(p, SIZE, MADV_NOHUGEPAGE);
	errno = EXDEV;
	if (!strcmp(mode, "mlock2")) {
		rc = mlock2(p, SIZE, MLOCK_ONFAULT);
	} else if (!strcmp(mode, "syscall")) {
		rc = (int)syscall(SYS_mlock2, p, SIZE, MLOCK_ONFAULT);
	} else if (strcmp(mode, "mlockall") && strcmp(mode, "none")) {
		fprintf(stderr, "usage: plain_onfault mlock2|syscall|mlockall|none [hold]\n");
		return 2;
	}
	if (!strcmp(mode, "mlock2") || !strcmp(mode, "syscall")) {
		err = rc ? errno : 0;
		kept = rc || errno == EXDEV;
	}
	for (i = 0; i < npages; i += 100) {
		p[i * pg] = 1;
		touched++;
	}
	pm = open("/proc/self/pagemap", O_RDONLY);
	kpf = open("/proc/kpageflags", O_RDONLY);
	for (i = 0; i < npages; i++) {
		uint64_t e = 0, fl = 0;

		if (pread(pm, &e, 8, ((uintptr_t)p / pg + i) * 8) != 8 || !(e >> 63))
			continue;
		present++;
		if (kpf >= 0 && pread(kpf, &fl, 8, (e & ((1ULL << 55) - 1)) * 8) == 8) {
			mlocked += (fl >> 33) & 1;
			unevictable += (fl >> 18) & 1;
		}
	}
	printf("mode=%s rc=%d errno=%d errno_kept=%d pages=%ld present=%ld touched=%ld mlocked=%ld unevictable=%ld vmlck_kb=%ld rss_kb=%ld lo=%d",
	       mode, rc, err, kept, npages, present, touched, mlocked, unevictable,
	       status_kb("VmLck"), status_kb("VmRSS"), vmflags_lo(p));
	if (argc > 2 && !strcmp(argv[2], "hold")) {
		printf(" addr=%p\nholding\n", (void *)p);
		fflush(stdout);
		for (;;)
			pause();
	}
	munlock(p, SIZE);
	munlockall();
	printf(" vmlck_after_kb=%ld\n", status_kb("VmLck"));
	return 0;
}
