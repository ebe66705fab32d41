/* quality/reason_model + as_reasons_train: the trained reason classifier.
 *
 *  - the objective: on a tiny hashed problem the fitted intercepts and probabilities equal scikit-learn 1.2.1's
 *    LogisticRegression(C=2, multi_class="multinomial", solver="newton-cg") on the same features (computed
 *    independently in Python from the documented hashing; recipe below), to 1e-7;
 *  - a synthetic English / Portuguese set (300 texts, 5 classes, noise words): held-out accuracy ≥ 0.95, CV accuracy ≥ 0.9,
 *    unseen phrases get their class, save → load gives bit-identical probabilities, min_per_class drops a rare class;
 *  - degenerate input: one class, no texts, texts without words (the intercepts then give the class shares
 *    exactly, as the unpenalized intercepts must);
 *  - the model speaks only for texts with a word it was trained on: a text of unseen words gets the class prior
 *    from predict, and "other" from as__reason_class_of however large that prior is;
 *  - the model file loader names the file and the key that is wrong;
 *  - as_reasons_train on a labels CSV (value map, "-" skips, an unknown value names line and classes, lexicon
 *    accuracy beside the classifier's; empty class values, short rows, one column for text and class, too many
 *    folds), on a shop database (only case reasons count as what the model adds), and on the Shopzilla support
 *    remarks when present (asserted level below).
 */
#include <cjson/cJSON.h>
#include <stdint.h>

#include "quality/reason_model.h"
#include "store/store.h"
#include "test.h"

static char g_dir[128];

/* ---- scikit-learn reference ------------------------------------------------------------------------------
 * /usr/bin/python3 (numpy 1.24.2, scipy 1.10.1, scikit-learn 1.2.1):
 *   SEED = 14695981039346656037 ^ 0x7265617330; fnv(h, b): for c in b: h ^= c; h = h * 1099511628211 mod 2^64
 *   bucket(h) = (h ^ (h >> 32)) & 255; words = re.findall('[a-z0-9]+', text.lower())
 *   word w: bucket(fnv(SEED, w)); pair (u, w): bucket(fnv(fnv(fnv(SEED, u), b'\x1f'), w))
 *   row: log1p(count) per bucket, L2-normalized
 *   LogisticRegression(C=2.0, multi_class='multinomial', solver='newton-cg', tol=1e-15, max_iter=100000).fit(X, y)
 * Objective at the fit: 16.13739548318537, as here (26.366694928034633 at 0, minus the change L-BFGS reports).
 * solver='lbfgs' (tol=1e-12) stops at 16.137395484172547, 1e-9 higher, where the probabilities are still 4e-6
 * off: the objective is flat near its minimum, so the reference is the Newton solution. */
typedef struct ref_row { const char *text; double p[3]; } ref_row;
static const ref_row k_ref[] = {
    {"too small for me",        {0.6840830439, 0.1470913045, 0.1688256516}},
    {"way too tight",           {0.6747816133, 0.1642122484, 0.1610061382}},
    {"size runs small",         {0.6105840271, 0.1799003613, 0.2095156116}},
    {"too big and loose",       {0.6350577129, 0.1949627331, 0.1699795540}},
    {"arrived broken",          {0.1617908885, 0.6317447352, 0.2064643763}},
    {"stopped working fast",    {0.1777044956, 0.6032075102, 0.2190879942}},
    {"screen cracked badly",    {0.1728970986, 0.6469149385, 0.1801879629}},
    {"broken and cracked",      {0.1728246584, 0.6738527323, 0.1533226093}},
    {"arrived very late",       {0.1623230720, 0.2079171655, 0.6297597625}},
    {"parcel never came",       {0.2076780950, 0.1947277366, 0.5975941684}},
    {"late again",              {0.1695509307, 0.1752450853, 0.6552039840}},
    {"still waiting parcel",    {0.1707243655, 0.1802234472, 0.6490521872}},
    /* not trained on */
    {"too small and broken",    {0.4808094780, 0.3116186556, 0.2075718664}},
    {"very late parcel",        {0.1642249926, 0.1661564245, 0.6696185829}},
};
static const double k_ref_intercepts[3] = {-0.0386833180, 0.0292817948, 0.0094015232};
/* bucket 8 (the lowest non-zero one; 48 buckets are non-zero) */
static const double k_ref_bucket8[3] = {-0.3092229400, 0.6075238655, -0.2983009255};

static const as_reason_class k_ref_cls[3] = {AS_REASON_SIZE, AS_REASON_DEFECT, AS_REASON_DELIVERY};

/* Reads the saved model back as JSON (the intercepts and one weight row are not in the API). */
static cJSON *read_json(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return cJSON_Parse(buf);
}

