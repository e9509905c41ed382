# SPDX-License-Identifier: GPL-2.0
#
# One build for collab: the kernel module (through kbuild, see Kbuild), the
# library, the tools and the tests. 'make help' lists the targets.

# The version is written once, in dkms.conf, which DKMS reads too;
# debian/changelog names the same upstream version ('make deb' checks).
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' $(dir $(lastword $(MAKEFILE_LIST)))dkms.conf)

# The kernel the module is built for: by default the newest Debian 6.1 kernel
# in /boot, which is also the kernel the test VM boots.
KVER ?= $(shell ls /boot/vmlinuz-6.1.* 2>/dev/null | sed 's|.*/vmlinuz-||' | sort -V | tail -n 1)
KDIR ?= /lib/modules/$(KVER)/build

B := $(CURDIR)/build
COLLAB_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/collab
KSFT_DIR := $(COLLAB_CACHE)/linux-source-6.1/tools/testing/selftests
CHECKPATCH := $(COLLAB_CACHE)/linux-source-6.1/scripts/checkpatch.pl
PREFIX ?= /usr/local
DESTDIR ?=
# Where 'make install' puts the library and collab.pc, and collabd's unit
# (a Debian package: /usr/lib/<multiarch triplet> and /lib/systemd/system).
INSTALL_LIBDIR ?= $(PREFIX)/lib
UNITDIR ?= $(PREFIX)/lib/systemd/system
# Wireshark's global folder of Lua plugins ('tshark -G folders'), where
# the dissector goes.
WIRESHARK_LUADIR ?= $(INSTALL_LIBDIR)/wireshark/plugins
# The tools find the library in the build tree; a package, installing it
# where the dynamic linker looks, builds them with RPATH= (none).
RPATH ?= -Wl,-rpath,$(B)/lib

CC ?= cc
CFLAGS ?= -O2 -g
COLLAB_CFLAGS := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -D_GNU_SOURCE -I$(CURDIR)/kmod/uapi -I$(CURDIR)/lib
SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer
export CC CFLAGS COLLAB_CFLAGS SANITIZE KSFT_DIR

KMAKE = $(MAKE) -C $(KDIR) M=$(CURDIR)

.PHONY: all module lib tools selftests deps check check-debug check-all check-host check-vm \
	lint sparse bench bench-hosts bench-xml bench-activation bench-scale fuzz fuzz-kernel fuzz-kernel-build \
	checkpatch install install-module install-user uninstall clean help vm-shell

all: module lib tools selftests

module: kdir
	+$(KMAKE) W=1 COLLAB_WERROR=y modules

.PHONY: kdir
kdir:
	@test -d "$(KDIR)" || { echo "collab: no kernel build tree at '$(KDIR)': run 'make deps' (or set KDIR)" >&2; exit 1; }

# ---- libcollab -------------------------------------------------------------
# One file per concern: handle.c (sockets), encode.c/decode.c (the XML
# envelope, out and in), chat.c/board.c/record.c/blob.c/call.c (payloads),
# remote.c (remote calls), codec.c (applications' codecs), text.c (lexical
# forms), msg.c, thread.c, error.c, family.c.
LIB_SRCS := lib/family.c lib/handle.c lib/encode.c lib/decode.c lib/chat.c \
	lib/board.c lib/record.c lib/blob.c lib/call.c lib/remote.c lib/codec.c \
	lib/text.c lib/msg.c lib/thread.c lib/error.c
LIB_OBJS := $(LIB_SRCS:lib/%.c=$(B)/lib/%.o)
SONAME := libcollab.so.0
XML_CFLAGS := $(shell pkg-config --cflags libxml-2.0 2>/dev/null)
XML_LIBS := $(shell pkg-config --libs libxml-2.0 2>/dev/null)
export XML_CFLAGS XML_LIBS

lib: $(B)/lib/$(SONAME) $(B)/lib/libcollab.so $(B)/lib/collab.pc

