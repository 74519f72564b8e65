/*
 * user_sys.h - calls reserved for the system programs (init and the shell).
 *
 * Ordinary programs use user.h only; these expose the boot configuration,
 * the program archive's table of contents and the memstat table.
 */
#ifndef USER_SYS_H
#define USER_SYS_H

/* Copy the boot configuration (init.conf) into buf; returns its length or -1. */
int bootconf(char *buf, int n);
/* Copy the program names, one per line, into buf; returns the length or -1. */
int proglist(char *buf, int n);

struct memstat;
/* Print the memstat counters as a two-column table (the shell's mem, cowdemo's last table). */
void memstat_print(const struct memstat *st);

#endif
