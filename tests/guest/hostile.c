// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile callers: the device must only ever act on the calling process's
 * own memory, whoever opened the descriptor.
 *
 *   - a descriptor passed to another process with SCM_RIGHTS locks the
 *     receiver's memory, never the opener's; the opener's addresses mean
 *     nothing in the receiver (ENOMEM where it has no mapping there);
 *   - a descriptor inherited across fork() locks the child's memory;
 *   - querying another process needs ptrace read permission (EACCES as an
 *     unprivileged user on root's process), as /proc/PID/smaps does;
 *   - a query racing the exec of a setuid program sees the forked copy of
 *     the caller's own mm or is refused, never the new program's layout;
 *   - a process whose seccomp filter refuses a memory-locking system call
 *     gets from the device what the same call gets from the kernel: the
 *     filter's errno, SIGSYS for a trap, death for a kill.
 *
 * Prints "ok - ..." / "not ok - ..."; exit status 1 if any failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/lockonfault.h>
#include <linux/seccomp.h>

#include "lof_util.h"

#define LEN (4UL << 20)

static int fails;

static void check(int cond, const char *what)
{
	printf("%s - hostile: %s\n", cond ? "ok" : "not ok", what);
	fflush(stdout);
	if (!cond)
		fails++;
}

static int lock_range(int fd, void *p, size_t len)
{
	struct lof_range r = { .size = sizeof(r), .flags = LOF_LOCK_ONFAULT,
			       .addr = (uintptr_t)p, .len = len };

	return ioctl(fd, LOF_IOC_LOCK, &r) ? errno : 0;
}

/* a setup step failed: say so, never end without a result */
static void die(const char *what)
{
	printf("not ok - hostile: %s: %s\n", what, strerror(errno));
	fflush(stdout);
	exit(2);
}

static void *map(void)
{
	void *p = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

static void send_fd(int sock, int fd)
{
	char buf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = buf, .msg_controllen = sizeof(buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sock, &msg, 0) != 1)
		die("sendmsg");
}

static int recv_fd(int sock)
{
	char buf[CMSG_SPACE(sizeof(int))];
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = buf, .msg_controllen = sizeof(buf) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* The opener keeps a mapping at A; the receiver gets the descriptor. */
static void scm_rights(void)
{
	int sv[2], st, fd;
	char *a = map();
	pid_t pid;
	long before = lof_status_kb("VmLck");
	uintptr_t addr_a = (uintptr_t)a;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
		if (errno == EAFNOSUPPORT || errno == ENOSYS) {
			/* the debug kernel is built without networking */
			printf("# hostile: SCM_RIGHTS left out: no AF_UNIX sockets on this kernel (tested on the others)\n");
			return;
		}
		die("socketpair");
	}
	pid = fork();
	if (!pid) {
		int r1, r2, got;
		char *b;

		close(sv[0]);
		b = map();
		/* the opener's mapping does not exist here */
		munmap(a, LEN);
		got = recv_fd(sv[1]);
		r1 = lock_range(got, (void *)addr_a, LEN);
		r2 = lock_range(got, b, LEN);
		/* 0: ENOMEM at the opener's address, own range locked */
		_exit(r1 == ENOMEM && r2 == 0 &&
		      lof_status_kb("VmLck") >= (long)(LEN >> 10) ? 0 : 1);
	}
	close(sv[1]);
	fd = open(LOF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	send_fd(sv[0], fd);
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "SCM_RIGHTS: the receiver locks its own memory; the opener's address is ENOMEM there");
	check(lof_status_kb("VmLck") == before,
	      "SCM_RIGHTS: the opener's memory is untouched (VmLck unchanged)");
	close(fd);
	close(sv[0]);
	munmap(a, LEN);
}

static void inherited(void)
{
	int fd = open(LOF_DEVICE_PATH, O_RDWR | O_CLOEXEC), st;
	long before = lof_status_kb("VmLck");
	char *p = map();
	pid_t pid = fork();

	if (!pid)
		_exit(lock_range(fd, p, LEN) == 0 &&
		      lof_status_kb("VmLck") >= (long)(LEN >> 10) ? 0 : 1);
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "inherited across fork: the child's lock locks the child's memory");
	check(lof_status_kb("VmLck") == before,
	      "inherited across fork: the parent's memory is untouched");
	close(fd);
	munmap(p, LEN);
}

