// SPDX-License-Identifier: GPL-2.0
/*
 * AF_COLLAB socket creation: types, protocols, socket options that describe
 * the socket, and per-namespace accounting.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/collab.h>

#include "collab.h"
#include "kselftest_harness.h"

/* Open AF_COLLAB sockets in the calling process's namespace. */
static int proto_sockets(void)
{
	char line[256], name[32];
	int size, sockets;
	FILE *f;

	f = fopen("/proc/net/protocols", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31s %d %d", name, &size, &sockets) == 3 &&
		    !strcmp(name, "COLLAB")) {
			fclose(f);
			return sockets;
		}
	}
	fclose(f);
	return 0;
}

/*
 * Load the module if needed (the first socket() does it), then move the
 * test into a namespace of its own, so that its socket counts start at 0.
 */
static int enter_new_netns(struct __test_metadata *_metadata)
{
	int fd;

	fd = socket(collab_family(), SOCK_RDM, 0);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	return collab_family();
}

FIXTURE(netns) {
	int family;
};

FIXTURE_SETUP(netns)
{
	self->family = enter_new_netns(_metadata);
}

FIXTURE_TEARDOWN(netns)
{
}

TEST_F(netns, create_rdm)
{
	int fd, val;
	socklen_t len = sizeof(val);

	fd = socket(self->family, SOCK_RDM, 0);
	ASSERT_LE(0, fd);

	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &val, &len));
	EXPECT_EQ(self->family, val);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_TYPE, &val, &len));
	EXPECT_EQ(SOCK_RDM, val);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &val, &len));
	EXPECT_EQ(0, val);

	EXPECT_EQ(1, proto_sockets());
	EXPECT_EQ(0, close(fd));
	EXPECT_EQ(0, proto_sockets());
}

TEST_F(netns, cloexec_nonblock)
{
	int fd;

	fd = socket(self->family, SOCK_RDM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	ASSERT_LE(0, fd);
	EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
	close(fd);
}

TEST_F(netns, many)
{
	enum { N = 1000 };
	static int fds[N];
	int i;

	for (i = 0; i < N; i++) {
		fds[i] = socket(self->family, SOCK_RDM, 0);
		ASSERT_LE(0, fds[i]);
	}
	EXPECT_EQ(N, proto_sockets());
	for (i = 0; i < N; i++)
		ASSERT_EQ(0, close(fds[i]));
	EXPECT_EQ(0, proto_sockets());
}

/* Sockets in two namespaces are counted apart and outlive each other. */
TEST_F(netns, two_namespaces)
{
	int fd_a[3], fd_b, i, ready[2], done[2], status;
	char c;
	pid_t pid;

	for (i = 0; i < 3; i++) {
		fd_a[i] = socket(self->family, SOCK_RDM, 0);
		ASSERT_LE(0, fd_a[i]);
	}
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(done));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		for (i = 0; i < 3; i++)
			close(fd_a[i]);
		close(ready[0]);
		close(done[1]);
		if (unshare(CLONE_NEWNET) || proto_sockets() != 0)
			_exit(1);
		fd_b = socket(self->family, SOCK_RDM, 0);
		if (fd_b < 0 || proto_sockets() != 1)
			_exit(2);
		if (write(ready[1], "b", 1) != 1)
			_exit(3);
		/* Hold the socket until the parent has looked. */
		if (read(done[0], &c, 1) != 0)
			_exit(4);
		if (proto_sockets() != 1)
			_exit(5);
		close(fd_b);
		_exit(proto_sockets() == 0 ? 0 : 6);
	}
	close(ready[1]);
	close(done[0]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	EXPECT_EQ(3, proto_sockets());

	/* Closing ours leaves the other namespace's socket alone. */
	for (i = 0; i < 3; i++)
		close(fd_a[i]);
	EXPECT_EQ(0, proto_sockets());
	close(done[1]);

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(ready[0]);
}

/* socket() with each type and protocol: only SOCK_RDM, protocol 0 exists. */
FIXTURE(create) {
	int family;
};

FIXTURE_SETUP(create)
{
	self->family = enter_new_netns(_metadata);
}

FIXTURE_TEARDOWN(create)
{
}

FIXTURE_VARIANT(create) {
	int type;
	int protocol;
	int err;
};

FIXTURE_VARIANT_ADD(create, rdm) {
	.type = SOCK_RDM, .protocol = 0, .err = 0,
};

FIXTURE_VARIANT_ADD(create, stream) {
	.type = SOCK_STREAM, .protocol = 0, .err = ESOCKTNOSUPPORT,
};

FIXTURE_VARIANT_ADD(create, seqpacket) {
	.type = SOCK_SEQPACKET, .protocol = 0, .err = ESOCKTNOSUPPORT,
};

FIXTURE_VARIANT_ADD(create, raw) {
	.type = SOCK_RAW, .protocol = 0, .err = ESOCKTNOSUPPORT,
};

FIXTURE_VARIANT_ADD(create, rdm_protocol_1) {
	.type = SOCK_RDM, .protocol = 1, .err = EPROTONOSUPPORT,
};

FIXTURE_VARIANT_ADD(create, rdm_protocol_255) {
	.type = SOCK_RDM, .protocol = 255, .err = EPROTONOSUPPORT,
};

TEST_F(create, type_and_protocol)
{
	int fd;

	fd = socket(self->family, variant->type, variant->protocol);
	if (!variant->err) {
		ASSERT_LE(0, fd);
		close(fd);
		return;
	}
	ASSERT_EQ(-1, fd);
	EXPECT_EQ(variant->err, errno);
	EXPECT_EQ(0, proto_sockets());
}

TEST_HARNESS_MAIN
