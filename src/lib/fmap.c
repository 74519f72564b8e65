/*
 * fmap.c - the user pool's reference counts as text: whole-pool grids and
 * frame lists, one character per cell, coloured with ANSI SGR sequences
 * (VGA shows them, serial gets the bare characters).
 */
#include "fmap.h"
#include "user.h"
#include "lib/fmt.h"

#define FMAP_SCAN      512     /* frames asked for per framesnap call (a stack buffer) */
#define FMAP_LINE      96      /* one formatted line */
#define FMAP_TWO_REFS  2
#define FMAP_MANY_REFS 3
#define FMAP_SIG_MUL   31      /* the cell checksum: sig = sig * 31 + count + 1 over its frames */

static const char fmap_chars[FMAP_KINDS] = { '.', '1', '2', '3' };

/* SGR colours of the kinds: grey dot on black, black on green, black on brown, white on red. */
static const char *const fmap_kind_sgr[FMAP_KINDS] = {
  "\033[90;40m", "\033[30;42m", "\033[30;43m", "\033[97;41m",
};
#define FMAP_SGR_CHANGED "\033[93m"
#define FMAP_SGR_MARKED  "\033[96m"
#define FMAP_SGR_RESET   "\033[0m"

/* ---- output ---- */

void fmap_out_fd(struct fmap_out *o, int fd)
{
  o->buf = 0, o->size = o->len = 0, o->fd = fd, o->colour = 1, o->chunk_len = 0;
}

void fmap_out_buf(struct fmap_out *o, char *buf, unsigned size, int colour)
{
  o->buf = buf, o->size = size, o->len = 0, o->fd = -1, o->colour = colour, o->chunk_len = 0;
  if (size)
    buf[0] = 0;
}

void fmap_out_flush(struct fmap_out *o)
{
  if (!o->buf && o->chunk_len)
    write(o->fd, o->chunk, (int)o->chunk_len);
  o->chunk_len = 0;
}

/* Append n bytes of s. */
static void fmap_put(struct fmap_out *o, const char *s, unsigned n)
{
  for (unsigned i = 0; i < n; i++) {
    if (o->buf) {
      if (o->len + 1 < o->size) {
        o->buf[o->len++] = s[i];
        o->buf[o->len] = 0;
      }
      continue;
    }
    o->chunk[o->chunk_len++] = s[i];
    if (o->chunk_len == FMAP_OUT_CHUNK)
      fmap_out_flush(o);
  }
}

static void fmap_puts(struct fmap_out *o, const char *s)
{
  fmap_put(o, s, strlen(s));
}

/* Append an SGR sequence when the output is coloured. */
static void fmap_sgr(struct fmap_out *o, const char *sgr)
{
  if (o->colour)
    fmap_puts(o, sgr);
}

/* Append formatted text. */
static void fmap_printf(struct fmap_out *o, const char *fmt, ...)
{
  char line[FMAP_LINE];
  va_list ap;
  va_start(ap, fmt);
  fmt_vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  fmap_puts(o, line);
}

/* Append one cell of the given count in its kind's colour (set only when the kind changes). */
static void fmap_put_cell(struct fmap_out *o, unsigned count, int *last_kind)
{
  enum fmap_kind k = fmap_kind_of(count);
  if ((int)k != *last_kind)
    fmap_sgr(o, fmap_kind_sgr[k]);
  *last_kind = (int)k;
  fmap_put(o, &fmap_chars[k], 1);
}

/* Append a legend entry: the kind's character in its colour, then label and (when shown) n. */
static void fmap_put_legend(struct fmap_out *o, enum fmap_kind k, const char *label, int show_n, unsigned n)
{
  fmap_puts(o, " ");
  fmap_sgr(o, fmap_kind_sgr[k]);
  fmap_put(o, &fmap_chars[k], 1);
  fmap_sgr(o, FMAP_SGR_RESET);
  if (show_n)
    fmap_printf(o, " %s %u ", label, n);
  else
    fmap_printf(o, " %s ", label);
}

