/* The outbox backend: attempts answered by the program itself (the
 * sandbox) instead of the network. A started transfer waits in the outbox
 * until duo_outbox_next hands it out; whoever took it reads the request
 * with duo_outbox_request and answers with duo_outbox_respond, at once or
 * later (a simulated latency). */
#ifndef DUO_OUTBOX_H
#define DUO_OUTBOX_H

#include <stddef.h>

#include "backend.h"

duo_backend *duo_outbox_new(char *err, size_t err_size);
/* Transfers started and not yet handed out. */
size_t duo_outbox_waiting(const duo_backend *b);
/* Hands out the oldest transfer not yet handed out (once each), or NULL. */
duo_transfer *duo_outbox_next(duo_backend *b);
/* The request of a transfer still waiting for its answer, else NULL. */
const duo_http_request *duo_outbox_request(const duo_transfer *x);
/* Answers a transfer (copying body) and makes it finished. Returns 0, or
 * -1 when it was answered already or memory ran out. */
int duo_outbox_respond(duo_transfer *x, long status, const char *body,
                       size_t body_len, long retry_after);

#endif
