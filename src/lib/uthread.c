/*
 * uthread.c - the user library's mutex and condition variable (uthread.h).
 *
 * The mutex is the three-state futex lock: 0 free, 1 held, 2 held with a
 * possible sleeper. Taking a free mutex is one compare-and-swap and no
 * system call; a contender marks it 2 and sleeps in futex_wait while it
 * stays 2; the holder's unlock sees 2 and makes one futex_wake.
 *
 * The condition variable is a sequence number: a waiter reads it while it
 * holds the mutex, lets the mutex go and sleeps while the number is
 * unchanged, so a signal between the unlock and the sleep is not lost (the
 * kernel compares the number again under its futex lock).
 */
#include "user.h"
#include "uthread.h"

#define MUTEX_FREE      0
#define MUTEX_HELD      1
#define MUTEX_CONTENDED 2
#define COND_WAKE_ALL   0x7fffffff

/* Atomically: if *p == old, *p = new; returns what *p was. */
static int uthread_cas(int *p, int old, int new)
{
  __atomic_compare_exchange_n(p, &old, new, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
  return old;
}

int mutex_trylock(struct mutex *m)
{
  return uthread_cas(&m->state, MUTEX_FREE, MUTEX_HELD) == MUTEX_FREE;
}

void mutex_lock(struct mutex *m)
{
  int s = uthread_cas(&m->state, MUTEX_FREE, MUTEX_HELD);
  if (s == MUTEX_FREE)
    return;
  if (s != MUTEX_CONTENDED)
    s = __atomic_exchange_n(&m->state, MUTEX_CONTENDED, __ATOMIC_ACQ_REL);
  while (s != MUTEX_FREE) {
    futex_wait(&m->state, MUTEX_CONTENDED);
    s = __atomic_exchange_n(&m->state, MUTEX_CONTENDED, __ATOMIC_ACQ_REL);
  }
}

void mutex_unlock(struct mutex *m)
{
  if (__atomic_exchange_n(&m->state, MUTEX_FREE, __ATOMIC_ACQ_REL) == MUTEX_CONTENDED)
    futex_wake(&m->state, 1);
}

void cond_wait(struct cond *c, struct mutex *m)
{
  int seq = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
  mutex_unlock(m);
  futex_wait(&c->seq, seq);
  mutex_lock(m);
}

void cond_signal(struct cond *c)
{
  __atomic_add_fetch(&c->seq, 1, __ATOMIC_ACQ_REL);
  futex_wake(&c->seq, 1);
}

void cond_broadcast(struct cond *c)
{
  __atomic_add_fetch(&c->seq, 1, __ATOMIC_ACQ_REL);
  futex_wake(&c->seq, COND_WAKE_ALL);
}
