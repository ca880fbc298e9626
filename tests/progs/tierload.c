// SPDX-License-Identifier: GPL-2.0
/*
 * tierload: the workloads of `make bench`.
 *
 * Each process maps one region, places all of it on the slow node (bound
 * while it is touched, then MPOL_DEFAULT so that a mechanism may move it),
 * runs worker threads that access it in a pattern, and samples where each
 * of its pages is every --sample-ms from a separate thread:
 *
 *   --pattern hot      the first --hot-mb MiB are written, one byte per
 *                      page per round; the --cold-mb MiB after them were
 *                      touched once, at placement
 *   --pattern random   --threads workers write one byte of a random page
 *                      of the --hot-mb MiB buffer at a time (abench-like)
 *   --pattern shift    two windows of --hot-mb MiB, then --cold-mb cold:
 *                      window A is hot until --shift-at seconds, window B
 *                      from then on
 *   --pattern zipf     a key-value store's gets: --threads workers write one
 *                      byte of page k, k drawn from a Zipfian distribution
 *                      (YCSB's, exponent --zipf-theta, default 0.99) over all
 *                      the (--hot-mb + --cold-mb) MiB, one 4 KiB value per
 *                      page, the keys scattered over the region by a fixed
 *                      shuffle (as a hash table places them).  "hot" is the
 *                      --hot-mb MiB of the most popular keys, "cold" the
 *                      rest, which is accessed too, rarely (with 0.99, 64 of
 *                      512 MiB get about 80% of the accesses: the E line's
 *                      hot_share)
 *
 * --place-node N places the region on node N instead of --node (the
 * benchmark's measured oracle: --place-node of the top node, the hot set in
 * DRAM from the start); --node still names the slow node.
 *
 * --procs N runs N such processes, each with its own region (sizes per
 * process).  --thp asks for THPs (MADV_HUGEPAGE), else MADV_NOHUGEPAGE.
 *
 * --move-pid PID instead moves the pages of process PID that are on --top to
 * --node (migrate_pages(2), the process's policies left as they are), then
 * exits: how the benchmark puts an unmodified application's memory on the
 * slow node after it has loaded its data.
 *
 * --fill-mb M instead places M MiB of cold anonymous memory on --node
 * (policy reset to default, so that reclaim may demote it), then sleeps
 * until killed: the "DRAM full" benchmark's filler.
 *
 * --placed-min-pct P (default 99): a process whose region is less than P%
 * on --node once placed fails (exit 2).  A mechanism that is on while the
 * region is written (the benchmark's on-first start) may move pages during
 * placement, and some do despite the MPOL_BIND it is placed under (DAMON's
 * physical-address schemes ignore mempolicies): 0 accepts that, and the B
 * line says how much stayed.
 *
 * --flush-ms MS (default 100; 0: never) flushes the process's TLB that
 * often, for QEMU TCG's sake (see flush_tlb()).
 *
 * Placement samples read /proc/self/pagemap (one page-table walk; root sees
 * the PFNs) and map each PFN to its node through the memory blocks in
 * /sys/devices/system/node; --sample-method move_pages uses
 * move_pages(nodes=NULL) instead.  Neither faults pages in or moves them.
 *
 * Start and clock: workers start as soon as the region is placed; then
 * --ready-file is created (by the parent, once every process is placed).
 * With --go-file the clock starts when that file appears (a benchmark
 * turns the mechanism on in between), else at once.  The run lasts
 * --seconds from then.
 *
 * Output, one line per event, "tierload: <kind> key=value...":
 *   B  a process is placed: its page counts and placement
 *   S  a sample: t (s since the clock started), ops (accesses so far),
 *      hot/cold (pages on the top node / pages), a/b (shift windows),
 *      pp (pages seen on the top node, then the slow node, then the top
 *      node again: ping-pong), dm (pages seen going from the top node to
 *      the slow node), sys (system CPU s of the workers since the clock
 *      started, the sampling thread's excluded), ms (the sample's cost)
 *   E  the end of a process: totals
 *
 * Exit status: 0 done; 2 setup failed (message on stderr).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <math.h>
#include <poll.h>
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

#define MPOL_DEFAULT	0
#define MPOL_BIND	2
#define MAX_NODES	64
#define MAX_THREADS	64
#define MAX_PROCS	64
#define THP_SIZE	(2UL << 20)

enum pattern { P_HOT, P_RANDOM, P_SHIFT, P_ZIPF };

struct opts {
	enum pattern pattern;
	unsigned long hot_mb, cold_mb, fill_mb, move_pid;
	int node, top, place_node, thp, threads, procs, move_pages;
	double seconds, shift_at, zipf_theta;
	unsigned int sample_ms, flush_ms, placed_min_pct;
	const char *ready_file, *go_file;
};

/* Per-page sample state bits. */
#define ST_TOP		1	/* seen on the top node */
#define ST_DEMOTED	2	/* then seen on the slow node */
#define ST_PINGPONG	4	/* then on the top node again */

