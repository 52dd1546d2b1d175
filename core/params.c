#include "params.h"

#include <stdlib.h>
#include <string.h>

#include "percent.h"

void duo_params_init(duo_params *p)
{
    p->items = NULL;
    p->count = p->cap = 0;
    p->borrowed = 0;
}

void duo_params_use(duo_params *p, duo_param *storage, size_t n)
{
    duo_params_init(p);
    p->items = storage;
    p->cap = n;
    p->borrowed = 1;
}

void duo_params_free(duo_params *p)
{
    if (!p->borrowed)
        free(p->items);
    duo_params_init(p);
}

int duo_params_add(duo_params *p, const char *key, size_t key_len,
                   const char *value, size_t value_len)
{
    duo_param *items;

    if (p->count == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        if (cap > ((size_t)-1) / sizeof(*items))
            return -1;
        if (p->borrowed) {
            items = malloc(cap * sizeof(*items));
            if (items != NULL && p->count > 0)
                memcpy(items, p->items, p->count * sizeof(*items));
        } else {
            items = realloc(p->items, cap * sizeof(*items));
        }
        if (items == NULL)
            return -1;
        p->borrowed = 0;
        p->items = items;
        p->cap = cap;
    }
    p->items[p->count].key = key;
    p->items[p->count].key_len = key_len;
    p->items[p->count].value = value;
    p->items[p->count].value_len = value_len;
    p->count++;
    return 0;
}

/* One encoded pair: offsets into the scratch buffer, which may move while
 * it grows, so pointers are taken only once encoding is done. */
typedef struct encoded_pair {
    size_t key_off, key_len, value_off, value_len;
    const char *base;
} encoded_pair;

static int compare_span(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c != 0)
        return c;
    return an < bn ? -1 : an > bn;
}

static int compare_pairs(const void *pa, const void *pb)
{
    const encoded_pair *a = pa, *b = pb;
    int c = compare_span(a->base + a->key_off, a->key_len,
                         b->base + b->key_off, b->key_len);
    if (c != 0)
        return c;
    return compare_span(a->base + a->value_off, a->value_len,
                        b->base + b->value_off, b->value_len);
}

int duo_params_canonical(const duo_params *p, duo_buf *out)
{
    encoded_pair stack_pairs[16], *pairs = stack_pairs;
    char stack_scratch[1024];
    duo_buf scratch;
    size_t i, total = 0;
    int rc = -1;

    if (p->count == 0)
        return 0;
    duo_buf_use(&scratch, stack_scratch, sizeof(stack_scratch));
    if (p->count > sizeof(stack_pairs) / sizeof(stack_pairs[0])) {
        if (p->count > ((size_t)-1) / sizeof(*pairs))
            return -1;
        pairs = malloc(p->count * sizeof(*pairs));
        if (pairs == NULL)
            return -1;
    }
    for (i = 0; i < p->count; i++)
        total += 3 * (p->items[i].key_len + p->items[i].value_len);
    if (duo_buf_reserve(&scratch, total) != 0)
        goto done;
    for (i = 0; i < p->count; i++) {
        pairs[i].key_off = scratch.len;
        duo_percent_encode(&scratch, p->items[i].key, p->items[i].key_len);
        pairs[i].key_len = scratch.len - pairs[i].key_off;
        pairs[i].value_off = scratch.len;
        duo_percent_encode(&scratch, p->items[i].value, p->items[i].value_len);
        pairs[i].value_len = scratch.len - pairs[i].value_off;
    }
    if (!duo_buf_ok(&scratch))
        goto done;
    for (i = 0; i < p->count; i++)
        pairs[i].base = scratch.data;
    qsort(pairs, p->count, sizeof(*pairs), compare_pairs);

    /* The canonical string is exactly the encoded bytes plus one '=' per
     * pair and one '&' between pairs. */
    if (duo_buf_reserve(out, scratch.len + 2 * p->count) != 0)
        goto done;
    for (i = 0; i < p->count; i++) {
        if (i > 0)
            duo_buf_putc(out, '&');
        duo_buf_append(out, scratch.data + pairs[i].key_off, pairs[i].key_len);
        duo_buf_putc(out, '=');
        duo_buf_append(out, scratch.data + pairs[i].value_off, pairs[i].value_len);
    }
    rc = duo_buf_ok(out) ? 0 : -1;
done:
    duo_buf_free(&scratch);
    if (pairs != stack_pairs)
        free(pairs);
    return rc;
}
