// SPDX-License-Identifier: GPL-2.0
/*
 * mmstress: change the address space under a scanner for a fixed time.
 *
 *   mmstress --node N [--seconds S] [--slots K] [--touchers T]
 *            [--mutators M] [--no-storms]
 *
 * K regions ("slots") of 4 MiB, 2 MiB-aligned and THP-enabled
 * (MADV_HUGEPAGE), are placed on node N (MPOL_BIND while they fault in,
 * then the default policy, so that a promotion daemon may move them).
 * Every page holds a value derived from its slot, generation and index.
 *
 * Toucher threads read every page of a slot, check its value and write it
 * back (so the page is accessed and dirty), slot after slot, for ever.
 * Mutator threads pick a random slot and a random operation:
 *
 *   munmap       unmap the slot and map a fresh one on node N (new values)
 *   mremap       move it elsewhere with MREMAP_MAYMOVE (values kept)
 *   protnone     mprotect(PROT_NONE), then back to read-write
 *   split        mprotect one 4 KiB page read-only and back: splits the
 *                PMD of a THP (thp_split_pmd)
 *   dontneed     MADV_DONTNEED on the whole slot, then refill it
 *   collapse     MADV_HUGEPAGE + MADV_COLLAPSE (values kept; EAGAIN,
 *                EBUSY, ENOMEM and EINVAL are counted, not errors: a
 *                collapse that meets a page under migration, by the
 *                module, a rebind or compaction, fails with a scan
 *                result madvise_collapse() reports as EINVAL)
 *   rebind       mbind(MPOL_BIND, N, MPOL_MF_MOVE) then MPOL_DEFAULT: the
 *                kernel moves the pages back to node N, racing with any
 *                other migration (values kept)
 *   scratch      MADV_DONTNEED on the slot's last MiB while touchers run
 *                (that MiB is written but never checked)
 *
 * Operations that change the mapping or its protection hold the slot's
 * lock for writing; the others (collapse, rebind, scratch) run under the
 * read lock, concurrently with the touchers.
 *
 * A fork thread forks children in a loop: each child checks and writes the
 * pages of a region only that thread owns (copy-on-write), and exits, or
 * (every fourth) execs this program with --child, which maps 1 MiB on
 * node N, touches it and exits.  A thread thread starts short-lived
 * threads that set a task mempolicy (bind to node N, preferred 0, or none)
 * and exit, so that the thread list and task policies change all the time.
 * --no-storms leaves both out (a lighter load for other tests).
 *
 * Exit status: 0 when every value read was the expected one, every child
 * succeeded and every operation succeeded at least once; 1 otherwise (the
 * reason on stdout); 2 when the setup failed.  A last line
 * "mmstress: ok ..." counts the operations.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#define MPOL_DEFAULT	0
#define MPOL_PREFERRED	1
#define MPOL_BIND	2
#define MPOL_MF_MOVE	(1 << 1)

#define SLOT_SIZE	(4UL << 20)
#define SCRATCH		(1UL << 20)	/* last MiB: written, never checked */
#define THP_SIZE	(2UL << 20)
#define MAX_SLOTS	64
#define MAX_THREADS	16
#define PAGE		4096UL

enum op { OP_MUNMAP, OP_MREMAP, OP_PROTNONE, OP_SPLIT, OP_DONTNEED,
	  OP_COLLAPSE, OP_REBIND, OP_SCRATCH, NR_OPS };
static const char *const op_name[NR_OPS] = {
	"munmap", "mremap", "protnone", "split", "dontneed", "collapse",
	"rebind", "scratch",
};

struct slot {
	pthread_rwlock_t lock;
	char *base;
	unsigned long gen;
};

