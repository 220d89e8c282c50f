/* __cxa_thread_atexit for the single-threaded sandbox: C++ thread_local objects with a
 * destructor (scipy's _uarray) register it here. libc++abi's own implementation needs thread
 * keys, which libc++ for wasm32-wasi without threads does not have; with one thread, "when the
 * thread exits" is "when the program exits", which __cxa_atexit provides. */
int __cxa_atexit(void (*dtor)(void *), void *obj, void *dso);

int __cxa_thread_atexit(void (*dtor)(void *), void *obj, void *dso) {
    return __cxa_atexit(dtor, obj, dso);
}
