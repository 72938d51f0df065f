/* csv_serial.c — the serial backend: one thread walks the records of a
 * window in order. The oracle the other backends must match byte for byte. */
#include "csv_int.h"

static int serial_scan(corun_csv_scan_t *s, uint64_t begin, uint64_t end, uint64_t *next,
                       corun_err_t *err) {
    (void)err;
    csv_slot_t *sl = &s->slots[0];
    *next = csv_scan_range(s, sl, begin, end);
    return sl->ekind ? CORUN_EPARSE : 0;
}

const corun_csv_backend_t corun_csv_backend_serial = {"serial", serial_scan};
