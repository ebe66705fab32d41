/*
 * reasons — the reason-class lexicon (English and Portuguese). The rules and their precedence are documented in
 * docs/presets.md ("Reason classes"); the contract is in reasons.h.
 *
 * The text is folded first into its words (as__words_next, core.h): ASCII lower case, Latin-1 accents removed
 * ("não" → "nao", "peça" → "peca"), apostrophes dropped ("doesn't" → "doesnt"), punctuation, symbols and emoji
 * word breaks. Each pattern is a sequence of words; a word ending in '*' matches any word starting with it
 * ("quebrad*": quebrado, quebrada). Classes are tried in a fixed order and the first class with a matching
 * pattern wins, because one text often names several things and the earlier class is the one a team acts on:
 * "arrived broken" is a defect, not a delivery problem; "wrong size sent" is a size problem, not a wrong item.
 */
#include <string.h>

#include "core/core.h"
#include "quality/reasons.h"

static const char *const k_names[AS_REASON_N] = {"size_fit", "defective", "not_as_described", "wrong_item",
                                                 "delivery", "changed_mind", "other"};

const char *as__reason_class_name(as_reason_class c) { return c >= 0 && c < AS_REASON_N ? k_names[c] : "other"; }

int as__reason_is_product(as_reason_class c) {
    return c == AS_REASON_SIZE || c == AS_REASON_DEFECT || c == AS_REASON_NOT_DESCRIBED;
}

/* The order classes are tried in: defects first (damage usually comes with a delivery or description word),
 * then a wrong or missing item, then size (the most specific mismatch), then not as described, then delivery,
 * and a change of mind last (it is the customer's own reason, named only when nothing else is). */
static const as_reason_class k_order[] = {AS_REASON_DEFECT, AS_REASON_WRONG_ITEM, AS_REASON_SIZE,
                                          AS_REASON_NOT_DESCRIBED, AS_REASON_DELIVERY, AS_REASON_CHANGED_MIND};

typedef struct lexicon {
    as_reason_class cls;
    const char *const *patterns;
} lexicon;

static const char *const k_defect[] = {
    /* English */
    "broken", "broke*", "breaks", "stopped working", "stop working", "stops working", "not working",
    "doesnt work", "does not work", "didnt work", "did not work", "dont work", "wont work", "no longer works",
    "not work*", "faulty", "fault", "defect*", "damag*", "crack*", "scratch*", "torn", "ripped", "rip", "leak*",
    "malfunction*", "dead on arrival", "doa", "shatter*", "dented", "fell apart", "falls apart", "falling apart",
    "poor quality", "bad quality", "low quality", "cheap quality", "wont turn on", "doesnt turn on",
    "does not turn on", "wont charge", "doesnt charge", "not charging", "stain*", "missing part*",
    "missing piece*", "parts missing", "pieces missing", "rusty", "rust", "mould*", "mold*", "expired", "burnt",
    "burned out", "short circuit", "glitch*", "not functioning", "no sound", "no power", "flicker*",
    /* Portuguese */
    "quebr*", "defeit*", "danific*", "avaria*", "nao funciona*", "parou de funcionar", "deixou de funcionar",
    "nao liga", "nao ligou", "nao carrega", "rachad*", "trincad*", "riscad*", "amassad*", "estragad*",
    "vazand*", "vazou", "mal acabad*", "falt* peca*", "falt* uma peca*", "falt* um pedaco", "falt* pecas", "peca* faltando", "qualidade ruim", "pessima qualidade",
    "baixa qualidade", "qualidade baixa", "qualidade pessima", "furad*", "descol*", "rasgad*", "manchad*",
    "enferruj*", "ferrugem", "desfi*", "destruid*", "destru*", "qualidade muito ruim", "ma qualidade",
    "funciona mal", "com problema", "veio com problema", "nao presta", "vencid*",
    NULL};

