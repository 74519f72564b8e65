/*
 * pipe.h - kernel pipes: a PIPE_SIZE-byte ring between a read end and a write end.
 */
#ifndef FS_PIPE_H
#define FS_PIPE_H
#include <stdint.h>

#define PIPE_SIZE 2048

struct file;
struct pipe;

/* Make a pipe and its two open files; -1 when out of kernel memory. */
int pipe_create(struct file **rd, struct file **wr);
/* One end is closed for good (its last file reference went away). */
void pipe_close_end(struct pipe *p, int writer);
/* Block until data or no writers; copy up to n bytes to user memory. 0 at end of file, -1 on error. */
int pipe_read(struct pipe *p, uint32_t uva, int n);
/* Copy n bytes from user memory, blocking while full; -1 when no reader is left or on a bad buffer.
 * Up to PIPE_SIZE bytes go in whole, never interleaved with another writer's. */
int pipe_write(struct pipe *p, uint32_t uva, int n);

#endif