/* Append a row of change markers under the cells whose flag is set, after indent spaces. */
static void fmap_put_markers(struct fmap_out *o, unsigned indent, const unsigned char *changed, unsigned n)
{
  for (unsigned i = 0; i < indent; i++)
    fmap_puts(o, " ");
  fmap_sgr(o, FMAP_SGR_CHANGED);
  unsigned last = 0;
  for (unsigned i = 0; i < n; i++)
    if (changed[i])
      last = i + 1;
  for (unsigned i = 0; i < last; i++)
    fmap_put(o, changed[i] ? "^" : " ", 1);
  fmap_sgr(o, FMAP_SGR_RESET);
  fmap_puts(o, "\n");
}

enum fmap_kind fmap_kind_of(unsigned count)
{
  return count == 0 ? FMAP_FREE : count == 1 ? FMAP_ONE : count == FMAP_TWO_REFS ? FMAP_TWO : FMAP_MANY;
}

char fmap_char(unsigned count)
{
  return fmap_chars[fmap_kind_of(count)];
}

/* One framesnap call; returns its result (base, frames and zero: its answers, where not 0). */
static int fmap_snap(int pid, unsigned start, unsigned count, unsigned char *buf, unsigned *base,
                     unsigned *frames, unsigned *zero)
{
  struct framesnap s;
  s.mode = pid ? FRAMESNAP_PROC : FRAMESNAP_POOL;
  s.pid = pid, s.start = start, s.count = count, s.buf = buf;
  int r = framesnap(&s);
  if (r >= 0 && base)
    *base = s.pool_base, *frames = s.pool_frames;
  if (r >= 0 && zero)
    *zero = s.zero_pages;
  return r;
}

/* ---- whole-pool grids ---- */

int fmap_grid_init(struct fmap_grid *g, int pid, unsigned first, unsigned frames)
{
  memset(g, 0, sizeof *g);
  g->pid = pid;
  if (fmap_snap(0, 0, 0, 0, &g->pool_base, &g->pool_frames, 0) < 0 || first >= g->pool_frames)
    return -1;
  if (frames == 0 || frames > g->pool_frames - first)
    frames = g->pool_frames - first;
  g->first = first, g->frames = frames;
  g->per_cell = (frames + FMAP_CELLS_MAX - 1) / FMAP_CELLS_MAX;
  g->cells = (frames + g->per_cell - 1) / g->per_cell;
  return 0;
}

int fmap_grid_update(struct fmap_grid *g)
{
  unsigned char buf[FMAP_SCAN];
  memcpy(g->prev_sig, g->sig, g->cells * sizeof g->sig[0]);
  g->have_prev = g->updated;
  g->updated = 1;
  memset(g->cell, 0, g->cells);
  memset(g->sig, 0, g->cells * sizeof g->sig[0]);
  memset(g->kinds, 0, sizeof g->kinds);
  for (unsigned done = 0; done < g->frames; done += FMAP_SCAN) {
    unsigned n = g->frames - done < FMAP_SCAN ? g->frames - done : FMAP_SCAN;
    if (fmap_snap(g->pid, g->first + done, n, buf, 0, 0, done == 0 ? &g->zero_pages : 0) < 0)
      return -1;
    for (unsigned i = 0; i < n; i++) {
      unsigned c = (done + i) / g->per_cell;
      g->kinds[fmap_kind_of(buf[i])]++;
      g->sig[c] = (unsigned short)(g->sig[c] * FMAP_SIG_MUL + buf[i] + 1);
      if (buf[i] > g->cell[c])
        g->cell[c] = buf[i];
    }
  }
  return 0;
}

