/*
 * file.h - open files: the console and pipe ends, shared by fork.
 */
#ifndef FS_FILE_H
#define FS_FILE_H
#include <stdint.h>

enum file_type { FILE_CONSOLE_IN, FILE_CONSOLE_OUT, FILE_PIPE_READ, FILE_PIPE_WRITE };

struct pipe;

struct file {
  enum file_type type;
  int refs;
  struct pipe *pipe;
};

/* The console files every process starts with (fds 0, 1, 2). */
struct file *file_console_in(void);
struct file *file_console_out(void);
/* One more reference to f (fork). */
struct file *file_dup(struct file *f);
/* Drop a reference; the last one closes the pipe end. */
void file_close(struct file *f);
/* Read up to n bytes into the user buffer at uva; -1 on a bad buffer or a killed reader. */
int file_read(struct file *f, uint32_t uva, int n);
/* Write n bytes from the user buffer at uva; -1 on a bad buffer or a pipe with no readers. */
int file_write(struct file *f, uint32_t uva, int n);

#endif
