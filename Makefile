# SPDX-License-Identifier: GPL-2.0
#
# kmmscand-rs.  Every target installs what is missing (scripts/setup) and
# builds what is out of date; see README.md.
#
#   make            build kmmscand.ko (and the guest kernel, once, cached)
#   make test       host tests + guest KTAP suite in three topologies (CI)
#   make test-full  the same with the long tests and the mm selftests guest
#   make run        boot the guest, load the module, watch pages move (CXL=1)
#   make plot       PNG timeline of a tierstat --record file (FILE=...)
#   make bench      compare with NUMA balancing tiering and DAMON (tools/bench)
#   make shell      boot the default guest to an interactive shell

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build
KENV := $(BUILD)/kernel.env
KO := $(BUILD)/module/kmmscand.ko
PROGS := $(BUILD)/progs/memtier $(BUILD)/progs/tierload
MUSL := x86_64-unknown-linux-musl
TIERSTAT := $(BUILD)/progs/tierstat
# Test programs of the stress and policy tests (tests/progs/<name>.c).
TEST_PROGS := mmstress placement
LLVM_FLAGS := LLVM=-19
# The Rust toolchain pinned in rust-toolchain.toml, also for the kernel and
# module builds, which run in the kernel tree (outside the file's reach).
# rustup's tools (scripts/setup installs rustup in ~/.cargo when missing).
export PATH := $(HOME)/.cargo/bin:$(PATH)
export RUSTUP_TOOLCHAIN := $(shell sed -n 's/^channel *= *"\(.*\)"/\1/p' $(TOP)/rust-toolchain.toml)

# Load KDIR/BZIMAGE once the kernel exists (make kernel writes the file).
kdir = $$(. $(KENV) && echo $$KDIR)

.PHONY: all setup kernel module progs tierstat selftests test test-full test-host test-guest test-mm run plot bench bench-check shell clean lint

all: module

setup:
	@scripts/setup

kernel: setup
	@scripts/build-kernel

module: kernel
	@mkdir -p $(BUILD)/module
	$(MAKE) -C $(kdir) M=$(TOP) MO=$(BUILD)/module $(LLVM_FLAGS) modules
	@ls -l $(KO)

progs: setup tierstat
	@mkdir -p $(BUILD)/progs
	gcc -static -O2 -Wall -Wextra -Werror -o $(BUILD)/progs/memtier tests/progs/memtier.c
	gcc -static -O2 -std=gnu99 -pthread -Wall -Wextra -Werror -o $(BUILD)/progs/tierload tests/progs/tierload.c -lm
	@for p in $(TEST_PROGS); do \
		echo "gcc -static -O2 -Wall -Wextra -Werror -pthread -o $(BUILD)/progs/$$p tests/progs/$$p.c"; \
		gcc -static -O2 -Wall -Wextra -Werror -pthread -o $(BUILD)/progs/$$p tests/progs/$$p.c || exit 1; \
	done

# tierstat, static (musl) for the guest; the toolchain and its musl target
# come from rust-toolchain.toml.
tierstat: setup
	cargo build --release --locked -p tierstat --target $(MUSL)
	@mkdir -p $(BUILD)/progs
	cp target/$(MUSL)/release/tierstat $(TIERSTAT)

# make test: the CI suite (scripts/test-sets: all but FULL_ONLY, no
# hmat-small guest); make test-full: every test (about 9 min more).
test: module progs
	@scripts/run-tests

test-full: module progs selftests
	@TEST_SUITE=full scripts/run-tests

# A set of the guest kernel's own mm selftests, static, for 46-mm-selftests.
selftests: kernel
	@scripts/build-selftests

test-host:
	cargo test --workspace

