# vmstation: a desktop virtualization workstation on KVM.
#
#   make            build ./vmstation
#   make check      install what is missing, build, run every fast test (CI)
#   make check-slow the slow tier: Linux guests with their own drivers
#   make bench      figures side by side with qemu-system-x86_64 -enable-kvm
#   make run        install, build and run the manager on the bundled demo VM

CC      ?= gcc
PKGS    := sdl2 libvncserver libvncclient libpulse-simple libpulse ncursesw libpng liblzma libzstd zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -D_GNU_SOURCE -pthread -MMD -MP -Icore -Idevices -Ifirmware -Iui $(PKG_CFLAGS)
LDLIBS  += $(PKG_LIBS) -lreadline -lm -pthread
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

B       := build
SRCS    := $(sort $(wildcard core/*.c devices/*.c firmware/*.c ui/*.c ui/*/*.c))
LIBSRCS := $(filter-out core/main.c,$(SRCS))
OBJS    := $(SRCS:%.c=$(B)/obj/%.o)
ASANOBJS:= $(LIBSRCS:%.c=$(B)/asan/%.o)
UNITS   := $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/test_*.c))
FUZZERS := $(patsubst tests/fuzz/%.c,$(B)/tests/%,$(wildcard tests/fuzz/fuzz_*.c))

.PHONY: all setup check check-slow bench run clean tests
all: vmstation

vmstation: $(OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# Unit and fuzz tests are built with AddressSanitizer and UBSan, linked with
# every object so that all device types register themselves.
$(B)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -c -o $@ $<

$(B)/libvmst-asan.a: $(ASANOBJS)
	rm -f $@ && ar rcs $@ $^

$(B)/tests/test_%: tests/unit/test_%.c tests/unit/unit.h $(B)/libvmst-asan.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -Itests/unit -o $@ $< -Wl,--whole-archive $(B)/libvmst-asan.a -Wl,--no-whole-archive $(LDLIBS)

$(B)/tests/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/driver.c $(B)/libvmst-asan.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -o $@ $< tests/fuzz/driver.c -Wl,--whole-archive $(B)/libvmst-asan.a -Wl,--no-whole-archive $(LDLIBS)

tests: vmstation $(UNITS) $(FUZZERS)

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

run: setup
	@$(MAKE) --no-print-directory vmstation
	./vmstation

clean:
	rm -rf $(B) vmstation

-include $(OBJS:.o=.d) $(ASANOBJS:.o=.d)