void fmap_grid_render(const struct fmap_grid *g, struct fmap_out *o)
{
  unsigned char changed[FMAP_COLS];
  if (g->pid)
    fmap_printf(o, "[framemap] pid %d's frames among pool frames %u-%u: 1 cell = %u frame%s\n", g->pid,
                g->first, g->first + g->frames - 1, g->per_cell, g->per_cell == 1 ? "" : "s");
  else
    fmap_printf(o, "[framemap] user pool frames %u-%u of %u: 1 cell = %u frame%s (highest count)\n",
                g->first, g->first + g->frames - 1, g->pool_frames, g->per_cell, g->per_cell == 1 ? "" : "s");
  fmap_put_legend(o, FMAP_FREE, g->pid ? "not mapped" : "free", 1, g->kinds[FMAP_FREE]);
  fmap_put_legend(o, FMAP_ONE, g->pid ? "private" : "one ref", 1, g->kinds[FMAP_ONE]);
  fmap_put_legend(o, FMAP_TWO, g->pid ? "shared by 2" : "two refs", 1, g->kinds[FMAP_TWO]);
  fmap_put_legend(o, FMAP_MANY, g->pid ? "by 3+" : "three+", 1, g->kinds[FMAP_MANY]);
  fmap_sgr(o, FMAP_SGR_CHANGED);
  fmap_puts(o, " ^ changed\n");
  fmap_sgr(o, FMAP_SGR_RESET);
  fmap_printf(o, "  Z zero frame: %u page%s map it (read-only, no pool frame, no count)\n", g->zero_pages,
              g->zero_pages == 1 ? "" : "s");
  fmap_sgr(o, FMAP_SGR_RESET);
  for (unsigned row = 0; row * FMAP_COLS < g->cells; row++) {
    unsigned c0 = row * FMAP_COLS, n = g->cells - c0 < FMAP_COLS ? g->cells - c0 : FMAP_COLS;
    int last_kind = -1, any = 0;
    fmap_printf(o, "0x%08x ", g->pool_base + (g->first + c0 * g->per_cell) * PGSIZE);
    for (unsigned i = 0; i < n; i++) {
      fmap_put_cell(o, g->cell[c0 + i], &last_kind);
      changed[i] = g->have_prev && g->sig[c0 + i] != g->prev_sig[c0 + i];
      any |= changed[i];
    }
    fmap_sgr(o, FMAP_SGR_RESET);
    fmap_puts(o, "\n");
    if (any)
      fmap_put_markers(o, FMAP_ADDR_WIDTH, changed, n);
  }
}

/* ---- frame lists ---- */

int fmap_list_init(struct fmap_list *l, const char *mark_name)
{
  memset(l, 0, sizeof *l);
  l->mark_name = mark_name;
  return fmap_snap(0, 0, 0, 0, &l->pool_base, &l->pool_frames, 0) < 0 ? -1 : 0;
}

void fmap_list_set_pid(struct fmap_list *l, int slot, int pid, unsigned mark_pa)
{
  if (slot < 0 || slot >= FMAP_LIST_PIDS)
    return;
  l->pid[slot] = pid;
  l->mark[slot] = mark_pa & ~(unsigned)(PGSIZE - 1);
  if (slot >= l->npids)
    l->npids = slot + 1;
}

/* The entry for pool frame f, inserted (fresh) in order when missing; 0 when the list is full. */
static struct fmap_entry *fmap_list_entry(struct fmap_list *l, unsigned f)
{
  unsigned i = 0;
  while (i < l->n && l->e[i].frame < f)
    i++;
  if (i < l->n && l->e[i].frame == f)
    return &l->e[i];
  if (l->n == FMAP_LIST_MAX) {
    l->dropped++;
    return 0;
  }
  for (unsigned j = l->n; j > i; j--)
    l->e[j] = l->e[j - 1];
  l->n++;
  memset(&l->e[i], 0, sizeof l->e[i]);
  l->e[i].frame = f;
  l->e[i].fresh = 1;
  return &l->e[i];
}

