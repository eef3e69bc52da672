/* Unit tests for node/pubsub.c without a network: fake clients whose replies and
 * messages land in their own output buffers. Checks the confirmation counts, delivery
 * to channels and patterns, dropping a client's subscriptions, and pubsub_slot_lost
 * (which the integration tests cannot reach on a single node). The fake clients carry
 * CLIENT_CLOSING so client_flush leaves them alone (there is no socket to write to). */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "command.h"
#include "exec.h"
#include "keyslot.h"
#include "pubsub.h"
#include "test_support.h"

static client *fake_client(uint64_t id, int resp)
{
    client *c = calloc(1, sizeof *c);
    cr_assert_not_null(c);
    c->id = id;
    c->srv = &g_server;
    c->resp = resp;
    c->flags = CLIENT_CLOSING;
    bytebuf_init(&c->out);
    resp_writer_init(&c->w, &c->out, resp);
    return c;
}

static void free_client(client *c)
{
    pubsub_client_unsubscribe_all(c);
    bytebuf_free(&c->out);
    free(c);
}

/* Runs a command (NULL-terminated args) as c; its reply stays in c's output (take). */
static char taken[1 << 16];
static void run(client *c, const char *first, ...)
{
    rd_arg argv[64];
    int argc = 0;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a; a = va_arg(ap, const char *)) {
        argv[argc].ptr = a;
        argv[argc].len = strlen(a);
        argc++;
    }
    va_end(ap);
    int unknown_sub = 0;
    command *cmd = command_lookup(argv, argc, &unknown_sub);
    cr_assert_not_null(cmd);
    cr_assert(!unknown_sub && command_arity_ok(cmd, argc));
    exec_ctx x;
    memset(&x, 0, sizeof x);
    x.srv = &g_server;
    x.client = c;
    x.db = &g_server.dbs[0];
    x.w = &c->w;
    x.argc = argc;
    x.argv = argv;
    x.cmd = cmd;
    cmd->proc(&x);
}

/* c's pending output as a string, cleared. */
static const char *take(client *c)
{
    cr_assert_lt(c->out.len, sizeof taken);
    memcpy(taken, c->out.data ? c->out.data : "", c->out.len);
    taken[c->out.len] = '\0';
    bytebuf_clear(&c->out);
    return taken;
}

static void setup(void)
{
    test_server_init();
    command_table_init();
    pubsub_init(&g_server);
}

static void teardown(void)
{
    cr_assert_eq(pubsub_channel_count(), 0);
    cr_assert_eq(pubsub_pattern_count(), 0);
    cr_assert_eq(pubsub_shard_channel_count(), 0);
    pubsub_shutdown();
    test_server_free();
}

TestSuite(pubsub, .init = setup, .fini = teardown);

Test(pubsub, confirmations_and_counts)
{
    client *a = fake_client(1, 2);
    run(a, "subscribe", "x", "y", NULL);
    cr_assert_str_eq(take(a), "*3\r\n$9\r\nsubscribe\r\n$1\r\nx\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\ny\r\n:2\r\n");
    cr_assert(a->flags & CLIENT_PUBSUB);
    run(a, "psubscribe", "x*", NULL);
    cr_assert_str_eq(take(a), "*3\r\n$10\r\npsubscribe\r\n$2\r\nx*\r\n:3\r\n");
    run(a, "ssubscribe", "s", NULL);
    cr_assert_str_eq(take(a), "*3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n");
    cr_assert_eq(pubsub_client_channels(a), 2);
    cr_assert_eq(pubsub_client_patterns(a), 1);
    cr_assert_eq(pubsub_client_shard_channels(a), 1);
    cr_assert_eq(pubsub_channel_count(), 2);

    /* unsubscribe-all confirms in subscription order */
    run(a, "unsubscribe", NULL);
    cr_assert_str_eq(take(a), "*3\r\n$11\r\nunsubscribe\r\n$1\r\nx\r\n:2\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\ny\r\n:1\r\n");
    run(a, "unsubscribe", NULL);
    cr_assert_str_eq(take(a), "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:1\r\n");
    run(a, "punsubscribe", "x*", "zz", NULL);
    cr_assert_str_eq(take(a), "*3\r\n$12\r\npunsubscribe\r\n$2\r\nx*\r\n:0\r\n*3\r\n$12\r\npunsubscribe\r\n$2\r\nzz\r\n:0\r\n");
    cr_assert(a->flags & CLIENT_PUBSUB); /* the shard channel is left */
    run(a, "sunsubscribe", NULL);
    cr_assert_str_eq(take(a), "*3\r\n$12\r\nsunsubscribe\r\n$1\r\ns\r\n:0\r\n");
    cr_assert_not(a->flags & CLIENT_PUBSUB);
    free_client(a);
}

