# vmstation: a desktop virtualization workstation on KVM.
#
#   make            build ./vmstation and its plugins (build/plugins/)
#   make check      install what is missing, build, run every fast test (CI)
#   make check-slow the slow tier: Linux guests with their own drivers
#   make bench      figures side by side with qemu-system-x86_64 -enable-kvm
#   make bench-slow the same with the Linux boot figure (minutes)
#   make run        install, build and run the manager on the bundled demo VM
#   make fuzz       clang + libFuzzer on every fuzz target for FUZZ_SECONDS
#                   each (default 300), new inputs merged into the corpora

CC      ?= gcc
B       := build

# Front ends with big libraries are plugins (ui/plugin.h), loaded when a VM
# first uses them: the vmstation binary links only CORE_PKGS.
PLUGIN_NAMES       := sdl vnc viewer pulse
PLUGIN_sdl_SRCS    := ui/sdl_window.c ui/sdl_joystick.c ui/audio_sdl.c
PLUGIN_sdl_PKGS    := sdl2
PLUGIN_vnc_SRCS    := ui/vnc_server.c ui/vnc_accept.c
PLUGIN_vnc_PKGS    := libvncserver
PLUGIN_viewer_SRCS := ui/viewer.c
PLUGIN_viewer_PKGS := libvncclient sdl2 libpng
PLUGIN_pulse_SRCS  := ui/audio_pulse.c
PLUGIN_pulse_PKGS  := libpulse-simple libpulse
# searched after the executable's directory and its build/plugins/
PLUGIN_DIR ?= $(CURDIR)/$(B)/plugins

CORE_PKGS := ncursesw libpng liblzma libzstd zlib libdeflate slirp
PKGS    := sdl2 libvncserver libvncclient libpulse-simple libpulse $(CORE_PKGS)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CORE_LIBS  := $(shell pkg-config --libs $(CORE_PKGS) 2>/dev/null) -lreadline -lm -ldl -pthread
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -D_GNU_SOURCE -pthread -MMD -MP -I. $(PKG_CFLAGS)
# Unit tests and fuzzers link every object, plugins' included, and all libraries.
LDLIBS  += $(PKG_LIBS) -lreadline -lm -ldl -pthread
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

SRCS    := $(sort $(wildcard core/*.c core/*/*.c devices/*.c firmware/*.c ui/*.c ui/*/*.c))
LIBSRCS := $(filter-out ui/main.c,$(SRCS))
PLUGIN_SRCS := $(foreach p,$(PLUGIN_NAMES),$(PLUGIN_$(p)_SRCS))
OBJS    := $(patsubst %.c,$(B)/obj/%.o,$(filter-out $(PLUGIN_SRCS),$(SRCS)))
PICOBJS := $(PLUGIN_SRCS:%.c=$(B)/pic/%.o)
PLUGINS := $(PLUGIN_NAMES:%=$(B)/plugins/vmst-%.so)
ASANOBJS:= $(LIBSRCS:%.c=$(B)/asan/%.o)
UNITS   := $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/test_*.c))
FUZZERS := $(patsubst tests/fuzz/%.c,$(B)/tests/%,$(wildcard tests/fuzz/fuzz_*.c))
# A test binary finds the plugin tables linked into it (dlsym, ui/plugin.c).
TEST_LDFLAGS := '-Wl,--export-dynamic-symbol=vmst_plugin_*'

.PHONY: all setup check check-slow bench bench-slow run clean tests fuzz fuzz-build
all: vmstation $(PLUGINS)

# The binary exports only what ui/plugin_api.h offers the plugins (and a
# plugin calling anything else of ours fails the build), so no library
# symbol can be shadowed by one of ours.
vmstation: $(OBJS) $(B)/plugins.dynlist | $(PLUGINS)
	$(CC) $(CFLAGS) -Wl,--dynamic-list=$(B)/plugins.dynlist -o $@ $(OBJS) $(CORE_LIBS)