int fmap_list_update(struct fmap_list *l)
{
  unsigned char buf[FMAP_SCAN];
  for (unsigned i = 0; i < l->n; i++) {
    struct fmap_entry *e = &l->e[i];
    e->old_count = e->count, e->old_mapped = e->mapped, e->fresh = 0, e->mapped = 0;
  }
  l->dropped = 0;
  for (int s = 0; s < l->npids; s++) {
    for (unsigned done = 0; l->pid[s] && done < l->pool_frames; done += FMAP_SCAN) {
      unsigned n = l->pool_frames - done < FMAP_SCAN ? l->pool_frames - done : FMAP_SCAN;
      if (fmap_snap(l->pid[s], done, n, buf, 0, 0, 0) < 0)
        break;                                    /* the process is gone: it maps nothing */
      for (unsigned i = 0; i < n; i++) {
        struct fmap_entry *e = buf[i] ? fmap_list_entry(l, done + i) : 0;
        if (e)
          e->mapped |= (unsigned char)(1u << s);
      }
    }
  }
  for (unsigned i = 0; i < l->n; i++) {
    struct fmap_entry *e = &l->e[i];
    if (fmap_snap(0, e->frame, 1, &e->count, 0, 0, 0) < 0)
      return -1;
    e->changed = l->have_prev && (e->fresh || e->count != e->old_count || e->mapped != e->old_mapped);
  }
  l->have_prev = 1;
  return 0;
}

void fmap_list_render(const struct fmap_list *l, const char *title, struct fmap_out *o)
{
  unsigned char changed[FMAP_LIST_MAX];
  int last_kind = -1, any = 0;
  if (l->n == 0) {
    fmap_printf(o, "[map] %s: no frames\n", title);
    return;
  }
  fmap_printf(o, "[map] %s\n", title);
  fmap_printf(o, "%-8s", "count");          /* FMAP_LABEL_WIDTH */
  for (unsigned i = 0; i < l->n; i++) {
    fmap_put_cell(o, l->e[i].count, &last_kind);
    changed[i] = l->e[i].changed;
    any |= changed[i];
  }
  fmap_sgr(o, FMAP_SGR_RESET);
  fmap_puts(o, "\n");
  for (int s = 0; s < l->npids; s++) {
    char label[FMAP_LABEL_WIDTH + 1];
    fmt_snprintf(label, sizeof label, "pid %d", l->pid[s]);
    fmap_printf(o, "%-8s", label);
    for (unsigned i = 0; i < l->n; i++) {
      unsigned pa = l->pool_base + l->e[i].frame * PGSIZE;
      if (!(l->e[i].mapped & (1u << s))) {
        fmap_puts(o, " ");
      } else if (l->mark[s] && pa == l->mark[s]) {
        fmap_sgr(o, FMAP_SGR_MARKED);
        fmap_put(o, (const char[]){ FMAP_CHAR_MARKED }, 1);
        fmap_sgr(o, FMAP_SGR_RESET);
      } else {
        fmap_put(o, (const char[]){ FMAP_CHAR_MAPPED }, 1);
      }
    }
    fmap_puts(o, "\n");
  }
  if (any)
    fmap_put_markers(o, FMAP_LABEL_WIDTH, changed, l->n);
  fmap_put_legend(o, FMAP_FREE, "free", 0, 0);
  fmap_put_legend(o, FMAP_ONE, "one ref", 0, 0);
  fmap_put_legend(o, FMAP_TWO, "two refs", 0, 0);
  fmap_put_legend(o, FMAP_MANY, "three+", 0, 0);
  fmap_printf(o, " # mapped ");
  fmap_sgr(o, FMAP_SGR_MARKED);
  fmap_put(o, (const char[]){ FMAP_CHAR_MARKED }, 1);
  fmap_sgr(o, FMAP_SGR_RESET);
  fmap_printf(o, " %s ", l->mark_name ? l->mark_name : "marked");
  fmap_sgr(o, FMAP_SGR_CHANGED);
  fmap_puts(o, "^ changed\n");
  fmap_sgr(o, FMAP_SGR_RESET);
  fmap_printf(o, " %u frames 0x%08x-0x%08x", l->n, l->pool_base + l->e[0].frame * PGSIZE,
              l->pool_base + l->e[l->n - 1].frame * PGSIZE);
  for (int s = 0, first = 1; s < l->npids; s++)
    if (l->mark[s]) {
      fmap_printf(o, "%s pid %d 0x%08x", first ? "; D:" : ",", l->pid[s], l->mark[s]);
      first = 0;
    }
  fmap_puts(o, "\n");
  if (l->dropped)
    fmap_printf(o, "        (%u more frames not shown)\n", l->dropped);
}