static void query_other(void)
{
	int fd = open(LOF_DEVICE_PATH, O_RDWR | O_CLOEXEC), st;
	struct lof_query q = { .size = sizeof(q), .pid = getppid(),
			       .addr = 0, .len = 1UL << 47 };
	pid_t pid;

	check(ioctl(fd, LOF_IOC_QUERY, &q) == 0,
	      "root may query another process");
	pid = fork();
	if (!pid) {
		struct lof_query q2 = q;

		if (setgid(65534) || setuid(65534))
			_exit(3);
		q2.pid = getppid();
		_exit(ioctl(fd, LOF_IOC_QUERY, &q2) == -1 && errno == EACCES ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "an unprivileged user may not query root's process: EACCES");
	close(fd);
}

/* the address ranges of /proc/self/maps, read without allocating */
#define MAXR 256
static unsigned long rs[MAXR], re[MAXR];
static int nr;
static char mapsbuf[65536];

static void read_maps(void)
{
	int fd = open("/proc/self/maps", O_RDONLY), n, off = 0;
	char *l;

	if (fd < 0)
		die("open /proc/self/maps");
	while ((n = read(fd, mapsbuf + off, sizeof(mapsbuf) - 1 - off)) > 0)
		off += n;
	close(fd);
	mapsbuf[off] = 0;
	nr = 0;
	for (l = mapsbuf; *l && nr < MAXR; l = strchr(l, '\n') + 1) {
		if (sscanf(l, "%lx-%lx", &rs[nr], &re[nr]) == 2)
			nr++;
		if (!strchr(l, '\n'))
			break;
	}
}

/* is [s, e) inside the ranges of read_maps()? */
static int covered(unsigned long s, unsigned long e)
{
	int i;

	while (s < e) {
		for (i = 0; i < nr; i++)
			if (rs[i] <= s && s < re[i])
				break;
		if (i == nr)
			return 0;
		s = re[i];
	}
	return 1;
}

#define SUID "/tmp/lof-suid-hostile"

/* copy this program to SUID, root's and set-user-ID */
static void make_suid(void)
{
	int in = open("/proc/self/exe", O_RDONLY), out, n;
	static char b[65536];

	out = open(SUID, O_WRONLY | O_CREAT | O_TRUNC, 0700);
	if (in < 0 || out < 0)
		die("copy /proc/self/exe to " SUID);
	while ((n = read(in, b, sizeof(b))) > 0)
		if (write(out, b, n) != n)
			die("write " SUID);
	if (n < 0 || fchown(out, 0, 0) || fchmod(out, 04755))
		die("make " SUID " set-user-ID root");
	close(in);
	close(out);
}

/*
 * Between exec_mmap() installing the new mm and the new credentials, a
 * task exec'ing a setuid program still has its old ones.  A query there
 * must not get the new mm: /proc/PID/smaps closes that window with
 * mm_access() under the exec lock.  An unprivileged process queries its
 * child in a loop while the child execs a setuid-root program; every
 * query that succeeds must describe the forked copy of the parent's own
 * address space, which /proc/self/maps gives.  (With the exec lock taken,
 * a query that meets the exec waits for it and is then refused: the
 * queries that succeed are the few before the child reaches execve().)
 */
static void exec_race(void)
{
	int fd = open(LOF_DEVICE_PATH, O_RDWR | O_CLOEXEC), st;
	pid_t w;

	make_suid();
	w = fork();
	if (!w) {
		long seen = 0, refused = 0, leaked = 0, execs = 0;
		struct lof_query_entry ent[64];
		time_t t0 = time(NULL);

		if (setgid(65534) || setuid(65534))
			_exit(3);
		read_maps();
		while (time(NULL) - t0 < 2 && execs < 2000) {
			pid_t c = fork();

			if (c < 0)
				_exit(4);
			if (!c) {
				execl(SUID, SUID, "--exit", (char *)NULL);
				_exit(127);
			}
			execs++;
			while (waitpid(c, &st, WNOHANG) == 0) {
				struct lof_query q = { .size = sizeof(q), .pid = c,
						       .len = 1UL << 47,
						       .nr_entries = 64,
						       .entries = (uintptr_t)ent };
				unsigned int i;

				if (ioctl(fd, LOF_IOC_QUERY, &q)) {
					refused += errno == EACCES;
					continue;
				}
				seen++;
				for (i = 0; i < q.nr_entries; i++)
					if (ent[i].state != LOF_STATE_UNMAPPED &&
					    !covered(ent[i].start, ent[i].end))
						leaked++;
			}
		}
		printf("# hostile: exec race: %ld setuid execs, %ld queries saw the fork's mm, %ld refused, %ld saw another\n",
		       execs, seen, refused, leaked);
		fflush(stdout);
		/* (never refused: the loop never met an exec at all) */
		_exit(leaked ? 1 : refused ? 0 : 2);
	}
	waitpid(w, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "a query racing a setuid exec sees the fork's mm or EACCES, never the new program's");
	unlink(SUID);
	close(fd);
}

/*
 * hostile --refused: an unprivileged request refused with EPERM
 * (RLIMIT_MEMLOCK 0), device closed, the process alive: nothing of the
 * module is held.  hostile --partial: a request that fails with ENOMEM on
 * a hole after locking the mapping before it: that mapping carries the
 * lock, and the module must stay pinned.  Each prints "holding" and
 * sleeps until killed.
 */
static int linger(int partial)
{
	int fd = open(LOF_DEVICE_PATH, O_RDWR | O_CLOEXEC), err;
	struct rlimit rl = { 0, 0 };
	char *p = map();

	if (fd < 0)
		die("open " LOF_DEVICE_PATH);
	if (partial) {
		munmap(p + LEN / 2, LEN / 2);
		err = lock_range(fd, p, LEN);
		if (err != ENOMEM || lof_status_kb("VmLck") < (long)(LEN >> 11)) {
			printf("partial: %s, VmLck %ld kB\n", strerror(err),
			       lof_status_kb("VmLck"));
			return 1;
		}
	} else {
		if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgid(65534) ||
		    setuid(65534))
			die("drop to nobody with RLIMIT_MEMLOCK 0");
		err = lock_range(fd, p, LEN);
		if (err != EPERM) {
			printf("refused: %s, not EPERM\n", strerror(err));
			return 1;
		}
	}
	close(fd);
	printf("holding\n");
	fflush(stdout);
	for (;;)
		pause();
}