static struct slot slots[MAX_SLOTS];
static int nr_slots = 8;
static int node = 1;
static double seconds = 10;
static atomic_int stop;
static atomic_int failed;
static atomic_ulong ops_done[NR_OPS];
static atomic_ulong collapse_busy;
static atomic_ulong touch_rounds, forks, execs, threads_started;
static char *self_exe;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Records the first failure; every thread stops soon after. */
static void failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void failf(const char *fmt, ...)
{
	va_list ap;

	if (atomic_exchange(&failed, 1))
		return;
	va_start(ap, fmt);
	printf("mmstress: FAIL: ");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
	atomic_store(&stop, 1);
}

static void die(const char *what)
{
	printf("mmstress: setup: %s: %s\n", what, strerror(errno));
	exit(2);
}

static long sys_mbind(void *addr, unsigned long len, int mode,
		      const unsigned long *mask, unsigned long maxnode,
		      unsigned int flags)
{
	return syscall(SYS_mbind, addr, len, mode, mask, maxnode, flags);
}

static long sys_set_mempolicy(int mode, const unsigned long *mask,
			      unsigned long maxnode)
{
	return syscall(SYS_set_mempolicy, mode, mask, maxnode);
}

static unsigned long node_mask(int n)
{
	return 1UL << n;
}

/* The value page @i of a slot of generation @gen holds. */
static unsigned long expected(unsigned long gen, unsigned long i)
{
	return (gen * 0x9e3779b97f4a7c15UL) ^ (i + 1);
}

