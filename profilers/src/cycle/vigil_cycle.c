/* The vigil_cycle() a program links (static library vigil_cycle): forwards to
 * the preload library's vigil_preload_cycle when it is loaded, else does
 * nothing. See <vigil/cycle.h> for why this is not a weak symbol. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdint.h>

#include "vigil/cycle.h"

typedef void (*vigil_cycle_fn)(void);

/* 0 = not looked up yet, 1 = looked up and absent, else the function. */
static _Atomic uintptr_t resolved;

void vigil_cycle(void) {
  uintptr_t fn = atomic_load_explicit(&resolved, memory_order_acquire);
  if (fn == 0) {
    void* sym = dlsym(RTLD_DEFAULT, "vigil_preload_cycle");
    fn = sym ? (uintptr_t)sym : 1;
    atomic_store_explicit(&resolved, fn, memory_order_release);
  }
  if (fn != 1) ((vigil_cycle_fn)fn)();
}
