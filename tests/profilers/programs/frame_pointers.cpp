// Code built with frame pointers, in a module of its own (an executable
// that links a static library built without them is a mix, walked by its
// tables): the stack walk follows its frames by rbp.

extern "C" {

#define VIGIL_FP_EXPORT __attribute__((noinline, visibility("default")))

VIGIL_FP_EXPORT void fp_d(void (*callback)(void*), void* arg) {
  callback(arg);
  asm volatile("");
}
VIGIL_FP_EXPORT void fp_c(void (*callback)(void*), void* arg) {
  fp_d(callback, arg);
  asm volatile("");
}
VIGIL_FP_EXPORT void fp_b(void (*callback)(void*), void* arg) {
  fp_c(callback, arg);
  asm volatile("");
}
VIGIL_FP_EXPORT void fp_a(void (*callback)(void*), void* arg) {
  fp_b(callback, arg);
  asm volatile("");
}

}
