/* Reads stdin to EOF, echoes it to stdout unchanged, and writes line, word and byte counts
 * and a checksum to stderr (like wc). Exercises read on pipes/files, short reads, EOF. */
#include <ctype.h>
#include <stdio.h>

int main(void) {
  long lines = 0, words = 0, bytes = 0;
  unsigned long sum = 0;
  int in_word = 0, c;
  while ((c = getchar()) != EOF) {
    putchar(c);
    bytes++;
    sum = sum * 131 + (unsigned char)c;
    if (c == '\n') lines++;
    if (isspace(c)) in_word = 0;
    else if (!in_word) {
      in_word = 1;
      words++;
    }
  }
  fflush(stdout);
  fprintf(stderr, "%ld %ld %ld checksum %016lx\n", lines, words, bytes, sum);
  return ferror(stdin) ? 1 : 0;
}
