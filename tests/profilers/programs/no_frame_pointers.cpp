// Code built without frame pointers (-fomit-frame-pointer), as most of a
// distribution's libraries are: the stack walk must cross it by its unwind
// tables. While the callback runs, rbp holds a value that is not a frame —
// the top of the address space, what GNU as left in rbp when the old
// frame-pointer walk read past its bounds and crashed it.

extern "C" {

__attribute__((noinline, visibility("default"))) void nofp_inner(void (*callback)(void*), void* arg) {
  asm volatile("mov $-16, %%rbp" ::: "rbp");
  callback(arg);
  asm volatile("");  // keeps the call a call, not a jump (rbp would be restored first)
}

__attribute__((noinline, visibility("default"))) int nofp_outer(void (*callback)(void*), void* arg) {
  volatile int kept = 1;  // a frame of its own, addressed from rsp
  nofp_inner(callback, arg);
  return kept;
}

}
