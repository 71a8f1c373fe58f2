# SPDX-License-Identifier: GPL-2.0
#
#   make [KDIR=/lib/modules/<release>/build]   module + userspace tools
#   make demo      boot a Debian kernel in QEMU, load the module, show it
#   make check     the whole test suite (lint, DKMS, QEMU guests)
#   make lint      checkpatch --strict, sparse (C=2), W=1
#   make bench     benchmarks against native lock-on-fault (bench/)
#
# check, demo and lint install what they need (tools/setup-host).

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
BUILD ?= build
CC ?= gcc
USER_CFLAGS := -O2 -Wall -Wextra -Werror -Iinclude/uapi -Itools

all: module tools

module:
	$(MAKE) -C module KDIR=$(KDIR)

tools: $(BUILD)/bin/lofinfo $(BUILD)/bin/lof-demo

$(BUILD)/bin/%: tools/%.c tools/lof_util.h include/uapi/linux/lockonfault.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -o $@ $<

check:
	tests/run check

demo:
	tests/run demo

bench:
	tests/run bench

lint:
	tools/setup-host $(shell . tests/config.sh && echo $$KVER)
	tools/lint

version:
	@sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf

clean:
	-$(MAKE) -C module clean KDIR=$(KDIR)
	rm -rf $(BUILD)

.PHONY: all module tools check demo bench lint version clean
