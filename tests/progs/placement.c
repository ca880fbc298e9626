// SPDX-License-Identifier: GPL-2.0
/*
 * placement: put one region of one kind of memory on the slow node, keep
 * it hot, optionally change its placement rules once, and report where its
 * pages are.
 *
 *   placement --kind K --node N [--mb M] [--seconds S] [--change-at T]
 *             [--cgroup DIR]
 *
 * Every region is placed on node N while bound to it (VMA MPOL_BIND, or
 * the task policy for the task-policy kinds) and is then given the kind's
 * policy; pages do not move when a policy changes (no MPOL_MF_MOVE) unless
 * the kind says so.  Kinds (and the rule of docs/kmmscand.rst they
 * exercise):
 *
 *   default         MPOL_DEFAULT (the control: promoted)
 *   bind-slow       VMA MPOL_BIND(N)
 *   preferred-0     VMA MPOL_PREFERRED(0)
 *   preferred-slow  VMA MPOL_PREFERRED(N)
 *   preferred-many  VMA MPOL_PREFERRED_MANY(0,N)
 *   interleave      VMA MPOL_INTERLEAVE(0,N)
 *   mbind-change    VMA MPOL_BIND(N); at --change-at mbind(MPOL_DEFAULT)
 *   mbind-rebind    MPOL_DEFAULT; at --change-at mbind(MPOL_BIND(N),
 *                   MPOL_MF_MOVE): the pages go back to N and must stay
 *   taskpol-change  no VMA policy, the (only) thread's task policy
 *                   MPOL_BIND(N); at --change-at set_mempolicy(DEFAULT)
 *   thread-bound    two regions, no task policy on the main thread; a
 *                   second thread set_mempolicy(MPOL_BIND(N)) and sleeps.
 *                   Region "a" has no VMA policy, region "b" a VMA
 *                   MPOL_BIND(0,N)
 *   cpuset          moves itself into cgroup --cgroup DIR first (whose
 *                   cpuset.mems the caller set to N); at --change-at
 *                   writes "0,N" to DIR/cpuset.mems
 *   mlock           mlock()ed
 *   hugetlb         MAP_HUGETLB (2 MiB pages; the caller reserves them on N)
 *   protnone        mprotect(PROT_NONE) after placement (not touched
 *                   after that; its PTEs keep their Accessed bits)
 *   shared          MAP_SHARED|MAP_ANONYMOUS, also mapped by a child
 *                   process until --change-at, when the child is killed
 *   memfd           MAP_SHARED of a memfd (shmem), this process only
 *   memfd-offset    one MAP_SHARED mapping (one VMA, no VMA policy) of a
 *                   memfd twice --mb long, whose shared policy differs by
 *                   file offset: region "a" (the first half) has none,
 *                   region "b" (the second) MPOL_BIND(N), set through a
 *                   second mapping of that half that is then unmapped
 *                   (the file keeps the policy)
 *   cow             MAP_PRIVATE, a forked child maps the same pages (COW,
 *                   nobody writes) until --change-at, when it is killed;
 *                   touched by reads only (a write would copy the page)
 *   ksm             identical pages, MADV_MERGEABLE; waits until KSM has
 *                   merged every one of them (a page not merged yet is
 *                   an ordinary page, which may be promoted once the
 *                   binding is lifted), then touched by reads only
 *   default-reuse   MPOL_DEFAULT, unmapped and placed again (new pages)
 *                   every round: slow-tier pages freed all the time
 *   bind-reuse      VMA MPOL_BIND(N), unmapped and placed again every
 *                   round, so that it gets pages another process just
 *                   freed; before each unmap its pages are checked, and
 *                   the reports add "moved=P", the pages ever seen off N
 *
 * "Hot": every page is touched every 50 ms (not in a tight loop: with
 * twenty such processes on two CPUs a nice-19 scanner would hardly run).
 *
 * Output: "placement: KIND/REGION t=S top=P slow=P absent=P total=P" once a
 * second (top: pages on any node but N; absent: not mapped, or under
 * migration at that instant), "placement: KIND changed t=S" at the
 * change, and the same report with "final" at the end.  Exit 0, or 2 when
 * the setup failed (the reason on stdout).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MPOL_DEFAULT		0
#define MPOL_PREFERRED		1
#define MPOL_BIND		2
#define MPOL_INTERLEAVE		3
#define MPOL_PREFERRED_MANY	5
#define MPOL_MF_MOVE		(1 << 1)
#define PAGE			4096UL
#define HUGE			(2UL << 20)
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB		(21 << 26)
#endif

struct region {
	const char *name;
	char *base;
	size_t len;
	int write;	/* touch by writing (else reading) */
	int touch;	/* touched at all */
};

