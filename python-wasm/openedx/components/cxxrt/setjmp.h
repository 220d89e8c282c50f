/* setjmp/longjmp for wasm32-wasi, built on WebAssembly exception handling.
 *
 * Debian's wasi-libc (2022) has no <setjmp.h>. Code compiled with
 *   -mllvm -wasm-enable-sjlj -mexception-handling
 * has its setjmp/longjmp calls lowered by LLVM onto the runtime in sjlj.c (__wasm_setjmp,
 * __wasm_setjmp_test, __wasm_longjmp): longjmp throws the C longjmp tag, and the function
 * that called setjmp catches it. Installed by the cxxrt component for the components that
 * need it (qhull's error exits in scipy.spatial). */
#ifndef CJ_WASM_SETJMP_H
#define CJ_WASM_SETJMP_H
#ifdef __cplusplus
extern "C" {
#endif
/* large enough for LLVM's jmp_buf (function invocation id, label, longjmp argument) */
typedef unsigned long long jmp_buf[8];
typedef jmp_buf sigjmp_buf;
int setjmp(jmp_buf env);
_Noreturn void longjmp(jmp_buf env, int val);
#define _setjmp setjmp
#define _longjmp longjmp
#define sigsetjmp(env, savesigs) setjmp(env)
#define siglongjmp longjmp
#ifdef __cplusplus
}
#endif
#endif
