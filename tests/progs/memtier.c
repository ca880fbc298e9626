// SPDX-License-Identifier: GPL-2.0
/*
 * memtier: place a memory region on a NUMA node, access it in a pattern,
 * and report where its pages are.
 *
 * The region is allocated under MPOL_BIND to --node and touched, so it
 * starts there; unless --bind is given the policy is then reset to
 * MPOL_DEFAULT, which leaves the pages where they are but lets the kernel
 * (kmmscand) move them.  Placement is read with move_pages(nodes=NULL),
 * which does not fault pages in or move them.
 *
 * --thp-half (with --thp) drops the second MiB of every 2 MiB once the
 * region is placed, leaving half-mapped THPs, and touches only what is
 * left; reports count the dropped pages as absent.
 *
 * --size-kb N gives a region of N KiB instead of --size-mb's MiB (a set
 * small enough for the TLB to keep all its translations).
 *
 * With --hot-mb N only the first N MiB follow --pattern hot; the rest is
 * touched once, and reports split the placement into the two parts.
 *
 * --pattern churn instead exercises process lifetime under the scanner:
 * every round maps, touches and unmaps a region on --node, forks a child
 * that writes to it (copy-on-write) and exits, and every tenth child execs
 * a short memtier run.
 *
 * --every-ms MS makes --pattern hot touch each hot page once every MS ms
 * (a round, then a pause) instead of continuously: a page used now and
 * then, as hot as a scanner that looks less often than that can tell.
 *
 * --bound-s S keeps the region bound for S more seconds once it is placed,
 * untouched, the process waking every 100 ms meanwhile (so that a scanner
 * does not take it for a sleeping one), then resets the policy; the clock
 * starts then.  A scanner meanwhile passes the bound region over and backs
 * off: the reset must bring its next look forward.
 *
 * --idle-s S leaves the region untouched for S seconds once it is in
 * place, before the access pattern starts (a process that allocates,
 * pauses, then turns hot); the clock starts after the pause.  With
 * --idle-wake-ms MS it wakes up every MS ms meanwhile, touching nothing of
 * the region (a process that runs, its slow-tier memory idle).
 *
 * --until-node N --until-pct P ends the run (exit 0) once P% of the region
 * (its hot part with --hot-mb) is on node N; with --hold-s S the pattern
 * and the reports go on for S more seconds first, to see it stay there.
 *
 * --ready-file PATH is created once the region is in place.  With
 * --go-file PATH the access pattern runs from then on, but the clock
 * (--seconds, --until, reports) only starts when PATH exists: a benchmark
 * turns the promotion mechanism on between the two, so it always meets an
 * established workload and its time is measured from its start.
 *
 * --start-file PATH leaves the region untouched once it is in place (and
 * --ready-file created) until PATH exists; the access pattern and the
 * clock start then.  Several processes given the same PATH turn hot at
 * the same moment and report on one clock.
 *
 * --procs N runs N copies: this process and N - 1 children forked before
 * anything is placed, each with a region of its own (copy i's ready file
 * is PATH.i, the first copy's PATH).  The children are not waited for:
 * many idle processes, started far faster than N execs.
 *
 * Exit status: 0 done (and --until reached, --expect met, if given);
 * 1 --until not reached in time or --expect not met at the end; 2 the
 * setup failed (message on stderr).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MPOL_DEFAULT	0
#define MPOL_BIND	2
#define MAX_NODES	64
#define THP_SIZE	(2UL << 20)

struct opts {
	unsigned long size_kb;	/* --size-mb N is N x 1024 */
	unsigned long hot_mb;	/* 0: the whole region follows --pattern */
	unsigned long every_ms;	/* 0: hot rounds back to back */
	int node;
	int bind;
	int thp;
	int thp_half;	/* --thp-half: the second MiB of every 2 MiB dropped */
	int hot;
	int churn;
	double seconds;
	double idle_s;
	double bound_s;
	unsigned long idle_wake_ms;	/* 0: one sleep through --idle-s */
	double hold_s;
	int expect_node;
	int expect_pct;
	int until_node;
	int until_pct;
	unsigned int report_ms;
	const char *ready_file;
	const char *go_file;
	const char *start_file;
	unsigned int procs;	/* --procs N: N copies of this process */
};

