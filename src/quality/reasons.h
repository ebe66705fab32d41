/*
 * reasons — free-text return / complaint reasons normalized into a few classes an after-sales team acts on.
 *
 * The classifier is a keyword lexicon (English and Portuguese, accents folded, case-insensitive, whole words or
 * word prefixes), documented in docs/presets.md ("Reason classes"). Issue 5 adds a trained text classifier on top; the class list
 * is fixed here so tables, features and reports agree on it.
 */
#ifndef AS_QUALITY_REASONS_H
#define AS_QUALITY_REASONS_H

#include <stddef.h>

typedef enum as_reason_class {
    AS_REASON_SIZE = 0,        /* size / fit: "too small", "ficou grande", "doesn't fit" */
    AS_REASON_DEFECT,          /* defective / damaged: "broken", "stopped working", "quebrado", "com defeito" */
    AS_REASON_NOT_DESCRIBED,   /* not as described: "not as pictured", "colour differs", "diferente do anúncio" */
    AS_REASON_WRONG_ITEM,      /* wrong item sent: "wrong item", "produto errado", "veio outro" */
    AS_REASON_DELIVERY,        /* late or missing delivery: "arrived late", "never arrived", "não recebi", "atraso" */
    AS_REASON_CHANGED_MIND,    /* changed mind / better price / ordered by mistake: "desisti", "no longer needed" */
    AS_REASON_OTHER,           /* text present but no class recognised */
    AS_REASON_N
} as_reason_class;

/* Stable lower-case names used in tables and files: "size_fit", "defective", "not_as_described", "wrong_item",
 * "delivery", "changed_mind", "other". */
const char *as__reason_class_name(as_reason_class c);
/* Class of a reason text (UTF-8, n bytes). Empty or blank text → AS_REASON_OTHER with *recognised = 0 when the
 * pointer is given; *recognised = 1 when a lexicon entry matched. Never allocates. */
as_reason_class as__reason_classify(const char *text, size_t n, int *recognised);
/* 1 when the class points at the product itself (size/fit, defective, not as described) rather than at the
 * delivery, the order handling or the customer. The quality alerts count these as evidence, and also "other" and
 * cases without text (the cause is unknown, so it may be the product): docs/quality.md. */
int as__reason_is_product(as_reason_class c);

#endif
