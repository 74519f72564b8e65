/*
 * user.h - the system-call API every user program gets.
 *
 * Programs in src/user/ include this header and link against the user
 * library (src/lib/ulib.c, src/lib/usys.asm, src/lib/fmt.c). The kernel
 * side of each call lives in src/kernel/syscall/syscall.c.
 */
#ifndef USER_H
#define USER_H

#define PGSIZE 4096
#define HZ 100                 /* timer ticks per second */
#define COWTRACE_LINES_PER_SECOND 32   /* [cow] lines the kernel shows a second; it counts the rest */
#define FORK_POLICY_OLD    1   /* eager copy of every user page */
#define FORK_POLICY_COW    2   /* copy-on-write: what fork() does */
#define FORK_POLICY_THREAD 3   /* child shares data, bss and heap writable; private stack */
#define FORK_POLICY_SHARED_PT 4 /* child shares the parent's page tables until one of them writes */
#define EXIT_KILLED (-1)       /* status of a process the kernel killed (it printed why) */

struct memstat {
  unsigned total_pages;        /* frames in the user pool */
  unsigned free_pages;         /* free frames in the user pool */
  unsigned kernel_free_pages;  /* free frames in the kernel pool */
  unsigned cow_faults;         /* write faults on COW pages since boot (user and kernel mode) */
  unsigned cow_copies;         /* ... resolved by copying the frame */
  unsigned cow_reuses;         /* ... resolved by reusing it (reference count was 1) */
  unsigned shared_pages;       /* user frames mapped by more than one page table now */
  unsigned shared_tables;      /* page tables used by more than one address space now */
  unsigned table_copies;       /* shared page tables copied for a writer since boot */
  unsigned table_reuses;       /* shared page tables made private in place (last user) since boot */
};

int fork(void);
int xfork(int policy);         /* -1 for an unknown policy */
void exit(int status) __attribute__((noreturn));
int wait(int *status);         /* any child; -1 if there is none */
int waitpid(int pid, int *status);
int getpid(void);
int getppid(void);
void *sbrk(int increment);     /* (void *)-1 on failure */
int exec(const char *path, char *argv[]);   /* path: a program name, with or without '/' */
int pipe(int fds[2]);
int read(int fd, void *buf, int n);  /* fd 0 (console): up to one line; 0 on Ctrl-D, -1 on Ctrl-C */
int write(int fd, const void *buf, int n);
int close(int fd);
int kill(int pid);
int sleep(int ticks);
int yield(void);
int uptime(void);              /* ticks since boot */
int memstat(struct memstat *st);
int memcheck(void);            /* the kernel's consistency check: number of mismatches */
int cowtrace(int level);       /* the caller's trace: 0 off, 1 one [cow] line per COW decision
                                  (at most COWTRACE_LINES_PER_SECOND over the machine), 2 also one
                                  per TLB shootdown that reached another CPU; children and threads
                                  created afterwards inherit it, exec keeps it; returns the old
                                  level, -1 for another level. Each call first prints the count of
                                  [cow] lines held back, if any, and restarts the second */
int setfg(int pid);            /* the console's foreground process, killed with what it forked by
                                  Ctrl-C: 0 none, the caller or its child; -1 otherwise */
unsigned vtop(const void *va); /* physical address behind va, 0 if unmapped (teaching aid); 0 for a
                                  moment too while another thread's copy-on-write copy replaces
                                  the entry (it is cleared, shot down, then set: see the README) */

/* Threads: several threads of one process share its memory and files and run on different CPUs
 * at once. exit() ends every thread of the process; exec ends the others first; kill, Ctrl-C and
 * a fatal fault end the whole process; fork from a thread makes a child with one thread (the
 * caller); wait is per process, thread_join per thread. A thread's stack is the caller's memory
 * (stack_top is one past its highest byte); a guard page below it is the caller's job.
 * uthread.h has a mutex and a condition variable built on the futex calls. */
int thread_create(void (*fn)(void *), void *arg, void *stack_top);   /* the new thread's id, or -1
                                  (fn or the stack outside user memory, no record or memory left) */
void thread_exit(int status) __attribute__((noreturn));   /* a returning fn does thread_exit(0); the
                                  last thread to end ends the process with its status */
int thread_join(int tid, int *status);  /* 0, or -1 for an unknown, foreign or already joined id */
int gettid(void);              /* this thread's id (the first thread's is the process's pid) */
int futex_wait(int *addr, int expected); /* sleep while *addr == expected, until a futex_wake on
                                  addr: 0 woken, 1 *addr differed, -1 unmapped or unaligned addr */
int futex_wake(int *addr, int n);   /* wakes at most n waiters, returns how many (-1 bad addr) */

/* framesnap: a snapshot of the user pool's reference counts, one byte per frame (teaching aid). */
#define FRAMESNAP_POOL  0      /* every frame of [start, start + count) */
#define FRAMESNAP_PROC  1      /* the same range, 0 for each frame process pid does not map */
#define FRAMESNAP_MAX   255    /* a byte saturates here: 255 means 255 or more references */

struct framesnap {
  unsigned mode;               /* in: FRAMESNAP_POOL or FRAMESNAP_PROC */
  int pid;                     /* in: the process (FRAMESNAP_PROC) */
  unsigned start;              /* in: first frame, as an index into the user pool */
  unsigned count;              /* in: frames wanted: count bytes at buf */
  unsigned char *buf;          /* in: where the counts go */
  unsigned pool_base;          /* out: physical address of user-pool frame 0 */
  unsigned pool_frames;        /* out: frames in the user pool */
  unsigned zero_pages;         /* out: pages that map the shared zero frame (untouched heap read so
                                  far; no user-pool frame, no count): process pid's, or for
                                  FRAMESNAP_POOL every live process's */
};
/* Fill snap->buf with the counts of the range; returns count, or -1 (bad pointer, range, mode or
 * pid: nothing written). Not atomic: the kernel takes the count lock once per chunk of frames. */
int framesnap(struct framesnap *snap);
int printf(const char *fmt, ...);
void *memset(void *d, int c, unsigned n);
void *memcpy(void *d, const void *s, unsigned n);
unsigned strlen(const char *s);
int strcmp(const char *a, const char *b);
char *strcpy(char *d, const char *s);
int atoi(const char *s);

#endif