/* A 2 MiB-aligned anonymous mapping of @len bytes (not populated). */
static char *map_aligned(size_t len)
{
	size_t map_len = len + THP_SIZE;
	char *map = mmap(NULL, map_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *base;

	if (map == MAP_FAILED)
		return NULL;
	base = (char *)(((uintptr_t)map + THP_SIZE - 1) & ~(THP_SIZE - 1));
	if (base > map)
		munmap(map, base - map);
	if (map + map_len > base + len)
		munmap(base + len, map + map_len - (base + len));
	return base;
}

/*
 * Writes the values of generation @gen into [@p, @p + @len) while it is
 * bound to the node, then resets its policy to default.
 */
static int fill_on_node(char *p, size_t len, unsigned long gen)
{
	unsigned long mask = node_mask(node);
	unsigned long i;

	if (sys_mbind(p, len, MPOL_BIND, &mask, 64, 0))
		return -1;
	for (i = 0; i < len / PAGE; i++)
		*(unsigned long *)(p + i * PAGE) = expected(gen, i);
	return sys_mbind(p, len, MPOL_DEFAULT, NULL, 0, 0);
}

/* Maps a fresh slot on the node.  Called with the slot write-locked. */
static int new_slot(struct slot *s)
{
	s->base = map_aligned(SLOT_SIZE);
	if (!s->base)
		return -1;
	madvise(s->base, SLOT_SIZE, MADV_HUGEPAGE);
	s->gen++;
	return fill_on_node(s->base, SLOT_SIZE, s->gen);
}

/* Checks (and writes back) the checked part of a slot; read lock held. */
static void touch_slot(struct slot *s, int idx)
{
	volatile unsigned long *p;
	unsigned long i, v;

	for (i = 0; i < (SLOT_SIZE - SCRATCH) / PAGE; i++) {
		p = (volatile unsigned long *)(s->base + i * PAGE);
		v = *p;
		if (v != expected(s->gen, i)) {
			failf("slot %d page %lu (%p) holds %#lx, expected %#lx (generation %lu)",
			      idx, i, (void *)p, v, expected(s->gen, i), s->gen);
			return;
		}
		*p = v;
	}
	for (; i < SLOT_SIZE / PAGE; i++)
		*(volatile unsigned long *)(s->base + i * PAGE) = i;
}

static void *toucher(void *arg)
{
	unsigned int seed = (uintptr_t)arg;
	int i;

	while (!atomic_load(&stop)) {
		i = rand_r(&seed) % nr_slots;
		pthread_rwlock_rdlock(&slots[i].lock);
		touch_slot(&slots[i], i);
		pthread_rwlock_unlock(&slots[i].lock);
		atomic_fetch_add(&touch_rounds, 1);
	}
	return NULL;
}

/* One operation on slot @i; returns 0 or fails the run. */
static void mutate(int i, enum op op)
{
	struct slot *s = &slots[i];
	unsigned long mask = node_mask(node);
	char *p;
	int wr = op == OP_MUNMAP || op == OP_MREMAP || op == OP_PROTNONE ||
		 op == OP_SPLIT || op == OP_DONTNEED;

	if (wr)
		pthread_rwlock_wrlock(&s->lock);
	else
		pthread_rwlock_rdlock(&s->lock);

	switch (op) {
	case OP_MUNMAP:
		if (munmap(s->base, SLOT_SIZE)) {
			failf("munmap: %s", strerror(errno));
			break;
		}
		if (new_slot(s))
			failf("remapping a slot on node %d: %s", node, strerror(errno));
		break;
	case OP_MREMAP:
		/* To a fresh 2 MiB-aligned place, so THPs stay PMD-mapped. */
		p = map_aligned(SLOT_SIZE);
		if (!p) {
			failf("mmap for mremap: %s", strerror(errno));
			break;
		}
		p = mremap(s->base, SLOT_SIZE, SLOT_SIZE,
			   MREMAP_MAYMOVE | MREMAP_FIXED, p);
		if (p == MAP_FAILED) {
			failf("mremap: %s", strerror(errno));
			break;
		}
		s->base = p;
		break;
	case OP_PROTNONE:
		if (mprotect(s->base, SLOT_SIZE, PROT_NONE) ||
		    (sched_yield(), 0) ||
		    mprotect(s->base, SLOT_SIZE, PROT_READ | PROT_WRITE))
			failf("mprotect PROT_NONE and back: %s", strerror(errno));
		break;
	case OP_SPLIT:
		/* One page in the middle of the first THP. */
		p = s->base + THP_SIZE / 2;
		if (mprotect(p, PAGE, PROT_READ) ||
		    mprotect(p, PAGE, PROT_READ | PROT_WRITE))
			failf("mprotect of a 4 KiB subrange: %s", strerror(errno));
		break;
	case OP_DONTNEED:
		if (madvise(s->base, SLOT_SIZE, MADV_DONTNEED)) {
			failf("MADV_DONTNEED: %s", strerror(errno));
			break;
		}
		s->gen++;
		if (fill_on_node(s->base, SLOT_SIZE, s->gen))
			failf("refilling on node %d: %s", node, strerror(errno));
		break;
	case OP_COLLAPSE:
		if (madvise(s->base, SLOT_SIZE, MADV_HUGEPAGE)) {
			failf("MADV_HUGEPAGE: %s", strerror(errno));
			break;
		}
		if (madvise(s->base, SLOT_SIZE, MADV_COLLAPSE)) {
			/*
			 * Busy, no huge page free, or a PTE that changed under
			 * the scan (a migration entry): the kernel may refuse.
			 * The range itself is valid (the slot's lock keeps
			 * munmap and mremap out).
			 */
			if (errno == EAGAIN || errno == ENOMEM || errno == EBUSY ||
			    errno == EINVAL) {
				atomic_fetch_add(&collapse_busy, 1);
				break;
			}
			failf("MADV_COLLAPSE: %s", strerror(errno));
		}
		break;
	case OP_REBIND:
		if (sys_mbind(s->base, SLOT_SIZE, MPOL_BIND, &mask, 64,
			      MPOL_MF_MOVE) ||
		    sys_mbind(s->base, SLOT_SIZE, MPOL_DEFAULT, NULL, 0, 0))
			failf("mbind(MPOL_MF_MOVE) and back: %s", strerror(errno));
		break;
	case OP_SCRATCH:
		if (madvise(s->base + SLOT_SIZE - SCRATCH, SCRATCH,
			    MADV_DONTNEED))
			failf("MADV_DONTNEED on the scratch MiB: %s", strerror(errno));
		break;
	case NR_OPS:
		break;
	}
	pthread_rwlock_unlock(&s->lock);
	atomic_fetch_add(&ops_done[op], 1);
}

static void *mutator(void *arg)
{
	unsigned int seed = (uintptr_t)arg;

	while (!atomic_load(&stop)) {
		mutate(rand_r(&seed) % nr_slots, rand_r(&seed) % NR_OPS);
		usleep(rand_r(&seed) % 2000);
	}
	return NULL;
}

/*
 * Forks children that check and write a region this thread owns (COW),
 * and exit or exec a short run of this program.
 */
static void *forker(void *arg)
{
	size_t len = 2UL << 20;
	char *r = map_aligned(len);
	unsigned long gen = 1000, i, n = 0;
	char nb[16];
	char *child_argv[] = { self_exe, "--child", "--node", nb, NULL };

	(void)arg;
	snprintf(nb, sizeof(nb), "%d", node);
	if (!r || fill_on_node(r, len, gen)) {
		failf("fork region: %s", strerror(errno));
		return NULL;
	}
	while (!atomic_load(&stop)) {
		pid_t pid;
		int st;

		pid = fork();
		if (pid < 0) {
			failf("fork: %s", strerror(errno));
			break;
		}
		if (pid == 0) {
			/* Only async-signal-safe work: the parent has threads. */
			for (i = 0; i < len / PAGE; i++) {
				unsigned long *p = (unsigned long *)(r + i * PAGE);

				if (*p != expected(gen, i))
					_exit(10);
				*p = expected(gen + 1, i);
			}
			if (n % 4 == 0) {
				execv(self_exe, child_argv);
				_exit(11);
			}
			_exit(0);
		}
		if (waitpid(pid, &st, 0) < 0) {
			failf("waitpid: %s", strerror(errno));
			break;
		}
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			failf("child %lu: status %#x (10: a COW page held a wrong value, 11: exec failed)",
			      n, st);
			break;
		}
		atomic_fetch_add(&forks, 1);
		if (n % 4 == 0)
			atomic_fetch_add(&execs, 1);
		n++;
		/* New values in the parent's copy, sometimes. */
		if (n % 8 == 0) {
			gen++;
			for (i = 0; i < len / PAGE; i++)
				*(unsigned long *)(r + i * PAGE) = expected(gen, i);
		}
	}
	munmap(r, len);
	return NULL;
}