static int node = 1;
static const char *kind;
static double t0;
static struct region regions[2];
static int nr_regions;
static pid_t child_pid;
static const char *cgroup;
static volatile unsigned long sink;
static long moved_ever;	/* bind-reuse: pages ever seen off the node */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	printf("placement: %s: setup: %s: %s\n", kind, what, strerror(errno));
	fflush(stdout);
	if (child_pid > 0)
		kill(child_pid, SIGKILL);
	exit(2);
}

static long sys_mbind(void *addr, unsigned long len, int mode,
		      const unsigned long *mask, unsigned int flags)
{
	return syscall(SYS_mbind, addr, len, mode, mask, mask ? 65 : 0, flags);
}

static long sys_set_mempolicy(int mode, const unsigned long *mask)
{
	return syscall(SYS_set_mempolicy, mode, mask, mask ? 65 : 0);
}

static void vma_policy(struct region *r, int mode, unsigned long mask,
		       unsigned int flags)
{
	if (sys_mbind(r->base, r->len, mode, mode == MPOL_DEFAULT ? NULL : &mask,
		      flags))
		die("mbind");
}

/* Maps @len bytes, 2 MiB-aligned (plain anonymous memory). */
static char *map_anon(size_t len, int flags)
{
	size_t map_len = len + HUGE;
	char *map = mmap(NULL, map_len, PROT_READ | PROT_WRITE,
			 MAP_ANONYMOUS | flags, -1, 0);
	char *base;

	if (map == MAP_FAILED)
		die("mmap");
	base = (char *)(((uintptr_t)map + HUGE - 1) & ~(HUGE - 1));
	if (base > map)
		munmap(map, base - map);
	if (map + map_len > base + len)
		munmap(base + len, map + map_len - (base + len));
	return base;
}

static struct region *add_region(const char *name, char *base, size_t len,
				 int write)
{
	struct region *r = &regions[nr_regions++];

	*r = (struct region){ .name = name, .base = base, .len = len,
			      .write = write, .touch = 1 };
	/* Base pages: THP placement and sharing rules are other tests'. */
	madvise(base, len, MADV_NOHUGEPAGE);
	return r;
}

/* Whether [@p, @p + @len) is exactly one VMA (/proc/self/maps). */
static int one_vma(const char *p, size_t len)
{
	unsigned long start, end;
	char line[512];
	int found = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		die("/proc/self/maps");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &start, &end) == 2 &&
		    start == (unsigned long)p && end == (unsigned long)p + len)
			found = 1;
	fclose(f);
	return found;
}

/* Writes every page (value @v) so that it is allocated. */
static void fill(struct region *r, unsigned long v)
{
	size_t i;

	for (i = 0; i < r->len; i += PAGE)
		*(volatile unsigned long *)(r->base + i) = v ? v : i + 1;
}

/* Places @r on the node under a VMA MPOL_BIND, then applies @mode. */
static void place(struct region *r, int mode, unsigned long mask)
{
	vma_policy(r, MPOL_BIND, 1UL << node, 0);
	fill(r, 0);
	vma_policy(r, mode, mask, 0);
}

static void touch(struct region *r)
{
	size_t i;

	if (!r->touch)
		return;
	for (i = 0; i < r->len; i += PAGE) {
		if (r->write)
			(*(volatile unsigned long *)(r->base + i))++;
		else
			sink += *(volatile unsigned long *)(r->base + i);
	}
}

/* Where @r's pages are now: on the slow node, elsewhere, or not mapped. */
static void count_pages(const struct region *r, long *slow, long *top, long *absent)
{
	enum { CHUNK = 512 };
	void *pages[CHUNK];
	int status[CHUNK];
	long n = r->len / PAGE, i, j;

	*slow = *top = *absent = 0;
	for (i = 0; i < n; i += CHUNK) {
		long m = n - i < CHUNK ? n - i : CHUNK;

		for (j = 0; j < m; j++)
			pages[j] = r->base + (i + j) * PAGE;
		if (syscall(SYS_move_pages, 0, m, pages, NULL, status, 0))
			die("move_pages");
		for (j = 0; j < m; j++) {
			if (status[j] == node)
				(*slow)++;
			else if (status[j] >= 0)
				(*top)++;
			else
				(*absent)++;
		}
	}
}

