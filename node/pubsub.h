/* pubsub: channels, patterns and shard channels, and delivery to this node's
 * subscribers.
 *
 * SUBSCRIBE/UNSUBSCRIBE/PSUBSCRIBE/PUNSUBSCRIBE/SSUBSCRIBE/SUNSUBSCRIBE/PUBLISH/
 * SPUBLISH/PUBSUB live in pubsub.c with Redis 7's replies: RESP2 arrays in subscribed
 * mode, RESP3 push messages (">"). Pub/sub is node-local state, never in the Raft log:
 * PUBLISH delivers here and asks peer_links.h to fan out to the other nodes (SPUBLISH:
 * to the other members of this shard); a message arriving from a peer is delivered with
 * pubsub_deliver() only. */
#ifndef REDRAFT_PUBSUB_H
#define REDRAFT_PUBSUB_H

#include <stddef.h>

struct server;
struct client;

void pubsub_init(struct server *s);
void pubsub_shutdown(void);

/* Delivers a message to this node's subscribers: sharded = 0 to channel subscribers and
 * matching patterns, 1 to shard-channel subscribers. Returns the number of receivers. */
long long pubsub_deliver(const char *channel, size_t channel_len, const char *msg,
                         size_t msg_len, int sharded);

/* Drops every subscription of c (client free, RESET). */
void pubsub_client_unsubscribe_all(struct client *c);

/* Counts of c's subscriptions (CLIENT LIST sub=, psub=, ssub=). */
int pubsub_client_channels(const struct client *c);
int pubsub_client_patterns(const struct client *c);
int pubsub_client_shard_channels(const struct client *c);

/* Server totals (INFO stats pubsub_channels, pubsub_patterns, pubsubshard_channels). */
long long pubsub_channel_count(void);
long long pubsub_pattern_count(void);
long long pubsub_shard_channel_count(void);

/* Shard channels of slot `slot` lose their subscribers when the slot leaves this shard
 * (Redis sends them -sunsubscribe): called by the slot router on topology changes. */
void pubsub_slot_lost(unsigned slot);

#endif