$(B)/lib/%.o: lib/%.c lib/*.h kmod/uapi/linux/collab.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(COLLAB_CFLAGS) $(XML_CFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

$(B)/lib/$(SONAME): $(LIB_OBJS) lib/libcollab.map
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=lib/libcollab.map \
		-Wl,--no-undefined -o $@ $(LIB_OBJS) $(XML_LIBS)

$(B)/lib/libcollab.so: $(B)/lib/$(SONAME)
	ln -sf $(SONAME) $@

$(B)/lib/collab.pc: lib/collab.pc.in Makefile
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(INSTALL_LIBDIR)|' \
		-e 's|@VERSION@|$(VERSION)|' $< >$@

# ---- fuzzing ---------------------------------------------------------------
# libFuzzer, with ASan and UBSan, FUZZ_SECS seconds each (default 60): on
# the decoder, on collabctl's batch files and value parsers, then on each
# parser of the module's wire input (kmod/wire.c, built on the host); new
# inputs kept under build/fuzz. 'make check' replays lib/fuzz/corpus,
# tools/collabctl/fuzz/corpus and kmod/fuzz/corpus through the same
# targets (selftests/host: fuzz_replay, batch_replay, wire_*_replay).
FUZZ := $(B)/fuzz/decode_fuzz
CTL_FUZZ := $(B)/fuzz/batch_fuzz
WIRE_PARSERS := link frame bundle frag route reach distant receipt
WIRE_FUZZ := $(WIRE_PARSERS:%=$(B)/fuzz/wire_%_fuzz)
WIRE_SRCS := kmod/fuzz/wire_fuzz.c kmod/wire.c
FUZZ_SECS ?= 60
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined

fuzz: $(FUZZ) $(CTL_FUZZ) $(WIRE_FUZZ)
	@mkdir -p $(B)/fuzz/corpus $(B)/fuzz/batch-corpus
	$(FUZZ) -max_total_time=$(FUZZ_SECS) -max_len=$$((65536 + 16)) -timeout=5 \
		-dict=lib/fuzz/xml.dict $(B)/fuzz/corpus lib/fuzz/corpus
	$(CTL_FUZZ) -max_total_time=$(FUZZ_SECS) -max_len=16384 -timeout=5 \
		$(B)/fuzz/batch-corpus tools/collabctl/fuzz/corpus
	set -e; for p in $(WIRE_PARSERS); do \
		mkdir -p $(B)/fuzz/wire-$$p; \
		$(B)/fuzz/wire_$${p}_fuzz -max_total_time=$(FUZZ_SECS) -max_len=65536 \
			-timeout=5 $(B)/fuzz/wire-$$p kmod/fuzz/corpus/$$p; \
	done

$(WIRE_FUZZ): $(B)/fuzz/wire_%_fuzz: $(WIRE_SRCS) kmod/wire.h kmod/fuzz/kernel.h \
		kmod/uapi/linux/collab.h
	@mkdir -p $(@D)
	@command -v clang >/dev/null || { echo "collab: 'make fuzz' needs clang: run 'sudo make deps'" >&2; exit 1; }
	clang $(FUZZ_CFLAGS) $(COLLAB_CFLAGS) -include kmod/fuzz/kernel.h -DWIRE_$* \
		-o $@ $(WIRE_SRCS)

$(CTL_FUZZ): tools/collabctl/fuzz/batch_fuzz.c tools/collabctl/batch.c \
		tools/collabctl/parse.c tools/collabctl/*.h
	@mkdir -p $(@D)
	@command -v clang >/dev/null || { echo "collab: 'make fuzz' needs clang: run 'sudo make deps'" >&2; exit 1; }
	clang $(FUZZ_CFLAGS) $(COLLAB_CFLAGS) -o $@ tools/collabctl/fuzz/batch_fuzz.c \
		$$(pkg-config --libs libcrypto)

$(FUZZ): lib/fuzz/decode_fuzz.c $(LIB_SRCS) lib/*.h kmod/uapi/linux/collab.h
	@mkdir -p $(@D)
	@command -v clang >/dev/null || { echo "collab: 'make fuzz' needs clang: run 'sudo make deps'" >&2; exit 1; }
	clang $(FUZZ_CFLAGS) $(COLLAB_CFLAGS) $(XML_CFLAGS) -o $@ lib/fuzz/decode_fuzz.c \
		$(LIB_SRCS) $(XML_LIBS) -lm

# trinity on the AF_COLLAB socket calls in the test VM, for FUZZ_SECS
# seconds (600 unless given: not the 60 of 'make fuzz'), on Debian's kernel
# or, with FUZZ_KERNEL=debug, on the debug kernel; FUZZ_SEED replays a run;
# the console scanned as 'make check' scans it (tools/fuzz-kernel). The
# shim trinity runs with, and the instances its sends go to, are built by
# fuzz-kernel-build.
TRINITY_SHIM := $(B)/trinity/trinity-collab.so
TRINITY_SINK := $(B)/trinity/collab-fuzz-sink

FUZZ_KERNEL_ARGS = $(if $(filter-out default file undefined,$(origin FUZZ_SECS)),-t $(FUZZ_SECS)) \
	$(if $(filter debug,$(FUZZ_KERNEL)),--debug)

fuzz-kernel:
	@tools/fuzz-kernel $(strip $(FUZZ_KERNEL_ARGS))

fuzz-kernel-build: module selftests $(TRINITY_SHIM) $(TRINITY_SINK)

$(TRINITY_SHIM): tools/trinity/shim.c kmod/uapi/linux/collab.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(COLLAB_CFLAGS) -fPIC -shared -o $@ $< -ldl -lpthread

$(TRINITY_SINK): tools/trinity/sink.c kmod/uapi/linux/collab.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(COLLAB_CFLAGS) -o $@ $<

# ---- tools -----------------------------------------------------------------
# collabctl: one object file per source file, all under $(B)/tools/collabctl.
CTL := $(B)/tools/collabctl/collabctl
CTL_SRCS := $(wildcard tools/collabctl/*.c)
CTL_OBJS := $(CTL_SRCS:tools/collabctl/%.c=$(B)/tools/collabctl/%.o)
# libcrypto for keys: X25519 and base64.
CTL_PKGS := libnl-genl-3.0 json-c libcrypto
CHAT := $(B)/tools/chat/collab-chat
# collabd: the node's supervisor, on libnl-genl; libsystemd for sd_notify();
# libcollab for its transaction server.
COLLABD := $(B)/tools/collabd/collabd
COLLABD_SRCS := $(wildcard tools/collabd/*.c)
COLLABD_PKGS := libnl-genl-3.0 libsystemd
CHAT_CFLAGS := $(filter-out -I$(CURDIR)/kmod/uapi,$(COLLAB_CFLAGS))

COLLABD_UNIT := $(B)/tools/collabd/collabd.service

tools: $(CTL) $(CHAT) $(COLLABD) $(COLLABD_UNIT)

.PHONY: ctl-pkgs
ctl-pkgs:
	@pkg-config --exists $(CTL_PKGS) $(COLLABD_PKGS) || { echo "collab: collabctl and collabd need $(CTL_PKGS) $(COLLABD_PKGS): run 'sudo make deps'" >&2; exit 1; }

$(B)/tools/collabctl/%.o: tools/collabctl/%.c tools/collabctl/*.h kmod/uapi/linux/*.h lib/collab.h | ctl-pkgs
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(COLLAB_CFLAGS) $$(pkg-config --cflags $(CTL_PKGS)) \
		-DCOLLAB_VERSION='"$(VERSION)"' -c -o $@ $<

# The version is compiled in.
$(B)/tools/collabctl/main.o: Makefile

# libcollab for 'collabctl call'.
$(CTL): $(CTL_OBJS) $(B)/lib/libcollab.so
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CTL_OBJS) $$(pkg-config --libs $(CTL_PKGS)) \
		-L$(B)/lib $(RPATH) -lcollab

$(COLLABD): $(COLLABD_SRCS) tools/collabd/collabd.h kmod/uapi/linux/*.h \
		lib/collab.h $(B)/lib/libcollab.so | ctl-pkgs
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(COLLAB_CFLAGS) $$(pkg-config --cflags $(COLLABD_PKGS)) \
		-DCOLLAB_VERSION='"$(VERSION)"' \
		-DCOLLAB_APPS_DIR='"$(PREFIX)/share/collab/apps"' \
		$(LDFLAGS) -o $@ $(COLLABD_SRCS) $$(pkg-config --libs $(COLLABD_PKGS)) \
		-L$(B)/lib $(RPATH) -lcollab

$(COLLABD_UNIT): tools/collabd/collabd.service.in Makefile
	@mkdir -p $(@D)
	sed 's|@SBINDIR@|$(PREFIX)/sbin|' $< >$@

# collab-chat: an application written against <collab.h> alone, so it is
# built without the UAPI directory on its include path.
$(CHAT): tools/chat/chat.c lib/collab.h $(B)/lib/libcollab.so
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CHAT_CFLAGS) $(LDFLAGS) -o $@ $< \
		-L$(B)/lib $(RPATH) -lcollab

# ---- tests -----------------------------------------------------------------
# The selftests run collabctl from $(CTL).
selftests: lib tools
	+$(MAKE) -C selftests/collab OUT=$(B)/selftests/collab LIBDIR=$(B)/lib
	+$(MAKE) -C selftests/host OUT=$(B)/selftests/host
	+$(MAKE) -C selftests/debug OUT=$(B)/selftests/debug

deps:
	@tools/deps

# The whole test suite: build, host unit tests, lint, every selftest in the
# VM. Ends with 'N passed, N failed'.
check:
	@tools/check

# Every selftest again on a debug kernel (KASAN, kmemleak, lockdep), built
# once per machine from linux-source-6.1.
check-debug:
	@tools/check --debug

# Both, with one summary: what CI runs.
check-all:
	@tools/check --all

check-host: selftests
	@selftests/run $(B)/selftests/host

check-vm: module selftests
	tools/vm/run -- selftests/run $(B)/selftests/collab

lint: checkpatch sparse

checkpatch:
	perl $(CHECKPATCH) --no-tree --strict --terse --show-types \
		--ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES \
		-f kmod/*.c kmod/*.h kmod/uapi/linux/*.h

sparse: kdir
	+$(KMAKE) C=2 CF=-D__CHECK_ENDIAN__ modules

vm-shell: module selftests
	tools/vm/run -- bash -i

# Two hosts in the VM and two chat sessions between them, as a transcript.
# Installs what is missing first, as 'make check' does.
.PHONY: demo
demo:
	@tools/deps
	+@$(MAKE) -s module lib tools
	@mkdir -p $(B)/demo
	tools/vm/run -l $(B)/demo/console.log -- tools/demo/run

# Side-by-side benchmarks, as ratios: collab beside TIPC and AF_UNIX on one
# node (one VM boot), then the between-hosts tables of bench-hosts.
bench: module lib tools
	+$(MAKE) -C bench OUT=$(B)/bench LIBDIR=$(B)/lib
	@rc=0; tools/vm/run -t 3000 -- bench/run $(B)/bench || rc=1; \
	bench/hosts-run $(B)/bench || rc=1; exit $$rc

# Between hosts: collab beside TIPC, UDP and TCP in two VMs joined by a qemu
# network, and beside UDP and TCP in two network namespaces of one VM.
bench-hosts: module lib tools
	+$(MAKE) -C bench OUT=$(B)/bench LIBDIR=$(B)/lib
	bench/hosts-run $(B)/bench

# libcollab's XML format on the host, one core: encode + decode + validation
# beside a naive libxml2 round trip and memcpy, as ratios.
bench-xml: lib
	+$(MAKE) -C bench OUT=$(B)/bench LIBDIR=$(B)/lib $(B)/bench/xml_bench
	$(B)/bench/xml_bench

# Activation (the first message to an application that does not run yet)
# and collab_call() round trips, in the VM, beside D-Bus.
bench-activation: module lib tools
	+$(MAKE) -C bench OUT=$(B)/bench LIBDIR=$(B)/lib $(B)/bench/activation
	tools/vm/run -t 3000 -- bench/activation-run $(B)/bench

# Many hosts: N nodes (8 to 64) in network namespaces on one bridge, in the
# VM: how long they take to link, how long a dead peer takes to be noticed,
# kernel memory per peer and the packets of a mesh at rest. Then relays:
# how long a ring takes to route around a dead relay, and what a relay hop
# costs a message (bench, a to c through b beside a to b).
bench-scale: module lib tools selftests
	+$(MAKE) -C bench OUT=$(B)/bench LIBDIR=$(B)/lib $(B)/bench/bench
	tools/vm/run -t 1500 -l $(B)/vm/bench-scale.log -- bench/scale-run $(B)

# ---- install ---------------------------------------------------------------
# With DESTDIR, everything goes under it (the module under
# $(DESTDIR)/lib/modules/$(KVER)) and depmod is left to whoever installs
# that tree; without, the module goes into the running system and depmod
# updates its index.
# install-user is everything but the module: what the Debian packages
# other than collab-dkms hold (DKMS builds the module where it is installed).
install: install-module install-user

install-module: module
	+$(KMAKE) INSTALL_MOD_PATH=$(DESTDIR) $(if $(DESTDIR),DEPMOD=true) modules_install
	$(if $(DESTDIR),,depmod -a $(KVER))

install-user: lib tools
	install -d $(DESTDIR)$(PREFIX)/include/linux $(DESTDIR)$(INSTALL_LIBDIR)/pkgconfig
	install -m 644 kmod/uapi/linux/collab.h kmod/uapi/linux/collab_stats.h \
		$(DESTDIR)$(PREFIX)/include/linux/
	install -m 644 lib/collab.h $(DESTDIR)$(PREFIX)/include/
	install -m 755 $(B)/lib/$(SONAME) $(DESTDIR)$(INSTALL_LIBDIR)/
	ln -sf $(SONAME) $(DESTDIR)$(INSTALL_LIBDIR)/libcollab.so
	install -m 644 $(B)/lib/collab.pc $(DESTDIR)$(INSTALL_LIBDIR)/pkgconfig/
	install -d $(DESTDIR)$(PREFIX)/sbin
	install -m 755 $(CTL) $(COLLABD) $(DESTDIR)$(PREFIX)/sbin/
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(CHAT) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -d $(DESTDIR)$(PREFIX)/share/man/man3 $(DESTDIR)$(PREFIX)/share/man/man7 \
		$(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/collab
	install -m 644 man/*.3 $(DESTDIR)$(PREFIX)/share/man/man3/
	install -m 644 man/*.7 $(DESTDIR)$(PREFIX)/share/man/man7/
	install -m 644 man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -d $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 644 man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 644 lib/schema/collab.rng $(DESTDIR)$(PREFIX)/share/collab/
	install -d $(DESTDIR)$(PREFIX)/share/collab/apps
	sed 's|@BINDIR@|$(PREFIX)/bin|' tools/chat/collab-chat.app.in \
		>$(DESTDIR)$(PREFIX)/share/collab/apps/collab-chat.app
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)/etc/collab/apps.d
	install -m 644 $(COLLABD_UNIT) $(DESTDIR)$(UNITDIR)/
	install -d $(DESTDIR)$(WIRESHARK_LUADIR)
	install -m 644 tools/wireshark/collab.lua $(DESTDIR)$(WIRESHARK_LUADIR)/
	$(if $(DESTDIR),,-ldconfig)

uninstall:
	rm -f $(DESTDIR)/lib/modules/$(KVER)/updates/collab.ko \
		$(DESTDIR)/lib/modules/$(KVER)/extra/collab.ko
	$(if $(DESTDIR),,-depmod -a $(KVER))
	rm -f $(DESTDIR)$(PREFIX)/include/linux/collab.h \
		$(DESTDIR)$(PREFIX)/include/linux/collab_stats.h $(DESTDIR)$(PREFIX)/include/collab.h \
		$(DESTDIR)$(INSTALL_LIBDIR)/$(SONAME) $(DESTDIR)$(INSTALL_LIBDIR)/libcollab.so \
		$(DESTDIR)$(INSTALL_LIBDIR)/pkgconfig/collab.pc $(DESTDIR)$(PREFIX)/share/man/man7/collab.7 \
		$(DESTDIR)$(PREFIX)/sbin/collabctl $(DESTDIR)$(PREFIX)/share/man/man8/collabctl.8 \
		$(DESTDIR)$(PREFIX)/sbin/collabd $(DESTDIR)$(PREFIX)/share/man/man8/collabd.8 \
		$(DESTDIR)$(PREFIX)/share/man/man5/collab.app.5 \
		$(DESTDIR)$(PREFIX)/bin/collab-chat $(DESTDIR)$(PREFIX)/share/man/man1/collab-chat.1 \
		$(addprefix $(DESTDIR)$(PREFIX)/share/man/man3/,$(notdir $(wildcard man/*.3))) \
		$(DESTDIR)$(PREFIX)/share/collab/collab.rng \
		$(DESTDIR)$(PREFIX)/share/collab/apps/collab-chat.app \
		$(DESTDIR)$(UNITDIR)/collabd.service \
		$(DESTDIR)$(WIRESHARK_LUADIR)/collab.lua

# ---- Debian packages --------------------------------------------------------
# collab-dkms, libcollab0, libcollab-dev, collab-tools and collab-apps, built
# by dpkg-buildpackage (debian/) in a copy of the tree, into build/deb/,
# lintian clean (tools/deb/build).
.PHONY: deb check-deb
deb:
	@tools/deb/build

# The packages installed, used and purged in the VM, on Debian's kernel
# without collab.ko: DKMS builds it there (selftests/deb/install.sh).
check-deb:
	@tools/deps
	@ls build/deb/*.deb >/dev/null 2>&1 || tools/deb/build
	tools/vm/run --no-module -t 2400 -l $(B)/vm/check-deb.log -- selftests/deb/install.sh

clean:
	-test -d "$(KDIR)" && $(KMAKE) clean
	rm -rf $(B)

help:
	@echo "make            build the module, libcollab, collabctl and the tests"
	@echo "make tools      build collabctl and collab-chat (build/tools/)"
	@echo "make deps       install the Debian packages and kernel files the build needs"
	@echo "make check      build and run every test (host, lint, VM); ends with 'N passed, N failed'"
	@echo "make check-debug every selftest on a KASAN/kmemleak/lockdep kernel, and proof the checks fire"
	@echo "make check-all  make check, then make check-debug, with one summary (what CI runs)"
	@echo "make check-host host unit tests only"
	@echo "make check-vm   the selftests in the VM only"
	@echo "make lint       checkpatch --strict and sparse on the module"
	@echo "make vm-shell   an interactive shell in the test VM"
	@echo "make demo       two hosts in the VM, two chat sessions between them, a transcript"
	@echo "make bench      benchmarks: collab beside TIPC and AF_UNIX on one node, then bench-hosts"
	@echo "make bench-hosts collab beside TIPC, UDP and TCP between two VMs and two namespaces"
	@echo "make bench-xml  libcollab's XML encode + decode + validation beside naive libxml2"
	@echo "make bench-activation collabd's activation and collab_call() beside D-Bus, in the VM"
	@echo "make bench-scale collab with 8 to 64 nodes on one segment: convergence, dead peer,"
	@echo "                memory per peer, traffic at rest; then relays: a dead relay routed"
	@echo "                around, the cost of a relay hop; in the VM"
	@echo "make fuzz       libFuzzer on the XML decoder for FUZZ_SECS (default 60) seconds"
	@echo "make fuzz-kernel trinity on the AF_COLLAB calls in the VM for FUZZ_SECS (default 600)"
	@echo "                seconds; FUZZ_KERNEL=debug on the debug kernel; FUZZ_SEED replays"
	@echo "make deb        the Debian packages (debian/), into build/deb/, checked by lintian"
	@echo "make check-deb  the packages installed, used and purged in the VM (DKMS builds collab.ko)"
	@echo "make install    install the module for KVER (default $(KVER)), libcollab and collabctl"
	@echo "variables: KVER, KDIR, PREFIX, DESTDIR, COLLAB_CACHE, FUZZ_SECS, FUZZ_KERNEL, FUZZ_SEED"
