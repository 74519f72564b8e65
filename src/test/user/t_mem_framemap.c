/*
 * t_mem_framemap - the framesnap snapshot and its frame map tell the truth.
 *
 * A scenario owns FM_PAGES heap pages. Before fork, after fork, after the
 * child copies half of them, after the child exits and after the parent's
 * reuse: the whole-pool snapshot agrees with memstat (free and shared
 * counts), the process view of each process agrees with vtop over every
 * page it has, and the serial rendering of the map (the library's text,
 * without colour) shows each owned frame's cell with the right character,
 * with '^' under exactly the cells that changed; the whole-pool map, whose
 * cells group frames, shows the same for the cells holding them. A snapshot taken in
 * one call equals one taken in pieces across the kernel's chunk
 * boundaries; the coloured rendering stripped of its SGR sequences is the
 * plain one. Bad pointers, modes, pids and ranges get -1 and nothing is
 * written (a guard pattern stays).
 */
#include "user.h"
#include "test/utest.h"
#include "fmap.h"
#include "lib/fmt.h"

#define FM_PAGES        8
#define FM_HALF         (FM_PAGES / 2)
#define FM_TEXT_START   0x08048000u
#define FM_STACK_TOP    0xC0000000u
#define FM_STACK_PAGES  8
#define FM_KERNEL_VA    0xC0000000u
#define FM_RENDER       8192
#define FM_GUARD        0xA5
#define FM_GUARD_LEN    64
#define FM_GUARD_WORD   0xA5A5A5A5u
#define FM_NO_PID       99999
#define FM_BAD_MODE     7
#define FM_CHUNK        512      /* the kernel's FRAMESNAP_CHUNK: pieces straddle it */
#define FM_TAG          0xF7A0u
#define FM_UNWRITTEN    0xEE     /* a snapshot byte the kernel never wrote */

static unsigned fm_base, fm_frames;
static unsigned char *fm_pool, *fm_proc;      /* fm_frames bytes each, on the heap */
static char *fm_pages;                         /* the scenario's FM_PAGES pages */
static char fm_text[FM_RENDER];
static struct fmap_grid fm_grid;        /* the scenario's frames, one frame per cell */
static struct fmap_grid fm_whole;       /* the whole pool, frames grouped into cells */

/* Pool index of the frame behind va, or fm_frames when unmapped. */
static unsigned fm_index(const void *va)
{
  unsigned pa = vtop(va);
  return pa ? (pa - fm_base) / PGSIZE : fm_frames;
}

/* name = "framemap_" step suffix. */
static void fm_name(char *name, const char *step, const char *suffix)
{
  fmt_snprintf(name, UTEST_NAME_MAX, "framemap_%s%s", step, suffix);
}

/* One framesnap call into buf. */
static int fm_snap(unsigned mode, int pid, unsigned start, unsigned count, unsigned char *buf)
{
  struct framesnap s = { mode, pid, start, count, buf, 0, 0, 0 };
  return framesnap(&s);
}

/* Write every page the checks will write, so no COW fault changes a count while they look. */
static void fm_settle(void)
{
  utest_touch_stack();
  memset(fm_pool, 0, fm_frames);
  memset(fm_proc, 0, fm_frames);
  memset(fm_text, 0, sizeof fm_text);
  volatile char *grid = (volatile char *)&fm_grid, *whole = (volatile char *)&fm_whole;
  grid[0] = grid[0];
  grid[sizeof fm_grid - 1] = grid[sizeof fm_grid - 1];
  whole[0] = whole[0];
  whole[sizeof fm_whole - 1] = whole[sizeof fm_whole - 1];
}

/* Check the pool snapshot against memstat and process pid's view against the pool snapshot and
 * (for ourselves) vtop over every page we have. */