static void test_sklearn_objective(void) {
    as_reason_example ex[12];
    for (int i = 0; i < 12; i++) ex[i] = (as_reason_example){k_ref[i].text, strlen(k_ref[i].text), k_ref_cls[i / 4]};
    as_reason_model_params p = as__reason_model_params_default();
    p.hash_bits = 8;
    p.C = 2.0;
    p.min_per_class = 2;
    as_reason_model *m = NULL;
    as_error err;
    CHECK_OK(as__reason_model_train(ex, 12, &p, &m, &err), &err);
    if (!m) return;
    CHECK(as__reason_model_n_classes(m) == 3);
    for (size_t i = 0; i < sizeof k_ref / sizeof *k_ref; i++) {
        double probs[AS_REASON_N], top;
        as__reason_model_predict(m, k_ref[i].text, strlen(k_ref[i].text), &top, probs);
        for (int k = 0; k < 3; k++) CHECK_NEAR(probs[k_ref_cls[k]], k_ref[i].p[k], 1e-7);
        CHECK(probs[AS_REASON_WRONG_ITEM] == 0 && probs[AS_REASON_OTHER] == 0);
    }
    char path[256];
    snprintf(path, sizeof path, "%s/tiny.json", g_dir);
    CHECK_OK(as__reason_model_save(m, path, &err), &err);
    cJSON *j = read_json(path);
    CHECK(j != NULL);
    if (j) {
        const cJSON *b = cJSON_GetObjectItem(j, "intercepts"), *w = cJSON_GetObjectItem(j, "weights");
        for (int k = 0; k < 3; k++) CHECK_NEAR(cJSON_GetArrayItem(b, k)->valuedouble, k_ref_intercepts[k], 1e-7);
        CHECK(cJSON_GetArraySize(w) == 48);
        const cJSON *row = cJSON_GetArrayItem(w, 0);
        CHECK(cJSON_GetArrayItem(row, 0)->valueint == 8);
        for (int k = 0; k < 3; k++) CHECK_NEAR(cJSON_GetArrayItem(row, k + 1)->valuedouble, k_ref_bucket8[k], 1e-7);
        cJSON_Delete(j);
    }
    as__reason_model_free(m);
}

/* ---- a synthetic labelled set -------------------------------------------------------------------------- */

static const char *const k_keys[5][12] = {
    {"too small", "too big", "did not fit", "way too tight", "size runs large", "could not button it",
     "tamanho errado", "ficou pequeno", "ficou apertado", "ficou enorme", "hangs off me", "nao serviu"},
    {"arrived broken", "stopped working", "screen cracked", "zipper broke", "zipper came off", "smells of burning",
     "veio quebrado", "parou de funcionar", "com defeito", "tela rachada", "veio sem funcionar", "veio danificado"},
    {"wrong item sent", "not what i ordered", "received someone elses order", "different product in box",
     "got a kettle instead", "sent another item", "produto errado", "veio outro produto", "recebi item trocado",
     "veio uma caneca no lugar", "mandaram outro", "modelo errado"},
    {"arrived late", "never arrived", "parcel lost", "delivery took weeks", "still waiting for parcel",
     "courier never came", "entrega atrasou", "nao recebi", "ainda nao chegou", "stuck at the depot",
     "cade meu pedido", "nunca veio"},
    {"changed my mind", "no longer needed", "found cheaper elsewhere", "ordered by mistake", "dont want it anymore",
     "bought twice", "desisti da compra", "mudei de ideia", "decided against it", "comprei por engano",
     "nao quero mais", "nao curti"},
};
static const as_reason_class k_syn_cls[5] = {AS_REASON_SIZE, AS_REASON_DEFECT, AS_REASON_WRONG_ITEM,
                                             AS_REASON_DELIVERY, AS_REASON_CHANGED_MIND};
static const char *const k_noise[] = {
    "the", "a", "my", "order", "please", "item", "product", "today", "again", "really", "very", "it", "was",
    "and", "this", "o", "produto", "meu", "pedido", "muito", "hoje", "que", "de", "por", "favor", "just", "so",
    "customer", "shop", "bought", "comprei", "loja", "jacket", "shoes", "phone", "lamp", "camisa", "tenis"};
#define N_NOISE (sizeof k_noise / sizeof *k_noise)
#define N_SYN 300

static uint64_t g_rng = 0x9E3779B97F4A7C15ULL;
static unsigned rnd(unsigned n) {
    g_rng ^= g_rng << 13, g_rng ^= g_rng >> 7, g_rng ^= g_rng << 17;
    return (unsigned)(g_rng % n);
}

static char g_text[N_SYN][160];
static as_reason_example g_syn[N_SYN];

