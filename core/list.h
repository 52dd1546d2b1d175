/* The one list of the core: an intrusive doubly-linked queue. An item
 * embeds a duo_link and is in at most one list at a time; every operation
 * is O(1). Used by the loop (queued and finished operations) and by the
 * backends (transfers waiting to be handed out). */
#ifndef DUO_LIST_H
#define DUO_LIST_H

#include <stddef.h>

typedef struct duo_link {
    struct duo_link *prev, *next;
    struct duo_list *list;         /* the list holding the item, or NULL */
} duo_link;

typedef struct duo_list {
    duo_link *head, *tail;
    size_t len;
} duo_list;

/* The item holding a link: DUO_ITEM(link, struct thing, member). */
#define DUO_ITEM(link, type, member) \
    ((type *)(void *)((char *)(link) - offsetof(type, member)))

static inline int duo_linked(const duo_link *l)
{
    return l->list != NULL;
}

static inline void duo_list_unlink(duo_link *l)
{
    duo_list *list = l->list;

    if (list == NULL)
        return;
    if (l->prev != NULL)
        l->prev->next = l->next;
    else
        list->head = l->next;
    if (l->next != NULL)
        l->next->prev = l->prev;
    else
        list->tail = l->prev;
    list->len--;
    l->prev = l->next = NULL;
    l->list = NULL;
}

static inline void duo_list_push_back(duo_list *list, duo_link *l)
{
    duo_list_unlink(l);
    l->list = list;
    l->next = NULL;
    l->prev = list->tail;
    if (list->tail != NULL)
        list->tail->next = l;
    else
        list->head = l;
    list->tail = l;
    list->len++;
}

static inline void duo_list_push_front(duo_list *list, duo_link *l)
{
    duo_list_unlink(l);
    l->list = list;
    l->prev = NULL;
    l->next = list->head;
    if (list->head != NULL)
        list->head->prev = l;
    else
        list->tail = l;
    list->head = l;
    list->len++;
}

/* Removes and returns the first link, or NULL. */
static inline duo_link *duo_list_pop(duo_list *list)
{
    duo_link *l = list->head;

    if (l != NULL)
        duo_list_unlink(l);
    return l;
}

#endif
