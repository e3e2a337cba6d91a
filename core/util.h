/* Small helpers shared by every part of vmstation. */
#ifndef VMST_UTIL_H
#define VMST_UTIL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define UNUSED __attribute__((unused))
#define PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Messages for the person running vmstation: "vmstation: ..." on stderr. */
void msg_error(const char *fmt, ...) PRINTF(1, 2);
void msg_warn(const char *fmt, ...) PRINTF(1, 2);
void msg_info(const char *fmt, ...) PRINTF(1, 2);
/* Quiet mode suppresses msg_info (set once at start-up by main). */
void msg_set_quiet(bool quiet);

/* Fatal set-up failure: print and exit(1). Never used on a guest-driven path. */
void die(const char *fmt, ...) PRINTF(1, 2) __attribute__((noreturn));

void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) PRINTF(1, 2);
/* Names thread t (ps -L, top -H, gdb), cut to the kernel's 15 characters. */
void thread_set_name(pthread_t t, const char *fmt, ...) PRINTF(2, 3);

/* CLOCK_MONOTONIC in nanoseconds. */
static inline uint64_t clock_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Read a whole file into a malloc'd buffer; NULL and errno on failure. */
void *read_file(const char *path, size_t *len);
/* write() until all n bytes are written (EINTR retried); false on an error. */
bool write_all(int fd, const void *buf, size_t n);
/* mkdir -p with mode; 0 or -1 and errno. */
int mkdir_p(const char *path, unsigned mode);
/* $XDG_STATE_HOME/vmstation (default ~/.local/state/vmstation), created. */
const char *state_dir(void);

static inline uint16_t ld16(const void *p) { const uint8_t *b = p; return b[0] | b[1] << 8; }
static inline uint32_t ld32(const void *p) { const uint8_t *b = p; return ld16(b) | (uint32_t)ld16(b + 2) << 16; }
static inline uint64_t ld64(const void *p) { const uint8_t *b = p; return ld32(b) | (uint64_t)ld32(b + 4) << 32; }
static inline void st16(void *p, uint16_t v) { uint8_t *b = p; b[0] = v; b[1] = v >> 8; }
static inline void st32(void *p, uint32_t v) { uint8_t *b = p; st16(b, v); st16(b + 2, v >> 16); }
static inline void st64(void *p, uint64_t v) { uint8_t *b = p; st32(b, v); st32(b + 4, v >> 32); }
static inline uint16_t ld16be(const void *p) { const uint8_t *b = p; return b[0] << 8 | b[1]; }
static inline uint32_t ld32be(const void *p) { const uint8_t *b = p; return (uint32_t)ld16be(b) << 16 | ld16be(b + 2); }
static inline uint64_t ld64be(const void *p) { const uint8_t *b = p; return (uint64_t)ld32be(b) << 32 | ld32be(b + 4); }
static inline void st16be(void *p, uint16_t v) { uint8_t *b = p; b[0] = v >> 8; b[1] = v; }
static inline void st32be(void *p, uint32_t v) { uint8_t *b = p; st16be(b, v >> 16); st16be(b + 2, v); }
static inline void st64be(void *p, uint64_t v) { uint8_t *b = p; st32be(b, v >> 32); st32be(b + 4, v); }

#endif
