/* The runtime of setjmp/longjmp lowered onto WebAssembly exception handling (setjmp.h):
 * the three functions LLVM's WebAssemblyLowerEmscriptenEHSjLj pass calls in -wasm-enable-sjlj
 * mode. Compiled with -mllvm -wasm-enable-sjlj -mexception-handling: then the backend knows
 * the tag longjmp throws (__c_longjmp, tag 1 below) and defines it here; without
 * -wasm-enable-sjlj clang-19 stops with "undefined tag symbol cannot be weak". */
#include <stdint.h>
#include <stdlib.h>

struct jmp_buf_impl {
    void *func_invocation_id;  /* the frame of the function that called setjmp */
    uint32_t label;            /* which setjmp call site in that function */
    struct arg { void *env; int val; } arg;  /* what longjmp throws */
};

void __wasm_setjmp(void *env, uint32_t label, void *func_invocation_id) {
    struct jmp_buf_impl *jb = env;
    if (label == 0 || func_invocation_id == NULL) abort();
    jb->func_invocation_id = func_invocation_id;
    jb->label = label;
}

uint32_t __wasm_setjmp_test(void *env, void *func_invocation_id) {
    struct jmp_buf_impl *jb = env;
    return jb->func_invocation_id == func_invocation_id ? jb->label : 0;
}

void __wasm_longjmp(void *env, int val) {
    struct jmp_buf_impl *jb = env;
    jb->arg.env = env;
    jb->arg.val = val == 0 ? 1 : val;   /* longjmp(env, 0) makes setjmp return 1 */
    __builtin_wasm_throw(1, &jb->arg);  /* tag 1: __c_longjmp */
}
