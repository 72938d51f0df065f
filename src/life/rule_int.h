/* rule_int.h — the rule files' shared internals (rule.c parses and formats,
 * rule_hensel.c knows Hensel's letters). Not part of the public API.
 *
 * Neighbourhoods are 9-bit indices as in corun_life_rule_t.table (bit
 * 3*(dy+1) + dx+1 for the cell at offset dx, dy; bit 4 the cell itself).
 * Letter masks: bit l is the l-th letter of a count in Golly's order
 * "cekainyqjrtwz" (counts 0 and 8 have one class, bit 0).
 */
#ifndef CORUN_LIFE_RULE_INT_H
#define CORUN_LIFE_RULE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "corun/life.h"

/* Number of letters count (0..8) has: 2, 6, 10, 13, 10, 6, 2 for 1..7, 0 for 0 and 8. */
int corun_life_hensel_letters(int count);
/* count's letters in Golly's order ("ce" for 1, "" for 0 and 8). */
const char *corun_life_hensel_names(int count);
/* Index of letter c (lower case) for count, -1 if count has no such letter. */
int corun_life_hensel_letter(int count, int c);
/* One neighbourhood (cell dead) of count's letter l. */
unsigned corun_life_hensel_member(int count, int letter);
/* The letter index of neighbourhood k among those of its count. */
int corun_life_hensel_class(unsigned k);
/* The mask of all of count's letters. */
uint16_t corun_life_hensel_full(int count);
/* The rule with these letter masks per count: outer-totalistic when every
 * count is complete or empty, else isotropic with its table. */
void corun_life_hensel_build(const uint16_t born[9], const uint16_t survive[9],
                             corun_life_rule_t *r);
/* Golly's canonical name of an isotropic rule. */
void corun_life_hensel_format(const corun_life_rule_t *r, char *buf, size_t n);

#endif