static long page_size;

static char *cold_base;	/* with --hot-mb: start of the cold part's VMA */
static unsigned long long touches;	/* page touches by the hot loop */

/* System CPU time of this process so far (s). */
static double sys_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "memtier: %s: %s\n", what, strerror(errno));
	exit(2);
}

static long sys_mbind(void *addr, unsigned long len, int mode,
		      const unsigned long *mask, unsigned long maxnode)
{
	return syscall(SYS_mbind, addr, len, mode, mask, maxnode, 0);
}

struct placement {
	long on[MAX_NODES];
	long absent;	/* not populated or error */
	long total;
};

static void read_placement(char *base, long npages, struct placement *pl)
{
	enum { CHUNK = 4096 };
	static void *pages[CHUNK];
	static int status[CHUNK];
	long i, j;

	memset(pl, 0, sizeof(*pl));
	pl->total = npages;
	for (i = 0; i < npages; i += CHUNK) {
		long n = npages - i < CHUNK ? npages - i : CHUNK;

		for (j = 0; j < n; j++)
			pages[j] = base + (i + j) * page_size;
		if (syscall(SYS_move_pages, 0, n, pages, NULL, status, 0))
			die("move_pages");
		for (j = 0; j < n; j++) {
			if (status[j] >= 0 && status[j] < MAX_NODES)
				pl->on[status[j]]++;
			else
				pl->absent++;
		}
	}
}

/*
 * Pages per node of the VMA that starts at @start, from /proc/self/numa_maps
 * (one page-table walk: much cheaper than move_pages() on every page, which
 * matters when the benchmark samples placement often).
 */
static void numa_maps_placement(char *start, long npages, struct placement *pl)
{
	char line[4096], want[32], *tok;
	FILE *f = fopen("/proc/self/numa_maps", "r");
	long present = 0;

	memset(pl, 0, sizeof(*pl));
	pl->total = npages;
	if (!f)
		die("numa_maps");
	snprintf(want, sizeof(want), "%lx ", (unsigned long)start);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, want, strlen(want)))
			continue;
		for (tok = strtok(line, " \n"); tok; tok = strtok(NULL, " \n")) {
			int n;
			long c;

			if (sscanf(tok, "N%d=%ld", &n, &c) == 2 && n >= 0 &&
			    n < MAX_NODES) {
				pl->on[n] = c;
				present += c;
			}
		}
		break;
	}
	fclose(f);
	pl->absent = npages - present;
}