/* --- seccomp ------------------------------------------------------- */

/* x86_64 numbers; mlock2 has its number on kernels that lack the call */
enum { NR_MLOCK = 149, NR_MUNLOCK = 150, NR_MLOCKALL = 151,
       NR_MUNLOCKALL = 152, NR_MLOCK2 = 325, NR_GETPPID = 110 };

/* Install a filter: @action for system call @nr, everything else allowed. */
static void filter_one(int nr, unsigned int action)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, action),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		printf("not ok - hostile: seccomp: cannot install a filter: %s\n",
		       strerror(errno));
		exit(2);
	}
}

static volatile sig_atomic_t sigsys_nr = -1;
static int no_mlock2, kill_native;

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	sigsys_nr = si->si_syscall;
}

enum req { R_LOCK_ONFAULT, R_LOCK, R_UNLOCK, R_LOCKALL_ONFAULT, R_UNLOCKALL };

/* The request through the device; returns its errno (0: success). */
static int device(int fd, enum req r, void *p)
{
	struct lof_range range = { .size = sizeof(range), .addr = (uintptr_t)p, .len = LEN };
	struct lof_lockall all = { .size = sizeof(all),
				   .flags = LOF_MCL_CURRENT | LOF_MCL_ONFAULT };
	int ret;

	switch (r) {
	case R_LOCK_ONFAULT:
		range.flags = LOF_LOCK_ONFAULT;
		/* fall through */
	case R_LOCK:
		ret = ioctl(fd, LOF_IOC_LOCK, &range);
		break;
	case R_UNLOCK:
		ret = ioctl(fd, LOF_IOC_UNLOCK, &range);
		break;
	case R_LOCKALL_ONFAULT:
		ret = ioctl(fd, LOF_IOC_LOCKALL, &all);
		break;
	default:
		all.flags = 0;
		ret = ioctl(fd, LOF_IOC_UNLOCKALL, &all);
		break;
	}
	return ret ? errno : 0;
}

/* The same request as the native system call; returns its errno. */
static int native(enum req r, void *p)
{
	long ret;

	switch (r) {
	case R_LOCK_ONFAULT:
		ret = syscall(NR_MLOCK2, p, LEN, 1 /* MLOCK_ONFAULT */);
		break;
	case R_LOCK:
		ret = syscall(NR_MLOCK, p, LEN);
		break;
	case R_UNLOCK:
		ret = syscall(NR_MUNLOCK, p, LEN);
		break;
	case R_LOCKALL_ONFAULT:
		ret = syscall(NR_MLOCKALL, 1 | 4 /* MCL_CURRENT | MCL_ONFAULT */);
		break;
	default:
		ret = syscall(NR_MUNLOCKALL);
		break;
	}
	return ret ? errno : 0;
}

/*
 * In a child: filter @nr with @action, then make request @r through the
 * device, then natively.  The kernel's answer to the native call is the
 * oracle.  Prints one line; returns through the exit status.
 */
