# SPDX-License-Identifier: GPL-2.0
#
# dm-mirrorx top-level Makefile: builds the kernel module out of tree against
# KDIR and the userspace tools, and runs the test and benchmark suites.

SHELL := /bin/bash
TOP := $(CURDIR)

# Kernel to build against: the running kernel's build dir when it exists,
# else the newest kernel whose image, modules and headers are installed.
KVER ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then uname -r; \
		else $(TOP)/scripts/kver.sh 2>/dev/null; fi)
KDIR ?= /lib/modules/$(KVER)/build

DEPS_STAMP := .deps-ok

.PHONY: all deps module tools clean check check-long style cocci docs sparse kunit utest \
	integration demo bench install check-debug

all: module tools

# Every target that needs packages depends on this; deps.sh is idempotent.
deps:
	@scripts/deps.sh >/dev/null

module: deps
	$(MAKE) -C $(KDIR) M=$(TOP) CONFIG_DM_MIRRORX=m W=1 modules

tools: deps
	$(MAKE) -C tools

sparse: deps
	$(MAKE) -C $(KDIR) M=$(TOP) CONFIG_DM_MIRRORX=m W=1 C=2 \
		CF="-D__CHECK_ENDIAN__" modules 2>&1 | tee .sparse.log
	@! grep -E '(warning|error):' .sparse.log

style: deps
	scripts/style.sh

cocci: deps
	scripts/cocci.sh

docs: deps
	scripts/doccheck.sh

kunit: deps
	scripts/kunit.sh

utest: tools
	$(MAKE) -C tools test
	python3 scripts/bench/test_report.py
	bash scripts/bench/test_guest.sh
	bash scripts/vm/test_agent.sh

integration: all
	tests/run.sh $(TESTS)

check: deps
	scripts/check.sh

# The core tests under a lockdep/KASAN/kmemleak kernel (not in make check:
# the kernel build alone takes an hour on two cores; README.md).
check-debug: deps
	scripts/check-debug.sh $(TESTS)

# The soaks kept out of make check's 45-minute budget ("# long" header).
check-long: all
	MX_JOBS=2 tests/run.sh $$(grep -l '^# long' tests/[0-9]*.sh)

demo: all
	scripts/demo.sh

bench: all
	scripts/bench/run.sh

install: all
	scripts/install.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP) clean
	-$(MAKE) -C tools clean
	rm -f .sparse.log