/* AnonHugePages of the VMA that starts at @base, from /proc/self/smaps. */
static long thp_kb(char *base)
{
	char line[256], want[32];
	long kb = -1;
	int in_vma = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%lx-", (unsigned long)base);
	while (fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strstr(line, " ") &&
		    strncmp(line, want, strlen(want)) == 0) {
			in_vma = 1;
			continue;
		}
		if (in_vma && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/* AnonHugePages of node @nid, from its meminfo (kB). */
static long node_thp_kb(int nid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo",
		 nid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Node %*d AnonHugePages: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void report(const char *tag, double t0, char *base, long npages,
		   const struct opts *o, struct placement *pl)
{
	long hot_pages = (long)(o->hot_mb << 20) / page_size;
	int n;

	if (o->hot_mb) {
		struct placement hot, cold;
		int tn = o->until_node >= 0 ? o->until_node : 0;

		/* The hot and cold parts are separate VMAs (see main()). */
		numa_maps_placement(base, hot_pages, &hot);
		numa_maps_placement(cold_base, npages - hot_pages, &cold);
		printf("memtier: %s t=%.2fs hot_on_node%d=%ld/%ld cold_on_node%d=%ld/%ld touches=%llu\n",
		       tag, now_s() - t0, tn, hot.on[tn], hot.total, tn,
		       cold.on[tn], cold.total, touches);
		fflush(stdout);
		/* --until and --expect apply to the hot part. */
		*pl = hot;
		return;
	}
	read_placement(base, npages, pl);
	printf("memtier: %s t=%.1fs", tag, now_s() - t0);
	for (n = 0; n < MAX_NODES; n++)
		if (pl->on[n])
			printf(" node%d=%ld", n, pl->on[n]);
	printf(" absent=%ld total=%ld", pl->absent, pl->total);
	if (o->thp) {
		printf(" thp_kb=%ld", thp_kb(base));
		for (n = 0; n < MAX_NODES; n++)
			if (pl->on[n] || n == 0)
				printf(" node%d_thp_kb=%ld", n, node_thp_kb(n));
	}
	printf("\n");
	fflush(stdout);
}

static void touch_all(char *base, long npages)
{
	volatile char *p = base;
	long i;

	for (i = 0; i < npages; i++)
		p[i * page_size]++;
	touches += npages;
}

/* --thp-half: touches the first MiB of every 2 MiB, the part still mapped. */
static void touch_halves(char *base, long npages)
{
	long per = THP_SIZE / page_size, i;

	for (i = 0; i < npages; i += per)
		touch_all(base + i * page_size, per / 2);
}

/* One round of the access pattern: touch the hot pages, or idle 10 ms. */
static void access_round(const struct opts *o, char *base, long hot_pages)
{
	if (o->hot) {
		if (o->thp_half)
			touch_halves(base, hot_pages);
		else
			touch_all(base, hot_pages);
		if (o->every_ms)
			usleep(o->every_ms * 1000);
	} else {
		usleep(10000);
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: memtier [--size-mb N | --size-kb N] [--hot-mb N] [--node N] [--bind] [--thp [--thp-half]]\n"
		"               [--pattern hot|once|churn] [--seconds S]\n"
		"               [--until-node N --until-pct P [--hold-s S]]\n"
		"               [--expect-node N --expect-pct P] [--report-ms MS]\n"
		"               [--ready-file PATH] [--go-file PATH] [--start-file PATH]\n"
		"               [--idle-s S [--idle-wake-ms MS]] [--bound-s S]\n"
		"               [--every-ms MS] [--procs N]\n");
	exit(2);
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "size-mb", required_argument, 0, 's' },
		{ "size-kb", required_argument, 0, 'k' },
		{ "hot-mb", required_argument, 0, 'H' },
		{ "node", required_argument, 0, 'n' },
		{ "bind", no_argument, 0, 'b' },
		{ "thp", no_argument, 0, 't' },
		{ "thp-half", no_argument, 0, 'h' },
		{ "pattern", required_argument, 0, 'p' },
		{ "seconds", required_argument, 0, 'S' },
		{ "until-node", required_argument, 0, 'u' },
		{ "until-pct", required_argument, 0, 'P' },
		{ "expect-node", required_argument, 0, 'e' },
		{ "expect-pct", required_argument, 0, 'E' },
		{ "report-ms", required_argument, 0, 'r' },
		{ "ready-file", required_argument, 0, 'R' },
		{ "go-file", required_argument, 0, 'G' },
		{ "start-file", required_argument, 0, 'T' },
		{ "idle-s", required_argument, 0, 'I' },
		{ "bound-s", required_argument, 0, 'B' },
		{ "idle-wake-ms", required_argument, 0, 'W' },
		{ "every-ms", required_argument, 0, 'V' },
		{ "hold-s", required_argument, 0, 'L' },
		{ "procs", required_argument, 0, 'N' },
		{ 0, 0, 0, 0 },
	};
	int c;

	*o = (struct opts){ .size_kb = 64 << 10, .node = 1, .hot = 1, .seconds = 30,
			    .until_node = -1, .until_pct = 90,
			    .expect_node = -1, .expect_pct = 90,
			    .report_ms = 1000 };
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's': o->size_kb = strtoul(optarg, NULL, 10) << 10; break;
		case 'k': o->size_kb = strtoul(optarg, NULL, 10); break;
		case 'H': o->hot_mb = strtoul(optarg, NULL, 10); break;
		case 'n': o->node = atoi(optarg); break;
		case 'b': o->bind = 1; break;
		case 't': o->thp = 1; break;
		case 'h': o->thp_half = 1; break;
		case 'p':
			if (!strcmp(optarg, "hot"))
				o->hot = 1;
			else if (!strcmp(optarg, "once"))
				o->hot = 0;
			else if (!strcmp(optarg, "churn"))
				o->churn = 1;
			else
				usage();
			break;
		case 'S': o->seconds = atof(optarg); break;
		case 'u': o->until_node = atoi(optarg); break;
		case 'P': o->until_pct = atoi(optarg); break;
		case 'e': o->expect_node = atoi(optarg); break;
		case 'E': o->expect_pct = atoi(optarg); break;
		case 'r': o->report_ms = strtoul(optarg, NULL, 10); break;
		case 'R': o->ready_file = optarg; break;
		case 'N':
			if (atoi(optarg) < 1)
				usage();
			o->procs = atoi(optarg);
			break;
		case 'G': o->go_file = optarg; break;
		case 'T': o->start_file = optarg; break;
		case 'I': o->idle_s = atof(optarg); break;
		case 'B': o->bound_s = atof(optarg); break;
		case 'W': o->idle_wake_ms = strtoul(optarg, NULL, 10); break;
		case 'V': o->every_ms = strtoul(optarg, NULL, 10); break;
		case 'L': o->hold_s = atof(optarg); break;
		default: usage();
		}
	}
	if (!o->size_kb || (o->hot_mb << 10) > o->size_kb || o->node < 0 || o->node >= MAX_NODES ||
	    o->until_node >= MAX_NODES || o->expect_node >= MAX_NODES ||
	    !o->report_ms || o->idle_s < 0 || o->hold_s < 0 || o->bound_s < 0 ||
	    (o->bound_s > 0 && o->bind) ||
	    (o->hold_s > 0 && o->until_node < 0) ||
	    (o->thp_half && (!o->thp || o->hot_mb || o->size_kb % 2048)))
		usage();
}

