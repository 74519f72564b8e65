/*
 * t_sh_args - the command-line splitting init and the shell share
 * (args_split): words at spaces and tabs, double quotes that keep spaces
 * and disappear, and clear errors for an unterminated quote or too many
 * words. Usage: t_sh_args [quick]
 */
#include "user.h"
#include "user_sys.h"
#include "test/utest.h"

#define ARGS_LINE_MAX 256

struct args_case {
  const char *name;
  const char *line;
  int argc;                      /* expected result of args_split */
  const char *words[6];          /* expected words when argc > 0 */
};

static const struct args_case args_cases[] = {
  { "sh_args_plain_words", "echo a b", 3, { "echo", "a", "b" } },
  { "sh_args_spaces_and_tabs", " \t echo \t a  ", 2, { "echo", "a" } },
  { "sh_args_empty_line", "   ", 0, { 0 } },
  { "sh_args_quoted_keeps_spaces", "echo \"x  y\" z", 3, { "echo", "x  y", "z" } },
  { "sh_args_quote_inside_word", "a\"b c\"d e", 2, { "ab cd", "e" } },
  { "sh_args_empty_quotes", "echo \"\" x", 3, { "echo", "", "x" } },
  { "sh_args_quoted_tab", "\"a\tb\"", 1, { "a\tb" } },
  { "sh_args_unterminated_quote", "echo \"abc", ARGS_UNTERMINATED, { 0 } },
  { "sh_args_too_many_words", "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15", ARGS_TOO_MANY, { 0 } },
  { "sh_args_fifteen_words", "0 1 2 3 4 5 6 7 8 9 10 11 12 13 e", ARGS_MAX - 1, { "0", "1", "2", "3", "4", "5" } },
};
#define ARGS_CASES ((int)(sizeof(args_cases) / sizeof(args_cases[0])))

/* Split one case's line and compare argc, the first words and the terminating null. */
static void args_check(const struct args_case *c)
{
  static char line[ARGS_LINE_MAX];
  char *argv[ARGS_MAX];
  strcpy(line, c->line);
  int argc = args_split(line, argv);
  if (argc != c->argc) {
    utest_fail(c->name, "'%s' split into %d words, want %d", c->line, argc, c->argc);
    return;
  }
  if (argc < 0) {
    utest_check(c->name, argv[0] == 0 && args_error(argc)[0] != 0, "'%s' left argv[0] set", c->line);
    return;
  }
  for (int i = 0; i < argc && i < 6 && c->words[i]; i++)
    if (strcmp(argv[i], c->words[i]) != 0) {
      utest_fail(c->name, "'%s' word %d is '%s', want '%s'", c->line, i, argv[i], c->words[i]);
      return;
    }
  utest_check(c->name, argv[argc] == 0, "'%s' argv[%d] is not null", c->line, argc);
}

int main(void)
{
  for (int i = 0; i < ARGS_CASES; i++)
    args_check(&args_cases[i]);
  return utest_status();
}
