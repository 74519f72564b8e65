/*
 * utest.c - check helpers for the user-space test programs.
 */
#include "test/utest.h"
#include "user.h"
#include "lib/fmt.h"
#include "boot/layout.h"

#define UTEST_LINE         200
#define UTEST_SETTLE_TICKS 300          /* time orphans and zombies get to go away */
#define UTEST_SETTLE_POLL  5
#define UTEST_STACK_TOUCH  (2 * PGSIZE) /* stack utest_touch_stack makes private */
#define UTEST_TOUCH_STEP   512
#define UTEST_HOLDERS_MAX  4            /* frame holders utest_hold_frames may start */
#define UTEST_HOLD_CHUNK   65536u       /* pages per sbrk call of a holder (the increment is an int) */
#define UTEST_HOLDER_OK    7            /* a holder's status when it held its frames and let go */
#define UTEST_HOLDER_READY 'h'
#define UTEST_TABLE_SPAN   (1024u * PGSIZE) /* the user memory one page table maps (4 MiB) */

static int utest_failed;

/* Print "name: FAIL: detail" with the detail formatted from fmt/ap. */
static void utest_vfail(const char *name, const char *fmt, va_list ap)
{
  char detail[UTEST_LINE];
  fmt_vsnprintf(detail, sizeof detail, fmt, ap);
  printf("%s: FAIL: %s\n", name, detail);
  utest_failed = 1;
}

void utest_ok(const char *name)
{
  printf("%s: ok\n", name);
}

void utest_fail(const char *name, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  utest_vfail(name, fmt, ap);
  va_end(ap);
}

int utest_check(const char *name, int cond, const char *fmt, ...)
{
  if (cond) {
    utest_ok(name);
    return 1;
  }
  va_list ap;
  va_start(ap, fmt);
  utest_vfail(name, fmt, ap);
  va_end(ap);
  return 0;
}

void utest_progress(const char *name, int done, int total)
{
  printf("[progress] %s %d/%d\n", name, done, total);
}

int utest_status(void)
{
  return utest_failed ? 1 : 0;
}

int utest_quick(int argc, char *argv[])
{
  return argc > 1 && strcmp(argv[1], "quick") == 0;
}

unsigned utest_rand(unsigned *state)
{
  unsigned x = *state ? *state : 2463534242u;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}

/* Write prefix followed by suffix into buf (UTEST_NAME_MAX bytes). */
static void utest_name(char *buf, const char *prefix, const char *suffix)
{
  strcpy(buf, prefix);
  strcpy(buf + strlen(buf), suffix);
}

void utest_round_name(char *buf, const char *prefix, int round)
{
  unsigned len;
  strcpy(buf, prefix);
  len = strlen(buf);
  buf[len] = (char)('0' + round % 10);
  buf[len + 1] = 0;
}

/* ---- memory accounting ---- */

void utest_memcheck(const char *name)
{
  int bad = memcheck();
  utest_check(name, bad == 0, "memcheck reported %d inconsistencies", bad);
}

void utest_check_no_leak(const char *name, const struct memstat *before)
{
  struct memstat after;
  int bad;

  memstat(&after);
  bad = memcheck();
  utest_check(name,
              after.free_pages == before->free_pages &&
              after.kernel_free_pages == before->kernel_free_pages && bad == 0,
              "user free %u -> %u, kernel free %u -> %u, memcheck %d", before->free_pages,
              after.free_pages, before->kernel_free_pages, after.kernel_free_pages, bad);
}

/* Poll memstat into now until both free counts equal base's or UTEST_SETTLE_TICKS pass. */
static void utest_settle(const struct memstat *base, struct memstat *now)
{
  int waited = 0;
  memstat(now);
  while ((now->free_pages != base->free_pages ||
          now->kernel_free_pages != base->kernel_free_pages) && waited < UTEST_SETTLE_TICKS) {
    sleep(UTEST_SETTLE_POLL);
    waited += UTEST_SETTLE_POLL;
    memstat(now);
  }
}

void utest_check_end(const char *prefix, const struct memstat *base)
{
  char name[UTEST_NAME_MAX];
  struct memstat now;
  int bad;

  utest_settle(base, &now);
  utest_name(name, prefix, "_free_pages");
  utest_check(name, now.free_pages == base->free_pages,
              "user free_pages %u at start, %u at end", base->free_pages, now.free_pages);
  utest_name(name, prefix, "_kernel_pages");
  utest_check(name, now.kernel_free_pages == base->kernel_free_pages,
              "kernel_free_pages %u at start, %u at end",
              base->kernel_free_pages, now.kernel_free_pages);
  bad = memcheck();
  utest_name(name, prefix, "_memcheck");
  utest_check(name, bad == 0, "memcheck() returned %d", bad);
}

void utest_check_round_free(const char *prefix, int round, const struct memstat *base)
{
  char name[UTEST_NAME_MAX];
  struct memstat now;

  utest_settle(base, &now);
  utest_round_name(name, prefix, round);
  utest_check(name, now.free_pages == base->free_pages,
              "user free_pages %u before the round, %u after it", base->free_pages,
              now.free_pages);
}

