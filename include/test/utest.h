/*
 * utest.h - check helpers for the user-space test programs (src/test/user/t_*.c).
 *
 * Every check prints exactly one line, `name: ok` or `name: FAIL: what was
 * seen`, which the host harness counts. A test program returns
 * utest_status() from main so the runner also sees the outcome.
 *
 * Besides the checks, the helpers several test programs share: memory
 * accounting around a test, page-aligned heap, whole reads and writes on
 * pipes, numbers as text, and children that report back through a pipe.
 */
#ifndef TEST_UTEST_H
#define TEST_UTEST_H

struct memstat;

#define UTEST_NAME_MAX   48       /* room for a check name built from parts */
#define UTEST_NUM_LEN    12       /* room for a decimal int with sign and NUL */
#define UTEST_NO_CHILD   (-100)   /* a child's status when a pipe, the fork or waitpid failed */
#define UTEST_PLAIN_FORK 0        /* utest_child.policy: fork() rather than xfork() */

/* ---- checks ---- */

/* Print `name: ok` and count a pass. */
void utest_ok(const char *name);
/* Print `name: FAIL: <formatted detail>` and count a failure. */
void utest_fail(const char *name, const char *fmt, ...);
/* Pass when cond is non-zero, otherwise fail with the formatted detail; returns cond != 0. */
int utest_check(const char *name, int cond, const char *fmt, ...);
/* Print `[progress] name done/total`: a long check is still moving. The test runner counts a
 * progress line it has not seen before as progress (run/test/test-qemu.sh), so a check that
 * takes longer than a few seconds prints one every second or so of its work. */
void utest_progress(const char *name, int done, int total);
/* 0 when no check in this process failed, 1 otherwise. */
int utest_status(void);
/* Non-zero when the program was started with "quick" as its first argument. */
int utest_quick(int argc, char *argv[]);
/* Deterministic pseudo-random numbers (xorshift32) for seeded tests. */
unsigned utest_rand(unsigned *state);
/* Write prefix followed by the one-digit round number into buf (UTEST_NAME_MAX bytes). */
void utest_round_name(char *buf, const char *prefix, int round);

/* ---- memory accounting ---- */

/* Check name: memcheck() finds no inconsistency. */
void utest_memcheck(const char *name);
/* Check name: user and kernel free pages are back at before and memcheck() is 0. */
void utest_check_no_leak(const char *name, const struct memstat *before);
/* Once exiting orphans and zombies have had time to give their frames back, check both
 * free counts are back at base and memcheck() is 0: checks prefix_free_pages,
 * prefix_kernel_pages, prefix_memcheck. */
void utest_check_end(const char *prefix, const struct memstat *base);
/* Likewise, check prefix<round>: the user free pages are back at base after a round. */
void utest_check_round_free(const char *prefix, int round, const struct memstat *base);
/* Grow the heap by bytes, write one page in each 4 MiB of it (sbrk maps nothing) and give it
 * back, so the page tables it needs exist before a baseline is taken. */
void utest_warm_heap(int bytes);
/* Write every page of the stack the caller's next calls will use, so they take no COW
 * fault (and need no frame) later; returns a byte of it. */
int utest_touch_stack(void);

/* ---- heap ---- */

/* Bytes from the current break up to the next page boundary. */
unsigned utest_break_pad(void);
/* Move the break up to a page boundary (no frame needed) and return it. */
char *utest_align_break(void);
/* pages new page-aligned heap pages, each written once (so backed by a frame: sbrk maps nothing),
 * or 0 when sbrk fails. */
char *utest_heap_pages(int pages);
/* Pages the heap can still grow by before it meets the stack's guard page. */
unsigned utest_heap_room(void);
/* Start child processes that take and hold user frames until at most max_free are free
 * (on large RAM the free frames outnumber the pages one address space can map); returns
 * how many holders run, or -1 when one failed. utest_release_frames ends them. */
int utest_hold_frames(unsigned max_free);
/* End the holders utest_hold_frames started and reap them; 0 when each exited cleanly. */
int utest_release_frames(void);
/* Release the holders; when there were any (holders is what utest_hold_frames returned),
 * check name: they all started and exited cleanly. */
void utest_release_check(const char *name, int holders);

/* ---- bytes and numbers ---- */

/* Read exactly n bytes unless EOF or an error comes first; returns bytes read. */
int utest_read_full(int fd, void *buf, int n);
/* Write all n bytes, looping over short writes; returns bytes written (fewer on error). */
int utest_write_full(int fd, const void *buf, int n);
/* Non-zero when the n bytes at a and b are equal. */
int utest_same_bytes(const void *a, const void *b, int n);
/* Decimal form of v into buf (UTEST_NUM_LEN bytes); returns buf. */
char *utest_utoa(unsigned v, char *buf);
/* Signed decimal form of v into buf (UTEST_NUM_LEN bytes); returns buf. */
char *utest_itoa(int v, char *buf);

/* ---- children ---- */

/* Fork a child that exits with code at once; return its pid once it is a zombie (EOF on a pipe
 * only it holds, then kill() failing), or -1. */
int utest_zombie(int code);
/* Spin in user mode forever, never entering the kernel. */
void utest_spin(void) __attribute__((noreturn));

/* One child for utest_run_child; fields left 0 are not used. */
struct utest_child {
  int policy;                    /* xfork policy, or UTEST_PLAIN_FORK for fork() */
  void (*body)(void *report);    /* the child's work: fills report */
  void *report;                  /* size bytes the child sends back */
  int size;
  struct memstat *after_fork;    /* parent: memstat taken right after the fork */
  void (*parent_hook)(void);     /* parent: runs after the fork, before the child starts */
  int *got_report;               /* see utest_run_child */
};

/* Fork a child that runs c->body only once the parent has done its own post-fork work
 * and only waits, so the child's counter deltas are its own; it sends c->report back and
 * exits 0. Returns the child's status, UTEST_NO_CHILD on failure. With c->got_report the
 * report is read whatever the status and *got_report says whether it all came; without,
 * it is read for status 0 only and a short one makes the status UTEST_NO_CHILD. */
int utest_run_child(const struct utest_child *c);

/* Word w of the test pattern belonging to tag (distinct per tag and per word). */
unsigned utest_pattern_word(unsigned tag, unsigned w);
/* Fill nwords words at buf with tag's pattern. */
void utest_pattern_fill(unsigned *buf, unsigned nwords, unsigned tag);
/* Index of the first word at buf not in tag's pattern (its value in *seen), or -1. */
int utest_pattern_find_bad(const unsigned *buf, unsigned nwords, unsigned tag, unsigned *seen);

/* The seed of fill number n by writer id (32 bits, so writers' fills do not repeat each other). */
unsigned utest_seed_word(unsigned id, unsigned n);
/* Fill the page (PGSIZE bytes) at page with the words seed + w. */
void utest_page_fill(unsigned *page, unsigned seed);
/* Index of the first word of the page at page that is not seed + w (its value in *seen), or -1. */
int utest_page_find_bad(const unsigned *page, unsigned seed, unsigned *seen);

#endif
