// SPDX-License-Identifier: GPL-2.0
/*
 * lockonfault: the command-line tool.
 *
 *   lockonfault status [--json] [PID]   the module, the kernel, and the
 *                                       locked ranges of a process
 *   lockonfault exec [--onfault|--all] [--future] -- CMD [ARG...]
 *                                       run CMD with its memory locked
 *   lockonfault check                   diagnose this host
 *
 * Exit status: 0 success, 1 failure, 2 usage error; exec exits with the
 * command's status (126: it cannot be run or locked, 127: not found).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "lockonfault.h"

#ifndef LOF_PRELOAD_PATH
#define LOF_PRELOAD_PATH "/usr/local/lib/lockonfault/liblockonfault-preload.so"
#endif

#define CAP_IPC_LOCK_BIT 14

static const char *prog = "lockonfault";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s status [--json] [PID]\n"
		"       %s exec [--onfault|--all] [--future] -- COMMAND [ARG...]\n"
		"       %s check\n"
		"       %s --help | --version\n"
		"\n"
		"  status   the module (loaded, version, features, missed probes), the\n"
		"           kernel's own lock-on-fault support and, for PID, its locked\n"
		"           ranges: on fault or fully locked, size, resident, locked\n"
		"  exec     run COMMAND (a dynamically linked program) with its memory\n"
		"           locked from the start: --onfault (default) locks pages as\n"
		"           they are faulted in, --all locks and populates everything;\n"
		"           --future also locks what it maps later\n"
		"  check    diagnose this host: module, device, limits, native support\n"
		"\n"
		"See lockonfault(8).\n", prog, prog, prog, prog);
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	return 2;
}

/* ------------------------------------------------------------ helpers */

