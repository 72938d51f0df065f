/* print.c — the seed's ColumnPrinter: generations side by side.
 *
 * Byte-compatible with the seed (003, item 56): a header row where each
 * column shows its generation number padded on both sides by len(line)//2
 * spaces, then the grid rows ('*' alive, '-' empty); " | " separates columns;
 * rows are joined by '\n' and the whole ends with one '\n' (Python's print).
 */
#include <string.h>

#include "corun/life.h"

int corun_life_print_columns(FILE *f, const corun_life_cells_t *frames, int nframes) {
    if (nframes < 1) return 0;
    int64_t height = frames[0].height, width = frames[0].width;
    for (int64_t j = 0; j <= height; j++) {
        for (int i = 0; i < nframes; i++) {
            if (j == 0) {
                for (int64_t k = 0; k < width / 2; k++) fputc(' ', f);
                fprintf(f, "%d", i);
                for (int64_t k = 0; k < width / 2; k++) fputc(' ', f);
            } else {
                const uint8_t *row = frames[i].cells + (j - 1) * width;
                for (int64_t x = 0; x < width; x++) fputc(row[x] ? '*' : '-', f);
            }
            if (i + 1 < nframes) fputs(" | ", f);
        }
        fputc('\n', f);
    }
    return ferror(f) ? CORUN_EIO : 0;
}
