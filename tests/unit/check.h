/*
 * check.h - the smallest test harness that does the job: each test is a
 * function; RUN() prints "PASS name" or one "FAIL name: where: what" per
 * failed check; main() returns non-zero if any test failed.
 */
#ifndef REFDESK_TESTS_CHECK_H
#define REFDESK_TESTS_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static const char *check_test = "";
static int check_failed, check_failures;

#define CHECK(cond)                                                                     \
	do {                                                                            \
		if (!(cond)) {                                                          \
			printf("FAIL %s: %s:%d: %s\n", check_test, __FILE__, __LINE__, #cond); \
			check_failed = 1;                                               \
		}                                                                       \
	} while (0)

#define CHECK_EQ(a, b)                                                                  \
	do {                                                                            \
		long long check_a = (long long)(a), check_b = (long long)(b);            \
		if (check_a != check_b) {                                               \
			printf("FAIL %s: %s:%d: %s == %s (%lld != %lld)\n", check_test,     \
			       __FILE__, __LINE__, #a, #b, check_a, check_b);           \
			check_failed = 1;                                               \
		}                                                                       \
	} while (0)

#define RUN(fn)                                                                         \
	do {                                                                            \
		check_test = #fn;                                                       \
		check_failed = 0;                                                       \
		fn();                                                                   \
		if (check_failed)                                                       \
			check_failures++;                                               \
		else                                                                    \
			printf("PASS %s\n", #fn);                                       \
	} while (0)

#define CHECK_EXIT() return check_failures ? 1 : 0

#endif
