# SPDX-License-Identifier: GPL-2.0
#
# kmmscand-rs.  Every target installs what is missing (scripts/setup) and
# builds what is out of date; see README.md.
#
#   make            build kmmscand.ko (and the guest kernel, once, cached)
#   make test       host tests + guest KTAP suite in both topologies
#   make run        boot the default guest, load the module, show it work
#   make bench      compare with NUMA balancing tiering and DAMON, one guest
#   make shell      boot the default guest to an interactive shell

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build
KENV := $(BUILD)/kernel.env
KO := $(BUILD)/module/kmmscand.ko
PROGS := $(BUILD)/progs/memtier
# Test programs of the stress and policy tests (tests/progs/<name>.c).
TEST_PROGS := mmstress placement
LLVM_FLAGS := LLVM=-19

# Load KDIR/BZIMAGE once the kernel exists (make kernel writes the file).
kdir = $$(. $(KENV) && echo $$KDIR)

.PHONY: all setup kernel module progs test test-host test-guest test-mm run bench shell clean lint

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
	gcc -static -O2 -Wall -Wextra -Werror -o $(PROGS) tests/progs/memtier.c
	@for p in $(TEST_PROGS); do \
		echo "gcc -static -O2 -Wall -Wextra -Werror -pthread -o $(BUILD)/progs/$$p tests/progs/$$p.c"; \
		gcc -static -O2 -Wall -Wextra -Werror -pthread -o $(BUILD)/progs/$$p tests/progs/$$p.c || exit 1; \
	done

test: module progs
	@scripts/run-tests

test-host:
	cargo test --workspace

# One topology: make test-guest TOPOLOGY=cxl
TOPOLOGY ?= hmat
test-guest: module progs
	qemu/run $(if $(filter cxl,$(TOPOLOGY)),--cxl)

# The kernel's own mm selftests (a set built from the guest kernel's tree)
# with and without the module, in a guest with little DRAM: about 25 min,
# so not part of `make test` (tests/guest/46-mm-selftests.sh).
test-mm: module progs
	@scripts/build-selftests
	qemu/run --dram-mb 512 --slow-mb 2048 --add $(BUILD)/selftests/mm --tests '46-* 99-*' --timeout 3600

run: module progs
	qemu/run --cmd /tests/demo.sh

# Side-by-side comparison with NUMA balancing tiering and DAMON, on a kernel
# without debugging options (built once, cached like the test kernel).
BENCH_ENV := $(BUILD)/kernel-bench.env
bench: setup progs
	@KERNEL_VARIANT=bench scripts/build-kernel
	@mkdir -p $(BUILD)/module-bench
	$(MAKE) -C $$(. $(BENCH_ENV) && echo $$KDIR) M=$(TOP) MO=$(BUILD)/module-bench $(LLVM_FLAGS) modules
	qemu/run --kernel-env $(BENCH_ENV) --module $(BUILD)/module-bench/kmmscand.ko \
		--cmd /tests/bench.sh --timeout 1800

shell: module progs
	qemu/run --shell

lint: kernel
	@# A separate, fresh output directory: clippy runs even when the module is up to date.
	@rm -rf $(BUILD)/module-lint && mkdir -p $(BUILD)/module-lint
	$(MAKE) -C $(kdir) M=$(TOP) MO=$(BUILD)/module-lint $(LLVM_FLAGS) CLIPPY=1 modules
	$(kdir)/scripts/checkpatch.pl --no-tree -f c/*.[ch]
	cargo clippy --workspace --all-targets -- -D warnings

clean:
	rm -rf $(BUILD)/module $(BUILD)/module-bench $(BUILD)/module-lint $(BUILD)/progs $(BUILD)/selftests $(BUILD)/initramfs*
	cargo clean
