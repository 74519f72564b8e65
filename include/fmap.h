/*
 * fmap.h - drawing the user pool's reference counts (the framemap program,
 * cowdemo and their test).
 *
 * The kernel hands over counts (framesnap); this library turns them into
 * text, one character per cell: '.' free, '1' one reference, '2' two,
 * '3' three or more. With colour on, each kind also gets its own ANSI SGR
 * colour, which the console shows on VGA and strips from serial, so the
 * serial text is the same map without colours. A row with cells that
 * changed since the previous map (any count among the cell's frames) is
 * followed by a row of '^' under them.
 */
#ifndef FMAP_H
#define FMAP_H

#define FMAP_COLS       64                  /* cells per row */
#define FMAP_ROWS       12                  /* rows of a whole-pool grid */
#define FMAP_CELLS_MAX  (FMAP_COLS * FMAP_ROWS)
#define FMAP_ADDR_WIDTH 11                  /* "0x01ff8000 " before the cells of a grid row */
#define FMAP_LABEL_WIDTH 8                  /* "pid 3   " before the cells of a frame list row */

enum fmap_kind { FMAP_FREE, FMAP_ONE, FMAP_TWO, FMAP_MANY, FMAP_KINDS };

#define FMAP_CHAR_CHANGED '^'
#define FMAP_CHAR_MAPPED  '#'               /* frame lists: this process maps the frame */
#define FMAP_CHAR_MARKED  'D'               /* frame lists: ... at the page the caller marked */
#define FMAP_OUT_CHUNK    256

/* Where a rendering goes: a text buffer (buf set; always NUL-terminated) or fd, through a
 * small buffer. colour adds the SGR sequences. */
struct fmap_out {
  char *buf;
  unsigned size, len;
  int fd;
  int colour;
  char chunk[FMAP_OUT_CHUNK];
  unsigned chunk_len;
};

/* An output to fd (colour on) or to buf (colour as asked). */
void fmap_out_fd(struct fmap_out *o, int fd);
void fmap_out_buf(struct fmap_out *o, char *buf, unsigned size, int colour);
/* Write out what an fd output still holds. */
void fmap_out_flush(struct fmap_out *o);

/* The kind of a reference count, and its cell character. */
enum fmap_kind fmap_kind_of(unsigned count);
char fmap_char(unsigned count);

/* A grid of cells over frames [first, first + frames) of the user pool; each cell is the
 * highest count over per_cell frames. pid 0: the pool's counts; otherwise that process's view
 * (a frame it does not map counts as 0). */
struct fmap_grid {
  int pid;
  unsigned pool_base, pool_frames;
  unsigned first, frames, per_cell, cells;
  unsigned kinds[FMAP_KINDS];               /* frames of each kind in the last map */
  unsigned zero_pages;                      /* pages mapping the shared zero frame (no pool frame) */
  unsigned char cell[FMAP_CELLS_MAX];
  unsigned short sig[FMAP_CELLS_MAX];       /* a checksum of the counts of each cell's frames */
  unsigned short prev_sig[FMAP_CELLS_MAX];  /* ... in the previous map: a cell whose differs is marked */
  int updated, have_prev;                   /* a snapshot was taken; the one before it too */
};

/* Set g up for the range (frames 0: from first to the pool's end); -1 when the range or pid is bad. */
int fmap_grid_init(struct fmap_grid *g, int pid, unsigned first, unsigned frames);
/* Take a new snapshot (the last one becomes the previous map); -1 when framesnap fails. */
int fmap_grid_update(struct fmap_grid *g);
/* Header, legend with the counts of each kind, the rows and their change markers. */
void fmap_grid_render(const struct fmap_grid *g, struct fmap_out *o);

#define FMAP_LIST_MAX  FMAP_COLS            /* frames a frame list holds */
#define FMAP_LIST_PIDS 2

/* One frame of a frame list: its count and who maps it now and at the previous update. */
struct fmap_entry {
  unsigned frame;                           /* index in the user pool */
  unsigned char count, mapped;              /* mapped: bit i set when pid[i] maps it */
  unsigned char old_count, old_mapped, fresh, changed;
};

/* The frames a few processes map, one cell per frame in physical order, remembered across
 * updates so a frame that was freed stays on the list (shown free). */
struct fmap_list {
  int npids;
  int pid[FMAP_LIST_PIDS];
  unsigned mark[FMAP_LIST_PIDS];            /* physical frame to show as FMAP_CHAR_MARKED, or 0 */
  const char *mark_name;                    /* what the marked frame is, for the legend */
  unsigned pool_base, pool_frames;
  unsigned n, dropped;                      /* frames on the list; frames that did not fit */
  struct fmap_entry e[FMAP_LIST_MAX];       /* ascending by frame */
  int have_prev;
};

/* An empty list whose marked frames are called mark_name; -1 when framesnap does not answer. */
int fmap_list_init(struct fmap_list *l, const char *mark_name);
/* Set the processes shown (at most FMAP_LIST_PIDS) and the frame marked for each. */
void fmap_list_set_pid(struct fmap_list *l, int slot, int pid, unsigned mark_pa);
/* Add every frame the processes map now and read every listed frame's count; a process that is
 * gone maps nothing. -1 when framesnap fails. */
int fmap_list_update(struct fmap_list *l);
/* Title line, the count row, one row per process, change markers and the legend. */
void fmap_list_render(const struct fmap_list *l, const char *title, struct fmap_out *o);

#endif