struct counter {
	unsigned long ops;
} __attribute__((aligned(64)));

static struct opts o;
static long page_size;
static char *region;
static long npages, window_pages, cold_pages, nwindows;
static volatile int stop, shifted;
static struct counter counters[MAX_THREADS];
static int proc_index;
/* --pattern zipf: the page of each popularity rank, and the rank of each page. */
static uint32_t *page_of_rank, *rank_of_page;
/* Gray et al.'s Zipfian generator (YCSB's ZipfianGenerator): its constants. */
static double zipf_alpha, zipf_eta, zipf_zetan, zipf_half_pow;

static void die(const char *what)
{
	fprintf(stderr, "tierload: %s: %s\n", what, strerror(errno));
	exit(2);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long sys_mbind(void *addr, unsigned long len, int mode,
		      const unsigned long *mask, unsigned long maxnode)
{
	return syscall(SYS_mbind, addr, len, mode, mask, maxnode, 0);
}

/* Binds [p, p + len) to @node and touches it there (see unbind()). */
static void place_bound(char *p, size_t len, int node)
{
	unsigned long mask[MAX_NODES / 64] = { 0 };

	mask[node / 64] = 1UL << (node % 64);
	if (sys_mbind(p, len, MPOL_BIND, mask, MAX_NODES + 1))
		die("mbind(MPOL_BIND)");
	memset(p, 1, len);
}

/* Resets the policy of [p, p + len) to default: the pages may move. */
static void unbind(char *p, size_t len)
{
	if (sys_mbind(p, len, MPOL_DEFAULT, NULL, 0))
		die("mbind(MPOL_DEFAULT)");
}

/* Binds [p, p + len) to @node, touches it there, resets the policy. */
static void place(char *p, size_t len, int node)
{
	place_bound(p, len, node);
	unbind(p, len);
}

/* A 2 MiB-aligned anonymous mapping of @len bytes. */
static char *map_aligned(size_t len, int thp)
{
	size_t map_len = len + THP_SIZE;
	char *map = mmap(NULL, map_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *base;

	if (map == MAP_FAILED)
		die("mmap");
	base = (char *)(((uintptr_t)map + THP_SIZE - 1) & ~(THP_SIZE - 1));
	if (base > map)
		munmap(map, base - map);
	munmap(base + len, map + map_len - (base + len));
	if (madvise(base, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		die("madvise");
	return base;
}

/* AnonHugePages (kB) of the VMA that holds @addr, from smaps. */
static long thp_kb(const char *addr)
{
	char line[256];
	long kb = -1;
	int in_vma = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char c;

		if (sscanf(line, "%lx-%lx %c", &lo, &hi, &c) == 3) {
			in_vma = lo <= (uintptr_t)addr && (uintptr_t)addr < hi;
			continue;
		}
		if (in_vma && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/* --- placement --------------------------------------------------------- */

/* Node of each memory block (index: block id), -1 if unknown. */
static signed char *block_node;
static long nblocks;
static unsigned long block_bytes;
static int pagemap_fd = -1;
static uint64_t *pm_buf;
static void **mp_pages;
static int *mp_status;

static void load_blocks(void)
{
	glob_t g;
	size_t i;
	FILE *f = fopen("/sys/devices/system/memory/block_size_bytes", "r");

	if (!f || fscanf(f, "%lx", &block_bytes) != 1 || !block_bytes)
		die("block_size_bytes");
	fclose(f);
	if (glob("/sys/devices/system/node/node*/memory*", 0, NULL, &g))
		die("no memory blocks under /sys/devices/system/node");
	for (i = 0; i < g.gl_pathc; i++) {
		int node;
		long id;

		if (sscanf(g.gl_pathv[i], "/sys/devices/system/node/node%d/memory%ld",
			   &node, &id) != 2 || id < 0)
			continue;
		if (id >= nblocks) {
			long n = id + 1;

			block_node = realloc(block_node, n);
			if (!block_node)
				die("realloc");
			memset(block_node + nblocks, -1, n - nblocks);
			nblocks = n;
		}
		block_node[id] = (signed char)node;
	}
	globfree(&g);
}

static void placement_init(void)
{
	if (o.move_pages) {
		mp_pages = malloc(sizeof(*mp_pages) * npages);
		mp_status = malloc(sizeof(*mp_status) * npages);
		if (!mp_pages || !mp_status)
			die("malloc");
		for (long i = 0; i < npages; i++)
			mp_pages[i] = region + i * page_size;
		return;
	}
	load_blocks();
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	if (pagemap_fd < 0)
		die("/proc/self/pagemap");
	pm_buf = malloc(sizeof(*pm_buf) * npages);
	if (!pm_buf)
		die("malloc");
}

/*
 * Node of every page of the region into @node (-1: not present or
 * unknown).
 */
static void read_nodes(signed char *node)
{
	long i;

	if (o.move_pages) {
		enum { CHUNK = 16384 };

		for (i = 0; i < npages; i += CHUNK) {
			long n = npages - i < CHUNK ? npages - i : CHUNK;

			if (syscall(SYS_move_pages, 0, n, mp_pages + i, NULL,
				    mp_status + i, 0))
				die("move_pages");
		}
		for (i = 0; i < npages; i++)
			node[i] = mp_status[i] >= 0 && mp_status[i] < MAX_NODES ?
				  (signed char)mp_status[i] : -1;
		return;
	}
	{
		size_t want = sizeof(*pm_buf) * npages, got = 0;
		off_t off = (off_t)((uintptr_t)region / page_size) * sizeof(*pm_buf);

		while (got < want) {
			ssize_t r = pread(pagemap_fd, (char *)pm_buf + got,
					  want - got, off + got);

			if (r <= 0)
				die("pagemap read");
			got += r;
		}
	}
	for (i = 0; i < npages; i++) {
		uint64_t e = pm_buf[i];
		uint64_t pfn = e & ((1ULL << 55) - 1);
		long blk;

		node[i] = -1;
		if (!(e >> 63) || !pfn)
			continue;	/* not present, or PFNs hidden */
		blk = (long)(pfn * page_size / block_bytes);
		if (blk < nblocks)
			node[i] = block_node[blk];
	}
}

/* --- TLB flushes ------------------------------------------------------ */

/*
 * QEMU TCG sizes its software TLB only when the guest flushes it, so a
 * process that runs undisturbed keeps a small TLB and runs several times
 * slower than one whose TLB a mechanism keeps flushing (kmmscand's young-bit
 * clearing, NUMA balancing's PTE changes).  To compare the mechanisms'
 * overhead rather than that emulator effect, every process flushes its own
 * TLB (all CPUs running it) every --flush-ms: MADV_DONTNEED on a scratch
 * range larger than the kernel's single-page flush ceiling (33 pages) makes
 * a full flush of the mm.
 */
#define SCRATCH_PAGES	64
static char *scratch;

static void flush_tlb(void)
{
	size_t len = SCRATCH_PAGES * (size_t)page_size;

	if (!o.flush_ms)
		return;
	if (!scratch) {
		scratch = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (scratch == MAP_FAILED)
			die("mmap scratch");
	}
	for (size_t i = 0; i < len; i += page_size)
		scratch[i] = 1;
	madvise(scratch, len, MADV_DONTNEED);
}

/* Sleeps until @until (now_s() time), flushing the TLB every --flush-ms. */
static void sleep_until(double until)
{
	static double next_flush;

	for (;;) {
		double t = now_s(), wake = until;

		if (o.flush_ms && t >= next_flush) {
			flush_tlb();
			next_flush = t + o.flush_ms / 1e3;
		}
		if (o.flush_ms && next_flush < wake)
			wake = next_flush;
		if (t >= until)
			return;
		if (wake > t)
			usleep((useconds_t)((wake - t) * 1e6));
	}
}

/* --- Zipfian keys ------------------------------------------------------ */

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * The rank order of the region's pages (a Fisher-Yates shuffle with a fixed
 * seed per process) and the generator's constants for @n keys, exponent
 * theta: "Quickly Generating Billion-Record Synthetic Databases" (Gray et
 * al., SIGMOD'94), as YCSB implements it.
 */
static void zipf_init(long n)
{
	double theta = o.zipf_theta, zeta2 = 1 + pow(0.5, theta);
	uint64_t x = 0x2545f4914f6cdd1dULL + (uint64_t)proc_index;
	long i;

	page_of_rank = malloc(sizeof(*page_of_rank) * n);
	rank_of_page = malloc(sizeof(*rank_of_page) * n);
	if (!page_of_rank || !rank_of_page)
		die("malloc");
	for (i = 0; i < n; i++)
		page_of_rank[i] = (uint32_t)i;
	for (i = n - 1; i > 0; i--) {
		long j = (long)(xorshift(&x) % (uint64_t)(i + 1));
		uint32_t t = page_of_rank[i];

		page_of_rank[i] = page_of_rank[j];
		page_of_rank[j] = t;
	}
	for (i = 0; i < n; i++)
		rank_of_page[page_of_rank[i]] = (uint32_t)i;
	zipf_zetan = 0;
	for (i = 1; i <= n; i++)
		zipf_zetan += 1 / pow((double)i, theta);
	zipf_alpha = 1 / (1 - theta);
	zipf_eta = (1 - pow(2.0 / n, 1 - theta)) / (1 - zeta2 / zipf_zetan);
	zipf_half_pow = zeta2;
}

/* A rank in [0, n), rank 0 the most popular. */
static long zipf_rank(uint64_t *x, long n)
{
	double u = (double)(xorshift(x) >> 11) / (double)(1ULL << 53);
	double uz = u * zipf_zetan;
	long r;

	if (uz < 1)
		return 0;
	if (uz < zipf_half_pow)
		return 1;
	r = (long)(n * pow(zipf_eta * u - zipf_eta + 1, zipf_alpha));
	return r < n ? r : n - 1;
}

/* The share of the accesses that go to the @hot most popular of @n keys. */
static double zipf_share(long hot)
{
	double s = 0;

	for (long i = 1; i <= hot; i++)
		s += 1 / pow((double)i, o.zipf_theta);
	return s / zipf_zetan;
}

/* --- workers ----------------------------------------------------------- */

struct worker {
	pthread_t tid;
	int index;
	volatile pid_t tid_nr;	/* kernel thread id, for its stat file */
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct counter *c = &counters[w->index];
	unsigned long ops = 0;

	w->tid_nr = (pid_t)syscall(SYS_gettid);
	if (o.pattern == P_ZIPF) {
		uint64_t x = 0x9e3779b97f4a7c15ULL * (w->index + 1 + 64 * proc_index);

		while (!stop) {
			for (int k = 0; k < 256; k++) {
				long page = page_of_rank[zipf_rank(&x, npages)];

				region[page * page_size + (long)((x >> 40) & 63) * 64]++;
			}
			ops += 256;
			__atomic_store_n(&c->ops, ops, __ATOMIC_RELAXED);
		}
		return NULL;
	}
	if (o.pattern == P_RANDOM) {
		uint64_t x = 0x9e3779b97f4a7c15ULL * (w->index + 1 + 64 * proc_index);
		long n = window_pages;

		while (!stop) {
			for (int k = 0; k < 256; k++) {
				xorshift(&x);
				region[(long)(x % (uint64_t)n) * page_size +
				       (long)((x >> 40) & 63) * 64]++;
			}
			ops += 256;
			__atomic_store_n(&c->ops, ops, __ATOMIC_RELAXED);
		}
		return NULL;
	}
	while (!stop) {
		/* This thread's slice of the hot window. */
		long lo = window_pages * w->index / o.threads;
		long hi = window_pages * (w->index + 1) / o.threads;
		char *base = region + (o.pattern == P_SHIFT && shifted ?
				       window_pages * page_size : 0);

		for (long i = lo; i < hi && !stop; i++) {
			base[i * page_size]++;
			if ((++ops & 255) == 0)
				__atomic_store_n(&c->ops, ops, __ATOMIC_RELAXED);
		}
		__atomic_store_n(&c->ops, ops, __ATOMIC_RELAXED);
	}
	return NULL;
}

static unsigned long total_ops(void)
{
	unsigned long s = 0;

	for (int i = 0; i < o.threads; i++)
		s += __atomic_load_n(&counters[i].ops, __ATOMIC_RELAXED);
	return s;
}

static struct worker workers[MAX_THREADS];

/*
 * System CPU s of the worker threads (where hint faults and anything else
 * the kernel does in the application's context are charged), from their
 * stat files: the sampling thread's own work is left out.
 */
static double workers_sys_s(void)
{
	long hz = sysconf(_SC_CLK_TCK);
	double s = 0;

	for (int i = 0; i < o.threads; i++) {
		char path[64], buf[1024], *p;
		unsigned long utime, stime;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/task/%d/stat",
			 (int)workers[i].tid_nr);
		f = fopen(path, "r");
		if (!f)
			continue;
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		/* After "pid (comm)": state is field 3, utime 14, stime 15. */
		if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
				&utime, &stime) == 2)
			s += (double)stime / hz;
	}
	return s;
}

/* --- one process ------------------------------------------------------- */

struct tally {
	long hot, a, b, cold, absent, slow, placed;
};

static long pingpong, demoted;

static void sample(signed char *node, unsigned char *st, struct tally *t)
{
	long i;

	read_nodes(node);
	memset(t, 0, sizeof(*t));
	for (i = 0; i < npages; i++) {
		int top = node[i] == o.top;
		/* Where the page stands: its popularity rank for zipf. */
		long k = rank_of_page ? (long)rank_of_page[i] : i;

		if (node[i] == o.place_node)
			t->placed++;
		if (node[i] < 0) {
			t->absent++;
		} else if (top) {
			if ((st[i] & (ST_DEMOTED | ST_PINGPONG)) == ST_DEMOTED) {
				st[i] |= ST_PINGPONG;
				pingpong++;
			}
			st[i] |= ST_TOP;
		} else {
			if (node[i] == o.node)
				t->slow++;
			if ((st[i] & (ST_TOP | ST_DEMOTED)) == ST_TOP) {
				st[i] |= ST_DEMOTED;
				demoted++;
			}
		}
		if (!top)
			continue;
		if (k < window_pages)
			t->a++;
		else if (k < nwindows * window_pages)
			t->b++;
		else
			t->cold++;
	}
	t->hot = o.pattern == P_SHIFT && shifted ? t->b : t->a;
}

static void print_sample(const char *kind, double t, const struct tally *tl,
			 double sys, double ms)
{
	printf("tierload: %s p=%d t=%.3f ops=%lu hot=%ld/%ld cold=%ld/%ld",
	       kind, proc_index, t, total_ops(), tl->hot, window_pages, tl->cold,
	       cold_pages);
	if (o.pattern == P_SHIFT)
		printf(" a=%ld/%ld b=%ld/%ld shifted=%d", tl->a, window_pages,
		       tl->b, window_pages, shifted);
	printf(" absent=%ld pp=%ld dm=%ld sys=%.3f ms=%.1f\n", tl->absent,
	       pingpong, demoted, sys, ms);
}

/*
 * One process: place, start the workers, report readiness on @ready_fd,
 * wait for EOF on @start_fd, then sample until the end.
 */
static int run_proc(int ready_fd, int start_fd)
{
	struct worker *w = workers;
	signed char *node;
	unsigned char *st;
	struct tally tl;
	double t0, t_place, sys0, sys, next;
	char c = 'r';
	size_t len;
	int i;

	window_pages = (long)((o.hot_mb << 20) / page_size);
	nwindows = o.pattern == P_SHIFT ? 2 : 1;
	cold_pages = (long)((o.cold_mb << 20) / page_size);
	npages = nwindows * window_pages + cold_pages;
	len = (size_t)npages * page_size;
	region = map_aligned(len, o.thp);
	if (o.pattern == P_ZIPF)
		zipf_init(npages);
	t_place = now_s();
	place_bound(region, len, o.place_node);
	t_place = now_s() - t_place;
	placement_init();
	node = malloc(npages);
	st = calloc(npages, 1);
	if (!node || !st)
		die("malloc");
	sample(node, st, &tl);
	printf("tierload: B p=%d pid=%d pattern=%s window_pages=%ld windows=%ld cold_pages=%ld threads=%d on_slow=%ld/%ld placed_node=%d placed=%ld/%ld thp_kb=%ld place_s=%.2f\n",
	       proc_index, (int)getpid(),
	       o.pattern == P_HOT ? "hot" : o.pattern == P_RANDOM ? "random" :
	       o.pattern == P_SHIFT ? "shift" : "zipf",
	       window_pages, nwindows, cold_pages, o.threads, tl.slow, npages,
	       o.place_node, tl.placed, npages, thp_kb(region), t_place);
	if (tl.placed * 100 < npages * (long)o.placed_min_pct) {
		fprintf(stderr, "tierload: could not place the region on node %d (%ld of %ld pages)\n",
			o.place_node, tl.placed, npages);
		return 2;
	}
	/*
	 * Unbound only now: a promoter already running skips memory bound to
	 * the slow node, so the placement read above is the workload's own,
	 * not what a promoter moved while it was read.
	 */
	unbind(region, len);
	for (i = 0; i < o.threads; i++) {
		w[i].index = i;
		errno = pthread_create(&w[i].tid, NULL, worker_main, &w[i]);
		if (errno)
			die("pthread_create");
	}
	for (i = 0; i < o.threads; i++)
		while (!w[i].tid_nr)
			usleep(1000);
	if (write(ready_fd, &c, 1) != 1)
		die("ready pipe");
	close(ready_fd);
	/* Until the clock starts: flushes, and EOF on @start_fd. */
	for (;;) {
		struct pollfd pfd = { .fd = start_fd, .events = POLLIN };

		if (poll(&pfd, 1, o.flush_ms ? (int)o.flush_ms : -1) > 0)
			break;
		flush_tlb();
	}
	close(start_fd);

	t0 = now_s();
	sys0 = workers_sys_s();
	pingpong = demoted = 0;
	memset(st, 0, npages);
	next = t0;
	for (;;) {
		double t = now_s(), ms;

		if (t < next) {
			sleep_until(next);
			continue;
		}
		if (o.pattern == P_SHIFT && !shifted && t - t0 >= o.shift_at)
			shifted = 1;
		sample(node, st, &tl);
		ms = (now_s() - t) * 1e3;
		print_sample("S", t - t0, &tl, workers_sys_s() - sys0, ms);
		if (t - t0 >= o.seconds)
			break;
		next += o.sample_ms / 1e3;
		if (next > t0 + o.seconds)
			next = t0 + o.seconds;
	}
	sys = workers_sys_s() - sys0;
	stop = 1;
	for (i = 0; i < o.threads; i++)
		pthread_join(w[i].tid, NULL);
	printf("tierload: E p=%d t=%.3f ops=%lu sys=%.3f pp=%ld dm=%ld thp_kb=%ld",
	       proc_index, now_s() - t0, total_ops(), sys, pingpong, demoted,
	       thp_kb(region));
	if (o.pattern == P_ZIPF)
		printf(" hot_share=%.3f", zipf_share(window_pages));
	printf("\n");
	return 0;
}

/* --- filler ------------------------------------------------------------ */

static void on_term(int sig)
{
	(void)sig;
	_exit(0);
}

static int fill(void)
{
	size_t len = o.fill_mb << 20;
	char *p = map_aligned(len, 0);
	double t = now_s();

	signal(SIGTERM, on_term);
	place(p, len, o.node);
	printf("tierload: F pid=%d fill_mb=%lu node=%d place_s=%.2f\n",
	       (int)getpid(), o.fill_mb, o.node, now_s() - t);
	if (o.ready_file) {
		int fd = open(o.ready_file, O_CREAT | O_WRONLY, 0644);

		if (fd < 0)
			die("ready file");
		close(fd);
	}
	for (;;)
		pause();
	return 0;
}

/* --- moving another process ------------------------------------------- */

static int move_pid(void)
{
	unsigned long from[MAX_NODES / 64] = { 0 }, to[MAX_NODES / 64] = { 0 };
	double t = now_s();
	long left;

	from[o.top / 64] = 1UL << (o.top % 64);
	to[o.node / 64] = 1UL << (o.node % 64);
	left = syscall(SYS_migrate_pages, (pid_t)o.move_pid, MAX_NODES + 1, from, to);
	if (left < 0)
		die("migrate_pages");
	printf("tierload: M pid=%lu from=%d to=%d not_moved=%ld move_s=%.2f\n",
	       o.move_pid, o.top, o.node, left, now_s() - t);
	return 0;
}

/* --- main -------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
		"usage: tierload --pattern hot|random|shift|zipf --hot-mb N [--cold-mb N]\n"
		"                [--node N] [--top N] [--place-node N] [--thp] [--threads N] [--procs N]\n"
		"                [--seconds S] [--shift-at S] [--zipf-theta T] [--sample-ms MS]\n"
		"                [--sample-method pagemap|move_pages] [--flush-ms MS]\n"
		"                [--ready-file PATH] [--go-file PATH] [--placed-min-pct P]\n"
		"       tierload --fill-mb N [--node N] [--ready-file PATH]\n"
		"       tierload --move-pid PID [--node N] [--top N]\n");
	exit(2);
}

static unsigned long num(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-')
		usage();
	return v;
}

static double fnum(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || v < 0)
		usage();
	return v;
}

static void parse(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "pattern", required_argument, 0, 'p' },
		{ "hot-mb", required_argument, 0, 'H' },
		{ "cold-mb", required_argument, 0, 'C' },
		{ "fill-mb", required_argument, 0, 'F' },
		{ "move-pid", required_argument, 0, 'V' },
		{ "node", required_argument, 0, 'n' },
		{ "top", required_argument, 0, 'T' },
		{ "place-node", required_argument, 0, 'N' },
		{ "thp", no_argument, 0, 't' },
		{ "threads", required_argument, 0, 'j' },
		{ "procs", required_argument, 0, 'P' },
		{ "seconds", required_argument, 0, 'S' },
		{ "shift-at", required_argument, 0, 'A' },
		{ "zipf-theta", required_argument, 0, 'Z' },
		{ "sample-ms", required_argument, 0, 'm' },
		{ "sample-method", required_argument, 0, 'M' },
		{ "placed-min-pct", required_argument, 0, 'L' },
		{ "flush-ms", required_argument, 0, 'f' },
		{ "ready-file", required_argument, 0, 'R' },
		{ "go-file", required_argument, 0, 'G' },
		{ 0, 0, 0, 0 },
	};
	int c;

	o = (struct opts){ .node = 1, .top = 0, .place_node = -1, .threads = 1, .procs = 1,
			   .seconds = 30, .shift_at = -1, .sample_ms = 1000,
			   .flush_ms = 100, .placed_min_pct = 99, .zipf_theta = 0.99 };
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!strcmp(optarg, "hot"))
				o.pattern = P_HOT;
			else if (!strcmp(optarg, "random"))
				o.pattern = P_RANDOM;
			else if (!strcmp(optarg, "shift"))
				o.pattern = P_SHIFT;
			else if (!strcmp(optarg, "zipf"))
				o.pattern = P_ZIPF;
			else
				usage();
			break;
		case 'H': o.hot_mb = num(optarg); break;
		case 'C': o.cold_mb = num(optarg); break;
		case 'F': o.fill_mb = num(optarg); break;
		case 'V': o.move_pid = num(optarg); break;
		case 'n': o.node = (int)num(optarg); break;
		case 'T': o.top = (int)num(optarg); break;
		case 'N': o.place_node = (int)num(optarg); break;
		case 't': o.thp = 1; break;
		case 'j': o.threads = (int)num(optarg); break;
		case 'P': o.procs = (int)num(optarg); break;
		case 'S': o.seconds = fnum(optarg); break;
		case 'A': o.shift_at = fnum(optarg); break;
		case 'Z': o.zipf_theta = fnum(optarg); break;
		case 'm': o.sample_ms = (unsigned int)num(optarg); break;
		case 'M':
			if (!strcmp(optarg, "move_pages"))
				o.move_pages = 1;
			else if (strcmp(optarg, "pagemap"))
				usage();
			break;
		case 'f': o.flush_ms = (unsigned int)num(optarg); break;
		case 'L': o.placed_min_pct = (unsigned int)num(optarg); break;
		case 'R': o.ready_file = optarg; break;
		case 'G': o.go_file = optarg; break;
		default: usage();
		}
	}
	if (o.place_node < 0)
		o.place_node = o.node;
	if (optind != argc || o.node >= MAX_NODES || o.top >= MAX_NODES ||
	    o.place_node >= MAX_NODES || o.node == o.top)
		usage();
	if (o.fill_mb || o.move_pid)
		return;
	if (!o.hot_mb || o.threads < 1 || o.threads > MAX_THREADS ||
	    o.procs < 1 || o.procs > MAX_PROCS || !o.sample_ms || o.placed_min_pct > 100 ||
	    (o.pattern == P_RANDOM && o.cold_mb) ||
	    (o.pattern == P_ZIPF && (o.zipf_theta <= 0 || o.zipf_theta >= 1)))
		usage();
	if (o.pattern == P_SHIFT && o.shift_at < 0)
		o.shift_at = o.seconds / 2;
}

int main(int argc, char **argv)
{
	int ready[2], start[2], status = 0, n, i;
	pid_t pids[MAX_PROCS];
	char c;

	parse(argc, argv);
	page_size = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (o.fill_mb)
		return fill();
	if (o.move_pid)
		return move_pid();
	if (pipe(ready) || pipe(start))
		die("pipe");
	for (i = 0; i < o.procs; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			die("fork");
		if (pids[i] == 0) {
			proc_index = i;
			close(ready[0]);
			close(start[1]);
			exit(run_proc(ready[1], start[0]));
		}
	}
	close(ready[1]);
	close(start[0]);
	/* Every process placed (a failed one closes its end without a byte). */
	for (n = 0; n < o.procs && read(ready[0], &c, 1) == 1; n++)
		;
	if (n < o.procs) {
		fprintf(stderr, "tierload: %d of %d processes failed to start\n",
			o.procs - n, o.procs);
		for (i = 0; i < o.procs; i++)
			kill(pids[i], SIGKILL);
		status = 2;
		goto out;
	}
	if (o.ready_file) {
		int fd = open(o.ready_file, O_CREAT | O_WRONLY, 0644);

		if (fd < 0)
			die("ready file");
		close(fd);
	}
	if (o.go_file) {
		double t = now_s();

		while (access(o.go_file, F_OK)) {
			if (now_s() - t > 300) {
				fprintf(stderr, "tierload: %s did not appear within 300 s\n",
					o.go_file);
				for (i = 0; i < o.procs; i++)
					kill(pids[i], SIGKILL);
				status = 2;
				goto out;
			}
			usleep(10000);
		}
	}
	close(start[1]);	/* EOF: every process starts its clock */
out:
	for (i = 0; i < o.procs; i++) {
		int st;

		if (waitpid(pids[i], &st, 0) < 0)
			die("waitpid");
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			status = 2;
	}
	return status;
}