static int read_line(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(buf, (int)n, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* The misc minor /proc/misc gives the lockonfault device, or -1. */
static int misc_minor(void)
{
	char name[64];
	FILE *f = fopen("/proc/misc", "r");
	int minor, found = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%d %63s", &minor, name) == 2)
		if (!strcmp(name, LOF_DEVICE_NAME))
			found = minor;
	fclose(f);
	return found;
}

static int cap_ipc_lock(void)
{
	char line[256];
	unsigned long long caps = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return !!(caps & (1ULL << CAP_IPC_LOCK_BIT));
}

static void fmt_limit(rlim_t v, char *buf, size_t n)
{
	if (v == RLIM_INFINITY)
		snprintf(buf, n, "unlimited");
	else
		snprintf(buf, n, "%llu kB", (unsigned long long)v / 1024);
}

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

/* ------------------------------------------------------------- status */

struct module_info {
	int loaded;		/* /sys/module/lockonfault exists */
	char sys_version[64];	/* from sysfs */
	int dev_errno;		/* 0: the device answers */
	int have_version;
	struct lof_version v;
};

static void module_info(struct module_info *m)
{
	struct stat st;

	memset(m, 0, sizeof(*m));
	m->loaded = !stat("/sys/module/lockonfault", &st);
	if (read_line("/sys/module/lockonfault/version", m->sys_version,
		      sizeof(m->sys_version)))
		m->sys_version[0] = 0;
	m->dev_errno = lof_module_errno();
	if (!m->dev_errno && !lof_module_version(&m->v))
		m->have_version = 1;
}

static const char *device_problem(int err)
{
	switch (err) {
	case 0:
		return "usable";
	case ENOENT:
		return "missing: no " LOF_DEVICE_PATH " (is the module loaded?)";
	case ENXIO:
	case ENODEV:
		return "a node without the module behind it (load the module)";
	case EACCES:
	case EPERM:
		return "permission denied (see its mode and group)";
	case ENOTTY:
		return "not the lockonfault device";
	case EPROTO:
		return "module of another ABI version (update the library or the module)";
	}
	return strerror(err);
}

static int status_system(int json)
{
	struct module_info m;
	struct utsname u;
	int native = lof_native_supported(), backend = lof_backend();
	size_t i;
	int first = 1;

	module_info(&m);
	uname(&u);
	if (json) {
		printf("{\"kernel\":");
		json_string(u.release);
		printf(",\"native_onfault\":%s,\"backend\":\"%s\",\"library_version\":\"%s\"",
		       native ? "true" : "false", lof_backend_name(backend),
		       lof_library_version());
		printf(",\"module\":{\"loaded\":%s", m.loaded ? "true" : "false");
		if (m.sys_version[0]) {
			printf(",\"version\":");
			json_string(m.sys_version);
		}
		printf(",\"device\":");
		json_string(device_problem(m.dev_errno));
		if (m.have_version) {
			printf(",\"abi_version\":%u,\"missed_probes\":%" PRIu64 ",\"features\":[",
			       m.v.abi_version, (uint64_t)m.v.missed_probes);
			for (i = 0; i < sizeof(feats) / sizeof(feats[0]); i++) {
				if (!(m.v.features & feats[i].bit))
					continue;
				printf("%s\"%s\"", first ? "" : ",", feats[i].name);
				first = 0;
			}
			printf("]");
		}
		printf("}}\n");
		return 0;
	}
	printf("%-15s %s\n", "kernel", u.release);
	printf("%-15s %s\n", "native", native ?
	       "yes: this kernel has mlock2(MLOCK_ONFAULT) and mlockall(MCL_ONFAULT)" :
	       "no: this kernel has no lock-on-fault of its own");
	if (!m.loaded)
		printf("%-15s not loaded\n", "module");
	else
		printf("%-15s loaded, version %s\n", "module",
		       m.sys_version[0] ? m.sys_version : "?");
	printf("%-15s %s: %s\n", "device", LOF_DEVICE_PATH,
	       device_problem(m.dev_errno));
	if (m.have_version) {
		printf("%-15s %u\n", "abi version", m.v.abi_version);
		printf("%-15s", "features");
		for (i = 0; i < sizeof(feats) / sizeof(feats[0]); i++)
			if (m.v.features & feats[i].bit)
				printf(" %s", feats[i].name);
		printf("\n%-15s %" PRIu64 "%s\n", "missed probes",
		       (uint64_t)m.v.missed_probes,
		       m.v.missed_probes ? " (a bug: please report it)" : "");
	}
	printf("%-15s %s (library %s)\n", "backend", lof_backend_name(backend),
	       lof_library_version());
	return 0;
}

struct map {
	uint64_t start, end;
	char name[256];
};

struct maps {
	struct map *v;
	size_t n, cap;
};

static void read_maps(pid_t pid, struct maps *ms)
{
	char path[64], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long s, e;
		struct map *mp;
		int off = 0;

		if (sscanf(line, "%llx-%llx %*s %*s %*s %*s %n", &s, &e, &off) < 2)
			continue;
		if (ms->n == ms->cap) {
			size_t cap = ms->cap ? 2 * ms->cap : 64;
			struct map *v = realloc(ms->v, cap * sizeof(*v));

			if (!v)
				break;
			ms->v = v;
			ms->cap = cap;
		}
		mp = &ms->v[ms->n++];
		mp->start = s;
		mp->end = e;
		snprintf(mp->name, sizeof(mp->name), "%s", off ? line + off : "");
		mp->name[strcspn(mp->name, "\n")] = 0;
		if (!mp->name[0])
			snprintf(mp->name, sizeof(mp->name), "[anon]");
	}
	fclose(f);
}

/* Names of the mappings in [s, e): one name, or the first and a count. */
static void range_name(const struct maps *ms, uint64_t s, uint64_t e,
		       char *buf, size_t n)
{
	size_t i, count = 0;
	const char *first = NULL;

	for (i = 0; i < ms->n; i++) {
		if (ms->v[i].end <= s || ms->v[i].start >= e)
			continue;
		if (!first)
			first = ms->v[i].name;
		count++;
	}
	if (!first)
		snprintf(buf, n, "?");
	else if (count == 1)
		snprintf(buf, n, "%s", first);
	else
		snprintf(buf, n, "%s (+%zu more mappings)", first, count - 1);
}

struct status_ctx {
	int json;
	long page_kb;
	const struct maps *maps;
	unsigned int shown;
	uint64_t onfault_kb, locked_kb, resident_kb, mlocked_kb;
};

static int show_entry(const struct lof_query_entry *e, void *arg)
{
	struct status_ctx *c = arg;
	uint64_t size_kb = (e->end - e->start) / 1024;
	uint64_t res_kb = e->resident * (uint64_t)c->page_kb;
	uint64_t lck_kb = e->locked * (uint64_t)c->page_kb;
	const char *state;
	char name[300];

	if (e->state == LOF_STATE_ONFAULT) {
		state = "onfault";
		c->onfault_kb += size_kb;
	} else if (e->state == LOF_STATE_LOCKED) {
		state = "locked";
		c->locked_kb += size_kb;
	} else {
		return 0;
	}
	c->resident_kb += res_kb;
	c->mlocked_kb += lck_kb;
	range_name(c->maps, e->start, e->end, name, sizeof(name));
	if (c->json) {
		printf("%s{\"start\":\"0x%" PRIx64 "\",\"end\":\"0x%" PRIx64
		       "\",\"state\":\"%s\",\"size_kb\":%" PRIu64
		       ",\"resident_kb\":%" PRIu64 ",\"locked_kb\":%" PRIu64
		       ",\"mapping\":", c->shown ? "," : "", (uint64_t)e->start,
		       (uint64_t)e->end, state, size_kb, res_kb, lck_kb);
		json_string(name);
		putchar('}');
	} else {
		if (!c->shown)
			printf("%-16s %-16s %-8s %12s %12s %12s  %s\n", "START",
			       "END", "STATE", "SIZE_KB", "RESIDENT_KB",
			       "LOCKED_KB", "MAPPING");
		printf("%016" PRIx64 " %016" PRIx64 " %-8s %12" PRIu64 " %12"
		       PRIu64 " %12" PRIu64 "  %s\n", (uint64_t)e->start,
		       (uint64_t)e->end, state, size_kb, res_kb, lck_kb, name);
	}
	c->shown++;
	return 0;
}

static int status_pid(const char *arg, int json)
{
	struct maps ms = { NULL, 0, 0 };
	struct status_ctx c;
	char path[64], comm[64];
	char *end;
	long pid;
	int err;

	errno = 0;
	pid = strtol(arg, &end, 10);
	if (errno || *end || pid <= 0 || pid > INT_MAX)
		return usage_error("'%s' is not a process ID", arg);
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if (read_line(path, comm, sizeof(comm))) {
		fprintf(stderr, "%s: process %ld: %s\n", prog, pid,
			errno == ENOENT ? "no such process" : strerror(errno));
		return 1;
	}
	memset(&c, 0, sizeof(c));
	c.json = json;
	c.page_kb = sysconf(_SC_PAGESIZE) / 1024;
	c.maps = &ms;
	read_maps((pid_t)pid, &ms);
	if (json) {
		printf("{\"pid\":%ld,\"comm\":", pid);
		json_string(comm);
		printf(",\"ranges\":[");
	}
	/* the whole user address space; the module cuts it at its end */
	if (lof_query((pid_t)pid, 0, UINT64_MAX - 4095, show_entry, &c)) {
		err = errno;
		if (json)
			printf("]}\n");
		fflush(stdout);
		if (err == ENOENT && lof_module_errno())
			fprintf(stderr, "%s: process %ld: cannot ask the module: %s\n",
				prog, pid, device_problem(lof_module_errno()));
		else
			fprintf(stderr, "%s: process %ld: %s%s\n", prog, pid,
				strerror(err),
				err == EACCES || err == EPERM ?
				" (reading its locks needs the permission to read its /proc/PID/smaps)" :
				"");
		free(ms.v);
		return 1;
	}
	free(ms.v);
	if (json) {
		printf("],\"totals\":{\"onfault_kb\":%" PRIu64 ",\"locked_kb\":%"
		       PRIu64 ",\"resident_kb\":%" PRIu64 ",\"mlocked_kb\":%"
		       PRIu64 "}}\n", c.onfault_kb, c.locked_kb, c.resident_kb,
		       c.mlocked_kb);
		return 0;
	}
	if (!c.shown)
		printf("process %ld (%s) has no locked memory\n", pid, comm);
	else
		printf("process %ld (%s): %" PRIu64 " kB locked on fault, %" PRIu64
		       " kB fully locked; %" PRIu64 " kB of it resident, %" PRIu64
		       " kB mlocked\n", pid, comm, c.onfault_kb, c.locked_kb,
		       c.resident_kb, c.mlocked_kb);
	return 0;
}

static int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int json = 0, c;

	while ((c = getopt_long(argc, argv, "+jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Try '%s --help'.\n", prog);
			return 2;
		}
	}
	if (argc - optind > 1)
		return usage_error("status takes one PID at most (got '%s')",
				   argv[optind + 1]);
	if (optind < argc)
		return status_pid(argv[optind], json);
	return status_system(json);
}

