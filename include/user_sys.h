/*
 * user_sys.h - calls reserved for the system programs (init and the shell).
 *
 * Ordinary programs use user.h only; these expose the boot configuration,
 * the program archive's table of contents, command-line splitting and the
 * memstat table.
 */
#ifndef USER_SYS_H
#define USER_SYS_H

/* Copy the boot configuration (init.conf) into buf; returns its length or -1. */
int bootconf(char *buf, int n);
/* Copy the program names, one per line, into buf; returns the length or -1. */
int proglist(char *buf, int n);

#define ARGS_MAX 16   /* words in a command line, the terminating null included */

/* Split line in place at spaces and tabs into argv[0..], null-terminated; returns argc. */
int args_split(char *line, char *argv[ARGS_MAX]);

struct memstat;
/* Print the memstat counters as a two-column table (the shell's mem, cowdemo's last table). */
void memstat_print(const struct memstat *st);

#endif
