/* setjmp/longjmp through the cxxrt component's runtime (sjlj.c): a longjmp from several
 * frames down returns its value to setjmp, and setjmp's first return is 0. */
#include <setjmp.h>

static jmp_buf env;

__attribute__((noinline)) static void down(int depth) {
  if (depth == 0) longjmp(env, 7);
  down(depth - 1);
}

int sjlj_check(int depth) {
  volatile int first = 1;
  int v = setjmp(env);
  if (v == 0) {
    if (!first) return -1;
    first = 0;
    down(depth);
    return -2;
  }
  return v * 10 + (first == 0);
}