static void make_synthetic(void) {
    for (int i = 0; i < N_SYN; i++) {
        int c = i % 5;
        char *t = g_text[i];
        size_t m = 0;
        int before = 1 + (int)rnd(3), after = (int)rnd(3);
        for (int w = 0; w < before; w++) m += (size_t)snprintf(t + m, 160 - m, "%s ", k_noise[rnd(N_NOISE)]);
        m += (size_t)snprintf(t + m, 160 - m, "%s", k_keys[c][rnd(12)]);
        for (int w = 0; w < after; w++) m += (size_t)snprintf(t + m, 160 - m, " %s", k_noise[rnd(N_NOISE)]);
        g_syn[i] = (as_reason_example){t, m, k_syn_cls[c]};
    }
}

static void test_synthetic(void) {
    make_synthetic();
    as_reason_example train[N_SYN];
    size_t nt = 0;
    for (int i = 0; i < N_SYN; i++)
        if (i % 5 != (i / 5) % 5) train[nt++] = g_syn[i];   /* every fifth text of each class held out */
    as_reason_model *m = NULL;
    as_error err;
    CHECK_OK(as__reason_model_train(train, nt, NULL, &m, &err), &err);
    if (!m) return;
    int right = 0, held = 0;
    for (int i = 0; i < N_SYN; i++)
        if (i % 5 == (i / 5) % 5) {
            held++;
            right += as__reason_model_predict(m, g_syn[i].text, g_syn[i].len, NULL, NULL) == g_syn[i].cls;
        }
    fprintf(stderr, "synthetic: held-out accuracy %d / %d\n", right, held);
    CHECK(held == 60);
    CHECK((double)right / held >= 0.95);

    /* phrases never seen as such: a key phrase among words the model never met */
    static const struct { const char *text; as_reason_class want; } unseen[] = {
        {"honestly the zipper broke after one wash", AS_REASON_DEFECT},
        {"Infelizmente a tela rachada no segundo dia", AS_REASON_DEFECT},
        {"it hangs off me like a tent", AS_REASON_SIZE},
        {"honestly it smells of burning", AS_REASON_DEFECT},
        {"we decided against it after all", AS_REASON_CHANGED_MIND},
        {"Ficou apertado no meu filho", AS_REASON_SIZE},
        {"courier never came to our street", AS_REASON_DELIVERY},
        {"Infelizmente ainda não chegou", AS_REASON_DELIVERY},
        {"I ordered by mistake sorry", AS_REASON_CHANGED_MIND},
        {"mudei de ideia sobre a cor", AS_REASON_CHANGED_MIND},
        {"they sent another item entirely", AS_REASON_WRONG_ITEM},
        {"Mandaram outro, quero o meu", AS_REASON_WRONG_ITEM},
    };
    for (size_t i = 0; i < sizeof unseen / sizeof *unseen; i++) {
        double top;
        as_reason_class c = as__reason_model_predict(m, unseen[i].text, strlen(unseen[i].text), &top, NULL);
        CHECK_MSG(c == unseen[i].want, "'%s' → %s (%.3f), expected %s", unseen[i].text, as__reason_class_name(c),
                  top, as__reason_class_name(unseen[i].want));
    }
    /* accents and case fold: the same features */
    double pa[AS_REASON_N], pb[AS_REASON_N];
    as__reason_model_predict(m, "AINDA NÃO CHEGOU", strlen("AINDA NÃO CHEGOU"), NULL, pa);
    as__reason_model_predict(m, "ainda nao chegou", strlen("ainda nao chegou"), NULL, pb);
    CHECK(memcmp(pa, pb, sizeof pa) == 0);

    /* save → load: the same probabilities to the last bit */
    char path[256];
    snprintf(path, sizeof path, "%s/syn.json", g_dir);
    CHECK_OK(as__reason_model_set_source(m, "labels \"synthetic\"\n", &err), &err);
    CHECK_OK(as__reason_model_save(m, path, &err), &err);
    as_reason_model *back = NULL;
    CHECK_OK(as__reason_model_load(path, &back, &err), &err);
    if (back) {
        CHECK(as__reason_model_n_classes(back) == 5);
        for (int i = 0; i < N_SYN; i += 7) {
            as__reason_model_predict(m, g_syn[i].text, g_syn[i].len, NULL, pa);
            as__reason_model_predict(back, g_syn[i].text, g_syn[i].len, NULL, pb);
            CHECK(memcmp(pa, pb, sizeof pa) == 0);
        }
        /* the file of the loaded model is the same file */
        char again[256];
        snprintf(again, sizeof again, "%s/syn2.json", g_dir);
        CHECK_OK(as__reason_model_save(back, again, &err), &err);
        char cmd[700];
        snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", path, again);
        CHECK(system(cmd) == 0);
        as__reason_model_free(back);
    }

    /* the class used everywhere: lexicon first, model for what it misses, "other" below the threshold */
    int how;
    CHECK(as__reason_class_of(m, 0.5, "arrived broken", 14, &how) == AS_REASON_DEFECT && how == 1);
    CHECK(as__reason_class_of(m, 0.5, "  ?! ", 5, &how) == AS_REASON_OTHER && how == 0);
    CHECK(as__reason_class_of(m, 0.5, NULL, 0, &how) == AS_REASON_OTHER && how == 0);
    /* "stuck at the depot" is not in the lexicon; the model learned it */
    CHECK(as__reason_class_of(NULL, 0.5, "stuck at the depot", 18, &how) == AS_REASON_OTHER && how == 3);
    CHECK(as__reason_class_of(m, 0.5, "stuck at the depot", 18, &how) == AS_REASON_DELIVERY && how == 2);
    CHECK(as__reason_class_of(m, 0.999, "stuck at the depot", 18, &how) == AS_REASON_OTHER && how == 3);
    as__reason_model_free(m);
}