static void fm_agree(const char *step, int pid, int self)
{
  char name[UTEST_NAME_MAX];
  struct memstat st;
  unsigned zeros = 0, shared = 0, mapped = 0, wrong = 0, first_wrong = 0;
  memset(fm_pool, FM_UNWRITTEN, fm_frames);
  int r = fm_snap(FRAMESNAP_POOL, 0, 0, fm_frames, fm_pool);
  memstat(&st);
  for (unsigned i = 0; i < fm_frames; i++)
    zeros += fm_pool[i] == 0, shared += fm_pool[i] >= 2;
  fm_name(name, step, "_free");
  utest_check(name, r == (int)fm_frames && zeros == st.free_pages + (fm_frames - st.total_pages),
              "framesnap %d, %u frames at 0 but memstat free %u (%u frames, %u RAM)", r, zeros, st.free_pages,
              fm_frames, st.total_pages);
  fm_name(name, step, "_shared");
  utest_check(name, shared == st.shared_pages, "%u frames above 1 but memstat shared %u", shared, st.shared_pages);

  memset(fm_proc, FM_UNWRITTEN, fm_frames);
  r = fm_snap(FRAMESNAP_PROC, pid, 0, fm_frames, fm_proc);
  for (unsigned i = 0; i < fm_frames; i++) {
    if (!fm_proc[i])
      continue;
    mapped++;
    if (fm_proc[i] != fm_pool[i] && !wrong++)
      first_wrong = i;
  }
  fm_name(name, step, "_proc_counts");
  utest_check(name, r == (int)fm_frames && mapped > 0 && wrong == 0,
              "framesnap %d, %u frames mapped, %u disagree with the pool (first %u: %u vs %u)", r, mapped, wrong,
              first_wrong, fm_proc[first_wrong], fm_pool[first_wrong]);
  if (!self)
    return;
  unsigned seen = 0, missing = 0, first_missing = 0;
  unsigned heap_end = ((unsigned)sbrk(0) + PGSIZE - 1) & ~(unsigned)(PGSIZE - 1);
  unsigned ranges[2][2] = { { FM_TEXT_START, heap_end }, { FM_STACK_TOP - FM_STACK_PAGES * PGSIZE, FM_STACK_TOP } };
  for (int k = 0; k < 2; k++)
    for (unsigned va = ranges[k][0]; va < ranges[k][1]; va += PGSIZE) {
      unsigned idx = fm_index((const void *)va);
      if (idx >= fm_frames)
        continue;
      seen++;
      if (!fm_proc[idx] && !missing++)
        first_missing = va;
    }
  fm_name(name, step, "_proc_vtop");
  utest_check(name, missing == 0 && seen == mapped,
              "vtop finds %u frames, the process view %u; %u not in the view (first va 0x%08x)", seen, mapped,
              missing, first_missing);
}

/* The start of the text line for grid row `row` in fm_text, or 0. */
static const char *fm_find_row(const struct fmap_grid *g, unsigned row)
{
  char label[FMAP_ADDR_WIDTH + 1];
  fmt_snprintf(label, sizeof label, "0x%08x ",
               g->pool_base + (g->first + row * FMAP_COLS * g->per_cell) * PGSIZE);
  for (const char *line = fm_text; *line;) {
    if (utest_same_bytes(line, label, FMAP_ADDR_WIDTH))
      return line;
    while (*line && *line != '\n')
      line++;
    if (*line)
      line++;
  }
  return 0;
}

/* Non-zero when the line after `line` is a marker row with '^' at column pos. */
static int fm_marked(const char *line, unsigned pos)
{
  while (*line && *line != '\n')
    line++;
  if (!*line++)
    return 0;
  for (unsigned i = 0; i < FMAP_ADDR_WIDTH; i++)
    if (line[i] != ' ')
      return 0;
  for (unsigned i = 0; i < pos; i++)
    if (!line[i] || line[i] == '\n')
      return 0;
  return line[pos] == FMAP_CHAR_CHANGED;
}

/* Take a new map, render it as serial text and check, for each of the n frames idx[], that its
 * cell shows want[i] and carries a change marker exactly when marked[i]. */
static void fm_check_grid(const char *name, struct fmap_grid *g, unsigned per_cell, const unsigned *idx,
                          const char *want, const char *marked, int n)
{
  struct fmap_out o;
  int bad = 0, r = fmap_grid_update(g);
  char got = 0, got_mark = 0;
  unsigned at = 0;
  fmap_out_buf(&o, fm_text, sizeof fm_text, 0);
  fmap_grid_render(g, &o);
  for (int i = 0; i < n && !bad; i++) {
    unsigned cell = (idx[i] - g->first) / g->per_cell;
    const char *line = fm_find_row(g, cell / FMAP_COLS);
    at = idx[i];
    got = line ? line[FMAP_ADDR_WIDTH + cell % FMAP_COLS] : 0;
    got_mark = line ? (char)fm_marked(line, FMAP_ADDR_WIDTH + cell % FMAP_COLS) : 0;
    if (got != want[i] || !got_mark != !marked[i])
      bad = i + 1;
  }
  utest_check(name, r == 0 && g->per_cell == per_cell && !bad,
              "update %d, %u frames per cell (want %u); frame %u shows '%c' (want '%c'), marker %d (want %d)", r,
              g->per_cell, per_cell, at, got ? got : '?', bad ? want[bad - 1] : '-', got_mark,
              bad ? marked[bad - 1] : 0);
}