static void *short_thread(void *arg)
{
	unsigned long k = (uintptr_t)arg, mask;

	switch (k % 3) {
	case 0:
		mask = node_mask(node);
		sys_set_mempolicy(MPOL_BIND, &mask, 64);
		break;
	case 1:
		mask = node_mask(0);
		sys_set_mempolicy(MPOL_PREFERRED, &mask, 64);
		break;
	default:
		break;
	}
	usleep(200 + k % 1000);
	return NULL;
}

/* Starts and joins short-lived threads with changing task policies. */
static void *spawner(void *arg)
{
	unsigned long k = 0;

	(void)arg;
	while (!atomic_load(&stop)) {
		pthread_t t[4];
		int i, n = 0;

		for (i = 0; i < 4; i++) {
			if (pthread_create(&t[i], NULL, short_thread,
					   (void *)(uintptr_t)k++)) {
				failf("pthread_create: %s", strerror(errno));
				break;
			}
			n++;
		}
		for (i = 0; i < n; i++)
			pthread_join(t[i], NULL);
		atomic_fetch_add(&threads_started, n);
	}
	return NULL;
}

/* --child: map 1 MiB on the node, touch it, exit. */
static int child_main(void)
{
	size_t len = 1UL << 20;
	char *p = map_aligned(len);

	if (!p || fill_on_node(p, len, 7))
		return 12;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "node", required_argument, 0, 'n' },
		{ "seconds", required_argument, 0, 's' },
		{ "slots", required_argument, 0, 'k' },
		{ "touchers", required_argument, 0, 't' },
		{ "mutators", required_argument, 0, 'm' },
		{ "child", no_argument, 0, 'c' },
		{ "no-storms", no_argument, 0, 'N' },
		{ 0, 0, 0, 0 },
	};
	pthread_t th[MAX_THREADS];
	int touchers = 2, mutators = 2, child = 0, storms = 1, nth = 0, c, i;
	double t0;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'n': node = atoi(optarg); break;
		case 's': seconds = atof(optarg); break;
		case 'k': nr_slots = atoi(optarg); break;
		case 't': touchers = atoi(optarg); break;
		case 'm': mutators = atoi(optarg); break;
		case 'c': child = 1; break;
		case 'N': storms = 0; break;
		default:
			fprintf(stderr, "usage: mmstress --node N [--seconds S] [--slots K] [--touchers T] [--mutators M]\n");
			return 2;
		}
	}
	if (node < 0 || node >= 64 || nr_slots < 1 || nr_slots > MAX_SLOTS ||
	    touchers < 1 || mutators < 1 || touchers + mutators + 2 > MAX_THREADS) {
		fprintf(stderr, "mmstress: bad arguments\n");
		return 2;
	}
	if (child)
		return child_main();
	self_exe = realpath("/proc/self/exe", NULL);
	if (!self_exe)
		die("realpath /proc/self/exe");

	for (i = 0; i < nr_slots; i++) {
		pthread_rwlock_init(&slots[i].lock, NULL);
		if (new_slot(&slots[i]))
			die("placing a slot on the node");
	}
	printf("mmstress: %d slots of %lu MiB on node %d, %d touchers, %d mutators, %s, %.0f s\n",
	       nr_slots, SLOT_SIZE >> 20, node, touchers, mutators,
	       storms ? "fork and thread storms" : "no storms", seconds);
	fflush(stdout);

	t0 = now_s();
	for (i = 0; i < touchers; i++)
		if (pthread_create(&th[nth++], NULL, toucher, (void *)(uintptr_t)(i + 1)))
			die("pthread_create");
	for (i = 0; i < mutators; i++)
		if (pthread_create(&th[nth++], NULL, mutator, (void *)(uintptr_t)(i + 100)))
			die("pthread_create");
	if (storms && (pthread_create(&th[nth++], NULL, forker, NULL) ||
		       pthread_create(&th[nth++], NULL, spawner, NULL)))
		die("pthread_create");

	while (!atomic_load(&stop) && now_s() - t0 < seconds)
		usleep(50000);
	atomic_store(&stop, 1);
	for (i = 0; i < nth; i++)
		pthread_join(th[i], NULL);

	printf("mmstress: %.1f s: touch rounds %lu, forks %lu, execs %lu, threads %lu, collapse refused %lu;",
	       now_s() - t0, atomic_load(&touch_rounds), atomic_load(&forks),
	       atomic_load(&execs), atomic_load(&threads_started),
	       atomic_load(&collapse_busy));
	for (i = 0; i < NR_OPS; i++)
		printf(" %s=%lu", op_name[i], atomic_load(&ops_done[i]));
	printf("\n");
	if (atomic_load(&failed))
		return 1;
	for (i = 0; i < NR_OPS; i++) {
		if (!atomic_load(&ops_done[i])) {
			printf("mmstress: FAIL: no %s operation ran\n", op_name[i]);
			return 1;
		}
	}
	if ((storms && (!atomic_load(&forks) || !atomic_load(&execs) ||
			!atomic_load(&threads_started))) ||
	    !atomic_load(&touch_rounds)) {
		printf("mmstress: FAIL: a storm did not run\n");
		return 1;
	}
	/* Every slot still holds its values. */
	for (i = 0; i < nr_slots; i++)
		touch_slot(&slots[i], i);
	if (atomic_load(&failed))
		return 1;
	printf("mmstress: ok\n");
	return 0;
}
