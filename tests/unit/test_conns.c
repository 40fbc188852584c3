/*
 * test_conns.c - the server's count of connections (bot/conns.c): the total
 * and per-address caps, addresses from both families, the waiting list the
 * oldest newcomer-blocker is taken from, and a table that forgets an
 * address with its last connection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "bot/conns.h"

/* A distinct key for connection N (never dereferenced). */
#define KEY(n) ((void *)(uintptr_t)(0x1000 + (n)*8))

static void addr4(const char *ip, unsigned char out[CONNS_ADDR_LEN])
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, ip, &sin.sin_addr), 1);
	assert_int_equal(conns_addr_from((struct sockaddr *)&sin, sizeof(sin), out), 0);
}

static void test_caps(void **state)
{
	struct conns *c = conns_new(5, 2);
	unsigned char a[CONNS_ADDR_LEN], b[CONNS_ADDR_LEN], other[CONNS_ADDR_LEN];
	int i;

	(void)state;
	assert_non_null(c);
	addr4("10.0.0.1", a);
	addr4("10.0.0.2", b);
	addr4("10.0.0.9", other);
	assert_int_equal(conns_check(c, a), CONNS_OK);
	assert_int_equal(conns_add(c, KEY(1), a), 0);
	assert_int_equal(conns_add(c, KEY(2), a), 0);
	assert_int_equal(conns_add(c, KEY(2), a), -1); /* counted once */
	assert_int_equal(conns_check(c, a), CONNS_ADDR_FULL);
	assert_int_equal(conns_check(c, b), CONNS_OK);
	assert_int_equal(conns_count_addr(c, a), 2);
	for (i = 3; i <= 5; i++) {
		unsigned char x[CONNS_ADDR_LEN];
		char ip[32];

		snprintf(ip, sizeof(ip), "10.0.1.%d", i);
		addr4(ip, x);
		assert_int_equal(conns_add(c, KEY(i), x), 0);
	}
	assert_int_equal(conns_count(c), 5);
	assert_int_equal(conns_check(c, other), CONNS_FULL);
	assert_int_equal(conns_remove(c, KEY(1)), 1);
	assert_int_equal(conns_remove(c, KEY(1)), 0);
	assert_int_equal(conns_check(c, other), CONNS_OK);
	assert_int_equal(conns_check(c, a), CONNS_OK); /* a holds one now */
	assert_int_equal(conns_count_addr(c, a), 1);
	assert_int_equal(conns_remove(c, KEY(2)), 1);
	assert_int_equal(conns_count_addr(c, a), 0);
	assert_int_equal(conns_max(c), 5);
	assert_int_equal(conns_max_per_addr(c), 2);
	conns_free(c); /* with three still counted: nothing leaks */
}

static void test_addresses(void **state)
{
	unsigned char v4[CONNS_ADDR_LEN], mapped[CONNS_ADDR_LEN], v6[CONNS_ADDR_LEN],
	        other[CONNS_ADDR_LEN];
	struct sockaddr_in6 sin6;
	struct sockaddr sa;
	struct conns *c = conns_new(10, 1);

	(void)state;
	addr4("192.0.2.7", v4);
	/* the same client over an IPv6 socket (IPv4-mapped) is the same address */
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, "::ffff:192.0.2.7", &sin6.sin6_addr), 1);
	assert_int_equal(conns_addr_from((struct sockaddr *)&sin6, sizeof(sin6), mapped), 0);
	assert_memory_equal(v4, mapped, CONNS_ADDR_LEN);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::7", &sin6.sin6_addr), 1);
	assert_int_equal(conns_addr_from((struct sockaddr *)&sin6, sizeof(sin6), v6), 0);
	assert_int_equal(conns_add(c, KEY(1), v4), 0);
	assert_int_equal(conns_check(c, mapped), CONNS_ADDR_FULL);
	assert_int_equal(conns_check(c, v6), CONNS_OK);
	/* one IPv6 client is its /64: another address in it is the same client */
	assert_int_equal(conns_add(c, KEY(2), v6), 0);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::8:1", &sin6.sin6_addr), 1);
	assert_int_equal(conns_addr_from((struct sockaddr *)&sin6, sizeof(sin6), other), 0);
	assert_int_equal(conns_check(c, other), CONNS_ADDR_FULL);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:0:1::7", &sin6.sin6_addr), 1);
	assert_int_equal(conns_addr_from((struct sockaddr *)&sin6, sizeof(sin6), other), 0);
	assert_int_equal(conns_check(c, other), CONNS_OK);
	/* ::1 and IPv4 addresses are not folded together */
	assert_int_equal(inet_pton(AF_INET6, "::1", &sin6.sin6_addr), 1);
	assert_int_equal(conns_addr_from((struct sockaddr *)&sin6, sizeof(sin6), other), 0);
	assert_int_equal(other[15], 1);
	addr4("192.0.2.8", other);
	assert_int_equal(conns_check(c, other), CONNS_OK);
	/* a family that is neither, or a short address */
	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	assert_int_equal(conns_addr_from(&sa, sizeof(sa), v6), -1);
	sin6.sin6_family = AF_INET6;
	assert_int_equal(conns_addr_from((struct sockaddr *)&sin6, 8, v6), -1);
	conns_free(c);
}

