/*
 * framesnap.h - the reference-count snapshot behind the framesnap system call.
 */
#ifndef CHECK_FRAMESNAP_H
#define CHECK_FRAMESNAP_H
#include <stdint.h>

#define FRAMESNAP_CHUNK 512   /* frames copied per hold of the count lock */

/* Serve framesnap(ureq) for the current process: validate the request, the range and the buffer
 * (nothing written when any is bad: -1), then copy one chunk per lock hold; returns count or -1. */
int framesnap_copy(uint32_t ureq);

#endif
