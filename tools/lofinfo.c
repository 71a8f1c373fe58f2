// SPDX-License-Identifier: GPL-2.0
/*
 * lofinfo: print what /dev/lockonfault says about itself (LOF_IOC_VERSION).
 * Exit status: 0 ok, 1 the device cannot be opened or queried.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/lockonfault.h>

struct bit {
	uint64_t bit;
	const char *name;
};

static const struct bit feats[] = {
	{ LOF_FEAT_LOCK, "lock" },
	{ LOF_FEAT_LOCK_ONFAULT, "lock-onfault" },
	{ LOF_FEAT_UNLOCK, "unlock" },
	{ LOF_FEAT_LOCKALL, "lockall" },
	{ LOF_FEAT_UNLOCKALL, "unlockall" },
	{ LOF_FEAT_QUERY, "query" },
	{ LOF_FEAT_QUERY_PID, "query-pid" },
	{ LOF_FEAT_COMPAT32, "compat32" },
};

static const struct bit kfeats[] = {
	{ LOF_KFEAT_MLOCK2, "mlock2-syscall" },
	{ LOF_KFEAT_ONFAULT_HDRS, "VM_LOCKONFAULT-in-headers" },
	{ LOF_KFEAT_KPROBES, "kprobes" },
};

static void print_bits(const char *label, uint64_t v, const struct bit *b,
		       size_t n)
{
	size_t i;

	printf("%-16s %#llx", label, (unsigned long long)v);
	for (i = 0; i < n; i++)
		if (v & b[i].bit)
			printf(" %s", b[i].name);
	if (!v)
		printf(" (none)");
	putchar('\n');
}

int main(void)
{
	struct lof_version v = { .size = sizeof(v) };
	struct stat st;
	int fd;

	fd = open(LOF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "lofinfo: %s: %s%s\n", LOF_DEVICE_PATH,
			strerror(errno),
			errno == ENOENT ? " (is the lockonfault module loaded?)" : "");
		return 1;
	}
	if (ioctl(fd, LOF_IOC_VERSION, &v)) {
		fprintf(stderr, "lofinfo: LOF_IOC_VERSION: %s\n", strerror(errno));
		return 1;
	}
	printf("%-16s %s (%u:%u, mode %04o)\n", "device", LOF_DEVICE_PATH,
	       major(st.st_rdev), minor(st.st_rdev), st.st_mode & 07777);
	printf("%-16s %s\n", "module version", v.version);
	printf("%-16s %u\n", "abi version", v.abi_version);
	print_bits("features", v.features, feats, sizeof(feats) / sizeof(feats[0]));
	print_bits("kernel features", v.kernel_features, kfeats,
		   sizeof(kfeats) / sizeof(kfeats[0]));
	printf("%-16s %llu\n", "missed probes",
	       (unsigned long long)v.missed_probes);
	close(fd);
	return 0;
}