/* fm_check_grid on the scenario's grid, one frame per cell. */
static void fm_check_cells(const char *step, const unsigned *idx, const char *want, const char *marked, int n)
{
  char name[UTEST_NAME_MAX];
  fm_name(name, step, "_cells");
  fm_check_grid(name, &fm_grid, 1, idx, want, marked, n);
}

/* Check each of the n frames idx[] has count want[i] in snapshot snap (fm_pool or fm_proc). */
static void fm_check_owned(const char *step, const unsigned char *snap, const unsigned *idx,
                           const unsigned char *want, int n)
{
  char name[UTEST_NAME_MAX];
  int bad = -1;
  for (int i = 0; i < n && bad < 0; i++)
    if (idx[i] >= fm_frames || snap[idx[i]] != want[i])
      bad = i;
  fm_name(name, step, "_owned");
  utest_check(name, bad < 0, "frame %u (page %d) has count %u, want %u", bad < 0 ? 0 : idx[bad], bad,
              bad < 0 || idx[bad] >= fm_frames ? 0 : snap[idx[bad]], bad < 0 ? 0 : want[bad]);
}

/* A snapshot in pieces that straddle the kernel's chunk boundaries equals one in a single call. */
static void fm_check_pieces(void)
{
  static const unsigned sizes[] = { 1, FM_CHUNK - 1, FM_CHUNK, FM_CHUNK + 1, 2 * FM_CHUNK + 3 };
  unsigned start = 0, k = 0, differ = fm_frames;
  int r = 0;
  memset(fm_proc, FM_UNWRITTEN, fm_frames);
  while (start < fm_frames && r >= 0) {
    unsigned n = sizes[k++ % (sizeof sizes / sizeof sizes[0])];
    n = n > fm_frames - start ? fm_frames - start : n;
    r = fm_snap(FRAMESNAP_POOL, 0, start, n, fm_proc + start);
    start += n;
  }
  for (unsigned i = 0; i < fm_frames && differ == fm_frames; i++)
    if (fm_proc[i] != fm_pool[i])
      differ = i;
  utest_check("framemap_pieces", r >= 0 && differ == fm_frames,
              "last call %d; first difference at frame %u: %u in pieces, %u in one call", r, differ,
              differ < fm_frames ? fm_proc[differ] : 0, differ < fm_frames ? fm_pool[differ] : 0);
}

/* The coloured rendering with its SGR sequences removed is the plain (serial) one. */
static void fm_check_colour(void)
{
  static char colour[FM_RENDER * 2];
  struct fmap_out o;
  unsigned j = 0, escapes = 0;
  fmap_out_buf(&o, fm_text, sizeof fm_text, 0);
  fmap_grid_render(&fm_grid, &o);
  fmap_out_buf(&o, colour, sizeof colour, 1);
  fmap_grid_render(&fm_grid, &o);
  for (unsigned i = 0; colour[i]; i++) {
    if (colour[i] == '\033') {
      escapes++;
      while (colour[i] && colour[i] != 'm')
        i++;
      if (!colour[i])
        break;
      continue;
    }
    colour[j++] = colour[i];
  }
  colour[j] = 0;
  utest_check("framemap_colour_is_plain_plus_sgr", escapes > 0 && strcmp(colour, fm_text) == 0,
              "%u escapes; stripped text %u bytes, plain %u bytes", escapes, strlen(colour), strlen(fm_text));
}

/* One bad request: -1, and neither the guard bytes at buf nor the request's out fields written. */
static void fm_bad(const char *what, unsigned mode, int pid, unsigned start, unsigned count, unsigned char *buf,
                   unsigned char *guard)
{
  char name[UTEST_NAME_MAX];
  struct framesnap s = { mode, pid, start, count, buf, FM_GUARD_WORD, FM_GUARD_WORD, FM_GUARD_WORD };
  int kept = 1;
  memset(guard, FM_GUARD, FM_GUARD_LEN);
  int r = framesnap(&s);
  for (int i = 0; i < FM_GUARD_LEN; i++)
    kept &= guard[i] == FM_GUARD;
  fm_name(name, "bad_", what);
  utest_check(name, r == -1 && kept && s.pool_base == FM_GUARD_WORD && s.pool_frames == FM_GUARD_WORD,
              "framesnap %d, guard %s, out fields 0x%x 0x%x", r, kept ? "kept" : "written", s.pool_base,
              s.pool_frames);
}

