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
 *     unprivileged user on root's process), as /proc/PID/smaps does.
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
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/lockonfault.h>

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

int main(void)
{
	scm_rights();
	inherited();
	query_other();
	return fails ? 1 : 0;
}
