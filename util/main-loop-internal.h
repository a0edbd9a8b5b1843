/*
 * Private interfaces between the parts of the main loop in util/.
 */
#ifndef UTIL_MAIN_LOOP_INTERNAL_H
#define UTIL_MAIN_LOOP_INTERNAL_H

void iohandler_init(void);
/* Append a GPollFD for every live handler to pollfds (main thread). */
void iohandler_fill(GArray *pollfds);
/* Run the handlers whose fds are ready, then reclaim deleted ones. */
void iohandler_dispatch(GArray *pollfds);

void bh_init(void);
/* Run the scheduled BHs; true if any ran (main thread, BQL held). */
bool qemu_bh_poll(void);
/* True if some BH is scheduled, so that polling must not block. */
bool qemu_bh_any_scheduled(void);

#endif /* UTIL_MAIN_LOOP_INTERNAL_H */
