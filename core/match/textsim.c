#include "textsim.h"

#include <stdint.h>
#include <stdlib.h>

#define SMALL 256   /* bigrams kept on the stack */

static int cmp_u16(const void *x, const void *y)
{
    uint16_t a = *(const uint16_t *)x, b = *(const uint16_t *)y;
    return (a > b) - (a < b);
}

/* The bigrams of s as sorted 16-bit numbers (first byte high): by
 * insertion while they are few (a name), else by qsort. */
static void sorted_bigrams(const unsigned char *s, size_t n, uint16_t *out)
{
    if (n > 64) {
        for (size_t i = 0; i + 1 < n; i++)
            out[i] = (uint16_t)(s[i] << 8 | s[i + 1]);
        qsort(out, n - 1, sizeof *out, cmp_u16);
        return;
    }
    for (size_t i = 0; i + 1 < n; i++) {
        uint16_t g = (uint16_t)(s[i] << 8 | s[i + 1]);
        size_t k = i;
        while (k > 0 && out[k - 1] > g) {
            out[k] = out[k - 1];
            k--;
        }
        out[k] = g;
    }
}

double duo_bigram_dice(const char *a, size_t la, const char *b, size_t lb)
{
    uint16_t small_a[SMALL], small_b[SMALL];
    uint16_t *ga = small_a, *gb = small_b;
    size_t na, nb, i = 0, j = 0, shared = 0;
    double dice = -1;

    if (la < 2 || lb < 2)
        return 0;
    na = la - 1;
    nb = lb - 1;
    if (na > SMALL && (ga = malloc(na * sizeof *ga)) == NULL)
        goto done;
    if (nb > SMALL && (gb = malloc(nb * sizeof *gb)) == NULL)
        goto done;
    sorted_bigrams((const unsigned char *)a, la, ga);
    sorted_bigrams((const unsigned char *)b, lb, gb);
    /* merging two sorted lists counts each bigram min(count in a, count in b) times */
    while (i < na && j < nb) {
        if (ga[i] < gb[j]) {
            i++;
        } else if (ga[i] > gb[j]) {
            j++;
        } else {
            shared++;
            i++;
            j++;
        }
    }
    dice = 2.0 * (double)shared / (double)(na + nb);
done:
    if (ga != small_a)
        free(ga);
    if (gb != small_b)
        free(gb);
    return dice;
}
