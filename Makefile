# SPDX-License-Identifier: GPL-2.0
#
#   make [KDIR=/lib/modules/<release>/build]   module + userspace
#   make userspace  liblockonfault (.so, .a, .pc), the preload shim, the CLI
#   make install [DESTDIR=] [PREFIX=/usr/local] [LIBDIR=] [BINDIR=] [MANDIR=]
#                   the userspace and the man pages (the module: DKMS)
#   make install-dkms [DESTDIR=]   module sources in /usr/src/lockonfault-VERSION,
#                   the udev rule and the modules-load.d entry
#   make dist       build/lockonfault-VERSION.tar.gz, from the tracked files
#   make deb        the Debian packages (dpkg-buildpackage), in build/pkg/deb
#   make rpm        the RPMs (rpmbuild, from make dist), in build/pkg/rpm
#   make demo      boot a Debian kernel in QEMU, load the module, show it
#   make check     the whole test suite (lint, DKMS, QEMU guests)
#   make check-quick  the fast tier; make check-long: check, fuzzing longer
#   make lint      checkpatch --strict, sparse (C=2), W=1
#   make bench     benchmarks against native lock-on-fault (bench/)
#
# check, demo and lint install what they need (tools/setup-host).

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
BUILD ?= build
CC ?= gcc
AR ?= ar
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
SOMAJOR := 0

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
# the shim has no soname (it is never linked against): a private directory
PRELOADDIR ?= $(LIBDIR)/lockonfault

WARN := -Wall -Wextra -Werror
USER_CFLAGS := -O2 $(WARN) -Iinclude/uapi -Itools
LIB_CFLAGS := -O2 -g $(WARN) -fPIC -fvisibility=hidden -Iinclude -Iinclude/uapi \
	-Ilib -DLOF_LIB_VERSION='"$(VERSION)"' $(CFLAGS)
LIB_HDRS := include/lockonfault.h include/uapi/linux/lockonfault.h lib/lof_sys.h
L := $(BUILD)/lib
SONAME := liblockonfault.so.$(SOMAJOR)
# the real name: liblockonfault.so.MAJOR.MINOR.PATCH of the one version
REALNAME := liblockonfault.so.$(VERSION)

all: module tools userspace

module:
	$(MAKE) -C module KDIR=$(KDIR)

tools: $(BUILD)/bin/lofinfo $(BUILD)/bin/lof-demo

$(BUILD)/bin/lofinfo $(BUILD)/bin/lof-demo: $(BUILD)/bin/%: tools/%.c tools/lof_util.h include/uapi/linux/lockonfault.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -o $@ $<

# --- liblockonfault, the preload shim, the CLI ---------------------------
userspace: $(L)/$(SONAME) $(L)/liblockonfault.so $(L)/liblockonfault.a \
	$(L)/liblockonfault-preload.so $(L)/lockonfault.pc $(BUILD)/bin/lockonfault

$(L)/lockonfault.o $(L)/preload.o: $(L)/%.o: lib/%.c $(LIB_HDRS)
	@mkdir -p $(L)
	$(CC) $(LIB_CFLAGS) -c -o $@ $<

$(L)/$(REALNAME): $(L)/lockonfault.o lib/liblockonfault.map
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script,lib/liblockonfault.map \
		-Wl,-z,relro,-z,now $(LDFLAGS) -o $@ $(L)/lockonfault.o

$(L)/$(SONAME): $(L)/$(REALNAME)
	ln -sf $(notdir $<) $@

$(L)/liblockonfault.so: $(L)/$(SONAME)
	ln -sf $(SONAME) $@

$(L)/liblockonfault.a: $(L)/lockonfault.o
	rm -f $@
	$(AR) rcs $@ $^

# the library built in, hidden: only mlock2, mlockall and syscall exported
$(L)/liblockonfault-preload.so: $(L)/preload.o $(L)/lockonfault.o lib/preload.map
	$(CC) -shared -Wl,--version-script,lib/preload.map -Wl,-z,relro,-z,now \
		$(LDFLAGS) -o $@ $(L)/preload.o $(L)/lockonfault.o

$(L)/lockonfault.pc: lib/lockonfault.pc.in dkms.conf $(L)/paths.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

# where the CLI finds the shim (and what the .pc says): rewritten only when
# the installation paths change, so that a new PREFIX rebuilds what uses it
$(L)/paths.h: FORCE
	@mkdir -p $(L)
	@printf '%s\n' '#define LOF_PRELOAD_PATH "$(PRELOADDIR)/liblockonfault-preload.so"' \
		'/* $(PREFIX) $(LIBDIR) $(INCLUDEDIR) */' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