/* Bad pointers, modes, pids and ranges. */
static void fm_check_bad(void)
{
  unsigned char *g = fm_proc;
  unsigned char *heap_end = (unsigned char *)sbrk(0);
  int zombie = utest_zombie(0);
  fm_bad("mode", FM_BAD_MODE, 0, 0, 1, g, g);
  fm_bad("start_past_end", FRAMESNAP_POOL, 0, fm_frames, 1, g, g);
  fm_bad("start_far", FRAMESNAP_POOL, 0, fm_frames + 1, 0, g, g);
  fm_bad("count_past_end", FRAMESNAP_POOL, 0, 0, fm_frames + 1, g, g);
  fm_bad("count_wraps", FRAMESNAP_POOL, 0, 1, 0xFFFFFFFFu, g, g);
  fm_bad("pid_none", FRAMESNAP_PROC, FM_NO_PID, 0, 1, g, g);
  fm_bad("pid_zero", FRAMESNAP_PROC, 0, 0, 1, g, g);
  fm_bad("pid_zombie", FRAMESNAP_PROC, zombie, 0, 1, g, g);
  fm_bad("buf_null", FRAMESNAP_POOL, 0, 0, 1, 0, g);
  fm_bad("buf_kernel", FRAMESNAP_POOL, 0, 0, 1, (unsigned char *)FM_KERNEL_VA, g);
  fm_bad("buf_text", FRAMESNAP_POOL, 0, 0, 1, (unsigned char *)FM_TEXT_START, g);
  fm_bad("buf_past_heap", FRAMESNAP_POOL, 0, 0, FM_GUARD_LEN, heap_end - FM_GUARD_LEN / 2,
         heap_end - FM_GUARD_LEN / 2 - FM_GUARD_LEN / 2);
  if (zombie > 0)
    waitpid(zombie, 0);

  struct framesnap *past = (struct framesnap *)(heap_end - sizeof(struct framesnap) / 2);
  utest_check("framemap_bad_request_null", framesnap(0) == -1, "framesnap(0) did not fail");
  utest_check("framemap_bad_request_kernel", framesnap((struct framesnap *)FM_KERNEL_VA) == -1,
              "a kernel address did not fail");
  utest_check("framemap_bad_request_text", framesnap((struct framesnap *)FM_TEXT_START) == -1,
              "a read-only request did not fail");
  utest_check("framemap_bad_request_past_heap", framesnap(past) == -1, "a request across the break did not fail");

  struct framesnap s = { FRAMESNAP_POOL, 0, fm_frames, 0, 0, 0, 0, 0 };
  int r = framesnap(&s);
  utest_check("framemap_empty_range", r == 0 && s.pool_base == fm_base && s.pool_frames == fm_frames,
              "framesnap %d, base 0x%x frames %u", r, s.pool_base, s.pool_frames);
}

/* The child: make its stack private, say so, copy the first half of the pages when told and
 * report their new frames, then exit when told. */
static void fm_child(int go, int back)
{
  unsigned frames[FM_HALF];
  char c = 0;
  utest_touch_stack();
  write(back, &c, 1);
  read(go, &c, 1);
  for (int p = 0; p < FM_HALF; p++) {
    fm_pages[p * PGSIZE] = (char)p;
    frames[p] = fm_index(fm_pages + p * PGSIZE);
  }
  write(back, frames, sizeof frames);
  read(go, &c, 1);
  exit(0);
}

