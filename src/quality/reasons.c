/* Placeholder until the reason lexicon lands (issue 4). */
#include "quality/reasons.h"
static const char *const k_names[AS_REASON_N] = {"size_fit", "defective", "not_as_described", "wrong_item",
                                                 "delivery", "changed_mind", "other"};
const char *as__reason_class_name(as_reason_class c) { return c >= 0 && c < AS_REASON_N ? k_names[c] : "other"; }
as_reason_class as__reason_classify(const char *text, size_t n, int *recognised) {
    (void)text; (void)n;
    if (recognised) *recognised = 0;
    return AS_REASON_OTHER;
}
int as__reason_is_product(as_reason_class c) {
    return c == AS_REASON_SIZE || c == AS_REASON_DEFECT || c == AS_REASON_NOT_DESCRIBED;
}