static void test_min_per_class(void) {
    as_reason_example ex[N_SYN + 4];
    memcpy(ex, g_syn, sizeof g_syn);
    static const char *const rare[] = {"not as pictured", "colour differs", "not as described", "fake"};
    for (int i = 0; i < 4; i++) ex[N_SYN + i] = (as_reason_example){rare[i], strlen(rare[i]), AS_REASON_NOT_DESCRIBED};
    as_reason_model *m = NULL;
    as_error err;
    CHECK_OK(as__reason_model_train(ex, N_SYN + 4, NULL, &m, &err), &err);   /* min_per_class 5 > 4 */
    if (!m) return;
    CHECK(as__reason_model_n_classes(m) == 5);
    CHECK(!as__reason_model_has_class(m, AS_REASON_NOT_DESCRIBED));
    CHECK(as__reason_model_has_class(m, AS_REASON_SIZE));
    double probs[AS_REASON_N], sum = 0;
    as__reason_model_predict(m, "not as pictured", 15, NULL, probs);
    CHECK(probs[AS_REASON_NOT_DESCRIBED] == 0);
    for (int c = 0; c < AS_REASON_N; c++) sum += probs[c];
    CHECK_NEAR(sum, 1.0, 1e-12);
    as__reason_model_free(m);
    as_reason_model_params p = as__reason_model_params_default();
    p.min_per_class = 4;
    CHECK_OK(as__reason_model_train(ex, N_SYN + 4, &p, &m, &err), &err);
    CHECK(m && as__reason_model_n_classes(m) == 6 && as__reason_model_has_class(m, AS_REASON_NOT_DESCRIBED));
    as__reason_model_free(m);
}

static void test_degenerate(void) {
    as_reason_model *m = NULL;
    as_error err;
    memset(&err, 0, sizeof err);
    /* one class */
    as_reason_example one[10];
    for (int i = 0; i < 10; i++) one[i] = (as_reason_example){"too small", 9, AS_REASON_SIZE};
    CHECK(as__reason_model_train(one, 10, NULL, &m, &err) == AS_ERR_INVALID && m == NULL);
    CHECK(strstr(err.msg, "at least two classes") && strstr(err.msg, "size_fit 10"));
    /* one class with enough texts, one with too few */
    one[9].cls = AS_REASON_DEFECT;
    CHECK(as__reason_model_train(one, 10, NULL, &m, &err) == AS_ERR_INVALID);
    CHECK(strstr(err.msg, "size_fit 9, defective 1") != NULL);
    /* nothing */
    CHECK(as__reason_model_train(one, 0, NULL, &m, &err) == AS_ERR_NODATA);
    /* bad parameters and classes */
    as_reason_model_params p = as__reason_model_params_default();
    p.hash_bits = 7;
    CHECK(as__reason_model_train(g_syn, N_SYN, &p, &m, &err) == AS_ERR_INVALID && strstr(err.msg, "hash_bits"));
    one[0].cls = (as_reason_class)9;
    CHECK(as__reason_model_train(one, 10, NULL, &m, &err) == AS_ERR_INVALID && strstr(err.msg, "text 0"));

    /* texts without words: only the (unpenalized) intercepts learn, and they give the class shares exactly */
    as_reason_example empty[10];
    for (int i = 0; i < 10; i++)
        empty[i] = (as_reason_example){i % 2 ? "" : "?!", i % 2 ? 0 : 2, i < 3 ? AS_REASON_DEFECT : AS_REASON_DELIVERY};
    p = as__reason_model_params_default();
    p.min_per_class = 1;
    CHECK_OK(as__reason_model_train(empty, 10, &p, &m, &err), &err);
    if (m) {
        double probs[AS_REASON_N], top;
        CHECK(as__reason_model_predict(m, "anything at all", 15, &top, probs) == AS_REASON_DELIVERY);
        CHECK_NEAR(probs[AS_REASON_DEFECT], 0.3, 1e-6);
        CHECK_NEAR(top, 0.7, 1e-6);
        as__reason_model_free(m);
    }
}

