/*
 * printk.h - kernel console output (VGA and serial together) and panic.
 */
#ifndef ARCH_PRINTK_H
#define ARCH_PRINTK_H
#include <stdarg.h>

/* Print formatted text on both consoles; returns the number of characters. */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);
/* Write n raw bytes to both consoles. */
void kwrite(const char *s, int n);
/* Start each line this CPU prints with prefix from now on; 0 ends it. (The self-tests mark the
 * lines they cause on purpose, such as planted errors, with "(expected) ".) */
void kprint_line_prefix(const char *prefix);
/* Print a [panic] line, report PANIC to the host and stop the machine. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif
