/* Candidate scoring over an inverted index, for suggest-mappings: each
 * document (a child account) is on the posting lists of its terms (words,
 * joined words, initials). A query (a company's name) offers terms with
 * weights, keeping the highest weight offered for each; collecting a range
 * of the offered terms adds each one's weight to every document on its
 * list; take() returns the best documents and clears the query. Which
 * terms, what weights and which ranges are the caller's policy.
 *
 * The caller provides one block of duo_scorer_size() bytes (so a Lua
 * userdata can own it and an error cannot leak it), lays it out with
 * duo_scorer_init(), then fills each list through duo_scorer_docs(). */
#ifndef DUO_SCORER_H
#define DUO_SCORER_H

#include <stddef.h>
#include <stdint.h>

typedef struct duo_scorer duo_scorer;

/* Bytes for n_docs documents, n_terms terms and n_postings entries over
 * all lists; 0 when a count exceeds UINT32_MAX - 1 or the total does not
 * fit in a size_t. */
size_t duo_scorer_size(size_t n_docs, size_t n_terms, size_t n_postings);

/* Lays out the block at mem; lengths[t] is the length of term t's list
 * (their sum being n_postings). */
duo_scorer *duo_scorer_init(void *mem, uint32_t n_docs, uint32_t n_terms, const uint32_t *lengths);

/* Term t's list (documents numbered from 0), for the caller to fill. */
uint32_t *duo_scorer_docs(duo_scorer *s, uint32_t t, uint32_t *length);

uint32_t duo_scorer_terms(const duo_scorer *s);

/* Offers term t with weight w (> 0): the term's weight in this query
 * becomes the highest offered. */
void duo_scorer_offer(duo_scorer *s, uint32_t t, double w);

/* The length of the shortest list among the offered terms (UINT32_MAX when
 * none is offered). */
uint32_t duo_scorer_rarest(const duo_scorer *s);

/* Adds the weight of each offered term whose list has low < length <= high
 * to the score of every document on the list, terms in the order offered. */
void duo_scorer_collect(duo_scorer *s, uint32_t low, uint32_t high);

/* The highest score of the query so far (0 before any collect). */
double duo_scorer_top(const duo_scorer *s);

/* Writes to out (room for keep) the best documents of the query scoring at
 * least floor, best first, ties to the lower-numbered document; returns how
 * many. Clears the query: its offers and its scores. */
uint32_t duo_scorer_take(duo_scorer *s, uint32_t keep, double floor, uint32_t *out);

#endif
