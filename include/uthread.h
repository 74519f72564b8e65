/*
 * uthread.h - a mutex and a condition variable for threads (user library,
 * src/lib/uthread.c), built on futex_wait and futex_wake: a thread that
 * must wait sleeps in the kernel instead of spinning.
 *
 * Zero-initialised objects are ready to use (MUTEX_INIT, COND_INIT).
 */
#ifndef UTHREAD_H
#define UTHREAD_H

struct mutex {
  int state;                   /* 0 free, 1 held, 2 held and a thread may sleep on it */
};
struct cond {
  int seq;                     /* bumped by every signal and broadcast */
};
#define MUTEX_INIT { 0 }
#define COND_INIT  { 0 }

/* Take m, sleeping while another thread holds it. */
void mutex_lock(struct mutex *m);
/* 1 and m taken, or 0 (held by another thread) without waiting. */
int mutex_trylock(struct mutex *m);
/* Let m go and wake one sleeper, if any. */
void mutex_unlock(struct mutex *m);

/* Let m go and sleep until a signal or broadcast on c, then take m again. The caller holds m and
 * rechecks its condition in a loop: a wakeup may come with the condition false again. */
void cond_wait(struct cond *c, struct mutex *m);
/* Wake one thread waiting on c. */
void cond_signal(struct cond *c);
/* Wake every thread waiting on c. */
void cond_broadcast(struct cond *c);

#endif
