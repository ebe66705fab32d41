/* quality/reasons: the lexicon on labelled English and Portuguese phrases (including the precedence between
 * classes), folding, and — informational only, no threshold — its agreement with the ticket categories of the
 * Shopzilla support remarks when that data set is present. */
#include "quality/reasons.h"
#include "test.h"

typedef struct labelled { const char *text; as_reason_class want; } labelled;

static const labelled k_cases[] = {
    /* the simulated shop's reasons (src/sim/sim.c) */
    {"too small", AS_REASON_SIZE}, {"too large", AS_REASON_SIZE}, {"did not fit", AS_REASON_SIZE},
    {"Lamp flickers after a week", AS_REASON_DEFECT},
    {"changed my mind", AS_REASON_CHANGED_MIND}, {"not as described", AS_REASON_NOT_DESCRIBED},
    {"wrong colour, not as pictured", AS_REASON_NOT_DESCRIBED}, {"damaged in transit", AS_REASON_DEFECT},
    {"arrived late", AS_REASON_DELIVERY}, {"found a better price", AS_REASON_CHANGED_MIND},
    {"ordered by mistake", AS_REASON_CHANGED_MIND}, {"broken", AS_REASON_DEFECT},
    {"stopped working", AS_REASON_DEFECT}, {"defective", AS_REASON_DEFECT},
    /* typical English return reasons */
    {"Too big", AS_REASON_SIZE}, {"It doesn't fit", AS_REASON_SIZE}, {"doesn’t fit at all", AS_REASON_SIZE},
    {"runs small, order a size up", AS_REASON_SIZE}, {"Wrong size", AS_REASON_SIZE},
    {"The screen is cracked", AS_REASON_DEFECT}, {"DAMAGED", AS_REASON_DEFECT},
    {"Item is faulty", AS_REASON_DEFECT}, {"does not work out of the box", AS_REASON_DEFECT},
    {"colour different from the website", AS_REASON_NOT_DESCRIBED},
    {"Color is different", AS_REASON_NOT_DESCRIBED}, {"looks nothing like the photo", AS_REASON_NOT_DESCRIBED},
    {"wrong item", AS_REASON_WRONG_ITEM}, {"They sent the wrong product", AS_REASON_WRONG_ITEM},
    {"not what I ordered", AS_REASON_WRONG_ITEM}, {"one item missing from the box", AS_REASON_WRONG_ITEM},
    {"never arrived", AS_REASON_DELIVERY}, {"parcel lost in transit", AS_REASON_DELIVERY},
    {"Delivery took three weeks", AS_REASON_DELIVERY}, {"still waiting for my order", AS_REASON_DELIVERY},
    {"no longer needed", AS_REASON_CHANGED_MIND}, {"I don't need it anymore", AS_REASON_CHANGED_MIND},
    {"Found it cheaper elsewhere", AS_REASON_CHANGED_MIND}, {"accidentally ordered two", AS_REASON_CHANGED_MIND},
    /* precedence: the class a team acts on wins */
    {"arrived broken", AS_REASON_DEFECT}, {"arrived late and damaged", AS_REASON_DEFECT},
    {"sent the wrong size", AS_REASON_SIZE}, {"too small, not as described", AS_REASON_SIZE},
    {"wrong item and it arrived late", AS_REASON_WRONG_ITEM}, {"late, so I changed my mind", AS_REASON_DELIVERY},
    {"stopped working, changed my mind about the brand", AS_REASON_DEFECT},
    /* Portuguese (Olist review texts), with and without accents */
    {"produto veio quebrado", AS_REASON_DEFECT}, {"PRODUTO VEIO QUEBRADO", AS_REASON_DEFECT},
    {"não recebi o produto", AS_REASON_DELIVERY}, {"nao recebi o produto", AS_REASON_DELIVERY},
    {"veio errado", AS_REASON_WRONG_ITEM}, {"tamanho pequeno", AS_REASON_SIZE},
    {"diferente do anunciado", AS_REASON_NOT_DESCRIBED}, {"atrasou", AS_REASON_DELIVERY},
    {"O produto chegou com defeito", AS_REASON_DEFECT}, {"parou de funcionar depois de uma semana", AS_REASON_DEFECT},
    {"A entrega atrasou muito", AS_REASON_DELIVERY}, {"Ainda não chegou", AS_REASON_DELIVERY},
    {"comprei dois e só veio um", AS_REASON_WRONG_ITEM}, {"Veio faltando uma peça", AS_REASON_DEFECT},
    {"veio faltando um item do pedido", AS_REASON_WRONG_ITEM}, {"recebi outro produto", AS_REASON_WRONG_ITEM},
    {"a cor é diferente da foto", AS_REASON_NOT_DESCRIBED}, {"Produto falsificado", AS_REASON_NOT_DESCRIBED},
    {"ficou apertado", AS_REASON_SIZE}, {"Numeração pequena", AS_REASON_SIZE},
    {"desisti da compra", AS_REASON_CHANGED_MIND}, {"Encontrei mais barato", AS_REASON_CHANGED_MIND},
    {"Comprei por engano", AS_REASON_CHANGED_MIND}, {"Produto danificado na entrega", AS_REASON_DEFECT},
    {"o produto veio errado e atrasado", AS_REASON_WRONG_ITEM}, {"chegou amassado", AS_REASON_DEFECT},
    {"não funciona", AS_REASON_DEFECT}, {"ficou grande demais", AS_REASON_SIZE},
    {"prazo de entrega não cumprido", AS_REASON_DELIVERY},
    /* an export that dropped accented letters ("não" written "n o") */
    {"N o recebi o produto", AS_REASON_DELIVERY}, {"a cor era bege e chegou preto", AS_REASON_NOT_DESCRIBED},
    {"Comprei um cartucho original e recebi um cartucho PIRATA", AS_REASON_NOT_DESCRIBED},
    {"no primeiro dia de uso ja esta com sinais de ferrugem", AS_REASON_DEFECT},
    /* nothing recognisable */
    {"ok", AS_REASON_OTHER}, {"Very good service", AS_REASON_OTHER}, {"ótimo", AS_REASON_OTHER},
    /* words inside other words do not count: "latex" is not "late", "fitness" is not "fit" */
    {"latex gloves", AS_REASON_OTHER}, {"chocolate", AS_REASON_OTHER},
};