int main(int argc, char *argv[])
{
  (void)argc, (void)argv;
  struct framesnap info = { FRAMESNAP_POOL, 0, 0, 0, 0, 0, 0, 0 };
  unsigned idx[FM_PAGES + FM_HALF], vt[FM_PAGES];
  unsigned char want[FM_PAGES + FM_HALF];
  char chars[FM_PAGES], marks[FM_PAGES];
  int go[2], back[2], r = framesnap(&info);
  char c;
  fm_base = info.pool_base, fm_frames = info.pool_frames;
  if (!utest_check("framemap_info", r == 0 && fm_frames > 0, "framesnap %d, %u frames", r, fm_frames))
    return utest_status();
  int buf_pages = (int)((fm_frames + PGSIZE - 1) / PGSIZE);
  fm_pool = (unsigned char *)utest_heap_pages(buf_pages);
  fm_proc = (unsigned char *)utest_heap_pages(buf_pages);
  fm_pages = utest_heap_pages(FM_PAGES);
  if (!utest_check("framemap_heap", fm_pool && fm_proc && fm_pages && pipe(go) == 0 && pipe(back) == 0,
                   "no heap or no pipes"))
    return utest_status();
  unsigned lo = fm_frames, hi = 0;
  for (int p = 0; p < FM_PAGES; p++) {
    fm_pages[p * PGSIZE] = (char)(FM_TAG + p);
    idx[p] = fm_index(fm_pages + p * PGSIZE);
    lo = idx[p] < lo ? idx[p] : lo, hi = idx[p] > hi ? idx[p] : hi;
  }

  /* Before fork: everything ours has one reference. */
  fm_settle();
  fm_agree("before", getpid(), 1);
  fm_check_pieces();
  memset(want, 1, FM_PAGES), memset(chars, '1', FM_PAGES), memset(marks, 0, FM_PAGES);
  fm_check_owned("before", fm_pool, idx, want, FM_PAGES);
  fmap_grid_init(&fm_grid, 0, lo, hi - lo + 1);
  fm_check_cells("before", idx, chars, marks, FM_PAGES);
  fmap_grid_init(&fm_whole, 0, 0, 0);
  unsigned per_cell = (fm_frames + FMAP_CELLS_MAX - 1) / FMAP_CELLS_MAX;
  fm_check_grid("framemap_before_pool_cells", &fm_whole, per_cell, idx, chars, marks, FM_PAGES);
  fm_check_colour();
  fm_check_bad();

  /* After fork: the pages are shared by two, in both processes' views. */
  int child = fork();
  if (child == 0)
    fm_child(go[0], back[1]);
  read(back[0], &c, 1);
  fm_settle();
  fm_agree("fork", getpid(), 1);
  memset(want, 2, FM_PAGES), memset(chars, '2', FM_PAGES), memset(marks, 1, FM_PAGES);
  fm_check_owned("fork", fm_pool, idx, want, FM_PAGES);
  fm_check_cells("fork", idx, chars, marks, FM_PAGES);
  fm_check_grid("framemap_fork_pool_cells", &fm_whole, per_cell, idx, chars, marks, FM_PAGES);
  fm_agree("fork_child", child, 0);
  fm_check_owned("fork_child_view", fm_proc, idx, want, FM_PAGES);   /* fm_proc now: the child's view */

  /* After the child's copy: its copies have one reference, our first half is back to one. */
  write(go[1], "c", 1);
  utest_read_full(back[0], &idx[FM_PAGES], FM_HALF * (int)sizeof(unsigned));
  fm_settle();
  fm_agree("copy", getpid(), 1);
  memset(want, 1, FM_HALF), memset(want + FM_HALF, 2, FM_HALF), memset(want + FM_PAGES, 1, FM_HALF);
  memset(chars, '1', FM_HALF), memset(chars + FM_HALF, '2', FM_HALF);
  memset(marks, 1, FM_HALF), memset(marks + FM_HALF, 0, FM_HALF);
  fm_check_owned("copy", fm_pool, idx, want, FM_PAGES + FM_HALF);
  fm_check_cells("copy", idx, chars, marks, FM_PAGES);
  fm_agree("copy_child", child, 0);
  memset(want, 0, FM_HALF);                                   /* the child no longer maps our first half */
  fm_check_owned("copy_child_view", fm_proc, idx, want, FM_PAGES + FM_HALF);

  /* After the child's exit: ours all have one reference, its copies are free. */
  write(go[1], "x", 1);
  waitpid(child, 0);
  fm_settle();
  fm_agree("exit", getpid(), 1);
  memset(want, 1, FM_PAGES), memset(want + FM_PAGES, 0, FM_HALF);
  memset(chars, '1', FM_PAGES), memset(marks, 0, FM_HALF), memset(marks + FM_HALF, 1, FM_HALF);
  fm_check_owned("exit", fm_pool, idx, want, FM_PAGES + FM_HALF);
  fm_check_cells("exit", idx, chars, marks, FM_PAGES);

  /* The reuse: writing our sole pages changes no frame and no count. */
  for (int p = 0; p < FM_PAGES; p++) {
    vt[p] = idx[p];
    fm_pages[p * PGSIZE] = (char)~p;
    idx[p] = fm_index(fm_pages + p * PGSIZE);
  }
  fm_settle();
  fm_agree("reuse", getpid(), 1);
  utest_check("framemap_reuse_same_frames", utest_same_bytes(vt, idx, sizeof vt), "a page moved to another frame");
  memset(marks, 0, FM_PAGES);
  fm_check_owned("reuse", fm_pool, idx, want, FM_PAGES);
  fm_check_cells("reuse", idx, chars, marks, FM_PAGES);
  close(go[0]), close(go[1]), close(back[0]), close(back[1]);
  return utest_status();
}