static void seccomp_case(const char *what, int nr, unsigned int action,
			 enum req r, int want_locked)
{
	int st, fd = open(LOF_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	pid_t pid;
	char *p = map();

	if (fd < 0)
		die("open " LOF_DEVICE_PATH);
	fflush(stdout);
	pid = fork();
	if (!pid) {
		struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
		int dev, nat, dev_sig, nat_sig;
		long vmlck;

		sigaction(SIGSYS, &sa, NULL);
		if (r == R_UNLOCK || r == R_UNLOCKALL)
			mlock(p, LEN);
		filter_one(nr, action);
		if (action == SECCOMP_RET_KILL) {
			/* one call, which must not return */
			if (kill_native)
				native(r, p);
			else
				device(fd, r, p);
			exit(3);
		}
		dev = device(fd, r, p);
		dev_sig = sigsys_nr;
		vmlck = lof_status_kb("VmLck");
		sigsys_nr = -1;
		nat = native(r, p);
		nat_sig = sigsys_nr;
		/* a kernel without mlock2: what the filter lets through succeeds */
		if (no_mlock2 && r == R_LOCK_ONFAULT && nr != NR_MLOCK2 && nat == ENOSYS)
			nat = 0;
		/* a trapped call returns what the SIGSYS handler makes of it */
		if (action == SECCOMP_RET_TRAP)
			dev = nat = dev_sig == nr ? 0 : -1;
		if (dev != nat || dev_sig != nat_sig ||
		    (vmlck >= (long)(LEN >> 10)) != want_locked) {
			printf("not ok - hostile: seccomp: %s: device %s (SIGSYS for %d), native %s (SIGSYS for %d), VmLck %ld kB after the device's call\n",
			       what, strerror(dev), dev_sig, strerror(nat), nat_sig, vmlck);
			exit(1);
		}
		printf("ok - hostile: seccomp: %s: the device's answer is native's: %s%s, VmLck %ld kB\n",
		       what, dev ? strerror(dev) : "success",
		       dev_sig >= 0 ? ", SIGSYS" : "", vmlck);
		exit(0);
	}
	if (waitpid(pid, &st, 0) != pid)
		die("waitpid");
	if (action == SECCOMP_RET_KILL) {
		printf("%s - hostile: seccomp: %s: %s\n",
		       WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS ? "ok" : "not ok",
		       what, WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "the call returned");
		if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS)
			fails++;
	} else if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fails++;
		if (!WIFEXITED(st))
			printf("not ok - hostile: seccomp: %s: the child died of signal %d\n",
			       what, WTERMSIG(st));
	}
	munmap(p, LEN);
	close(fd);
}

static void seccomp_filters(void)
{
	unsigned int eperm = SECCOMP_RET_ERRNO | EPERM;
	unsigned int exfull = SECCOMP_RET_ERRNO | EXFULL;

	no_mlock2 = syscall(NR_MLOCK2, NULL, 0, 0) && errno == ENOSYS;
	/* a kernel built without seccomp filters refuses any (EINVAL) */
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, NULL) && errno == EINVAL) {
		printf("# hostile: seccomp left out: this kernel has no seccomp filters (CONFIG_SECCOMP_FILTER; tested on the others)\n");
		return;
	}

	seccomp_case("mlock2 refused (EPERM), lock on fault", NR_MLOCK2, eperm,
		     R_LOCK_ONFAULT, 0);
	seccomp_case("mlock2 refused, full lock (mlock allowed)", NR_MLOCK2, eperm,
		     R_LOCK, 1);
	seccomp_case("mlock refused (EXFULL), full lock", NR_MLOCK, exfull, R_LOCK, 0);
	seccomp_case("mlock refused, lock on fault (mlock2 allowed)", NR_MLOCK, exfull,
		     R_LOCK_ONFAULT, 1);
	seccomp_case("munlock refused (EXFULL)", NR_MUNLOCK, exfull, R_UNLOCK, 1);
	seccomp_case("mlockall refused (EXFULL), CURRENT|ONFAULT", NR_MLOCKALL, exfull,
		     R_LOCKALL_ONFAULT, 0);
	seccomp_case("munlockall refused (EXFULL)", NR_MUNLOCKALL, exfull, R_UNLOCKALL, 1);
	seccomp_case("mlock2 trapped (SECCOMP_RET_TRAP)", NR_MLOCK2, SECCOMP_RET_TRAP,
		     R_LOCK_ONFAULT, 0);
	seccomp_case("a filter on getppid only, lock on fault", NR_GETPPID, eperm,
		     R_LOCK_ONFAULT, 1);
	kill_native = 1;
	seccomp_case("SECCOMP_RET_KILL on mlock2 kills the caller of mlock2", NR_MLOCK2,
		     SECCOMP_RET_KILL, R_LOCK_ONFAULT, 0);
	kill_native = 0;
	seccomp_case("SECCOMP_RET_KILL on mlock2 kills the caller of a lock on fault too",
		     NR_MLOCK2, SECCOMP_RET_KILL, R_LOCK_ONFAULT, 0);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--exit"))
		return 0;	/* the set-user-ID program of exec_race() */
	if (argc == 2 && !strcmp(argv[1], "--refused"))
		return linger(0);
	if (argc == 2 && !strcmp(argv[1], "--partial"))
		return linger(1);
	scm_rights();
	inherited();
	query_other();
	seccomp_filters();
	if (!getenv("HOSTILE_QUICK"))	/* (the mutation stage: 2 s saved) */
		exec_race();
	return fails ? 1 : 0;
}
