/* test_rule.c — rule parsing, formatting and truth tables. */
#include <string.h>

#include "corun/life.h"
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

static const test_case_t cases[] = {
    {"conway truth table (B/S and S/B forms)", test_conway_table},
    {"highlife truth table", test_highlife_table},
    {"day&night and seeds truth tables", test_day_night_and_seeds},
    {"format round-trip", test_format_roundtrip},
    {"invalid rules rejected with reasons", test_invalid_rules},
    {NULL, NULL},
};
CORUN_TEST_SUITE(rule, cases)
