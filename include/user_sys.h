/*
 * user_sys.h - calls reserved for the system programs (init and the shell).
 *
 * Ordinary programs use user.h only; these expose the boot configuration,
 * the program archive's table of contents, command-line splitting (with
 * double quotes) and the
 * memstat table.
 */
#ifndef USER_SYS_H
#define USER_SYS_H

/* Copy the boot configuration (init.conf) into buf; returns its length or -1. */
int bootconf(char *buf, int n);
/* Copy the program names, one per line, into buf; returns the length or -1. */
int proglist(char *buf, int n);

#define ARGS_MAX 16            /* words in a command line, the terminating null included */
#define ARGS_UNTERMINATED (-1) /* args_split: a double quote was opened and never closed */
#define ARGS_TOO_MANY     (-2) /* args_split: more than ARGS_MAX - 1 words */

/* Split line in place into words at spaces and tabs, null-terminated in argv[0..]; text in
 * double quotes keeps its spaces and loses its quotes. Returns argc, or ARGS_UNTERMINATED or
 * ARGS_TOO_MANY (argv then holds nothing). */
int args_split(char *line, char *argv[ARGS_MAX]);
/* The message for a negative args_split result. */
const char *args_error(int rc);

struct memstat;
/* Print the memstat counters as a two-column table (the shell's mem, cowdemo's last table). */
void memstat_print(const struct memstat *st);

#endif