/*
 * Waits @s seconds, waking every @wake_ms ms meanwhile (0: one sleep), so
 * that a scanner that skips sleeping processes still sees this one run.
 */
static void wait_s(double s, unsigned long wake_ms)
{
	double end = now_s() + s;
	struct timespec w = { .tv_sec = wake_ms / 1000,
			      .tv_nsec = (long)(wake_ms % 1000) * 1000000 };

	if (!wake_ms) {
		w.tv_sec = (time_t)s;
		w.tv_nsec = (long)((s - (time_t)s) * 1e9);
		nanosleep(&w, NULL);
		return;
	}
	while (now_s() < end)
		nanosleep(&w, NULL);
}

/*
 * Binds [@p, @p + @len) to the nodes in @mask, touches it so it is
 * allocated there, and unless @keep_bind resets the policy to default.
 */
static void place(char *p, size_t len, const unsigned long *mask,
		  int keep_bind)
{
	if (sys_mbind(p, len, MPOL_BIND, mask, MAX_NODES + 1))
		die("mbind(MPOL_BIND)");
	memset(p, 1, len);
	if (!keep_bind && sys_mbind(p, len, MPOL_DEFAULT, NULL, 0))
		die("mbind(MPOL_DEFAULT)");
}

/* Resets the policy of [@p, @p + @len) to default. */
static void unbind(char *p, size_t len)
{
	if (sys_mbind(p, len, MPOL_DEFAULT, NULL, 0))
		die("mbind(MPOL_DEFAULT)");
}

/* Maps @len bytes bound to @node, touches them and resets the policy. */
static char *map_on_node(size_t len, int node)
{
	unsigned long mask[MAX_NODES / 64] = { 0 };
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	mask[node / 64] = 1UL << (node % 64);
	place(p, len, mask, 0);
	return p;
}