# One topology: make test-guest TOPOLOGY=hmat|hmat3|cxl|hmat-small
# [TESTS='20-* 22-*'].  The tests that do not fit the topology are left out
# (scripts/test-sets).
TOPOLOGY ?= hmat
TESTS ?=
test-guest:
	@case "$(TOPOLOGY)" in hmat|hmat3|cxl|hmat-small) ;; \
	*) echo "make: unknown TOPOLOGY=$(TOPOLOGY): one of hmat, hmat3, cxl, hmat-small" >&2; exit 2 ;; esac
	@$(MAKE) --no-print-directory module progs $(if $(filter hmat-small,$(TOPOLOGY)),selftests)
	scripts/test-guest $(TOPOLOGY) "$(TESTS)"

# The kernel's own mm selftests with and without the module, in a guest
# with 512 MiB of DRAM (tests/guest/46-mm-selftests.sh).  make test runs
# the quick set; this adds cow, split_huge_page_test and soft-dirty.
test-mm: module progs
	MM_SELFTESTS_ALL=1 scripts/build-selftests
	scripts/test-guest hmat-small

# Watch kmmscand move a hot set: make run (hmat), make run CXL=1.
CXL ?=
run: module progs
	scripts/run-demo $(if $(filter-out 0,$(CXL)),--cxl)

# PNG timeline of a tierstat --record file (default: the last make run's).
FILE ?= $(BUILD)/run/tierstat.jsonl
plot:
	scripts/plot "$(FILE)"

# The reference comparison with NUMA balancing tiering and DAMON, on a kernel
# without debugging options (built once, cached like the test kernel):
# nine workloads x four mechanisms, on-first, 3 runs each (none once),
# about 75 minutes (BENCH_WORKLOADS=all adds the five extra ones of
# tests/bench/workloads), results in bench/results/<date>-<kernel>/
# (tools/bench/run; BENCH_QUICK=1 for the 5-minute variant; BENCH_WORKLOADS,
# BENCH_MECHS, BENCH_STARTS="on-first on-later", BENCH_RUNS, BENCH_K;
# BENCH_BASE_MODULE=F adds mechanism kmmscand-base, F: a base build of the
# module for the bench kernel, compared with this tree's in the same boots).
BENCH_ENV := $(BUILD)/kernel-bench.env
bench: setup progs
	@KERNEL_VARIANT=bench scripts/build-kernel
	@mkdir -p $(BUILD)/module-bench
	$(MAKE) -C $$(. $(BENCH_ENV) && echo $$KDIR) M=$(TOP) MO=$(BUILD)/module-bench $(LLVM_FLAGS) modules
	tools/bench/run --kernel-env $(BENCH_ENV) --module $(BUILD)/module-bench/kmmscand.ko

# The benchmark harness, checked end to end on the test kernel (no timing
# assertion): part of `make test`.
bench-check: module progs
	@tools/bench/check-harness

shell: module progs
	qemu/run --shell

lint: kernel
	@# A separate, fresh output directory: clippy runs even when the module is up to date.
	@rm -rf $(BUILD)/module-lint && mkdir -p $(BUILD)/module-lint
	$(MAKE) -C $(kdir) M=$(TOP) MO=$(BUILD)/module-lint $(LLVM_FLAGS) CLIPPY=1 modules
	$(kdir)/scripts/checkpatch.pl --no-tree -f c/*.[ch]
	cargo clippy --workspace --all-targets -- -D warnings
	@# rustfmt at the kernel's settings, on the module and the policy crate.
	rustfmt --config-path $(kdir)/.rustfmt.toml --edition 2021 --check rust/*.rs rust/sys/*.rs rust/policy/src/*.rs
	@# The documentation parses without a docutils warning (tables, titles, references).
	$$(tools/venv) tools/docs/check-rst docs/*.rst

clean:
	rm -rf $(BUILD)/module $(BUILD)/module-bench $(BUILD)/module-lint $(BUILD)/progs $(BUILD)/selftests $(BUILD)/initramfs* $(BUILD)/run \
		$(BUILD)/bench-check $(BUILD)/venv
	cargo clean