static void test_waiting_oldest_first(void **state)
{
	struct conns *c = conns_new(10, 10);
	unsigned char a[CONNS_ADDR_LEN];

	(void)state;
	addr4("10.0.0.1", a);
	assert_null(conns_oldest_waiting(c));
	assert_int_equal(conns_add(c, KEY(1), a), 0);
	assert_int_equal(conns_add(c, KEY(2), a), 0);
	assert_int_equal(conns_add(c, KEY(3), a), 0);
	assert_int_equal(conns_state(c, KEY(2)), 0);
	assert_int_equal(conns_state(c, KEY(9)), -1);
	assert_ptr_equal(conns_oldest_waiting(c), KEY(1));
	conns_set_state(c, KEY(1), 1); /* its request came: no longer waiting */
	assert_int_equal(conns_state(c, KEY(1)), 1);
	assert_ptr_equal(conns_oldest_waiting(c), KEY(2));
	assert_int_equal(conns_remove(c, KEY(2)), 1);
	assert_ptr_equal(conns_oldest_waiting(c), KEY(3));
	conns_set_state(c, KEY(1), 0); /* waiting again (a kept connection): the newest */
	assert_ptr_equal(conns_oldest_waiting(c), KEY(3));
	conns_set_state(c, KEY(3), 2);
	assert_ptr_equal(conns_oldest_waiting(c), KEY(1));
	conns_set_state(c, KEY(1), 1);
	assert_null(conns_oldest_waiting(c));
	assert_int_equal(conns_count(c), 2);
	conns_free(c);
}

static void test_many(void **state)
{
	enum { N = 20000 };
	struct conns *c = conns_new(N, N);
	unsigned char a[CONNS_ADDR_LEN];
	int i;

	(void)state;
	assert_null(conns_new(0, 1));
	assert_null(conns_new(1, 0));
	memset(a, 0, sizeof(a));
	for (i = 0; i < N; i++) {
		a[0] = (unsigned char)(i & 0xff);
		a[1] = (unsigned char)(i >> 8);
		assert_int_equal(conns_add(c, KEY(i), a), 0);
	}
	a[0] = a[1] = 0xee;
	assert_int_equal(conns_check(c, a), CONNS_FULL);
	for (i = 0; i < N; i += 2)
		assert_int_equal(conns_remove(c, KEY(i)), 1);
	assert_int_equal(conns_count(c), N / 2);
	assert_ptr_equal(conns_oldest_waiting(c), KEY(1));
	for (i = 1; i < N; i += 2)
		assert_int_equal(conns_remove(c, KEY(i)), 1);
	assert_int_equal(conns_count(c), 0);
	assert_null(conns_oldest_waiting(c));
	conns_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_caps),
	        cmocka_unit_test(test_addresses),
	        cmocka_unit_test(test_waiting_oldest_first),
	        cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