/* ---- words the model never saw ---- */

static void test_unknown_words(void) {
    /* made-up words the lexicon does not know, so every text below reaches the model; delivery is 90 % of the
     * texts, and a text of unseen words gets it with 0.763 (the intercepts alone) */
    as_reason_example ex[100];
    for (int i = 0; i < 100; i++)
        ex[i] = i % 10 ? (as_reason_example){"zorp flim", 9, AS_REASON_DELIVERY}
                       : (as_reason_example){"blarg quux", 10, AS_REASON_DEFECT};
    as_reason_model *m = NULL, *loaded = NULL;
    as_error err;
    char path[256];
    snprintf(path, sizeof path, "%s/unknown.json", g_dir);
    CHECK_OK(as__reason_model_train(ex, 100, NULL, &m, &err), &err);
    if (m) CHECK_OK(as__reason_model_save(m, path, &err), &err);
    CHECK_OK(as__reason_model_load(path, &loaded, &err), &err);   /* the file keeps non-zero buckets only */
    const as_reason_model *models[2] = {m, loaded};
    for (int k = 0; k < 2 && m && loaded; k++) {
        double top;
        int how, recognised;
        as__reason_classify("wibble wobble", 13, &recognised);
        CHECK(!recognised);
        /* predict gives the prior, far above the threshold … */
        CHECK(as__reason_model_predict(models[k], "wibble wobble", 13, &top, NULL) == AS_REASON_DELIVERY);
        CHECK_NEAR(top, 0.763, 0.005);
        /* … but with no known word the text stays "other" */
        CHECK(as__reason_class_of(models[k], 0.5, "wibble wobble", 13, &how) == AS_REASON_OTHER && how == 3);
        /* known words are enough for the model to speak, unknown ones beside them or not (0.750, 0.895) */
        CHECK(as__reason_class_of(models[k], 0.5, "blarg quux wibble", 17, &how) == AS_REASON_DEFECT && how == 2);
        CHECK(as__reason_class_of(models[k], 0.5, "flim wobble", 11, &how) == AS_REASON_DELIVERY && how == 2);
    }
    as__reason_model_free(m);
    as__reason_model_free(loaded);
}

/* ---- the model file loader ---- */

static void expect_load_error(const char *name, const char *json, as_status want, const char *mention) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    test_write(g_dir, name, json);
    as_reason_model *m = NULL;
    as_error err;
    memset(&err, 0, sizeof err);
    as_status st = as__reason_model_load(path, &m, &err);
    CHECK_MSG(st == want && m == NULL, "%s: status %d, expected %d", name, (int)st, (int)want);
    CHECK_MSG(strstr(err.msg, path) && strstr(err.msg, mention), "%s: message '%s' should name the file and '%s'",
              name, err.msg, mention);
}

static void test_loader_errors(void) {
#define HEAD "{\"format\": \"aftersales-reason-model\", \"version\": 1, "
    expect_load_error("none.json", "", AS_ERR_PARSE, "not valid JSON");
    expect_load_error("fmt.json", "{\"format\": \"aftersales-model\"}", AS_ERR_FORMAT, "'format'");
    expect_load_error("ver.json", "{\"format\": \"aftersales-reason-model\", \"version\": 2}", AS_ERR_FORMAT,
                      "'version'");
    expect_load_error("bits.json", HEAD "\"hash_bits\": 30, \"bigrams\": 1}", AS_ERR_FORMAT, "'hash_bits'");
    expect_load_error("big.json", HEAD "\"hash_bits\": 8, \"bigrams\": 2}", AS_ERR_FORMAT, "'bigrams'");
    expect_load_error("c.json", HEAD "\"hash_bits\": 8, \"bigrams\": 1, \"C\": -1}", AS_ERR_FORMAT, "'C'");
#define HEAD2 HEAD "\"hash_bits\": 8, \"bigrams\": 1, \"C\": 1, "
    expect_load_error("cls.json", HEAD2 "\"classes\": [\"size_fit\", \"sizes\"]}", AS_ERR_FORMAT, "'classes'[1]");
    expect_load_error("cls2.json", HEAD2 "\"classes\": [\"size_fit\", \"size_fit\"]}", AS_ERR_FORMAT, "'classes'[1]");
    expect_load_error("icpt.json", HEAD2 "\"classes\": [\"size_fit\", \"other\"], \"intercepts\": [0]}", AS_ERR_FORMAT,
                      "'intercepts'");
#define HEAD3 HEAD2 "\"classes\": [\"size_fit\", \"other\"], \"intercepts\": [0.5, -0.5], "
    expect_load_error("w0.json", HEAD3 "\"weights\": 3}", AS_ERR_FORMAT, "'weights'");
    expect_load_error("w1.json", HEAD3 "\"weights\": [[256, 1, 2]]}", AS_ERR_FORMAT, "'weights'[0]");
    expect_load_error("w2.json", HEAD3 "\"weights\": [[3, 1, 2], [3, 1, 2]]}", AS_ERR_FORMAT, "repeats bucket 3");
    expect_load_error("w3.json", HEAD3 "\"weights\": [[3, 1, \"x\"]]}", AS_ERR_FORMAT, "'weights'[0][2]");
    expect_load_error("w4.json", HEAD3 "\"weights\": [[3.5, 1, 2]]}", AS_ERR_FORMAT, "'weights'[0]");
    /* minimal but complete: loads, and a text without words gets the intercepts' softmax */
    char path[256];
    snprintf(path, sizeof path, "%s/ok.json", g_dir);
    test_write(g_dir, "ok.json", HEAD3 "\"weights\": [[3, 1, 2]]}");
    as_reason_model *m = NULL;
    as_error err;
    CHECK_OK(as__reason_model_load(path, &m, &err), &err);
    if (m) {
        double top;
        CHECK(as__reason_model_predict(m, "", 0, &top, NULL) == AS_REASON_SIZE);
        CHECK_NEAR(top, 1 / (1 + exp(-1.0)), 1e-15);
        as__reason_model_free(m);
    }
    snprintf(path, sizeof path, "%s/absent.json", g_dir);
    CHECK(as__reason_model_load(path, &m, &err) == AS_ERR_IO && strstr(err.msg, "reasons train"));
}