static void test_labelled(void) {
    size_t n = sizeof k_cases / sizeof *k_cases, right = 0;
    CHECK(n >= 60);
    for (size_t i = 0; i < n; i++) {
        int rec = -1;
        as_reason_class got = as__reason_classify(k_cases[i].text, strlen(k_cases[i].text), &rec);
        CHECK_MSG(got == k_cases[i].want, "'%s' → %s, expected %s", k_cases[i].text, as__reason_class_name(got),
                  as__reason_class_name(k_cases[i].want));
        CHECK(rec == (k_cases[i].want != AS_REASON_OTHER));
        right += got == k_cases[i].want;
    }
    fprintf(stderr, "labelled phrases: %zu of %zu classified as labelled\n", right, n);
}

static void test_edges(void) {
    int rec = -1;
    CHECK(as__reason_classify("", 0, &rec) == AS_REASON_OTHER && rec == 0);
    CHECK(as__reason_classify(NULL, 0, &rec) == AS_REASON_OTHER && rec == 0);
    CHECK(as__reason_classify("   ", 3, &rec) == AS_REASON_OTHER && rec == 0);
    CHECK(as__reason_classify("broken", 3, &rec) == AS_REASON_OTHER);   /* only n bytes count: "bro" */
    /* invalid UTF-8 and a very long text do not upset it */
    CHECK(as__reason_classify("\xc3\xff\xe2\x80 broken", 11, NULL) == AS_REASON_DEFECT);
    static char long_text[10000];
    memset(long_text, 'x', sizeof long_text - 1);
    memcpy(long_text + 10, " too small ", 11);
    CHECK(as__reason_classify(long_text, strlen(long_text), NULL) == AS_REASON_SIZE);
    CHECK_STR(as__reason_class_name(AS_REASON_SIZE), "size_fit");
    CHECK_STR(as__reason_class_name(AS_REASON_OTHER), "other");
    CHECK_STR(as__reason_class_name((as_reason_class)99), "other");
    CHECK(as__reason_is_product(AS_REASON_DEFECT) && !as__reason_is_product(AS_REASON_DELIVERY));
}

