// The cxxrt component's self-test (cxxrt.sh builds it, selftest.mjs runs it in the sandbox's
// WASI host): C++ exceptions through this runtime, and setjmp/longjmp (selftest_sjlj.c).
// Prints one line per check; selftest.mjs compares the whole output.
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

extern "C" int sjlj_check(int depth);

static int destroyed = 0;
struct Guard {
  ~Guard() { destroyed++; }
};

[[gnu::noinline]] static void thrower(int depth) {
  Guard g;
  if (depth == 0) throw std::runtime_error("from depth 0");
  thrower(depth - 1);
}

int main() {
  try {
    thrower(3);
  } catch (const std::exception &e) {
    std::printf("runtime_error: %s, %d destructors\n", e.what(), destroyed);
  }
  std::vector<int> v(3);
  try {
    v.at(5) = 1;  // libc++'s out-of-line thrower: aborts unless libc++ itself has exceptions
  } catch (const std::out_of_range &) {
    std::printf("vector::at: out_of_range\n");
  }
  try {
    (void)std::stoi("not a number");
  } catch (const std::invalid_argument &) {
    std::printf("stoi: invalid_argument\n");
  }
  try {
    throw 42;
  } catch (int x) {
    std::printf("int: %d\n", x);
  }
  try {
    try {
      throw std::string("inner");
    } catch (...) {
      std::printf("catch (...): rethrow\n");
      throw;
    }
  } catch (const std::string &s) {
    std::printf("rethrown: %s\n", s.c_str());
  }
  std::printf("longjmp: %d\n", sjlj_check(4));
  std::ifstream missing("/no/such/file");  // file streams: libc++'s filebuf, instantiated here
  std::printf("ifstream: %s\n", missing.is_open() ? "open" : "not open");
  return 0;
}