/* ---- as_reasons_train on a labels file ---- */

static void test_train_labels(void) {
    /* the synthetic texts as a CSV, class values in a ticket system's words */
    static const char *const value[5] = {"Size", "Damaged", "Wrong item", "Shipping", "Changed mind"};
    char path[256], out[256];
    snprintf(path, sizeof path, "%s/labels.csv", g_dir);
    snprintf(out, sizeof out, "%s/reasons.json", g_dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fprintf(f, "id,Remark,Category\n");
    for (int i = 0; i < N_SYN; i++) fprintf(f, "%d,\"%s\",%s\n", i, g_syn[i].text, value[i % 5]);
    fprintf(f, "900,\"please call me back\",Feedback\n901,,Size\n");
    fclose(f);
    const char *map[] = {"Size=size_fit", "damaged=defective", "Wrong item=wrong_item", "Shipping=delivery",
                         "Changed mind=changed_mind", "Feedback=-"};
    as_reasons_train_params p = as_reasons_train_params_default();
    p.labels_csv = path;
    p.text_column = "remark";   /* column names ignore case */
    p.class_column = "Category";
    p.value_map = map;
    p.n_value_map = 6;
    p.out_model = out;
    as_reasons_train_stats s;
    as_error err;
    CHECK_OK(as_reasons_train(NULL, &p, &s, &err), &err);
    fprintf(stderr, "labels: %lld texts, cv accuracy %.4f (macro F1 %.4f), lexicon %.4f\n", (long long)s.texts,
            s.cv_accuracy, s.cv_macro_f1, s.lexicon_accuracy);
    CHECK(s.texts == N_SYN && s.skipped == 2);
    CHECK(s.per_class[AS_REASON_SIZE] == 60 && s.per_class[AS_REASON_NOT_DESCRIBED] == 0);
    CHECK(s.in_model[AS_REASON_DEFECT] && !s.in_model[AS_REASON_OTHER]);
    CHECK(s.cv_accuracy >= 0.9 && s.cv_macro_f1 >= 0.9);   /* measured 0.9367, 0.9363 */
    CHECK(s.lexicon_accuracy > 0.6 && s.lexicon_accuracy < 0.8);   /* measured 0.6967: 3 of 12 phrases per class are
                                                                  * not in the lexicon */
    CHECK(s.unrecognised == 0 && s.n_examples == 0);
    as_reason_model *m = NULL;
    CHECK_OK(as_reasons_load(out, &m, &err), &err);
    if (m) {
        as_reason_result r;
        as_reasons_classify(m, "decided against it", 18, &r);
        CHECK(r.model_class == AS_REASON_CHANGED_MIND && r.lexicon_class == AS_REASON_OTHER);
        CHECK(r.final_class == AS_REASON_CHANGED_MIND && r.model_prob >= 0.5);
        as_reasons_free(m);
    }

    /* without "Feedback=-" the value is an error naming the line and the classes */
    p.n_value_map = 5;
    memset(&err, 0, sizeof err);
    CHECK(as_reasons_train(NULL, &p, &s, &err) == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "labels.csv:302:") && strstr(err.msg, "'Feedback'") &&
              strstr(err.msg, "size_fit, defective"), "message: %s", err.msg);
    /* a map entry must name a class */
    const char *bad[] = {"Size=small"};
    p.value_map = bad;
    p.n_value_map = 1;
    CHECK(as_reasons_train(NULL, &p, &s, &err) == AS_ERR_INVALID && strstr(err.msg, "'Size=small'"));
    /* a missing column lists the columns there are */
    p.value_map = map;
    p.n_value_map = 6;
    p.text_column = "text";
    CHECK(as_reasons_train(NULL, &p, &s, &err) == AS_ERR_INVALID && strstr(err.msg, "'id', 'Remark', 'Category'"));
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

/* Empty class values, rows without a class field, one column for text and class, more folds than texts. */
static void test_labels_edges(void) {
    char path[256], out[256], csv[4096];
    snprintf(path, sizeof path, "%s/edges.csv", g_dir);
    snprintf(out, sizeof out, "%s/edges.json", g_dir);
    size_t m = (size_t)snprintf(csv, sizeof csv, "text,class\n");
    for (int i = 0; i < 6; i++)
        m += (size_t)snprintf(csv + m, sizeof csv - m, "zorp flim %d,delivery\nblarg quux %d,defective\n", i, i);
    /* line 14: an empty class value; line 15: a row that ends before the class column */
    snprintf(csv + m, sizeof csv - m, "wibble wobble,\nno class field here\n");
    write_file(path, csv);
    as_reasons_train_params p = as_reasons_train_params_default();
    p.labels_csv = path;
    p.out_model = out;
    p.folds = 0;
    as_reasons_train_stats s;
    as_error err;
    memset(&err, 0, sizeof err);
    /* the empty value is an error whose advice is an entry the value map accepts */
    CHECK(as_reasons_train(NULL, &p, &s, &err) == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "edges.csv:14:") && strstr(err.msg, "'=CLASS'") && strstr(err.msg, "'=-'"),
              "message: %s", err.msg);
    const char *skip[] = {"=-"}, *to_other[] = {"=other"};
    p.value_map = skip;
    p.n_value_map = 1;
    CHECK_OK(as_reasons_train(NULL, &p, &s, &err), &err);
    CHECK(s.texts == 12 && s.skipped == 2);   /* the empty value's row and the short row */
    CHECK(s.per_class[AS_REASON_OTHER] == 0);
    p.value_map = to_other;
    CHECK_OK(as_reasons_train(NULL, &p, &s, &err), &err);
    CHECK(s.texts == 13 && s.skipped == 1 && s.per_class[AS_REASON_OTHER] == 1);
    /* text and class from one column */
    p.class_column = "TEXT";
    CHECK(as_reasons_train(NULL, &p, &s, &err) == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "same column") != NULL, "message: %s", err.msg);
    /* folds: at most the texts of the smallest class in the model (6 here; "other" has 1 and is not in it) */
    p.class_column = "class";
    p.folds = 7;
    CHECK(as_reasons_train(NULL, &p, &s, &err) == AS_ERR_INVALID);
    CHECK_MSG(strstr(err.msg, "--folds") && strstr(err.msg, "2 to 6") && strstr(err.msg, "has 6 texts"),
              "message: %s", err.msg);
    p.folds = 6;
    CHECK_OK(as_reasons_train(NULL, &p, &s, &err), &err);
    CHECK_NEAR(s.cv_accuracy, 12.0 / 13, 1e-12);   /* the one "other" text is not in the model */
}