static int churn(const struct opts *o, char *self)
{
	double t0 = now_s();
	long rounds = 0, execs = 0;
	size_t len = o->size_kb << 10;
	char *keep = map_on_node(len, o->node);	/* scanned throughout */

	while (now_s() - t0 < o->seconds) {
		char *p = map_on_node(len, o->node);
		pid_t pid;
		int st;

		touch_all(keep, len / page_size);
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			touch_all(p, len / page_size);	/* COW copies */
			munmap(p, len / 2);
			if (rounds % 10 == 0) {
				int null = open("/dev/null", O_WRONLY);

				if (null >= 0)
					dup2(null, STDOUT_FILENO);
				execl(self, self, "--size-mb", "1", "--node", "0",
				      "--seconds", "0.05", "--report-ms", "1000",
				      (char *)NULL);
				_exit(3);
			}
			_exit(0);
		}
		munmap(p, len);
		if (waitpid(pid, &st, 0) < 0)
			die("waitpid");
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "memtier: churn child failed (status %#x)\n", st);
			return 1;
		}
		rounds++;
		if (rounds % 10 == 1)
			execs++;
	}
	munmap(keep, len);
	printf("memtier: churn rounds=%ld execs=%ld in %.1fs\n", rounds, execs,
	       now_s() - t0);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long mask[MAX_NODES / 64] = { 0 };
	struct placement pl;
	size_t len, map_len;
	double t0, next_report, sys0, hold_end = -1;
	long npages, hot_pages;
	char *map, *base;
	unsigned int copy;
	struct opts o;

	parse(argc, argv, &o);
	page_size = sysconf(_SC_PAGESIZE);
	if (o.churn)
		return churn(&o, argv[0]);
	len = o.size_kb << 10;
	npages = len / page_size;
	for (copy = 1; copy < o.procs; copy++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0)
			break;
	}
	if (copy >= o.procs)
		copy = 0;

	/*
	 * 2 MiB-aligned, so that --thp regions can be PMD-mapped.  With
	 * --hot-mb, a 2 MiB hole after the hot part keeps the cold part a
	 * separate VMA, so numa_maps reports the two apart.
	 */
	if (o.hot_mb)
		len += THP_SIZE;
	map_len = len + THP_SIZE;
	map = mmap(NULL, map_len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		die("mmap");
	base = (char *)(((uintptr_t)map + THP_SIZE - 1) & ~(THP_SIZE - 1));
	if (base > map)
		munmap(map, base - map);
	munmap(base + len, map + map_len - (base + len));
	if (madvise(base, len, o.thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		die("madvise");
	mask[o.node / 64] = 1UL << (o.node % 64);
	if (o.hot_mb) {
		size_t hot_len = o.hot_mb << 20;

		munmap(base + hot_len, THP_SIZE);
		cold_base = base + hot_len + THP_SIZE;
		place(base, hot_len, mask, 1);
		place(cold_base, len - hot_len - THP_SIZE, mask, 1);
	} else {
		place(base, len, mask, 1);
	}

	/*
	 * The placement is checked while the region is still bound: a
	 * promoter already running (the module loaded first) skips memory
	 * bound to the slow node, and would otherwise move pages while the
	 * region is read (a CI run found 1,313 of 131,072 pages on node 0,
	 * moved at 4 MiB/s during the 3 s the check took).
	 */
	t0 = now_s();
	sys0 = sys_s();
	report("start", t0, base, npages, &o, &pl);
	if (pl.on[o.node] * 100 < pl.total * 99) {
		fprintf(stderr, "memtier: could not place the region on node %d\n",
			o.node);
		return 2;
	}
	if (o.bound_s > 0)
		wait_s(o.bound_s, 100);
	if (!o.bind) {
		if (o.hot_mb) {
			unbind(base, o.hot_mb << 20);
			unbind(cold_base, len - (o.hot_mb << 20) - THP_SIZE);
		} else {
			unbind(base, len);
		}
	}
	if (o.bound_s > 0) {
		/* The clock starts when the region is free to move. */
		t0 = now_s();
		sys0 = sys_s();
	}
	if (o.thp_half) {
		/*
		 * Drop the second MiB of every THP: its PMD is split and the
		 * folio, half mapped, is queued for a deferred split.
		 */
		size_t off;

		for (off = 0; off < len; off += THP_SIZE)
			if (madvise(base + off + THP_SIZE / 2, THP_SIZE / 2, MADV_DONTNEED))
				die("madvise(MADV_DONTNEED)");
		/* ... and khugepaged must not fill them in again. */
		if (madvise(base, len, MADV_NOHUGEPAGE))
			die("madvise(MADV_NOHUGEPAGE)");
	}
	if (o.ready_file) {
		char path[4096];
		int fd;

		if (copy)
			snprintf(path, sizeof(path), "%s.%u", o.ready_file, copy);
		else
			snprintf(path, sizeof(path), "%s", o.ready_file);
		fd = open(path, O_CREAT | O_WRONLY, 0644);

		if (fd < 0)
			die("ready file");
		close(fd);
	}

	if (o.start_file) {
		/* Untouched until told: processes turn hot together. */
		while (access(o.start_file, F_OK)) {
			if (now_s() - t0 > 120) {
				fprintf(stderr, "memtier: %s did not appear within 120 s\n",
					o.start_file);
				return 2;
			}
			usleep(10000);
		}
		t0 = now_s();
		sys0 = sys_s();
		report("started", t0, base, npages, &o, &pl);
	}

	if (o.idle_s > 0) {
		wait_s(o.idle_s, o.idle_wake_ms);
		t0 = now_s();
		sys0 = sys_s();
		report("idled", t0, base, npages, &o, &pl);
	}

	/* The pages --pattern hot touches: the hot part, or all of them. */
	hot_pages = o.hot_mb ? (long)(o.hot_mb << 20) / page_size : npages;
	if (o.go_file) {
		/* Keep the pattern going until told to start the clock. */
		while (access(o.go_file, F_OK)) {
			if (now_s() - t0 > 60) {
				fprintf(stderr, "memtier: %s did not appear within 60 s\n",
					o.go_file);
				return 2;
			}
			access_round(&o, base, hot_pages);
		}
		t0 = now_s();
		sys0 = sys_s();
		report("go", t0, base, npages, &o, &pl);
	}

	next_report = t0 + o.report_ms / 1000.0;
	for (;;) {
		double t = now_s();

		if (hold_end >= 0 && t >= hold_end) {
			report("held", t0, base, npages, &o, &pl);
			return 0;
		}
		if (t - t0 >= o.seconds)
			break;
		if (t >= next_report) {
			report("at", t0, base, npages, &o, &pl);
			next_report = t + o.report_ms / 1000.0;
			if (hold_end < 0 && o.until_node >= 0 &&
			    pl.on[o.until_node] * 100 >= pl.total * o.until_pct) {
				report("reached", t0, base, npages, &o, &pl);
				if (o.hold_s <= 0)
					return 0;
				hold_end = t + o.hold_s;
			}
		}
		access_round(&o, base, hot_pages);
	}
	report("final", t0, base, npages, &o, &pl);
	printf("memtier: system time since the clock started %.2fs\n", sys_s() - sys0);
	if (o.until_node >= 0 &&
	    pl.on[o.until_node] * 100 < pl.total * o.until_pct) {
		printf("memtier: node%d did not reach %d%%\n", o.until_node,
		       o.until_pct);
		return 1;
	}
	if (o.expect_node >= 0 &&
	    pl.on[o.expect_node] * 100 < pl.total * o.expect_pct) {
		printf("memtier: node%d holds less than %d%% at the end\n",
		       o.expect_node, o.expect_pct);
		return 1;
	}
	return 0;
}
