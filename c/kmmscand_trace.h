/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmmscand tracepoints: events/kmmscand/ in tracefs.
 *
 * Following the tracing maintainers' review of the kmmscand RFC: the two
 * scan events share one DECLARE_EVENT_CLASS, no event records the task's
 * comm (the pid identifies the process), and TP_printk() does not repeat
 * the event name.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kmmscand

#if !defined(_KMMSCAND_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _KMMSCAND_TRACE_H

#include <linux/tracepoint.h>

DECLARE_EVENT_CLASS(kmmscand_scan_mm,

	TP_PROTO(int pid, unsigned long start, unsigned long end, u64 scanned,
		 u64 young, unsigned int period_ms, unsigned int size_mb),

	TP_ARGS(pid, start, end, scanned, young, period_ms, size_mb),

	TP_STRUCT__entry(
		__field(int,		pid)
		__field(unsigned long,	start)
		__field(unsigned long,	end)
		__field(u64,		scanned)
		__field(u64,		young)
		__field(unsigned int,	period_ms)
		__field(unsigned int,	size_mb)
	),

	TP_fast_assign(
		__entry->pid		= pid;
		__entry->start		= start;
		__entry->end		= end;
		__entry->scanned	= scanned;
		__entry->young		= young;
		__entry->period_ms	= period_ms;
		__entry->size_mb	= size_mb;
	),

	TP_printk("pid=%d start=0x%lx end=0x%lx scanned=%llu young=%llu period_ms=%u size_mb=%u",
		  __entry->pid, __entry->start, __entry->end,
		  __entry->scanned, __entry->young,
		  __entry->period_ms, __entry->size_mb)
);

/* Scan of one mm begins at @start with the pace it was scheduled with. */
DEFINE_EVENT(kmmscand_scan_mm, kmmscand_scan_mm_start,
	TP_PROTO(int pid, unsigned long start, unsigned long end, u64 scanned,
		 u64 young, unsigned int period_ms, unsigned int size_mb),
	TP_ARGS(pid, start, end, scanned, young, period_ms, size_mb)
);

/* Scan of one mm ended at @end; the pace is the one chosen for the next. */
DEFINE_EVENT(kmmscand_scan_mm, kmmscand_scan_mm_end,
	TP_PROTO(int pid, unsigned long start, unsigned long end, u64 scanned,
		 u64 young, unsigned int period_ms, unsigned int size_mb),
	TP_ARGS(pid, start, end, scanned, young, period_ms, size_mb)
);

/*
 * One promotion batch: what was isolated, what moved, and how long its
 * isolation and migration took (@us, microseconds of wall-clock time).
 */
TRACE_EVENT(kmmscand_migrate_batch,

	TP_PROTO(int target, unsigned int nr_folios, u64 nr_pages,
		 u64 migrated, u64 failed, u64 us),

	TP_ARGS(target, nr_folios, nr_pages, migrated, failed, us),

	TP_STRUCT__entry(
		__field(int,		target)
		__field(unsigned int,	nr_folios)
		__field(u64,		nr_pages)
		__field(u64,		migrated)
		__field(u64,		failed)
		__field(u64,		us)
	),

	TP_fast_assign(
		__entry->target		= target;
		__entry->nr_folios	= nr_folios;
		__entry->nr_pages	= nr_pages;
		__entry->migrated	= migrated;
		__entry->failed		= failed;
		__entry->us		= us;
	),

	TP_printk("target=%d folios=%u pages=%llu migrated=%llu failed=%llu us=%llu",
		  __entry->target, __entry->nr_folios, __entry->nr_pages,
		  __entry->migrated, __entry->failed, __entry->us)
);

#endif /* _KMMSCAND_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE kmmscand_trace
#include <trace/define_trace.h>
