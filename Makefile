# SPDX-License-Identifier: GPL-2.0
#
# kmmscand-rs.  Every target installs what is missing (scripts/setup) and
# builds what is out of date; see README.md.
#
#   make            build kmmscand.ko (and the guest kernel, once, cached)
#   make test       host tests + guest KTAP suite in both topologies
#   make run        boot the default guest, load the module, show it work
#   make bench      compare with NUMA balancing tiering and DAMON (tools/bench)
#   make shell      boot the default guest to an interactive shell

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build
KENV := $(BUILD)/kernel.env
KO := $(BUILD)/module/kmmscand.ko
PROGS := $(BUILD)/progs/memtier $(BUILD)/progs/tierload
LLVM_FLAGS := LLVM=-19

# Load KDIR/BZIMAGE once the kernel exists (make kernel writes the file).
kdir = $$(. $(KENV) && echo $$KDIR)

.PHONY: all setup kernel module progs test test-host test-guest run bench bench-check shell clean lint

all: module

setup:
	@scripts/setup

kernel: setup
	@scripts/build-kernel

module: kernel
	@mkdir -p $(BUILD)/module
	$(MAKE) -C $(kdir) M=$(TOP) MO=$(BUILD)/module $(LLVM_FLAGS) modules
	@ls -l $(KO)

progs: setup
	@mkdir -p $(BUILD)/progs
	gcc -static -O2 -Wall -Wextra -Werror -o $(BUILD)/progs/memtier tests/progs/memtier.c
	gcc -static -O2 -std=gnu99 -pthread -Wall -Wextra -Werror -o $(BUILD)/progs/tierload tests/progs/tierload.c

test: module progs
	@scripts/run-tests

test-host:
	cargo test --workspace

# One topology: make test-guest TOPOLOGY=cxl
TOPOLOGY ?= hmat
test-guest: module progs
	qemu/run $(if $(filter cxl,$(TOPOLOGY)),--cxl)

run: module progs
	qemu/run --cmd /tests/demo.sh

# The reference comparison with NUMA balancing tiering and DAMON, on a kernel
# without debugging options (built once, cached like the test kernel):
# six workloads x four mechanisms x two start modes, results in
# bench/results/<date>-<kernel>/ (tools/bench/run; BENCH_QUICK=1 for the
# 5-minute variant; BENCH_WORKLOADS, BENCH_MECHS, BENCH_STARTS, BENCH_K).
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
	$(kdir)/scripts/checkpatch.pl --no-tree -f rust/shim/*.[ch]
	cargo clippy --workspace --all-targets -- -D warnings

clean:
	rm -rf $(BUILD)/module $(BUILD)/module-bench $(BUILD)/module-lint $(BUILD)/progs $(BUILD)/initramfs* \
		$(BUILD)/bench-check $(BUILD)/bench-venv
	cargo clean
