/* What compiler-rt's profile runtime needs besides its portable files, for the instrumented
 * reactor of the profile-guided build (python-wasm/scripts/build.sh, ADR 0001).
 *
 * Upstream, InstrProfilingRuntime.cpp registers an atexit writer to a file and
 * InstrProfilingUtil.c brings mmap and file locking; a WASI reactor has neither a process exit
 * nor mmap, and the training run is single-threaded. The build host instead calls
 * cj_profile_dump() after the training run and copies cj_profile_size() bytes out of linear
 * memory. __llvm_profile_write_buffer would leave out the value profile (the targets of
 * indirect calls, which drive indirect-call promotion), so the raw profile is written here
 * with the value-profile reader. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "InstrProfilingInternal.h"

/* Referenced by every instrumented object so that the runtime gets linked in. */
int __llvm_profile_runtime;

/* InstrProfilingValue.c's atomics; one thread here. */
uint32_t lprofBoolCmpXchg(void **Ptr, void *OldV, void *NewV) {
  if (*Ptr != OldV) return 0;
  *Ptr = NewV;
  return 1;
}

void *lprofPtrFetchAdd(void **Mem, long ByteIncr) {
  void *Old = *Mem;
  *((char **)Mem) += ByteIncr;
  return Old;
}

static char *dump;
static size_t dumpSize, dumpCapacity;

static uint32_t appendIOVecs(ProfDataWriter *This, ProfDataIOVec *V, uint32_t N) {
  (void)This;
  for (uint32_t i = 0; i < N; i++) {
    size_t n = V[i].ElmSize * V[i].NumElm;
    if (dumpSize + n > dumpCapacity) {
      size_t capacity = dumpCapacity ? dumpCapacity : 1 << 20;
      while (capacity < dumpSize + n) capacity *= 2;
      char *p = realloc(dump, capacity);
      if (!p) return 1;
      dump = p;
      dumpCapacity = capacity;
    }
    if (V[i].Data) memcpy(dump + dumpSize, V[i].Data, n);
    else memset(dump + dumpSize, 0, n);
    dumpSize += n;
  }
  return 0;
}

/* The raw profile so far (counters and value profile), or 0 on failure. */
__attribute__((export_name("cj_profile_dump"))) char *cj_profile_dump(void) {
  ProfDataWriter writer = {appendIOVecs, 0};
  dumpSize = 0;
  return lprofWriteData(&writer, lprofGetVPDataReader(), 0) ? 0 : dump;
}

__attribute__((export_name("cj_profile_size"))) size_t cj_profile_size(void) { return dumpSize; }
