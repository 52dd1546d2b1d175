#include "scorer.h"

struct duo_scorer {
    uint32_t n_docs, n_terms;
    double *score;      /* per document; 0 when not scored in this query */
    double *offer;      /* per term; 0 when not offered in this query */
    uint32_t *start;    /* n_terms + 1: term t's list is docs[start[t] .. start[t + 1]) */
    uint32_t *touched;  /* the documents scored in this query, in the order met */
    uint32_t *offered;  /* the terms offered in this query, in order */
    uint32_t *docs;
    uint32_t n_touched, n_offered;
    double top;
};

/* The doubles come first, so that every part is aligned. */
size_t duo_scorer_size(size_t n_docs, size_t n_terms, size_t n_postings)
{
    const size_t max = (size_t)UINT32_MAX - 1;
    uint64_t bytes;
    if (n_docs > max || n_terms > max || n_postings > max)
        return 0;
    bytes = sizeof(duo_scorer) + ((uint64_t)n_docs + n_terms) * (sizeof(double) + sizeof(uint32_t))
          + ((uint64_t)n_terms + 1 + n_postings) * sizeof(uint32_t);
    return bytes > SIZE_MAX ? 0 : (size_t)bytes;
}

duo_scorer *duo_scorer_init(void *mem, uint32_t n_docs, uint32_t n_terms, const uint32_t *lengths)
{
    duo_scorer *s = mem;
    uint32_t at = 0;

    s->n_docs = n_docs;
    s->n_terms = n_terms;
    s->score = (double *)(s + 1);
    s->offer = s->score + n_docs;
    s->start = (uint32_t *)(s->offer + n_terms);
    s->touched = s->start + n_terms + 1;
    s->offered = s->touched + n_docs;
    s->docs = s->offered + n_terms;
    for (uint32_t t = 0; t < n_terms; t++) {
        s->start[t] = at;
        at += lengths[t];
        s->offer[t] = 0;
    }
    s->start[n_terms] = at;
    for (uint32_t d = 0; d < n_docs; d++)
        s->score[d] = 0;
    s->n_touched = s->n_offered = 0;
    s->top = 0;
    return s;
}

uint32_t *duo_scorer_docs(duo_scorer *s, uint32_t t, uint32_t *length)
{
    *length = s->start[t + 1] - s->start[t];
    return s->docs + s->start[t];
}

uint32_t duo_scorer_terms(const duo_scorer *s)
{
    return s->n_terms;
}

void duo_scorer_offer(duo_scorer *s, uint32_t t, double w)
{
    if (s->offer[t] == 0)
        s->offered[s->n_offered++] = t;
    if (w > s->offer[t])
        s->offer[t] = w;
}

uint32_t duo_scorer_rarest(const duo_scorer *s)
{
    uint32_t rarest = UINT32_MAX;
    for (uint32_t k = 0; k < s->n_offered; k++) {
        uint32_t t = s->offered[k], len = s->start[t + 1] - s->start[t];
        if (len < rarest)
            rarest = len;
    }
    return rarest;
}

static void add(duo_scorer *s, uint32_t t, double w)
{
    for (uint32_t k = s->start[t]; k < s->start[t + 1]; k++) {
        uint32_t d = s->docs[k];
        double v = s->score[d];
        if (v == 0)
            s->touched[s->n_touched++] = d;
        v += w;
        s->score[d] = v;
        if (v > s->top)
            s->top = v;
    }
}

void duo_scorer_collect(duo_scorer *s, uint32_t low, uint32_t high)
{
    for (uint32_t k = 0; k < s->n_offered; k++) {
        uint32_t t = s->offered[k], len = s->start[t + 1] - s->start[t];
        if (len > low && len <= high)
            add(s, t, s->offer[t]);
    }
}

double duo_scorer_top(const duo_scorer *s)
{
    return s->top;
}

uint32_t duo_scorer_take(duo_scorer *s, uint32_t keep, double floor, uint32_t *out)
{
    uint32_t n = 0;

    for (uint32_t k = 0; k < s->n_touched; k++) {
        uint32_t d = s->touched[k], pos = n;
        double v = s->score[d];
        if (v < floor)
            continue;
        /* insertion into out[0..n), which stays short (keep is small) */
        while (pos > 0) {
            uint32_t q = out[pos - 1];
            if (s->score[q] > v || (s->score[q] == v && q < d))
                break;
            pos--;
        }
        if (pos >= keep)
            continue;
        if (n == keep)
            n--;
        for (uint32_t m = n; m > pos; m--)
            out[m] = out[m - 1];
        out[pos] = d;
        n++;
    }
    for (uint32_t k = 0; k < s->n_touched; k++)
        s->score[s->touched[k]] = 0;
    for (uint32_t k = 0; k < s->n_offered; k++)
        s->offer[s->offered[k]] = 0;
    s->n_touched = s->n_offered = 0;
    s->top = 0;
    return n;
}