void utest_warm_heap(int bytes)
{
  char *p = sbrk(bytes);
  if (p == (void *)-1)
    return;
  /* sbrk maps nothing: a write in each 4 MiB the range reaches makes its page table */
  for (unsigned a = (unsigned)p; a < (unsigned)p + (unsigned)bytes; a = (a | (UTEST_TABLE_SPAN - 1)) + 1)
    *(volatile char *)a = 0;
  sbrk(-bytes);
}

int __attribute__((noinline)) utest_touch_stack(void)
{
  volatile char pad[UTEST_STACK_TOUCH];
  for (int i = 0; i < UTEST_STACK_TOUCH; i += UTEST_TOUCH_STEP)
    pad[i] = 0;
  pad[UTEST_STACK_TOUCH - 1] = 0;
  return pad[0];
}

/* ---- heap ---- */

unsigned utest_break_pad(void)
{
  unsigned cur = (unsigned)sbrk(0);
  return (PGSIZE - cur % PGSIZE) % PGSIZE;
}

char *utest_align_break(void)
{
  unsigned pad = utest_break_pad();
  if (pad != 0)
    sbrk((int)pad);
  return (char *)sbrk(0);
}

char *utest_heap_pages(int pages)
{
  unsigned pad = utest_break_pad();
  char *p;

  if (pad != 0 && sbrk((int)pad) == (void *)-1)
    return 0;
  p = sbrk(pages * PGSIZE);
  if (p == (void *)-1)
    return 0;
  for (int i = 0; i < pages; i++)
    p[i * PGSIZE] = 0;                 /* backed now: sbrk maps nothing until a page is written */
  return p;
}

unsigned utest_heap_room(void)
{
  unsigned brk = (unsigned)sbrk(0);
  return brk < USER_STACK_GUARD ? (USER_STACK_GUARD - brk) / PGSIZE : 0;
}

static int utest_holders[UTEST_HOLDERS_MAX];
static int utest_nholders;
static int utest_hold_pipe[2] = { -1, -1 };   /* holders read, the caller writes: EOF lets them go */

/* A holder: take up to pages heap frames and write each, report on ready, keep them until
 * the hold pipe reaches EOF. */
static void utest_holder(unsigned pages, int ready) __attribute__((noreturn));
static void utest_holder(unsigned pages, int ready)
{
  char token = UTEST_HOLDER_READY;
  unsigned room = utest_heap_room();
  close(utest_hold_pipe[1]);
  if (pages > room)
    pages = room;
  while (pages > 0 && token == UTEST_HOLDER_READY) {
    unsigned n = pages < UTEST_HOLD_CHUNK ? pages : UTEST_HOLD_CHUNK;
    char *p = utest_heap_pages((int)n);
    if (!p)
      token = 0;
    for (unsigned i = 0; p && i < n; i++)
      p[i * PGSIZE] = 1;
    pages -= p ? n : 0;
  }
  write(ready, &token, 1);
  while (read(utest_hold_pipe[0], &token, 1) > 0)
    ;
  exit(token == UTEST_HOLDER_READY ? UTEST_HOLDER_OK : UTEST_NO_CHILD);
}

int utest_hold_frames(unsigned max_free)
{
  struct memstat st;
  int ready[2], pid;
  char token;

  if (utest_hold_pipe[1] < 0 && pipe(utest_hold_pipe) != 0)
    return -1;
  for (;;) {
    memstat(&st);
    if (st.free_pages <= max_free)
      return utest_nholders;
    if (utest_nholders == UTEST_HOLDERS_MAX || pipe(ready) != 0)
      return -1;
    pid = fork();
    if (pid == 0) {
      close(ready[0]);
      utest_holder(st.free_pages - max_free, ready[1]);
    }
    close(ready[1]);
    token = 0;
    if (pid > 0) {
      utest_holders[utest_nholders++] = pid;
      read(ready[0], &token, 1);
    }
    close(ready[0]);
    if (token != UTEST_HOLDER_READY)
      return -1;
  }
}

int utest_release_frames(void)
{
  int bad = 0, status;
  for (int i = 0; i < 2; i++) {
    if (utest_hold_pipe[i] >= 0)
      close(utest_hold_pipe[i]);
    utest_hold_pipe[i] = -1;
  }
  for (int i = 0; i < utest_nholders; i++)
    if (waitpid(utest_holders[i], &status) != utest_holders[i] || status != UTEST_HOLDER_OK)
      bad = 1;
  utest_nholders = 0;
  return bad ? -1 : 0;
}

void utest_release_check(const char *name, int holders)
{
  int released = utest_release_frames();
  if (holders != 0)
    utest_check(name, holders > 0 && released == 0,
                "%d frame holder processes (-1: one failed to take its frames); release %d", holders,
                released);
}

/* ---- bytes and numbers ---- */

int utest_read_full(int fd, void *buf, int n)
{
  int got = 0, r;
  while (got < n) {
    r = read(fd, (char *)buf + got, n - got);
    if (r <= 0)
      break;
    got += r;
  }
  return got;
}