static void report(const char *tag)
{
	int k;

	for (k = 0; k < nr_regions; k++) {
		struct region *r = &regions[k];
		long n = r->len / PAGE, top, slow, absent;

		count_pages(r, &slow, &top, &absent);
		printf("placement: %s/%s %s t=%.1f top=%ld slow=%ld absent=%ld total=%ld",
		       kind, r->name, tag, now_s() - t0, top, slow, absent, n);
		if (!strcmp(kind, "bind-reuse"))
			printf(" moved=%ld", moved_ever);
		printf("\n");
	}
	fflush(stdout);
}

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		die(path);
	close(fd);
}

static long read_long(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);
	long v = -1;

	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) > 0)
			v = atol(buf);
		close(fd);
	}
	return v;
}

/*
 * A child that keeps the parent's mappings (shared or COW) and waits.  Fork
 * copies the page tables of private memory (COW), so the child maps it at
 * once; it does not copy those of a MAP_SHARED mapping, which the child
 * only maps by touching it: it reads every page of @r, and the parent goes
 * on only once it has, so that every folio is mapped by both.
 */
static void fork_sharer(const struct region *r)
{
	int fd[2];
	char c = 0;

	if (pipe(fd))
		die("pipe");
	child_pid = fork();
	if (child_pid < 0)
		die("fork");
	if (child_pid == 0) {
		volatile const char *p = r->base;
		size_t off, step = (size_t)sysconf(_SC_PAGESIZE);

		for (off = 0; off < r->len; off += step)
			c += p[off];
		if (write(fd[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(fd[1]);
	if (read(fd[0], &c, 1) != 1)
		die("the sharing child did not map the region");
	close(fd[0]);
}

static volatile int thread_bound;

static void *bound_thread(void *arg)
{
	unsigned long mask = 1UL << node;

	(void)arg;
	if (sys_set_mempolicy(MPOL_BIND, &mask))
		die("set_mempolicy in the second thread");
	__atomic_store_n(&thread_bound, 1, __ATOMIC_SEQ_CST);
	for (;;)
		pause();
	return NULL;
}

static void setup(size_t len)
{
	unsigned long m0n = 1UL | 1UL << node;
	struct region *r;

	if (!strcmp(kind, "default")) {
		place(add_region("r", map_anon(len, MAP_PRIVATE), len, 1), MPOL_DEFAULT, 0);
	} else if (!strcmp(kind, "default-reuse")) {
		place(add_region("r", map_anon(len, MAP_PRIVATE), len, 1), MPOL_DEFAULT, 0);
	} else if (!strcmp(kind, "bind-reuse")) {
		place(add_region("r", map_anon(len, MAP_PRIVATE), len, 1), MPOL_BIND, 1UL << node);
	} else if (!strcmp(kind, "bind-slow") || !strcmp(kind, "mbind-change")) {
		place(add_region("r", map_anon(len, MAP_PRIVATE), len, 1), MPOL_BIND, 1UL << node);
	} else if (!strcmp(kind, "preferred-0")) {
		place(add_region("r", map_anon(len, MAP_PRIVATE), len, 1), MPOL_PREFERRED, 1);
	} else if (!strcmp(kind, "preferred-slow")) {
		place(add_region("r", map_anon(len, MAP_PRIVATE), len, 1), MPOL_PREFERRED, 1UL << node);
	} else if (!strcmp(kind, "preferred-many")) {
		place(add_region("r", map_anon(len, MAP_PRIVATE), len, 1), MPOL_PREFERRED_MANY, m0n);
	} else if (!strcmp(kind, "interleave")) {
		place(add_region("r", map_anon(len, MAP_PRIVATE), len, 1), MPOL_INTERLEAVE, m0n);
	} else if (!strcmp(kind, "mbind-rebind")) {
		place(add_region("r", map_anon(len, MAP_PRIVATE), len, 1), MPOL_DEFAULT, 0);
	} else if (!strcmp(kind, "taskpol-change")) {
		unsigned long mask = 1UL << node;

		if (sys_set_mempolicy(MPOL_BIND, &mask))
			die("set_mempolicy");
		r = add_region("r", map_anon(len, MAP_PRIVATE), len, 1);
		fill(r, 0);
	} else if (!strcmp(kind, "thread-bound")) {
		pthread_t t;

		/* The thread is bound before region "a" loses its VMA policy. */
		if (pthread_create(&t, NULL, bound_thread, NULL))
			die("pthread_create");
		while (!__atomic_load_n(&thread_bound, __ATOMIC_SEQ_CST))
			usleep(1000);
		place(add_region("a", map_anon(len, MAP_PRIVATE), len, 1), MPOL_DEFAULT, 0);
		place(add_region("b", map_anon(len, MAP_PRIVATE), len, 1), MPOL_BIND, m0n);
	} else if (!strcmp(kind, "cpuset")) {
		char path[512], pid[32];

		if (!cgroup)
			die("--cgroup missing");
		snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
		snprintf(pid, sizeof(pid), "%d", getpid());
		write_file(path, pid);
		place(add_region("r", map_anon(len, MAP_PRIVATE), len, 1), MPOL_DEFAULT, 0);
	} else if (!strcmp(kind, "mlock")) {
		r = add_region("r", map_anon(len, MAP_PRIVATE), len, 1);
		vma_policy(r, MPOL_BIND, 1UL << node, 0);
		fill(r, 0);
		if (mlock(r->base, r->len))
			die("mlock");
		vma_policy(r, MPOL_DEFAULT, 0, 0);
	} else if (!strcmp(kind, "hugetlb")) {
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB,
			       -1, 0);

		if (p == MAP_FAILED)
			die("mmap(MAP_HUGETLB)");
		r = &regions[nr_regions++];
		*r = (struct region){ .name = "r", .base = p, .len = len,
				      .write = 1, .touch = 1 };
		place(r, MPOL_DEFAULT, 0);
	} else if (!strcmp(kind, "protnone")) {
		/* PROT_NONE before the policy allows node 0. */
		r = add_region("r", map_anon(len, MAP_PRIVATE), len, 1);
		vma_policy(r, MPOL_BIND, 1UL << node, 0);
		fill(r, 0);
		if (mprotect(r->base, r->len, PROT_NONE))
			die("mprotect(PROT_NONE)");
		vma_policy(r, MPOL_DEFAULT, 0, 0);
		r->touch = 0;
	} else if (!strcmp(kind, "shared")) {
		/* Shared with the child before the policy allows node 0. */
		r = add_region("r", map_anon(len, MAP_SHARED), len, 1);
		vma_policy(r, MPOL_BIND, 1UL << node, 0);
		fill(r, 0);
		fork_sharer(r);
		vma_policy(r, MPOL_DEFAULT, 0, 0);
	} else if (!strcmp(kind, "memfd")) {
		int fd = memfd_create("placement", 0);
		char *p;

		if (fd < 0 || ftruncate(fd, len))
			die("memfd");
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			die("mmap(memfd)");
		place(add_region("r", p, len, 1), MPOL_DEFAULT, 0);
	} else if (!strcmp(kind, "memfd-offset")) {
		unsigned long mask = 1UL << node;
		int fd = memfd_create("placement", 0);
		char *p, *q;

		if (fd < 0 || ftruncate(fd, 2 * len))
			die("memfd");
		p = mmap(NULL, 2 * len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			die("mmap(memfd)");
		/* The whole mapping first: a madvise() of half would split it. */
		if (madvise(p, 2 * len, MADV_NOHUGEPAGE))
			die("madvise");
		/* Placed by the task policy: an mbind() of half would split it. */
		if (sys_set_mempolicy(MPOL_BIND, &mask))
			die("set_mempolicy");
		add_region("a", p, len, 1);
		add_region("b", p + len, len, 1);
		fill(&regions[0], 0);
		fill(&regions[1], 0);
		if (sys_set_mempolicy(MPOL_DEFAULT, NULL))
			die("set_mempolicy(DEFAULT)");
		q = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, len);
		if (q == MAP_FAILED)
			die("mmap(memfd, second half)");
		if (sys_mbind(q, len, MPOL_BIND, &mask, 0))
			die("mbind(second half)");
		munmap(q, len);
		if (!one_vma(p, 2 * len))
			die("the memfd mapping is not one VMA");
	} else if (!strcmp(kind, "cow")) {
		r = add_region("r", map_anon(len, MAP_PRIVATE), len, 0);
		vma_policy(r, MPOL_BIND, 1UL << node, 0);
		fill(r, 0);
		fork_sharer(r);
		vma_policy(r, MPOL_DEFAULT, 0, 0);
	} else if (!strcmp(kind, "ksm")) {
		char path[64];
		long merged = 0;
		double w0 = now_s();

		r = add_region("r", map_anon(len, MAP_PRIVATE), len, 0);
		vma_policy(r, MPOL_BIND, 1UL << node, 0);
		fill(r, 0x5a5a5a5a);
		if (madvise(r->base, r->len, MADV_MERGEABLE))
			die("MADV_MERGEABLE");
		snprintf(path, sizeof(path), "/proc/%d/ksm_merging_pages", getpid());
		while (now_s() - w0 < 120) {
			merged = read_long(path);
			if (merged >= (long)(len / PAGE))
				break;
			usleep(100000);
		}
		printf("placement: ksm: %ld of %lu pages merged after %.1f s\n",
		       merged, len / PAGE, now_s() - w0);
		if (merged < (long)(len / PAGE)) {
			errno = ETIMEDOUT;
			die("KSM did not merge the region (is /sys/kernel/mm/ksm/run 1?)");
		}
		vma_policy(r, MPOL_DEFAULT, 0, 0);
	} else {
		errno = EINVAL;
		die("unknown --kind");
	}
}

/* Pages of @r on any node but the slow one, now. */
static long off_node(const struct region *r)
{
	long slow, top, absent;

	count_pages(r, &slow, &top, &absent);
	return top;
}

/*
 * The *-reuse kinds: the region is unmapped (its pages freed) and placed
 * again; bind-reuse first counts its pages that left the node.
 */
static void reuse(void)
{
	struct region *r = &regions[0];
	int bind = !strcmp(kind, "bind-reuse");

	if (bind)
		moved_ever += off_node(r);
	munmap(r->base, r->len);
	r->base = map_anon(r->len, MAP_PRIVATE);
	madvise(r->base, r->len, MADV_NOHUGEPAGE);
	place(r, bind ? MPOL_BIND : MPOL_DEFAULT, bind ? 1UL << node : 0);
}

static void change(void)
{
	struct region *r = &regions[0];
	char path[512], mems[32];

	if (!strcmp(kind, "mbind-change")) {
		vma_policy(r, MPOL_DEFAULT, 0, 0);
	} else if (!strcmp(kind, "mbind-rebind")) {
		vma_policy(r, MPOL_BIND, 1UL << node, MPOL_MF_MOVE);
	} else if (!strcmp(kind, "taskpol-change")) {
		if (sys_set_mempolicy(MPOL_DEFAULT, NULL))
			die("set_mempolicy(MPOL_DEFAULT)");
	} else if (!strcmp(kind, "cpuset")) {
		snprintf(path, sizeof(path), "%s/cpuset.mems", cgroup);
		snprintf(mems, sizeof(mems), "0,%d", node);
		write_file(path, mems);
	} else if (!strcmp(kind, "shared") || !strcmp(kind, "cow")) {
		kill(child_pid, SIGKILL);
		waitpid(child_pid, NULL, 0);
		child_pid = 0;
	} else {
		return;
	}
	printf("placement: %s changed t=%.1f\n", kind, now_s() - t0);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "kind", required_argument, 0, 'k' },
		{ "node", required_argument, 0, 'n' },
		{ "mb", required_argument, 0, 'm' },
		{ "seconds", required_argument, 0, 's' },
		{ "change-at", required_argument, 0, 'c' },
		{ "cgroup", required_argument, 0, 'g' },
		{ 0, 0, 0, 0 },
	};
	double seconds = 20, change_at = -1, next;
	size_t mb = 8;
	int c, k, changed = 0;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'k': kind = optarg; break;
		case 'n': node = atoi(optarg); break;
		case 'm': mb = strtoul(optarg, NULL, 10); break;
		case 's': seconds = atof(optarg); break;
		case 'c': change_at = atof(optarg); break;
		case 'g': cgroup = optarg; break;
		default: kind = "?"; errno = EINVAL; die("usage");
		}
	}
	if (!kind || node <= 0 || node >= 64 || !mb || mb % 2) {
		kind = kind ? kind : "?";
		errno = EINVAL;
		die("usage: placement --kind K --node N (N > 0) [--mb M (even)] [--seconds S] [--change-at T] [--cgroup DIR]");
	}
	setup(mb << 20);
	t0 = now_s();
	report("start");
	next = t0 + 1;
	while (now_s() - t0 < seconds) {
		if (!changed && change_at >= 0 && now_s() - t0 >= change_at) {
			change();
			changed = 1;
		}
		if (now_s() >= next) {
			report("at");
			next += 1;
		}
		for (k = 0; k < nr_regions; k++)
			touch(&regions[k]);
		usleep(50000);
		if (strstr(kind, "-reuse"))
			reuse();
	}
	report("final");
	if (child_pid > 0) {
		kill(child_pid, SIGKILL);
		waitpid(child_pid, NULL, 0);
	}
	return 0;
}