/* ---- as_reasons_train on a shop database ---- */

static void exec_sql(as_db *db, const char *sql) {
    as_error err;
    CHECK_OK(as__db_exec(db, sql, &err), &err);
}

/* What the model adds is counted over case reasons only: the quality step reads cases.reason, not reviews. */
static void test_train_shop(void) {
    char path[256], out[256], sql[512];
    snprintf(path, sizeof path, "%s/shop.db", g_dir);
    snprintf(out, sizeof out, "%s/shop.json", g_dir);
    as_db *db = NULL;
    as_error err;
    CHECK_OK(as_db_open(path, &db, &err), &err);
    if (!db) return;
    exec_sql(db, "BEGIN");
    int64_t unrecognised = 0;
    for (int i = 0; i < N_SYN; i++) {
        snprintf(sql, sizeof sql, "INSERT INTO cases(case_id, kind, reason, opened_at) VALUES('C%d', 'return', '%s',"
                 " 0)", i, g_syn[i].text);
        exec_sql(db, sql);
        int recognised;
        as__reason_classify(g_syn[i].text, g_syn[i].len, &recognised);
        unrecognised += !recognised;
    }
    /* three unrecognised case reasons; the same text twice more and another one four times in bad reviews */
    exec_sql(db, "INSERT INTO cases(case_id, kind, reason, opened_at) VALUES('X1', 'return', 'zorp flim', 0),"
                 " ('X2', 'return', 'zorp flim', 0), ('X3', 'return', 'wibble wobble', 0)");
    exec_sql(db, "INSERT INTO reviews(order_id, score, text) VALUES('O1', 1, 'zorp flim'), ('O2', 2, 'zorp flim'),"
                 " ('O3', 1, 'only in a review'), ('O4', 1, 'only in a review'), ('O5', 2, 'only in a review'),"
                 " ('O6', 1, 'only in a review'), ('O7', 5, 'great quality, loved it')");
    exec_sql(db, "COMMIT");
    as_reasons_train_params p = as_reasons_train_params_default();
    p.out_model = out;
    as_reasons_train_stats s;
    CHECK_OK(as_reasons_train(db, &p, &s, &err), &err);
    fprintf(stderr, "shop: %lld labelled, %lld case reasons unrecognised (%lld of the synthetic), %lld reclassified\n",
            (long long)s.texts, (long long)s.unrecognised, (long long)unrecognised, (long long)s.reclassified);
    CHECK(unrecognised > 50 && unrecognised < 150);   /* measured: 3 of 12 phrases per class are not in the lexicon */
    CHECK(s.texts == N_SYN - unrecognised);
    CHECK(s.unrecognised == unrecognised + 3);
    CHECK(s.reclassified <= s.unrecognised);
    for (int e = 0; e < s.n_examples; e++) CHECK(strcmp(s.example_text[e], "only in a review") != 0);
    as_db_close(db);
}