static const char *const k_wrong[] = {
    /* English */
    "wrong item*", "wrong product*", "wrong order", "wrong model", "wrong thing", "wrong one", "wrong book",
    "wrong article", "wrong part", "incorrect item*", "incorrect product*", "different item", "different product",
    "not what i ordered", "not the one i ordered", "not the item i ordered", "not what i bought",
    "sent me something else", "received something else", "someone elses", "missing item*", "item* missing",
    "incomplete order", "order incomplete", "only received", "only got", "one item missing", "empty box",
    "empty package", "box was empty",
    /* Portuguese */
    "veio errad*", "produto errad*", "pedido errad*", "item errad*", "itens errad*", "modelo errad*",
    "enviaram errad*", "mandaram errad*", "entregaram errad*", "enviado errad*", "entregue errad*",
    "recebi errad*", "veio outro", "outro produto", "recebi outro", "enviaram outro", "mandaram outro",
    "produto trocado", "veio trocado", "trocad*", "diferente do solicitado", "s chegou", "s recebi",
    "s veio", "falta receber", "metade dos produtos", "nao e o que pedi", "nao era o que pedi", "nao e o produto",
    "nao era o produto", "diferente do que pedi", "diferente do que comprei", "diferente do pedido",
    "faltando", "faltou", "falta um", "falta uma", "incomplet*", "recebi apenas", "recebi somente",
    "so recebi", "so veio", "veio apenas", "veio somente", "veio so", "caixa vazia", "veio vazi*",
    "apenas um dos", "apenas 1", "somente um dos", NULL};

static const char *const k_size[] = {
    /* English */
    "too small", "too big", "too large", "too tight", "too loose", "too long", "too short", "too narrow",
    "too wide", "too baggy", "doesnt fit", "does not fit", "didnt fit", "did not fit", "dont fit", "not fit*",
    "wont fit", "poor fit", "bad fit", "fit*", "wrong size", "size*", "sizing", "runs small", "runs large",
    "runs big", "smaller than", "bigger than", "larger than", "tight", "loose", "baggy", "length",
    /* Portuguese */
    "tamanho*", "pequen*", "grande demais", "muito grande", "ficou grande", "veio grande", "larg*", "apertad*",
    "nao serviu", "nao serve", "nao coube", "nao cabe", "numeracao", "numero errado", "numero menor",
    "numero maior", "curto", "curta", "curtos", "curtas", "comprid*", "justo demais", "muito justo", NULL};

static const char *const k_described[] = {
    /* English */
    "not as described", "not as pictured", "not as shown", "not as advertised", "not as expected",
    "different from the picture", "different from the photo", "different from the description",
    "different than pictured", "different than described", "different to the picture", "looks different",
    "colour differ*", "color differ*", "colour is different", "color is different", "different colour",
    "different color", "wrong colour", "wrong color", "wrong shade", "misleading", "not what i expected",
    "not what was advertised", "not like the picture", "not like the photo", "nothing like", "fake",
    "counterfeit", "not original", "not genuine", "description",
    "cheap material", "material",
    /* Portuguese */
    "diferente do anunci*", "diferente da foto*", "diferente da imagem", "diferente das foto*",
    "diferente da descricao", "diferente do site", "diferente do que", "nao corresponde", "nao condiz",
    "nao e igual", "nao e o mesmo", "cor diferente", "outra cor", "cor errada", "falsificad*", "falso",
    "nao e original", "nao original", "replica", "propaganda enganosa", "enganos*", "descricao", "anunci*",
    "material", "nao confere", "cor", "cores", "tonalidade", "especifica*", "descrit*", "pirata", "imita*",
    "nao e autentico", NULL};

static const char *const k_delivery[] = {
    /* English */
    "late", "arrived late", "delay*", "never arrived", "never received", "never came", "not received",
    "not yet received", "havent received", "have not received", "did not receive", "didnt receive",
    "not delivered", "never delivered", "undelivered", "didnt arrive", "did not arrive", "hasnt arrived",
    "has not arrived", "not arrived", "still waiting", "still not", "lost in transit", "lost parcel",
    "lost package", "took too long", "takes too long", "slow delivery", "delivery", "deliver*", "shipping",
    "shipment", "courier", "tracking", "dispatch*", "in transit", "parcel", "package",
    /* Portuguese */
    "atras*", "nao recebi", "nao recebemos", "nao recebeu", "ainda nao", "nao chegou", "nunca chegou",
    "nao foi entregue", "nao entreg*", "entrega*", "entregue", "demor*", "prazo*", "extravi*", "aguardando",
    "esperando", "aguard*", "correio*", "transportadora", "rastreamento", "rastreio", "chegou depois", NULL};