/* One line of a CSV file split into fields (quotes honoured; a record spanning lines is cut at the line end,
 * which only loses a few remarks). */
static size_t split_csv(char *line, char **f, size_t max) {
    size_t n = 0;
    char *p = line, *w = line;
    while (n < max) {
        f[n++] = w;
        int q = 0;
        while (*p && (q || (*p != ',' && *p != '\n' && *p != '\r'))) {
            if (*p == '"') {
                if (q && p[1] == '"') { *w++ = '"'; p += 2; continue; }
                q = !q;
                p++;
                continue;
            }
            *w++ = *p++;
        }
        int more = *p == ',';
        *w++ = '\0';
        if (!more) break;
        p++;
    }
    return n;
}

/* Which reason classes fit a ticket category of the Shopzilla remarks (NULL: the category says nothing about a
 * reason). */
static int category_fits(const char *cat, as_reason_class c) {
    if (!strcmp(cat, "Order Related")) return c == AS_REASON_DELIVERY || c == AS_REASON_WRONG_ITEM;
    if (!strcmp(cat, "Cancellation")) return c == AS_REASON_CHANGED_MIND || c == AS_REASON_DELIVERY;
    if (!strcmp(cat, "Returns") || !strcmp(cat, "Refund Related"))
        return c != AS_REASON_OTHER;   /* any return reason */
    if (!strcmp(cat, "Product Queries")) return as__reason_is_product(c);
    return -1;
}

static void test_shopzilla_agreement(void) {
    char path[1024];
    if (!test_shared_data("shopzilla-customer-support-remarks/Customer_support_remarks_subset.csv", path,
                          sizeof path))
        return;
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f) return;
    static char line[1 << 16];
    long rows = 0, recognised = 0, judged = 0, agree = 0, per_class[AS_REASON_N] = {0};
    static const char *const cats[] = {"Order Related", "Cancellation", "Returns", "Refund Related",
                                       "Product Queries"};
    long cat_n[5] = {0}, cat_rec[5] = {0}, cat_agree[5] = {0};
    if (!fgets(line, sizeof line, f)) line[0] = '\0';   /* header */
    while (fgets(line, sizeof line, f)) {
        char *fld[8];
        if (split_csv(line, fld, 8) < 2) continue;
        rows++;
        for (int k = 0; k < 5; k++) cat_n[k] += !strcmp(fld[1], cats[k]);
        int rec;
        as_reason_class c = as__reason_classify(fld[0], strlen(fld[0]), &rec);
        per_class[c]++;
        if (!rec) continue;
        recognised++;
        int fits = category_fits(fld[1], c);
        if (fits < 0) continue;
        for (int k = 0; k < 5; k++)
            if (!strcmp(fld[1], cats[k])) { cat_rec[k]++; cat_agree[k] += fits; }
        judged++;
        agree += fits;
    }
    fclose(f);
    fprintf(stderr, "shopzilla remarks: %ld rows, %ld with a recognised reason (%.1f %%); of those in a category "
            "that implies a reason, %ld of %ld agree (%.1f %%)\n", rows, recognised,
            rows ? 100.0 * (double)recognised / (double)rows : 0.0, agree, judged,
            judged ? 100.0 * (double)agree / (double)judged : 0.0);
    for (int k = 0; k < AS_REASON_N; k++)
        fprintf(stderr, "  %-17s %ld\n", as__reason_class_name((as_reason_class)k), per_class[k]);
    for (int k = 0; k < 5; k++)
        fprintf(stderr, "  category %-16s %6ld remarks, %5ld recognised, %5ld agree\n", cats[k], cat_n[k],
                cat_rec[k], cat_agree[k]);
    CHECK(rows > 1000);   /* the file was read; the agreement itself is reported, not asserted */
}

int main(void) {
    RUN(test_labelled);
    RUN(test_edges);
    RUN(test_shopzilla_agreement);
    return test_report("test_reasons");
}