int utest_write_full(int fd, const void *buf, int n)
{
  int done = 0, r;
  while (done < n) {
    r = write(fd, (const char *)buf + done, n - done);
    if (r <= 0)
      break;
    done += r;
  }
  return done;
}

int utest_same_bytes(const void *a, const void *b, int n)
{
  const unsigned char *x = a, *y = b;
  for (int i = 0; i < n; i++)
    if (x[i] != y[i])
      return 0;
  return 1;
}

char *utest_utoa(unsigned v, char *buf)
{
  char tmp[UTEST_NUM_LEN];
  int n = 0, i = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0)
    buf[i++] = tmp[--n];
  buf[i] = '\0';
  return buf;
}

char *utest_itoa(int v, char *buf)
{
  if (v >= 0)
    return utest_utoa((unsigned)v, buf);
  buf[0] = '-';
  utest_utoa(0u - (unsigned)v, buf + 1);
  return buf;
}

/* ---- children ---- */

#define UTEST_ZOMBIE_TICKS (2 * HZ)   /* far longer than any exit takes */

int utest_zombie(int code)
{
  int eof[2], pid;
  char c;

  if (pipe(eof) < 0)
    return -1;
  pid = fork();
  if (pid == 0)
    exit(code);
  close(eof[1]);
  if (pid > 0)
    read(eof[0], &c, 1);
  close(eof[0]);
  /* EOF comes when exit closes the child's files, before its address space is gone; kill()
   * fails only once it is a zombie (killing a process on its way out changes nothing). */
  for (int t = 0; pid > 0 && t < UTEST_ZOMBIE_TICKS && kill(pid) == 0; t++)
    sleep(1);
  return pid;
}

void utest_spin(void)
{
  volatile unsigned spin = 0;
  for (;;)
    spin++;
}

int utest_run_child(const struct utest_child *c)
{
  int go[2], res[2], pid, status, got;
  char token = 'g';

  if (c->got_report)
    *c->got_report = 0;
  if (pipe(go) < 0)
    return UTEST_NO_CHILD;
  if (pipe(res) < 0) {
    close(go[0]);
    close(go[1]);
    return UTEST_NO_CHILD;
  }
  pid = c->policy == UTEST_PLAIN_FORK ? fork() : xfork(c->policy);
  if (pid == 0) {
    close(go[1]);
    close(res[0]);
    if (read(go[0], &token, 1) != 1)
      exit(UTEST_NO_CHILD);
    c->body(c->report);
    write(res[1], c->report, c->size);
    exit(0);
  }
  if (c->after_fork)
    memstat(c->after_fork);
  if (c->parent_hook && pid > 0)
    c->parent_hook();
  status = UTEST_NO_CHILD;
  close(go[0]);
  close(res[1]);
  if (pid > 0) {
    write(go[1], &token, 1);
    close(go[1]);
    if (waitpid(pid, &status) != pid)
      status = UTEST_NO_CHILD;
  } else {
    close(go[1]);
  }
  if (c->got_report) {
    *c->got_report = utest_read_full(res[0], c->report, c->size) == c->size;
  } else if (status == 0) {
    got = utest_read_full(res[0], c->report, c->size);
    if (got != c->size)
      status = UTEST_NO_CHILD;
  }
  close(res[0]);
  return status;
}

#define UTEST_PATTERN_MUL 2654435761u   /* Knuth's multiplicative hash constant */

unsigned utest_pattern_word(unsigned tag, unsigned w)
{
  return (tag << 24) ^ (w * UTEST_PATTERN_MUL);
}

void utest_pattern_fill(unsigned *buf, unsigned nwords, unsigned tag)
{
  for (unsigned w = 0; w < nwords; w++)
    buf[w] = utest_pattern_word(tag, w);
}

int utest_pattern_find_bad(const unsigned *buf, unsigned nwords, unsigned tag, unsigned *seen)
{
  for (unsigned w = 0; w < nwords; w++) {
    if (buf[w] != utest_pattern_word(tag, w)) {
      *seen = buf[w];
      return (int)w;
    }
  }
  return -1;
}

#define UTEST_SEED_ID_MUL  0x9E3779B1u  /* golden-ratio constants: spread id and fill number */
#define UTEST_SEED_N_MUL   0x85EBCA6Bu
#define UTEST_SEED_SALT    0x5EEDu
#define UTEST_PAGE_WORDS   (PGSIZE / 4)

unsigned utest_seed_word(unsigned id, unsigned n)
{
  return id * UTEST_SEED_ID_MUL ^ n * UTEST_SEED_N_MUL ^ UTEST_SEED_SALT;
}

void utest_page_fill(unsigned *page, unsigned seed)
{
  for (unsigned w = 0; w < UTEST_PAGE_WORDS; w++)
    page[w] = seed + w;
}

int utest_page_find_bad(const unsigned *page, unsigned seed, unsigned *seen)
{
  for (unsigned w = 0; w < UTEST_PAGE_WORDS; w++) {
    if (page[w] != seed + w) {
      *seen = page[w];
      return (int)w;
    }
  }
  return -1;
}
