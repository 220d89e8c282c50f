/* The Fortran I/O entry points scipy's Fortran code calls, as no-ops.
 *
 * FITPACK and ODRPACK are compiled by flang-19 for i686 and retargeted to wasm32 (wasm_cc.py);
 * the only Fortran runtime functions they call are list-directed and formatted WRITE/PRINT and
 * OPEN/CLOSE: ODRPACK's optional reports (scipy.odr with iprint != 0, or a report file) and a
 * diagnostic PRINT in FITPACK's surfit. Flang's own runtime cannot be used on wasm32 (flang
 * passes its size_t parameters as 64-bit even for a 32-bit target), so these statements do
 * nothing: the computation is unaffected, the report text is not produced.
 *
 * The parameter types are what flang-19's calls pass on a 32-bit target (std::size_t as i64,
 * pointers and int as i32): wasm checks the exact signature of every call. */
#include <stdbool.h>
#include <stdint.h>

typedef struct cj_fortran_io { int unused; } *Cookie;
static struct cj_fortran_io statement;

Cookie _FortranAioBeginExternalListOutput(int32_t unit, const char *file, int32_t line) {
    (void)unit; (void)file; (void)line;
    return &statement;
}
Cookie _FortranAioBeginExternalFormattedOutput(const char *format, int64_t formatLength, const void *formatDescriptor,
                                               int32_t unit, const char *file, int32_t line) {
    (void)format; (void)formatLength; (void)formatDescriptor; (void)unit; (void)file; (void)line;
    return &statement;
}
Cookie _FortranAioBeginInternalFormattedOutput(char *internal, int64_t internalLength, const char *format,
                                               int64_t formatLength, const void *formatDescriptor, void **scratchArea,
                                               int64_t scratchBytes, const char *file, int32_t line) {
    (void)internal; (void)internalLength; (void)format; (void)formatLength; (void)formatDescriptor;
    (void)scratchArea; (void)scratchBytes; (void)file; (void)line;
    return &statement;
}
Cookie _FortranAioBeginOpenUnit(int32_t unit, const char *file, int32_t line) {
    (void)unit; (void)file; (void)line;
    return &statement;
}
Cookie _FortranAioBeginClose(int32_t unit, const char *file, int32_t line) {
    (void)unit; (void)file; (void)line;
    return &statement;
}
bool _FortranAioSetFile(Cookie c, const char *path, int64_t length) { (void)c; (void)path; (void)length; return true; }
bool _FortranAioSetStatus(Cookie c, const char *status, int64_t length) { (void)c; (void)status; (void)length; return true; }
bool _FortranAioOutputAscii(Cookie c, const char *text, int64_t length) { (void)c; (void)text; (void)length; return true; }
bool _FortranAioOutputDescriptor(Cookie c, const void *descriptor) { (void)c; (void)descriptor; return true; }
bool _FortranAioOutputInteger32(Cookie c, int32_t value) { (void)c; (void)value; return true; }
bool _FortranAioOutputReal64(Cookie c, double value) { (void)c; (void)value; return true; }
int32_t _FortranAioEndIoStatement(Cookie c) { (void)c; return 0; /* IostatOk */ }