/* --------------------------------------------------------------- exec */

/* The file exec would run for name, by PATH as execvp() searches it. */
static int find_command(const char *name, char *out, size_t n)
{
	const char *path = getenv("PATH"), *p;
	size_t len;

	if (strchr(name, '/')) {
		snprintf(out, n, "%s", name);
		return access(out, X_OK) ? -1 : 0;
	}
	if (!path)
		path = "/usr/local/bin:/bin:/usr/bin";
	for (p = path; ; p += len + 1) {
		len = strcspn(p, ":");
		snprintf(out, n, "%.*s%s%s", (int)len, p, len ? "/" : "", name);
		if (!access(out, X_OK))
			return 0;
		if (!p[len])
			break;
	}
	errno = ENOENT;
	return -1;
}

/*
 * 1 if the ELF file asks for a program interpreter (dynamically linked:
 * LD_PRELOAD reaches it), 0 if not (static, or a script: a script's
 * interpreter is what gets preloaded, so it counts as dynamic), -1 on error.
 */
static int is_dynamic(const char *file)
{
	unsigned char ident[EI_NIDENT];
	int fd = open(file, O_RDONLY | O_CLOEXEC), ret = 0;
	ssize_t r;
	int i;

	if (fd < 0)
		return -1;
	r = pread(fd, ident, sizeof(ident), 0);
	if (r >= 2 && ident[0] == '#' && ident[1] == '!') {
		close(fd);
		return 1;
	}
	if (r != (ssize_t)sizeof(ident) || memcmp(ident, ELFMAG, SELFMAG)) {
		close(fd);
		return 1;	/* not ELF: let exec say what it is */
	}
	if (ident[EI_CLASS] == ELFCLASS64) {
		Elf64_Ehdr eh;
		Elf64_Phdr ph;

		if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
			goto out;
		for (i = 0; i < eh.e_phnum; i++) {
			if (pread(fd, &ph, sizeof(ph), eh.e_phoff +
				  (off_t)i * eh.e_phentsize) != (ssize_t)sizeof(ph))
				break;
			if (ph.p_type == PT_INTERP)
				ret = 1;
		}
	} else {
		Elf32_Ehdr eh;
		Elf32_Phdr ph;

		if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
			goto out;
		for (i = 0; i < eh.e_phnum; i++) {
			if (pread(fd, &ph, sizeof(ph), eh.e_phoff +
				  (off_t)i * eh.e_phentsize) != (ssize_t)sizeof(ph))
				break;
			if (ph.p_type == PT_INTERP)
				ret = 1;
		}
	}
out:
	close(fd);
	return ret;
}

