/* test_rule.c — rule parsing, formatting and truth tables. */
#include <stdio.h>
#include <string.h>

#include "corun/life.h"
#include "life/rule_int.h"
#include "testlib.h"

static void check_table(const char *text, const int born[9], const int survive[9]) {
    corun_life_rule_t r;
    corun_err_t err = {0};
    CU_ASSERT_EQUAL_FATAL(corun_life_rule_parse(text, &r, &err), 0);
    for (int n = 0; n <= 8; n++) {
        CU_ASSERT_EQUAL(corun_life_rule_apply(r, 0, n), born[n]);
        CU_ASSERT_EQUAL(corun_life_rule_apply(r, 1, n), survive[n]);
    }
}

static void test_conway_table(void) {
    /* The seed's game_logic asserts, extended to every count. */
    const int b[9] = {0, 0, 0, 1, 0, 0, 0, 0, 0};
    const int s[9] = {0, 0, 1, 1, 0, 0, 0, 0, 0};
    check_table("B3/S23", b, s);
    check_table("23/3", b, s);
    check_table("b3/s23", b, s);
    check_table("S23/B3", b, s);
}

static void test_highlife_table(void) {
    const int b[9] = {0, 0, 0, 1, 0, 0, 1, 0, 0};
    const int s[9] = {0, 0, 1, 1, 0, 0, 0, 0, 0};
    check_table("B36/S23", b, s);
}

static void test_day_night_and_seeds(void) {
    const int b[9] = {0, 0, 0, 1, 0, 0, 1, 1, 1};
    const int s[9] = {0, 0, 0, 1, 1, 0, 1, 1, 1};
    check_table("B3678/S34678", b, s);
    const int b2[9] = {0, 0, 1, 0, 0, 0, 0, 0, 0};
    const int s2[9] = {0};
    check_table("B2/S", b2, s2);
}

static void test_format_roundtrip(void) {
    const char *rules[] = {"B3/S23", "B36/S23", "B3678/S34678", "B2/S", "B/S012345678", "B0/S8"};
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++) {
        corun_life_rule_t r;
        char buf[32];
        CU_ASSERT_EQUAL_FATAL(corun_life_rule_parse(rules[i], &r, NULL), 0);
        corun_life_rule_format(r, buf, sizeof buf);
        CU_ASSERT_STRING_EQUAL(buf, rules[i]);
    }
}

static void expect_bad(const char *text, const char *needle) {
    corun_life_rule_t r;
    corun_err_t err = {0};
    CU_ASSERT_NOT_EQUAL(corun_life_rule_parse(text, &r, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, needle));
}

static void test_invalid_rules(void) {
    expect_bad("", "empty");
    expect_bad("B3S23", "missing '/'");
    expect_bad("B39/S23", "9 is impossible");
    expect_bad("B33/S23", "repeated");
    expect_bad("B3/S2x", "unexpected character 'x'");
    expect_bad("B3/B23", "appears twice");
    expect_bad("B3/23", "must start with S");
    expect_bad("B3/S2/3", "more than one");
    expect_bad("2x/3", "unexpected character 'x'");
}

/* Neighbourhood index from live offsets: "nw n ne w e sw s se" names. */
static unsigned nbh(const char *names, int alive) {
    static const char *const dir[9] = {"nw", "n", "ne", "w", "c", "e", "sw", "s", "se"};
    unsigned k = alive ? 1u << 4 : 0;
    char buf[64];
    snprintf(buf, sizeof buf, "%s", names);
    for (char *t = strtok(buf, " "); t; t = strtok(NULL, " "))
        for (int b = 0; b < 9; b++)
            if (!strcmp(t, dir[b])) k |= 1u << b;
    return k;
}

/* Hensel's letters split each count's neighbourhoods into classes of the
 * sizes Golly's table has (bgolly 3.3 run on all 256 neighbourhoods, one
 * rule per letter), and counts 5-7 mirror 3-1. */