$(B)/plugins.dynlist: ui/plugin_api.h tests/tools/plugin_dynlist.sh $(OBJS) $(PICOBJS)
	@sh tests/tools/plugin_dynlist.sh ui/plugin_api.h '$(OBJS)' $(PICOBJS) > $@.tmp && mv $@.tmp $@

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/obj/ui/plugin.o: CFLAGS += -DPLUGIN_DIR='"$(PLUGIN_DIR)"'

# Plugins: position-independent objects, linked with their own libraries.
$(B)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -c -o $@ $<

$(foreach p,$(PLUGIN_NAMES),$(eval $(B)/plugins/vmst-$(p).so: $(PLUGIN_$(p)_SRCS:%.c=$(B)/pic/%.o)))
$(B)/plugins/vmst-%.so:
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -shared -Wl,-Bsymbolic -Wl,-z,now -o $@ $^ $(shell pkg-config --libs $(PLUGIN_$*_PKGS)) -pthread

# Unit and fuzz tests are built with AddressSanitizer and UBSan, linked with
# every object so that all device types register themselves.
$(B)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -c -o $@ $<

$(B)/libvmst-asan.a: $(ASANOBJS)
	rm -f $@ && ar rcs $@ $^

$(B)/tests/test_%: tests/unit/test_%.c $(wildcard tests/unit/*.h) $(B)/libvmst-asan.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -Itests/unit $(TEST_LDFLAGS) -o $@ $< -Wl,--whole-archive $(B)/libvmst-asan.a -Wl,--no-whole-archive $(LDLIBS)

$(B)/tests/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/driver.c $(wildcard tests/fuzz/*.h) $(B)/libvmst-asan.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) $(TEST_LDFLAGS) -o $@ $< tests/fuzz/driver.c -Wl,--whole-archive $(B)/libvmst-asan.a -Wl,--no-whole-archive $(LDLIBS)

tests: vmstation $(PLUGINS) $(UNITS) $(FUZZERS)

# Coverage-guided fuzzing: the same targets linked with libFuzzer instead of
# tests/fuzz/driver.c, every object built with clang's coverage hooks.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 300
FUZZ_TARGETS ?= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
LF_SAN   := $(SAN) -fsanitize=fuzzer-no-link
LFOBJS   := $(LIBSRCS:%.c=$(B)/libfuzzer/%.o)
LFBINS   := $(FUZZ_TARGETS:%=$(B)/libfuzzer/fuzz_%)

$(B)/libfuzzer/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CFLAGS) $(LF_SAN) -c -o $@ $<

$(B)/libvmst-libfuzzer.a: $(LFOBJS)
	rm -f $@ && ar rcs $@ $^

$(B)/libfuzzer/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(B)/libvmst-libfuzzer.a
	$(FUZZ_CC) $(CFLAGS) $(SAN) -fsanitize=fuzzer -Itests/fuzz $(TEST_LDFLAGS) -o $@ $< -Wl,--whole-archive $(B)/libvmst-libfuzzer.a -Wl,--no-whole-archive $(LDLIBS)

fuzz-build: $(LFBINS)

fuzz: setup
	@$(MAKE) -j2 --no-print-directory fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/libfuzzer.sh $(FUZZ_TARGETS)

setup:
	@sh tests/setup.sh

check: setup
	@$(MAKE) -j$$(nproc) --no-print-directory tests
	@sh tests/run.sh fast

check-slow: setup
	@$(MAKE) -j$$(nproc) --no-print-directory tests
	@sh tests/run.sh slow

bench: setup
	@$(MAKE) -j$$(nproc) --no-print-directory tests
	@sh tests/bench/run.sh

bench-slow: setup
	@$(MAKE) -j$$(nproc) --no-print-directory tests
	@BENCH_SLOW=1 sh tests/bench/run.sh

run: setup
	@$(MAKE) --no-print-directory all
	@sh tests/kvmhost/manager.sh

clean:
	rm -rf $(B) vmstation

-include $(OBJS:.o=.d) $(PICOBJS:.o=.d) $(ASANOBJS:.o=.d) $(LFOBJS:.o=.d)