static const char *const k_changed[] = {
    /* English */
    "changed my mind", "change of mind", "changed mind", "no longer need*", "no longer want*", "dont need",
    "do not need", "didnt need", "not needed", "dont want", "do not want", "not wanted", "unwanted",
    "better price", "cheaper", "lower price", "ordered by mistake", "by mistake", "my mistake", "accidental*",
    "ordered twice", "duplicate order", "ordered the wrong", "bought the wrong", "no longer required",
    "found it elsewhere", "found elsewhere",
    /* Portuguese */
    "desist*", "arrepend*", "nao quero mais", "nao preciso mais", "nao precisei", "mais barato",
    "comprei errado", "comprei por engano", "por engano", "engano", "comprei duas vezes", "pedido duplicado",
    "quero cancelar", "solicitei o cancelamento", "pedi o cancelamento", "solicitei cancelamento", "cancelei",
    "mudei de ideia", NULL};

static const lexicon k_lexicon[] = {
    {AS_REASON_DEFECT, k_defect},         {AS_REASON_WRONG_ITEM, k_wrong},
    {AS_REASON_SIZE, k_size},             {AS_REASON_NOT_DESCRIBED, k_described},
    {AS_REASON_DELIVERY, k_delivery},     {AS_REASON_CHANGED_MIND, k_changed},
};

#define FOLD_MAX 2048   /* a reason longer than this is classified on its first 2 KiB */

/* " word word … " — the words of as__words_next (core.h), single spaces, one at each end, so that " w" finds a
 * word start and "w " a word end. */
static size_t fold(const char *text, size_t n, char *out) {
    as_words it;
    size_t m = 0;
    out[m++] = ' ';
    as__words_init(&it, text, n);
    while (m + 2 < FOLD_MAX && as__words_next(&it)) {
        size_t len = it.len < FOLD_MAX - 2 - m ? it.len : FOLD_MAX - 2 - m;   /* room for ' ' and '\0' */
        memcpy(out + m, it.word, len);
        m += len;
        out[m++] = ' ';
    }
    out[m] = '\0';
    /* Exports that dropped accented letters instead of folding them (the Olist copy: "n o recebi" for "não
     * recebi") leave "não" as "n o"; it is restored in place (same length), as it is the word that turns
     * "recebi" into a complaint. */
    for (char *p = out; (p = strstr(p, " n o ")) != NULL; p += 4) {
        p[2] = 'a';
        p[3] = 'o';
    }
    return m;
}

/* 1 when the pattern's words occur in a row in the folded text (" w1 w2 … "); a pattern word ending in '*'
 * matches the start of a word. */
static int matches(const char *folded, const char *pattern) {
    for (const char *t = folded; (t = strchr(t, ' ')) != NULL && t[1]; t++) {
        const char *q = t + 1, *p = pattern;
        for (;;) {
            while (*p && *p != ' ' && *p != '*' && *q == *p) { p++; q++; }
            if (*p == '*') {
                p++;
                while (*q != ' ') q++;   /* the rest of the text's word */
            } else if (*p && *p != ' ') {
                break;                   /* a letter differs */
            }
            if (*q != ' ') break;        /* the text's word goes on where the pattern's ended */
            if (!*p) return 1;
            p++;                         /* the space between pattern words */
            q++;
            if (!*q) break;
        }
    }
    return 0;
}

as_reason_class as__reason_classify(const char *text, size_t n, int *recognised) {
    if (recognised) *recognised = 0;
    if (!text || n == 0) return AS_REASON_OTHER;
    char folded[FOLD_MAX];
    size_t m = fold(text, n, folded);
    if (m <= 1) return AS_REASON_OTHER;
    for (size_t k = 0; k < sizeof k_order / sizeof *k_order; k++) {
        const lexicon *lx = NULL;
        for (size_t j = 0; j < sizeof k_lexicon / sizeof *k_lexicon; j++)
            if (k_lexicon[j].cls == k_order[k]) lx = &k_lexicon[j];
        for (const char *const *p = lx->patterns; *p; p++)
            if (matches(folded, *p)) {
                if (recognised) *recognised = 1;
                return lx->cls;
            }
    }
    return AS_REASON_OTHER;
}