static void test_hensel_classes(void) {
    static const int sizes[9][13] = {
        {1},
        {4, 4},
        {4, 4, 8, 8, 2, 2},
        {4, 4, 4, 4, 4, 8, 4, 8, 8, 8},
        {1, 1, 8, 8, 4, 8, 8, 4, 8, 8, 4, 4, 4},
        {4, 4, 4, 4, 4, 8, 4, 8, 8, 8},
        {4, 4, 8, 8, 2, 2},
        {4, 4},
        {1},
    };
    for (int c = 0; c <= 8; c++) {
        int got[13] = {0}, n = corun_life_hensel_letters(c);
        for (unsigned k = 0; k < 512; k++) {
            if (k >> 4 & 1 || __builtin_popcount(k) != c) continue;
            int l = corun_life_hensel_class(k);
            CU_ASSERT(l >= 0 && l < (n ? n : 1));
            if (l >= 0 && l < 13) got[l]++;
            /* the same letter as the complement's in count 8 - c (count 4's
             * complements permute its letters: 4c and 4e swap) */
            if (c != 4) CU_ASSERT_EQUAL(corun_life_hensel_class(~k & 0x1efu), l);
        }
        for (int l = 0; l < (n ? n : 1); l++) CU_ASSERT_EQUAL(got[l], sizes[c][l]);
    }
    CU_ASSERT_EQUAL(corun_life_hensel_letter(1, 'a'), -1);
    CU_ASSERT_EQUAL(corun_life_hensel_letter(4, 'z'), 12);
    CU_ASSERT_EQUAL(corun_life_hensel_letter(5, 'z'), -1);
    CU_ASSERT_EQUAL(corun_life_hensel_letter(0, 'c'), -1);
}

/* Single letters decide single neighbourhood classes (drawings from
 * Golly's table, checked with bgolly). */
static void test_hensel_letters(void) {
    corun_life_rule_t r;
    CU_ASSERT_EQUAL_FATAL(corun_life_rule_parse("B2a/S", &r, NULL), 0);
    CU_ASSERT_TRUE(r.iso);
    CU_ASSERT_EQUAL(corun_life_rule_next(&r, nbh("n ne", 0)), 1);
    CU_ASSERT_EQUAL(corun_life_rule_next(&r, nbh("e se", 0)), 1);
    CU_ASSERT_EQUAL(corun_life_rule_next(&r, nbh("n s", 0)), 0);  /* 2i */
    CU_ASSERT_EQUAL(corun_life_rule_next(&r, nbh("n se", 0)), 0); /* 2k */
    CU_ASSERT_EQUAL(corun_life_rule_next(&r, nbh("n ne", 1)), 0); /* no survival */
    CU_ASSERT_EQUAL_FATAL(corun_life_rule_parse("B3/S23-a", &r, NULL), 0);
    CU_ASSERT_EQUAL(corun_life_rule_next(&r, nbh("nw n w", 1)), 0);  /* 3a */
    CU_ASSERT_EQUAL(corun_life_rule_next(&r, nbh("nw n ne", 1)), 1); /* 3i */
    CU_ASSERT_EQUAL(corun_life_rule_next(&r, nbh("nw n w", 0)), 1);  /* B3: all */
    CU_ASSERT_EQUAL(corun_life_rule_next(&r, nbh("nw se", 1)), 1);   /* S2: all */
    CU_ASSERT_EQUAL_FATAL(corun_life_rule_parse("B4c/S4e", &r, NULL), 0);
    CU_ASSERT_EQUAL(corun_life_rule_next(&r, nbh("nw ne sw se", 0)), 1);
    CU_ASSERT_EQUAL(corun_life_rule_next(&r, nbh("n e s w", 0)), 0);
    CU_ASSERT_EQUAL(corun_life_rule_next(&r, nbh("n e s w", 1)), 1);
    CU_ASSERT_EQUAL(corun_life_rule_next(&r, nbh("nw ne sw se", 1)), 0);
    CU_ASSERT_EQUAL_FATAL(corun_life_rule_parse("B7e/S", &r, NULL), 0); /* all but an edge */
    CU_ASSERT_EQUAL(corun_life_rule_next(&r, nbh("nw n ne w e sw se", 0)), 1);
    CU_ASSERT_EQUAL(corun_life_rule_next(&r, nbh("n ne w e sw s se", 0)), 0);
}

/* Parsing and the canonical name, as bgolly 3.3 prints each rule it read
 * (`bgolly -m 0 -r RULE -o out.rle in.rle`; the golly suite checks these
 * against bgolly where it is installed). */
