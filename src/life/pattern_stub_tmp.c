/* pattern_stub_tmp.c — TEMPORARY: replaced by the pattern readers this session. */
#include "corun/life.h"
int corun_life_pattern_load(const char *path, corun_life_pattern_t *p, corun_err_t *err) {
    (void)p; return corun_err_set(err, CORUN_ENOTSUP, "%s: pattern files not implemented yet", path);
}
void corun_life_pattern_close(corun_life_pattern_t *p) { corun_life_grid_close(&p->cells); }
int corun_life_rle_save(const char *path, const corun_life_grid_t *g, corun_life_rule_t rule,
                        corun_life_boundary_t b, corun_err_t *err) {
    (void)g; (void)rule; (void)b; return corun_err_set(err, CORUN_ENOTSUP, "%s: not yet", path);
}
int corun_life_pattern_place(corun_life_grid_t *g, const corun_life_grid_t *pat, int64_t x,
                             int64_t y, corun_err_t *err) {
    (void)g; (void)pat; (void)x; (void)y; return corun_err_set(err, CORUN_ENOTSUP, "not yet");
}