Test(pubsub, delivery_resp2_and_resp3)
{
    client *a = fake_client(1, 2), *b = fake_client(2, 3);
    run(a, "subscribe", "news", NULL);
    run(b, "psubscribe", "n*", "*s", "q", NULL);
    run(b, "subscribe", "news", NULL);
    take(a), take(b);
    cr_assert_eq(pubsub_deliver("news", 4, "hi", 2, 0), 4);
    cr_assert_str_eq(take(a), "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
    cr_assert_str_eq(take(b), ">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n"
                              ">4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n"
                              ">4\r\n$8\r\npmessage\r\n$2\r\n*s\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
    /* a sharded message reaches shard-channel subscribers only */
    cr_assert_eq(pubsub_deliver("news", 4, "hi", 2, 1), 0);
    run(a, "ssubscribe", "news", NULL);
    take(a);
    cr_assert_eq(pubsub_deliver("news", 4, "x", 1, 1), 1);
    cr_assert_str_eq(take(a), "*3\r\n$8\r\nsmessage\r\n$4\r\nnews\r\n$1\r\nx\r\n");
    cr_assert_str_eq(take(b), "");
    free_client(a);
    cr_assert_eq(pubsub_deliver("news", 4, "x", 1, 0), 3);
    free_client(b);
    cr_assert_eq(pubsub_deliver("news", 4, "x", 1, 0), 0);
}

Test(pubsub, slot_lost_unsubscribes_that_slot_only)
{
    client *a = fake_client(1, 2), *b = fake_client(2, 3);
    unsigned slot = keyslot("u", 1);
    cr_assert_neq(keyslot("other", 5), slot);
    run(a, "ssubscribe", "{u}1", "{u}2", "other", NULL);
    run(b, "ssubscribe", "{u}1", NULL);
    run(b, "subscribe", "plain", NULL);
    take(a), take(b);

    pubsub_slot_lost(keyslot("other", 5) ^ 1); /* a slot without channels: nothing */
    cr_assert_str_eq(take(a), "");
    pubsub_slot_lost(slot);
    cr_assert_str_eq(take(a), "*3\r\n$12\r\nsunsubscribe\r\n$4\r\n{u}1\r\n:2\r\n"
                              "*3\r\n$12\r\nsunsubscribe\r\n$4\r\n{u}2\r\n:1\r\n");
    cr_assert_str_eq(take(b), ">3\r\n$12\r\nsunsubscribe\r\n$4\r\n{u}1\r\n:0\r\n");
    cr_assert_eq(pubsub_shard_channel_count(), 1);
    cr_assert_eq(pubsub_client_shard_channels(a), 1);
    cr_assert_eq(pubsub_client_shard_channels(b), 0);
    cr_assert(b->flags & CLIENT_PUBSUB); /* still subscribed to "plain" */
    cr_assert_eq(pubsub_deliver("{u}1", 4, "m", 1, 1), 0);
    cr_assert_eq(pubsub_deliver("other", 5, "m", 1, 1), 1);
    take(a);

    run(a, "sunsubscribe", "other", NULL);
    take(a);
    cr_assert_not(a->flags & CLIENT_PUBSUB);
    /* the slot counts followed: losing "other"'s slot now finds nothing */
    pubsub_slot_lost(keyslot("other", 5));
    cr_assert_str_eq(take(a), "");

    /* a client left with no subscription at all leaves pub/sub mode */
    run(a, "ssubscribe", "{u}3", NULL);
    take(a);
    pubsub_slot_lost(slot);
    cr_assert_str_eq(take(a), "*3\r\n$12\r\nsunsubscribe\r\n$4\r\n{u}3\r\n:0\r\n");
    cr_assert_not(a->flags & CLIENT_PUBSUB);
    free_client(a);
    free_client(b);
}

/* Random subscribe/unsubscribe/drop against a model of who subscribes to what. */
Test(pubsub, random_ops_match_model)
{
    enum { NC = 6, NN = 12 };
    client *cl[NC];
    int model[NC][NN][3];
    memset(model, 0, sizeof model);
    for (int i = 0; i < NC; i++)
        cl[i] = fake_client((uint64_t)i + 10, 2 + (i & 1));
    static const char *const sub[3] = {"subscribe", "psubscribe", "ssubscribe"};
    static const char *const unsub[3] = {"unsubscribe", "punsubscribe", "sunsubscribe"};
    char names[NN][8];
    for (int n = 0; n < NN; n++)
        snprintf(names[n], sizeof names[n], "n%d", n);
    srand(7);
    for (int step = 0; step < 5000; step++) {
        int i = rand() % NC, n = rand() % NN, k = rand() % 3, op = rand() % 10;
        if (op < 5) {
            run(cl[i], sub[k], names[n], NULL);
            model[i][n][k] = 1;
        } else if (op < 9) {
            run(cl[i], unsub[k], names[n], NULL);
            model[i][n][k] = 0;
        } else {
            pubsub_client_unsubscribe_all(cl[i]);
            memset(model[i], 0, sizeof model[i]);
        }
        take(cl[i]);
        int counts[3] = {0, 0, 0};
        for (int m = 0; m < NN; m++)
            for (int kk = 0; kk < 3; kk++)
                counts[kk] += model[i][m][kk];
        cr_assert_eq(pubsub_client_channels(cl[i]), counts[0]);
        cr_assert_eq(pubsub_client_patterns(cl[i]), counts[1]);
        cr_assert_eq(pubsub_client_shard_channels(cl[i]), counts[2]);
        cr_assert_eq((cl[i]->flags & CLIENT_PUBSUB) != 0, counts[0] + counts[1] + counts[2] > 0);
    }
    /* every channel delivers to exactly the modelled subscribers (patterns "nX" match
     * only the channel of the same name) */
    for (int n = 0; n < NN; n++) {
        long long want = 0, want_shard = 0;
        for (int i = 0; i < NC; i++) {
            want += model[i][n][0] + model[i][n][1];
            want_shard += model[i][n][2];
        }
        cr_assert_eq(pubsub_deliver(names[n], strlen(names[n]), "m", 1, 0), want);
        cr_assert_eq(pubsub_deliver(names[n], strlen(names[n]), "m", 1, 1), want_shard);
    }
    for (int i = 0; i < NC; i++)
        free_client(cl[i]);
}