/* ---- Shopzilla support remarks ----
 * Ticket categories, and what they say about our classes: "Order Related" tickets are about orders that did not
 * come (delivery); "Cancellation" is the customer withdrawing (changed_mind); payments, cashback offers, the app,
 * onboarding, feedback on the shop and "Shopzilla Related" are about none of the six reasons (other). "Returns",
 * "Refund Related", "Product Queries" and "Others" do not say which reason, so their rows are skipped. The remarks
 * are mostly about the support call ("very good", "issue not resolved"), not about the ticket's subject, so the
 * words carry little of the category. Measured (11,094 texts, 5 folds, seed 0): classifier 0.6898 (macro F1
 * 0.2946) — scarcely above the share of the largest class (delivery, 0.6880) — and the lexicon alone 0.3090.
 * scikit-learn 1.2.1 on the same hashed features with StratifiedKFold(5, shuffle=True, random_state=0) gives the
 * same 0.6898 and 0.2946. Asserted: 0.67 (measured minus 0.02) and above the lexicon. */
#define SHOPZILLA_MIN_ACCURACY 0.67

static void test_shopzilla(void) {
    char path[1024], out[256];
    if (!test_shared_data("shopzilla-customer-support-remarks/Customer_support_remarks_subset.csv", path,
                          sizeof path))
        return;
    snprintf(out, sizeof out, "%s/shopzilla.json", g_dir);
    const char *map[] = {"Order Related=delivery", "Cancellation=changed_mind", "Payments related=other",
                         "Offers & Cashback=other", "App/website=other", "Onboarding related=other",
                         "Feedback=other", "Shopzilla Related=other", "Returns=-", "Refund Related=-",
                         "Product Queries=-", "Others=-"};
    as_reasons_train_params p = as_reasons_train_params_default();
    p.labels_csv = path;
    p.text_column = "Customer Remarks";
    p.class_column = "category";
    p.value_map = map;
    p.n_value_map = sizeof map / sizeof *map;
    p.out_model = out;
    as_reasons_train_stats s;
    as_error err;
    CHECK_OK(as_reasons_train(NULL, &p, &s, &err), &err);
    fprintf(stderr, "shopzilla: %lld texts (%lld skipped; delivery %lld, changed_mind %lld, other %lld): 5-fold "
            "accuracy %.4f, macro F1 %.4f; lexicon alone %.4f\n", (long long)s.texts, (long long)s.skipped,
            (long long)s.per_class[AS_REASON_DELIVERY], (long long)s.per_class[AS_REASON_CHANGED_MIND],
            (long long)s.per_class[AS_REASON_OTHER], s.cv_accuracy, s.cv_macro_f1, s.lexicon_accuracy);
    CHECK(s.texts > 10000);
    CHECK(s.cv_accuracy >= SHOPZILLA_MIN_ACCURACY);
    CHECK(s.cv_accuracy > s.lexicon_accuracy);
}

int main(void) {
    test_tmpdir(g_dir, sizeof g_dir, "reason_model");
    RUN(test_sklearn_objective);
    RUN(test_synthetic);
    RUN(test_min_per_class);
    RUN(test_degenerate);
    RUN(test_unknown_words);
    RUN(test_loader_errors);
    RUN(test_train_labels);
    RUN(test_labels_edges);
    RUN(test_train_shop);
    RUN(test_shopzilla);
    test_rmtree(g_dir);
    return test_report("test_reason_model");
}