# the CLI carries the library statically: it works before ldconfig ran.
# TOOLS_LDFLAGS=-static (the packages) links the C library in too, so that
# a CLI built on a new distribution needs nothing of an old one's glibc.
TOOLS_LDFLAGS ?=
$(BUILD)/bin/lockonfault: tools/lockonfault.c $(L)/liblockonfault.a $(L)/paths.h $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) -O2 -g $(WARN) -Iinclude -Iinclude/uapi -include $(L)/paths.h $(CFLAGS) \
		$(LDFLAGS) $(TOOLS_LDFLAGS) -o $@ $< $(L)/liblockonfault.a

MAN3_LINKS := lof_munlock lof_mlockall lof_munlockall lof_query lof_backend \
	lof_backend_name lof_native_supported lof_module_errno lof_module_version \
	lof_library_version

install: userspace
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(PRELOADDIR) \
		$(DESTDIR)$(INCLUDEDIR)/linux $(DESTDIR)$(MANDIR)/man3 \
		$(DESTDIR)$(MANDIR)/man4 $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(BUILD)/bin/lockonfault $(DESTDIR)$(BINDIR)/lockonfault
	install -m 0755 $(L)/$(REALNAME) $(DESTDIR)$(LIBDIR)/
	ln -sf $(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/liblockonfault.so
	install -m 0644 $(L)/liblockonfault.a $(DESTDIR)$(LIBDIR)/
	install -m 0644 $(L)/liblockonfault-preload.so $(DESTDIR)$(PRELOADDIR)/
	install -m 0644 $(L)/lockonfault.pc $(DESTDIR)$(PKGCONFIGDIR)/
	install -m 0644 include/lockonfault.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 0644 include/uapi/linux/lockonfault.h $(DESTDIR)$(INCLUDEDIR)/linux/
	install -m 0644 man/lof_mlock2.3 $(DESTDIR)$(MANDIR)/man3/
	for p in $(MAN3_LINKS); do \
		echo ".so man3/lof_mlock2.3" > $(DESTDIR)$(MANDIR)/man3/$$p.3 || exit 1; \
	done
	install -m 0644 man/lockonfault.4 $(DESTDIR)$(MANDIR)/man4/
	install -m 0644 man/lockonfault.8 $(DESTDIR)$(MANDIR)/man8/

# --- the module's sources for DKMS, and what loads it -------------------
UDEVRULESDIR ?= /usr/lib/udev/rules.d
MODULESLOADDIR ?= /usr/lib/modules-load.d
DKMS_FILES := dkms.conf LICENSE LICENSES include/uapi module/Kbuild module/Makefile \
	module/*.c module/*.h module/compat module/tests

install-dkms:
	install -d $(DESTDIR)/usr/src/lockonfault-$(VERSION)
	tar -cf - --exclude=generated --exclude='*.o' --exclude='*.ko' --exclude='*.mod*' \
		--exclude='.*.cmd' --exclude=modules.order --exclude=Module.symvers \
		$(DKMS_FILES) | tar -xf - -C $(DESTDIR)/usr/src/lockonfault-$(VERSION)
	install -D -m 0644 packaging/60-lockonfault.rules \
		$(DESTDIR)$(UDEVRULESDIR)/60-lockonfault.rules
	install -D -m 0644 packaging/lockonfault.modules-load \
		$(DESTDIR)$(MODULESLOADDIR)/lockonfault.conf

# --- release tarball and packages ---------------------------------------
DIST := $(BUILD)/lockonfault-$(VERSION).tar.gz

dist:
	@mkdir -p $(BUILD)
	git ls-files -z | tar --null -T - --transform 's,^,lockonfault-$(VERSION)/,' \
		-czf $(DIST)
	@echo $(DIST)

deb:
	tools/build-packages deb

rpm: dist
	tools/build-packages rpm $(DIST)

# the man pages, as the test command checks them
manlint:
	tools/manlint man/*.[348]

check:
	tests/run check

# contributors' fast tier (about 8 minutes warm): lint, the module built
# by DKMS, conformance on a 6.1 guest and on RHEL 7.9 (native, 3.10 mm
# code), KUnit when the debug kernel is built already
check-quick:
	tests/run quick

# check with every kernel fuzzed at full length (100,000 operations)
check-long:
	LOF_LONG=1 tests/run check

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

.PHONY: FORCE all module tools userspace install install-dkms dist deb rpm manlint check check-quick check-long demo bench lint version clean