static int cmd_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "onfault", no_argument, NULL, 'o' },
		{ "all", no_argument, NULL, 'a' },
		{ "future", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *shim = getenv("LOCKONFAULT_PRELOAD");
	int onfault = 1, future = 0, flags, c, dyn;
	char file[PATH_MAX], flagbuf[16];
	char *preload;
	const char *old;
	size_t n;

	while ((c = getopt_long(argc, argv, "+oafh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			onfault = 1;
			break;
		case 'a':
			onfault = 0;
			break;
		case 'f':
			future = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Try '%s --help'.\n", prog);
			return 2;
		}
	}
	if (optind >= argc)
		return usage_error("exec needs a command%s", "");
	if (!shim || !*shim)
		shim = LOF_PRELOAD_PATH;
	if (access(shim, R_OK)) {
		fprintf(stderr, "%s: %s: %s (is liblockonfault installed?)\n",
			prog, shim, strerror(errno));
		return 126;
	}
	if (find_command(argv[optind], file, sizeof(file))) {
		fprintf(stderr, "%s: %s: %s\n", prog, argv[optind],
			strerror(errno));
		return errno == ENOENT ? 127 : 126;
	}
	dyn = is_dynamic(file);
	if (dyn < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, file, strerror(errno));
		return 126;
	}
	if (!dyn) {
		fprintf(stderr, "%s: %s is statically linked: the preloaded library cannot reach it; link it with -llockonfault instead\n",
			prog, file);
		return 126;
	}
	if (onfault && lof_backend() == LOF_BACKEND_NONE) {
		int e = lof_module_errno();

		fprintf(stderr, "%s: no lock-on-fault here: the kernel has none and the module cannot be used (%s)\n",
			prog, device_problem(e ? e : ENOENT));
		return 126;
	}

	flags = LOF_MCL_CURRENT | (future ? LOF_MCL_FUTURE : 0) |
		(onfault ? LOF_MCL_ONFAULT : 0);
	snprintf(flagbuf, sizeof(flagbuf), "%d", flags);
	old = getenv("LD_PRELOAD");
	n = strlen(shim) + (old ? strlen(old) + 1 : 0) + 1;
	preload = malloc(n);
	if (!preload) {
		perror(prog);
		return 126;
	}
	snprintf(preload, n, "%s%s%s", shim, old && *old ? " " : "",
		 old ? old : "");
	if (setenv("LD_PRELOAD", preload, 1) ||
	    setenv("LOCKONFAULT_EXEC_MLOCKALL", flagbuf, 1)) {
		perror(prog);
		return 126;
	}
	execv(file, argv + optind);
	fprintf(stderr, "%s: %s: %s\n", prog, file, strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

/* -------------------------------------------------------------- check */

static int problems;

static void report(const char *level, const char *what, const char *detail)
{
	printf("%-5s %-16s %s\n", level, what, detail);
	if (!strcmp(level, "FAIL"))
		problems++;
}

static int cmd_check(int argc, char **argv)
{
	struct module_info m;
	struct rlimit rl;
	struct stat st;
	char buf[512], soft[32], hard[32];
	int native = lof_native_supported(), minor = misc_minor();
	int usable;

	if (argc > 1)
		return usage_error("check takes no arguments (got '%s')", argv[1]);
	module_info(&m);

	if (native)
		report("OK", "kernel", "native lock-on-fault (mlock2 MLOCK_ONFAULT, mlockall MCL_ONFAULT): the library uses it; the module is optional here");
	else
		report("INFO", "kernel", "no native lock-on-fault: the module provides it");

	if (m.loaded) {
		snprintf(buf, sizeof(buf), "loaded, version %s",
			 m.sys_version[0] ? m.sys_version : "?");
		report("OK", "module", buf);
	} else {
		report(native ? "INFO" : "FAIL", "module",
		       "not loaded: run 'modprobe lockonfault' as root (packages load it at boot through /etc/modules-load.d/lockonfault.conf); if modprobe cannot find it, install lockonfault-dkms and the headers of this kernel");
	}

	if (stat(LOF_DEVICE_PATH, &st)) {
		report(m.loaded && !native ? "FAIL" : "INFO", "device",
		       LOF_DEVICE_PATH " is missing" );
	} else if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 10 ||
		   (minor >= 0 && (int)minor(st.st_rdev) != minor)) {
		snprintf(buf, sizeof(buf), "%s is not the module's device (%u:%u%s): remove it and reload the module",
			 LOF_DEVICE_PATH, major(st.st_rdev), minor(st.st_rdev),
			 S_ISCHR(st.st_mode) ? "" : ", not a character device");
		report("FAIL", "device", buf);
	} else if (m.dev_errno) {
		snprintf(buf, sizeof(buf), "%s (10:%u, mode %04o): %s", LOF_DEVICE_PATH,
			 minor(st.st_rdev), st.st_mode & 07777,
			 device_problem(m.dev_errno));
		report(native ? "INFO" : "FAIL", "device", buf);
	} else {
		snprintf(buf, sizeof(buf), "%s (10:%u, mode %04o) opens and answers",
			 LOF_DEVICE_PATH, minor(st.st_rdev), st.st_mode & 07777);
		report("OK", "device", buf);
	}
	if (m.have_version) {
		snprintf(buf, sizeof(buf), "%" PRIu64 " missed probe hits",
			 (uint64_t)m.v.missed_probes);
		report(m.v.missed_probes ? "FAIL" : "OK", "probes",
		       m.v.missed_probes ? "the module missed probe hits: some locking may not have happened; please report it" : buf);
	}

	getrlimit(RLIMIT_MEMLOCK, &rl);
	fmt_limit(rl.rlim_cur, soft, sizeof(soft));
	fmt_limit(rl.rlim_max, hard, sizeof(hard));
	if (cap_ipc_lock()) {
		snprintf(buf, sizeof(buf), "%s (hard %s); CAP_IPC_LOCK: no limit applies", soft, hard);
		report("OK", "RLIMIT_MEMLOCK", buf);
	} else if (rl.rlim_cur == 0) {
		snprintf(buf, sizeof(buf), "0 and no CAP_IPC_LOCK: every lock fails with EPERM; raise it with 'ulimit -l' or limits.conf (memlock), or LimitMEMLOCK= for a service");
		report("FAIL", "RLIMIT_MEMLOCK", buf);
	} else {
		snprintf(buf, sizeof(buf), "%s (hard %s): locks beyond it fail with ENOMEM; raise it with 'ulimit -l' or limits.conf (memlock)", soft, hard);
		report(rl.rlim_cur == RLIM_INFINITY ? "OK" : "INFO",
		       "RLIMIT_MEMLOCK", buf);
	}

	if (!read_line("/sys/kernel/security/lockdown", buf, sizeof(buf)) &&
	    !strstr(buf, "[none]"))
		report("INFO", "lockdown", "kernel lockdown is on: unsigned modules do not load; DKMS must sign the module with a key enrolled as a MOK (see README)");

	usable = native || !m.dev_errno;
	if (usable)
		printf("lock-on-fault is available here through the %s backend\n",
		       lof_backend_name(lof_backend()));
	else
		printf("lock-on-fault is NOT available here: fix the FAIL lines above\n");
	return usable && !problems ? 0 : 1;
}

static int run(int argc, char **argv);

/* What was printed must have reached stdout (a full disk, a closed pipe). */
int main(int argc, char **argv)
{
	int ret = run(argc, argv);

	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: write error: %s\n", prog, strerror(errno));
		return ret ? ret : 1;
	}
	return ret;
}

static int run(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		printf("lockonfault %s\n", lof_library_version());
		return 0;
	}
	if (!strcmp(cmd, "status"))
		return cmd_status(argc - 1, argv + 1);
	if (!strcmp(cmd, "exec"))
		return cmd_exec(argc - 1, argv + 1);
	if (!strcmp(cmd, "check"))
		return cmd_check(argc - 1, argv + 1);
	return usage_error("unknown command '%s'", cmd);
}
