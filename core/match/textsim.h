/* Character-level similarity of two names, for suggest-mappings. */
#ifndef DUO_TEXTSIM_H
#define DUO_TEXTSIM_H

#include <stddef.h>

/* Sørensen–Dice similarity of the multisets of adjacent byte pairs
 * ("bigrams") of a[0..la) and b[0..lb): 2 * shared / (pairs of a + pairs
 * of b), 0 when either has no pair. Returns -1 when memory runs out (only
 * strings of more than 256 bytes need any). */
double duo_bigram_dice(const char *a, size_t la, const char *b, size_t lb);

#endif
