/* vigil_cycle(): a cycle marker a program under test may call, e.g. after
 * each batch of requests. Under the Vigil preload library it takes a
 * snapshot of the allocation table; without it, it does nothing.
 *
 * How the no-op works: link the tiny static library `vigil_cycle`
 * (CMake target vigil_cycle). Its vigil_cycle() looks up the preload's
 * `vigil_preload_cycle` with dlsym once; when the preload is not loaded the
 * lookup fails and every call returns at once. (A weak no-op in the
 * executable itself cannot be used: the executable's own definition always
 * wins the dynamic symbol lookup, so an LD_PRELOAD'ed definition would never
 * be reached.) A program run under the preload without linking vigil_cycle
 * may also declare the symbol and call it: the preload defines it too. */
#ifndef VIGIL_CYCLE_H
#define VIGIL_CYCLE_H

#ifdef __cplusplus
extern "C" {
#endif

void vigil_cycle(void);

#ifdef __cplusplus
}
#endif

#endif /* VIGIL_CYCLE_H */