static void test_hensel_names(void) {
    static const char *const pairs[][2] = {
        {"B2nic/S", "B2cin/S"},          {"B2ceikn/S", "B2-a/S"},
        {"B4-qjrtwz/S", "B4aceikny/S"},  {"B2aceikn3/S", "B23/S"},
        {"B2-3/S", "B23/S"},             {"B2-aceikn3/S", "B3/S"},
        {"S12/B2-a", "B2-a/S12"},        {"12/2-a", "B2-a/S12"},
        {"b2-A/s12", "B2-a/S12"},        {"B2A/S12", "B2a/S12"},
        {"B3/S23-a", "B3/S23-a"},        {"B2i34c/S2-i3", "B2i34c/S2-i3"},
        {"B2-/S", "B2/S"},               {"B0/S8", "B0/S8"},
        {"B2-a3/S", "B2-a3/S"},          {"B3/S23", "B3/S23"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        corun_life_rule_t r, again;
        corun_err_t err = {0};
        char buf[CORUN_LIFE_RULE_TEXT_MAX];
        CU_ASSERT_EQUAL_FATAL(corun_life_rule_parse(pairs[i][0], &r, &err), 0);
        corun_life_rule_format(r, buf, sizeof buf);
        CU_ASSERT_STRING_EQUAL(buf, pairs[i][1]);
        CU_ASSERT_EQUAL_FATAL(corun_life_rule_parse(buf, &again, &err), 0);
        CU_ASSERT_TRUE(corun_life_rule_equal(&r, &again));
    }
    /* Complete counts are outer-totalistic: the fast B/S kernels apply. */
    corun_life_rule_t r;
    CU_ASSERT_EQUAL_FATAL(corun_life_rule_parse("B2aceikn3/S23", &r, NULL), 0);
    CU_ASSERT_FALSE(r.iso);
    CU_ASSERT_EQUAL(r.born, (1u << 2) | (1u << 3));
    /* The longest names fit the documented buffer. */
    CU_ASSERT_EQUAL_FATAL(
        corun_life_rule_parse("B1c2cek3ceka4ceikny5ceka6cek7c/S1c2cek3ceka4ceikny5ceka6cek7c8",
                              &r, NULL),
        0);
    char buf[CORUN_LIFE_RULE_TEXT_MAX];
    corun_life_rule_format(r, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "B1c2cek3acek4ceikny5acek6cek7c/S1c2cek3acek4ceikny5acek6cek7c8");
}

static void test_hensel_invalid(void) {
    expect_bad("B1a/S", "birth count 1 has no Hensel letter 'a' (its letters are ce)");
    expect_bad("B5z/S", "count 5 has no Hensel letter 'z'");
    expect_bad("B3/S4x", "unexpected character 'x'");
    expect_bad("B8c/S", "count 8 takes no letters");
    expect_bad("B0e/S", "count 0 takes no letters");
    expect_bad("B2aa/S", "letter 'a' of birth count 2 is repeated");
    expect_bad("B2aA/S", "letter 'a' of birth count 2 is repeated");
    expect_bad("B2a2c/S", "birth count 2 is repeated");
    expect_bad("B2-c-a/S", "'-' in the birth counts must follow a count");
    expect_bad("Ba/S", "'a' in the birth counts must follow a count");
    expect_bad("B3/S-2", "'-' in the survival counts");
    expect_bad("2-x/3", "unexpected character 'x'");
}

static const test_case_t cases[] = {
    {"Hensel letters: classes of each count", test_hensel_classes},
    {"Hensel letters: single letters decide their neighbourhoods", test_hensel_letters},
    {"Hensel notation: canonical names as Golly prints them", test_hensel_names},
    {"Hensel notation: invalid letters, duplicates", test_hensel_invalid},
    {"conway truth table (B/S and S/B forms)", test_conway_table},
    {"highlife truth table", test_highlife_table},
    {"day&night and seeds truth tables", test_day_night_and_seeds},
    {"format round-trip", test_format_roundtrip},
    {"invalid rules rejected with reasons", test_invalid_rules},
    {NULL, NULL},
};
CORUN_TEST_SUITE(rule, cases)
