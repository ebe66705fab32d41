/*
 * The model file: JSON with every double written with %.17g under the C locale so it round-trips exactly.
 * Read back with cJSON (which parses numbers with strtod). Format version AS_MODEL_FORMAT_VERSION.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml/model.h"

as_model *as__model_new(void) {
    as_model *m = as__calloc(1, sizeof *m);
    if (m) {
        m->format_version = AS_MODEL_FORMAT_VERSION;
        m->threshold = 0.5;
        m->C = 1.0;
        m->n_classes = 2;
        m->kind = AS_MODEL_LOGREG;
        m->impute = AS_IMPUTE_DROP;
        m->build_moment = -1;
        m->build_hash_buckets = -1;
    }
    return m;
}

void as__model_free_fitted(as_model *m) {
    as__free(m->mean);
    as__free(m->scale);
    as__pca_free(&m->pca);
    as__free(m->coef);
    as__free(m->intercepts);
    as__gbdt_free(m->gbdt);
    m->mean = m->scale = m->coef = m->intercepts = NULL;
    m->gbdt = NULL;
    m->has_pca = 0;
    m->dim = m->n_out = 0;
    memset(&m->pca, 0, sizeof m->pca);
}

static void free_strings(char **v, size_t n) {
    for (size_t i = 0; v && i < n; i++) as__free(v[i]);
    as__free(v);
}

void as_model_free(as_model *m) {
    if (!m) return;
    free_strings(m->num_names, m->n_num);
    as__free(m->num_fill);
    for (size_t c = 0; c < m->n_cat && m->cats; c++) {
        free_strings(m->cats[c].levels, m->cats[c].n_levels);
        free_strings(m->cats[c].pooled, m->cats[c].n_pooled);
        as__free(m->cats[c].fill);
        as__free(m->cats[c].name);
    }
    as__free(m->cats);
    as__model_free_fitted(m);
    free_strings(m->na_tokens, m->n_na_tokens);
    free_strings(m->class_labels, (size_t)m->n_classes);
    as__free(m->target);
    as__free(m->target_desc);
    as__free(m->shop_id);
    as__free(m);
}

static int cmp_level(const void *key, const void *elem) { return strcmp((const char *)key, *(char *const *)elem); }

size_t as__model_encode(const as_model *m, const double *num, const char *const *cat, double *out, int64_t *imputed) {
    size_t unseen = 0, j = m->n_num;
    for (size_t k = 0; k < m->n_num; k++) {
        out[k] = num[k];
        if (isnan(num[k]) && m->num_fill && !isnan(m->num_fill[k])) {
            out[k] = m->num_fill[k];
            if (imputed) (*imputed)++;
        }
    }
    for (size_t c = 0; c < m->n_cat; c++) {
        const as_catvar *v = &m->cats[c];
        size_t w = as__catvar_width(v);
        const char *value = cat[c];
        if (!value && v->fill) {
            value = v->fill;
            if (imputed) (*imputed)++;
        }
        if (!value) {
            /* Only boosted trees see this: missing stays missing, never a 0 that would mean "not this level". */
            for (size_t l = 0; l < w; l++) out[j + l] = NAN;
            j += w;
            continue;
        }
        memset(out + j, 0, w * sizeof *out);
        char **hit = bsearch(value, v->levels, v->n_levels, sizeof *v->levels, cmp_level);
        if (hit) out[j + (size_t)(hit - v->levels)] = 1.0;
        else if (v->n_pooled && bsearch(value, v->pooled, v->n_pooled, sizeof *v->pooled, cmp_level))
            out[j + v->n_levels] = 1.0;
        else unseen++;
        j += w;
    }
    return unseen;
}

void as__model_encoded_sources(const as_model *m, size_t *src) {
    size_t j = 0;
    for (size_t k = 0; k < m->n_num; k++) src[j++] = k;
    for (size_t c = 0; c < m->n_cat; c++)
        for (size_t l = 0; l < as__catvar_width(&m->cats[c]); l++) src[j++] = m->n_num + c;
}

as_status as__model_encoded_names(const as_model *m, as_arena *a, char **names) {
    size_t j = 0;
    for (size_t i = 0; i < m->n_num; i++) {
        names[j] = as__arena_strndup(a, m->num_names[i], strlen(m->num_names[i]));
        if (!names[j++]) return AS_ERR_NOMEM;
    }
    for (size_t c = 0; c < m->n_cat; c++)
        for (size_t l = 0; l < as__catvar_width(&m->cats[c]); l++) {
            const char *lv = l < m->cats[c].n_levels ? m->cats[c].levels[l] : AS_OTHER_LEVEL;
            size_t n = strlen(m->cats[c].name) + strlen(lv) + 2;
            char *s = as__arena_alloc(a, n);
            if (!s) return AS_ERR_NOMEM;
            snprintf(s, n, "%s=%s", m->cats[c].name, lv);
            names[j++] = s;
        }
    return AS_OK;
}

/* Logistic regression margins of n encoded rows: standardize → PCA → X·coefᵀ + intercepts. z receives the
 * standardized rows (n × p) for the explanations. */
static void logreg_margins(const as_model *m, const double *X, size_t n, double *z, double *t, double *margin) {
    size_t p = m->p;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++) z[i * p + j] = (X[i * p + j] - m->mean[j]) / m->scale[j];
    const double *in = z;
    if (m->has_pca) { as__pca_transform(&m->pca, z, n, t); in = t; }
    for (size_t i = 0; i < n; i++)
        for (size_t o = 0; o < m->n_out; o++) {
            const double *w = m->coef + o * m->dim, *x = in + i * m->dim;
            double s = m->intercepts[o];
            for (size_t j = 0; j < m->dim; j++) s += w[j] * x[j];
            margin[i * m->n_out + o] = s;
        }
}

static double sigmoid(double s) { return s >= 0 ? 1.0 / (1.0 + exp(-s)) : exp(s) / (1.0 + exp(s)); }

static size_t argmax(const double *v, size_t n) {
    size_t b = 0;
    for (size_t k = 1; k < n; k++) if (v[k] > v[b]) b = k;
    return b;
}

as_status as__model_predict(const as_model *m, const double *X, size_t n, double *prob, double *contrib,
                            as_error *err) {
    size_t K = (size_t)m->n_classes, pw = as__model_prob_width(m), ni = m->n_num + m->n_cat, p = m->p;
    if (n == 0) return AS_OK;
    size_t *src = contrib ? as__calloc(p ? p : 1, sizeof *src) : NULL;
    if (contrib && !src) return as__err(err, AS_ERR_NOMEM, "out of memory");
    if (src) as__model_encoded_sources(m, src);
    as_status st = AS_OK;
    if (m->kind == AS_MODEL_GBDT) {
        if (!m->gbdt) { as__free(src); return as__err(err, AS_ERR_STATE, "the model has no trees"); }
        if ((st = as__gbdt_predict(m->gbdt, X, n, prob, err))) { as__free(src); return st; }
        if (contrib) {
            double *shap = as__reallocarray(NULL, n * (p + 1), sizeof *shap);
            int *cls = K > 2 ? as__reallocarray(NULL, n, sizeof *cls) : NULL;
            if (!shap || (K > 2 && !cls)) {
                as__free(shap); as__free(cls); as__free(src);
                return as__err(err, AS_ERR_NOMEM, "out of memory");
            }
            /* each row explained toward the class it is predicted as (class 1 when binary) */
            for (size_t i = 0; cls && i < n; i++) cls[i] = (int)argmax(prob + i * K, K);
            st = as__gbdt_contributions_fast(m->gbdt, X, n, cls, shap, err);
            memset(contrib, 0, n * ni * sizeof *contrib);
            for (size_t i = 0; !st && i < n; i++)
                for (size_t j = 0; j < p; j++) contrib[i * ni + src[j]] += shap[i * (p + 1) + j];
            as__free(shap);
            as__free(cls);
        }
        as__free(src);
        return st;
    }
    double *z = as__reallocarray(NULL, n * (p ? p : 1), sizeof *z);
    double *t = m->has_pca ? as__reallocarray(NULL, n * m->dim, sizeof *t) : NULL;
    double *margin = as__reallocarray(NULL, n * m->n_out, sizeof *margin);
    double *eff = contrib ? as__calloc(m->n_out * (p ? p : 1), sizeof *eff) : NULL;
    if (!z || (m->has_pca && !t) || !margin || (contrib && !eff)) {
        st = as__err(err, AS_ERR_NOMEM, "out of memory predicting %zu rows", n);
        goto out;
    }
    logreg_margins(m, X, n, z, t, margin);
    for (size_t i = 0; i < n; i++) {
        if (K <= 2) { prob[i] = sigmoid(margin[i]); continue; }
        const double *s = margin + i * K;
        double mx = s[argmax(s, K)], sum = 0;
        for (size_t k = 0; k < K; k++) sum += (prob[i * pw + k] = exp(s[k] - mx));
        for (size_t k = 0; k < K; k++) prob[i * pw + k] /= sum;
    }
    if (contrib) {
        /* Linear all the way down: a margin is intercept + Σ_j eff_j · (z_j − pca_mean_j) with eff the weights
         * carried back through PCA (componentsᵀ · coef), so each encoded column's share is exact; one-hot
         * columns add up to their input column. */
        for (size_t o = 0; o < m->n_out; o++) {
            double *e = eff + o * p;
            if (!m->has_pca) { memcpy(e, m->coef + o * m->dim, p * sizeof *e); continue; }
            for (size_t c = 0; c < m->pca.k; c++) {
                double w = m->coef[o * m->dim + c];
                const double *v = m->pca.components + c * p;
                for (size_t j = 0; j < p; j++) e[j] += w * v[j];
            }
        }
        memset(contrib, 0, n * ni * sizeof *contrib);
        for (size_t i = 0; i < n; i++) {
            size_t o = K > 2 ? argmax(margin + i * K, K) : 0;
            const double *e = eff + o * p, *zi = z + i * p;
            for (size_t j = 0; j < p; j++)
                contrib[i * ni + src[j]] += e[j] * (zi[j] - (m->has_pca ? m->pca.mean[j] : 0.0));
        }
    }
out:
    as__free(z); as__free(t); as__free(margin); as__free(eff); as__free(src);
    return st;
}

/* ---- save ---- */
static void put_doubles(FILE *f, const char *name, const double *v, size_t n, int last) {
    fprintf(f, "  \"%s\": [", name);
    for (size_t i = 0; i < n; i++) fprintf(f, "%s%.17g", i ? ", " : "", v[i]);
    fprintf(f, "]%s\n", last ? "" : ",");
}

static void put_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static void put_strings(FILE *f, char *const *v, size_t n) {
    fputc('[', f);
    for (size_t i = 0; i < n; i++) { fprintf(f, "%s", i ? ", " : ""); put_string(f, v[i]); }
    fputc(']', f);
}

static const char *impute_name(int v) {
    return v == AS_IMPUTE_MEDIAN ? "median" : v == AS_IMPUTE_MOST_FREQUENT ? "most_frequent"
         : v == AS_IMPUTE_KEEP ? "keep" : "drop";
}

static const char *penalty_name(int v) { return v == AS_PENALTY_L1 ? "l1" : v == AS_PENALTY_NONE ? "none" : "l2"; }

static const char *const level_names[] = {"line", "order", NULL};
static const char *const label_names[] = {"any", "kind", "reason", NULL};
static const char *const set_names[] = {"all", "main", NULL};

static void put_balance(FILE *f, const as_class_balance *b) {
    fputc('{', f);
    for (int k = 0; k < b->n && k < AS_MAX_TARGET_CLASSES; k++) {
        char name[sizeof b->name[k] + 1];
        snprintf(name, sizeof name, "%.*s", (int)sizeof b->name[k], b->name[k]);
        fputs(k ? ", " : "", f);
        put_string(f, name);
        fprintf(f, ": %lld", (long long)b->count[k]);
    }
    fputc('}', f);
}

/* What a shop model predicts from which table (issue 4): keys a reader of an older file does not find default
 * to the first version's line / any / all. */
static void put_target(FILE *f, const as_model *m) {
    int lv = m->target_level == 1, lb = m->target_label >= 0 && m->target_label <= 2 ? m->target_label : 0;
    fprintf(f, "  \"target_level\": \"%s\",\n  \"target_label\": \"%s\",\n  \"feature_set\": \"%s\",\n",
            level_names[lv], label_names[lb], set_names[m->feature_set == 1]);
    if (m->build_moment >= 0)
        fprintf(f, "  \"build_options\": {\"moment\": \"%s\", \"hash_buckets\": %d},\n",
                m->build_moment == 1 ? "delivery" : "order", m->build_hash_buckets);
    /* trained on a --max-rows sample: said in the model too, which may travel without its metrics.json */
    if (m->report.rows_sampled > 0)
        fprintf(f, "  \"training_sample\": {\"rows\": %lld, \"of\": %lld, \"seed\": %u},\n",
                (long long)m->report.rows_sampled, (long long)m->report.rows_labelled, m->report.sample_seed);
    if (m->shop_id) {
        fprintf(f, "  \"shop_id\": ");
        put_string(f, m->shop_id);
        fprintf(f, ",\n");
    }
    fprintf(f, "  \"target_desc\": ");
    put_string(f, m->target_desc ? m->target_desc : "");
    fprintf(f, ",\n  \"class_balance\": {\"train\": ");
    put_balance(f, &m->report.balance_train);
    fprintf(f, ", \"test\": ");
    put_balance(f, &m->report.balance_test);
    fprintf(f, "},\n");
}

as_status as_model_save(const as_model *m, const char *path, as_error *err) {
    char *trees = NULL;
    size_t trees_len = 0;
    as_status st;
    if (m->kind == AS_MODEL_GBDT && (st = as__gbdt_to_json(m->gbdt, &trees, &trees_len, err))) return st;
    FILE *f = fopen(path, "w");
    if (!f) {
        as__free(trees);
        return as__err(err, AS_ERR_IO, "cannot write model file %s; check the folder exists and is writable", path);
    }
    fprintf(f, "{\n  \"format\": \"aftersales-model\",\n  \"format_version\": %d,\n  \"aftersales_version\": \"%s\",\n",
            AS_MODEL_FORMAT_VERSION, AS_VERSION);
    fprintf(f, "  \"source\": \"%s\",\n  \"model\": \"%s\",\n  \"penalty\": \"%s\",\n  \"C\": %.17g,\n",
            m->source == AS_MODEL_CSV ? "csv" : "shop", m->kind == AS_MODEL_GBDT ? "gbdt" : "logistic_regression",
            penalty_name(m->penalty), m->C);
    fprintf(f, "  \"target\": ");
    put_string(f, m->target ? m->target : "");
    fprintf(f, ",\n  \"classes\": ");
    put_strings(f, m->class_labels, (size_t)m->n_classes);
    fprintf(f, ",\n  \"horizon_days\": %d,\n  \"threshold\": %.17g,\n", m->horizon_days, m->threshold);
    if (m->source == AS_MODEL_SHOP) put_target(f, m);
    fprintf(f, "  \"costs\": {\"return_cost\": %.17g, \"contact_cost\": %.17g, \"contact_success\": %.17g},\n",
            m->return_cost, m->contact_cost, m->contact_success);
    fprintf(f, "  \"na_tokens\": ");
    put_strings(f, m->na_tokens, m->n_na_tokens);
    fprintf(f, ",\n  \"impute\": \"%s\",\n  \"numeric\": ", impute_name(m->impute));
    put_strings(f, m->num_names, m->n_num);
    fprintf(f, ",\n  \"numeric_fill\": [");
    for (size_t i = 0; i < m->n_num; i++) {
        double v = m->num_fill ? m->num_fill[i] : NAN;
        if (isnan(v)) fprintf(f, "%snull", i ? ", " : "");
        else fprintf(f, "%s%.17g", i ? ", " : "", v);
    }
    fprintf(f, "],\n  \"categorical\": [");
    for (size_t c = 0; c < m->n_cat; c++) {
        fprintf(f, "%s\n    {\"name\": ", c ? "," : "");
        put_string(f, m->cats[c].name);
        fprintf(f, ", \"levels\": ");
        put_strings(f, m->cats[c].levels, m->cats[c].n_levels);
        fprintf(f, ", \"pooled\": ");
        put_strings(f, m->cats[c].pooled, m->cats[c].n_pooled);
        fprintf(f, ", \"fill\": ");
        if (m->cats[c].fill) put_string(f, m->cats[c].fill); else fputs("null", f);
        fprintf(f, "}");
    }
    fprintf(f, "],\n");
    if (m->kind == AS_MODEL_GBDT) {
        fprintf(f, "  \"gbdt_rounds\": %d,\n  \"gbdt\": ", as__gbdt_rounds_kept(m->gbdt));
        /* xgboost's own JSON, kept as one string so every float comes back bit for bit */
        put_string(f, trees);
        fprintf(f, "\n}\n");
    } else {
        fprintf(f, "  \"scaled\": %d,\n", m->scaled);
        put_doubles(f, "mean", m->mean, m->p, 0);
        put_doubles(f, "scale", m->scale, m->p, 0);
        fprintf(f, "  \"pca_components\": %zu,\n", m->has_pca ? m->pca.k : (size_t)0);
        if (m->has_pca) {
            put_doubles(f, "pca_mean", m->pca.mean, m->p, 0);
            put_doubles(f, "pca_matrix", m->pca.components, m->pca.k * m->p, 0);
            put_doubles(f, "pca_explained_variance", m->pca.explained_variance, m->pca.k, 0);
            put_doubles(f, "pca_explained_variance_ratio", m->pca.explained_variance_ratio, m->pca.k, 0);
            fprintf(f, "  \"pca_total_variance\": %.17g,\n", m->pca.total_variance);
        }
        fprintf(f, "  \"coef_rows\": %zu,\n", m->n_out);
        if (m->n_out == 1) fprintf(f, "  \"intercept\": %.17g,\n", m->intercepts[0]);
        else put_doubles(f, "intercept", m->intercepts, m->n_out, 0);
        put_doubles(f, "coef", m->coef, m->n_out * m->dim, 1);
        fprintf(f, "}\n");
    }
    as__free(trees);
    if (fclose(f) != 0) return as__err(err, AS_ERR_IO, "writing model file %s failed (disk full?)", path);
    return AS_OK;
}

/* ---- load ---- */
static as_status get_doubles(const cJSON *root, const char *name, size_t n, double **out, const char *path,
                             as_error *err) {
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, name);
    if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != n)
        return as__err(err, AS_ERR_FORMAT, "%s: field '%s' is missing or does not hold %zu numbers", path, name, n);
    *out = as__calloc(n ? n : 1, sizeof **out);
    if (!*out) return as__err(err, AS_ERR_NOMEM, "out of memory loading %s", path);
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a) {
        if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble))
            return as__err(err, AS_ERR_FORMAT, "%s: '%s'[%zu] is not a finite number", path, name, i);
        (*out)[i++] = e->valuedouble;
    }
    return AS_OK;
}

static char *get_str(const cJSON *o, as_status *st) {
    if (!cJSON_IsString(o)) { *st = AS_ERR_FORMAT; return NULL; }
    char *s = as__strdup(o->valuestring);
    if (!s) *st = AS_ERR_NOMEM;
    return s;
}

static as_status get_string_array(const cJSON *a, char ***out, size_t *n, const char *path, const char *what,
                                   as_error *err) {
    *out = NULL;
    *n = 0;
    if (!a || cJSON_IsNull(a)) return AS_OK;
    if (!cJSON_IsArray(a)) return as__err(err, AS_ERR_FORMAT, "%s: '%s' is not a list of strings", path, what);
    size_t k = (size_t)cJSON_GetArraySize(a);
    *out = as__calloc(k ? k : 1, sizeof **out);
    if (!*out) return as__err(err, AS_ERR_NOMEM, "out of memory");
    *n = k;
    as_status st = AS_OK;
    for (size_t i = 0; i < k; i++)
        if (!((*out)[i] = get_str(cJSON_GetArrayItem(a, (int)i), &st)))
            return as__err(err, st, "%s: entry %zu of '%s' is not a string", path, i, what);
    return AS_OK;
}

static int word_index(const cJSON *v, const char *const *names) {
    if (!cJSON_IsString(v)) return 0;
    for (int i = 0; names[i]; i++)
        if (strcmp(v->valuestring, names[i]) == 0) return i;
    return -1;
}

static void get_balance(const cJSON *o, as_class_balance *b) {
    memset(b, 0, sizeof *b);
    const cJSON *e;
    cJSON_ArrayForEach(e, o) {
        if (b->n == AS_MAX_TARGET_CLASSES || !e->string || !cJSON_IsNumber(e)) continue;
        snprintf(b->name[b->n], sizeof b->name[b->n], "%s", e->string);
        b->count[b->n++] = (int64_t)e->valuedouble;
    }
}

/* The target keys of a shop model (absent in files of the first version: line / any / all). */
static as_status load_target(const cJSON *root, as_model *m, const char *path, as_error *err) {
    const cJSON *lv = cJSON_GetObjectItemCaseSensitive(root, "target_level");
    const cJSON *lb = cJSON_GetObjectItemCaseSensitive(root, "target_label");
    const cJSON *fs = cJSON_GetObjectItemCaseSensitive(root, "feature_set");
    m->target_level = word_index(lv, level_names);
    m->target_label = word_index(lb, label_names);
    m->feature_set = word_index(fs, set_names);
    if (m->target_level < 0 || m->target_label < 0 || m->feature_set < 0)
        return as__err(err, AS_ERR_FORMAT, "%s: target_level, target_label or feature_set holds a value this build "
                       "does not know (line|order, any|kind|reason, all|main)", path);
    /* "any" is binary; kind and reason have two classes or more (a shop whose only case kind is "cancel"). */
    if (m->target_label == 0 && m->n_classes != 2)
        return as__err(err, AS_ERR_FORMAT, "%s: target_label 'any' is binary, but the file lists %d classes", path,
                       m->n_classes);
    const cJSON *bo = cJSON_GetObjectItemCaseSensitive(root, "build_options");
    if (cJSON_IsObject(bo)) {
        const cJSON *mo = cJSON_GetObjectItemCaseSensitive(bo, "moment");
        const cJSON *hb = cJSON_GetObjectItemCaseSensitive(bo, "hash_buckets");
        m->build_moment = cJSON_IsString(mo) ? strcmp(mo->valuestring, "delivery") == 0 : -1;
        m->build_hash_buckets = cJSON_IsNumber(hb) ? hb->valueint : -1;
    }
    const cJSON *sid = cJSON_GetObjectItemCaseSensitive(root, "shop_id");
    if (cJSON_IsString(sid) && sid->valuestring[0] && !(m->shop_id = as__strdup(sid->valuestring)))
        return as__err(err, AS_ERR_NOMEM, "out of memory");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "target_desc");
    if (cJSON_IsString(d) && d->valuestring[0] && !(m->target_desc = as__strdup(d->valuestring)))
        return as__err(err, AS_ERR_NOMEM, "out of memory");
    if (m->target_desc) snprintf(m->report.target_desc, sizeof m->report.target_desc, "%s", m->target_desc);
    m->report.target_level = m->target_level;
    m->report.target_label = m->target_label;
    m->report.feature_set = m->feature_set;
    const cJSON *cb = cJSON_GetObjectItemCaseSensitive(root, "class_balance");
    if (cJSON_IsObject(cb)) {
        get_balance(cJSON_GetObjectItemCaseSensitive(cb, "train"), &m->report.balance_train);
        get_balance(cJSON_GetObjectItemCaseSensitive(cb, "test"), &m->report.balance_test);
    }
    return AS_OK;
}

static as_status load_json(const cJSON *root, as_model *m, const char *path, as_error *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "format_version");
    if (!cJSON_IsNumber(v) || v->valueint < 1 || v->valueint > AS_MODEL_FORMAT_VERSION)
        return as__err(err, AS_ERR_FORMAT, "%s is not an aftersales model of format version 1..%d", path,
                       AS_MODEL_FORMAT_VERSION);
    as_status st = AS_OK;
    v = cJSON_GetObjectItemCaseSensitive(root, "source");
    m->source = cJSON_IsString(v) && strcmp(v->valuestring, "csv") == 0 ? AS_MODEL_CSV : AS_MODEL_SHOP;
    v = cJSON_GetObjectItemCaseSensitive(root, "model");
    m->kind = cJSON_IsString(v) && strcmp(v->valuestring, "gbdt") == 0 ? AS_MODEL_GBDT : AS_MODEL_LOGREG;
    v = cJSON_GetObjectItemCaseSensitive(root, "penalty");
    m->penalty = !cJSON_IsString(v) ? AS_PENALTY_L2 : strcmp(v->valuestring, "l1") == 0 ? AS_PENALTY_L1
               : strcmp(v->valuestring, "none") == 0 ? AS_PENALTY_NONE : AS_PENALTY_L2;
    v = cJSON_GetObjectItemCaseSensitive(root, "C");
    m->C = cJSON_IsNumber(v) && v->valuedouble > 0 && isfinite(v->valuedouble) ? v->valuedouble : 1.0;
    v = cJSON_GetObjectItemCaseSensitive(root, "threshold");
    m->threshold = cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 1 ? v->valuedouble : 0.5;
    v = cJSON_GetObjectItemCaseSensitive(root, "horizon_days");
    m->horizon_days = cJSON_IsNumber(v) ? v->valueint : 0;
    const cJSON *costs = cJSON_GetObjectItemCaseSensitive(root, "costs");
    if (cJSON_IsObject(costs)) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(costs, "return_cost");
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(costs, "contact_cost");
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(costs, "contact_success");
        m->return_cost = cJSON_IsNumber(a) ? a->valuedouble : 0;
        m->contact_cost = cJSON_IsNumber(b) ? b->valuedouble : 0;
        m->contact_success = cJSON_IsNumber(c) ? c->valuedouble : 0;
    }
    v = cJSON_GetObjectItemCaseSensitive(root, "target");
    if (cJSON_IsString(v) && v->valuestring[0]) m->target = get_str(v, &st);
    if (st) return as__err(err, st, "%s: bad 'target'", path);
    size_t nc = 0;
    m->n_classes = 0;   /* as_model_free frees class_labels by this count: it must match what is allocated */
    st = get_string_array(cJSON_GetObjectItemCaseSensitive(root, "classes"), &m->class_labels, &nc, path,
                          "classes", err);
    m->n_classes = (int)nc;
    if (st) return st;
    if (nc < 2 || nc > AS_MAX_CLASSES)
        return as__err(err, AS_ERR_FORMAT, "%s: 'classes' must list 2 to %d class labels", path, AS_MAX_CLASSES);
    if (m->source == AS_MODEL_SHOP && (st = load_target(root, m, path, err))) return st;
    if ((st = get_string_array(cJSON_GetObjectItemCaseSensitive(root, "na_tokens"), &m->na_tokens, &m->n_na_tokens,
                               path, "na_tokens", err)))
        return st;
    v = cJSON_GetObjectItemCaseSensitive(root, "impute");
    m->impute = !cJSON_IsString(v) ? AS_IMPUTE_DROP : strcmp(v->valuestring, "median") == 0 ? AS_IMPUTE_MEDIAN
              : strcmp(v->valuestring, "most_frequent") == 0 ? AS_IMPUTE_MOST_FREQUENT
              : strcmp(v->valuestring, "keep") == 0 ? AS_IMPUTE_KEEP : AS_IMPUTE_DROP;
    const cJSON *num = cJSON_GetObjectItemCaseSensitive(root, "numeric");
    const cJSON *cat = cJSON_GetObjectItemCaseSensitive(root, "categorical");
    if (!cJSON_IsArray(num) || !cJSON_IsArray(cat))
        return as__err(err, AS_ERR_FORMAT, "%s: 'numeric' or 'categorical' is missing", path);
    if ((st = get_string_array(num, &m->num_names, &m->n_num, path, "numeric", err))) return st;
    const cJSON *fill = cJSON_GetObjectItemCaseSensitive(root, "numeric_fill");
    if (cJSON_IsArray(fill)) {
        if ((size_t)cJSON_GetArraySize(fill) != m->n_num)
            return as__err(err, AS_ERR_FORMAT, "%s: 'numeric_fill' must hold %zu entries", path, m->n_num);
        m->num_fill = as__calloc(m->n_num ? m->n_num : 1, sizeof *m->num_fill);
        if (!m->num_fill) return as__err(err, AS_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < m->n_num; i++) {
            const cJSON *e = cJSON_GetArrayItem(fill, (int)i);
            m->num_fill[i] = cJSON_IsNumber(e) && isfinite(e->valuedouble) ? e->valuedouble : NAN;
        }
    }
    m->n_cat = (size_t)cJSON_GetArraySize(cat);
    m->cats = as__calloc(m->n_cat ? m->n_cat : 1, sizeof *m->cats);
    if (!m->cats) { m->n_cat = 0; return as__err(err, AS_ERR_NOMEM, "out of memory"); }
    m->p = m->n_num;
    for (size_t c = 0; c < m->n_cat; c++) {
        const cJSON *o = cJSON_GetArrayItem(cat, (int)c);
        const cJSON *lv = cJSON_GetObjectItemCaseSensitive(o, "levels");
        if (!(m->cats[c].name = get_str(cJSON_GetObjectItemCaseSensitive(o, "name"), &st)) || !cJSON_IsArray(lv))
            return as__err(err, AS_ERR_FORMAT, "%s: bad categorical column %zu", path, c);
        if ((st = get_string_array(lv, &m->cats[c].levels, &m->cats[c].n_levels, path, "levels", err)) ||
            (st = get_string_array(cJSON_GetObjectItemCaseSensitive(o, "pooled"), &m->cats[c].pooled,
                                   &m->cats[c].n_pooled, path, "pooled", err)))
            return st;
        /* bsearch needs the order the writer used; a hand-edited file must not break it silently */
        for (size_t l = 1; l < m->cats[c].n_levels; l++)
            if (strcmp(m->cats[c].levels[l - 1], m->cats[c].levels[l]) >= 0)
                return as__err(err, AS_ERR_FORMAT, "%s: levels of '%s' are not sorted and unique", path, m->cats[c].name);
        for (size_t l = 1; l < m->cats[c].n_pooled; l++)
            if (strcmp(m->cats[c].pooled[l - 1], m->cats[c].pooled[l]) >= 0)
                return as__err(err, AS_ERR_FORMAT, "%s: pooled values of '%s' are not sorted and unique", path,
                               m->cats[c].name);
        const cJSON *cf = cJSON_GetObjectItemCaseSensitive(o, "fill");
        if (cJSON_IsString(cf) && !(m->cats[c].fill = get_str(cf, &st))) return as__err(err, st, "out of memory");
        m->p += as__catvar_width(&m->cats[c]);
    }
    if (m->kind == AS_MODEL_GBDT) {
        v = cJSON_GetObjectItemCaseSensitive(root, "gbdt");
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(root, "gbdt_rounds");
        if (!cJSON_IsString(v) || !cJSON_IsNumber(r) || r->valueint < 1)
            return as__err(err, AS_ERR_FORMAT, "%s: boosted-trees model without 'gbdt' trees or 'gbdt_rounds'", path);
        return as__gbdt_from_json(v->valuestring, strlen(v->valuestring), m->p, m->n_classes, r->valueint, &m->gbdt,
                                  err);
    }
    v = cJSON_GetObjectItemCaseSensitive(root, "scaled");
    m->scaled = cJSON_IsNumber(v) ? v->valueint : 0;
    if ((st = get_doubles(root, "mean", m->p, &m->mean, path, err))) return st;
    if ((st = get_doubles(root, "scale", m->p, &m->scale, path, err))) return st;
    for (size_t j = 0; j < m->p; j++)
        if (!(m->scale[j] > 0)) return as__err(err, AS_ERR_FORMAT, "%s: 'scale'[%zu] must be > 0", path, j);
    v = cJSON_GetObjectItemCaseSensitive(root, "pca_components");
    double kd = cJSON_IsNumber(v) ? v->valuedouble : 0;
    if (!(kd >= 0 && kd <= (double)m->p && kd == floor(kd)))
        return as__err(err, AS_ERR_FORMAT, "%s: pca_components must be a whole number from 0 to %zu", path, m->p);
    size_t k = (size_t)kd;
    m->dim = m->p;
    if (k) {
        m->has_pca = 1;
        m->pca.p = m->p;
        m->pca.k = k;
        m->dim = k;
        if ((st = get_doubles(root, "pca_mean", m->p, &m->pca.mean, path, err)) ||
            (st = get_doubles(root, "pca_matrix", k * m->p, &m->pca.components, path, err)) ||
            (st = get_doubles(root, "pca_explained_variance", k, &m->pca.explained_variance, path, err)) ||
            (st = get_doubles(root, "pca_explained_variance_ratio", k, &m->pca.explained_variance_ratio, path, err)))
            return st;
        v = cJSON_GetObjectItemCaseSensitive(root, "pca_total_variance");
        m->pca.total_variance = cJSON_IsNumber(v) ? v->valuedouble : 0;
    }
    m->n_out = m->n_classes > 2 ? (size_t)m->n_classes : 1;
    v = cJSON_GetObjectItemCaseSensitive(root, "intercept");
    if (m->n_out == 1) {
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
            return as__err(err, AS_ERR_FORMAT, "%s: 'intercept' is missing or not finite", path);
        m->intercepts = as__calloc(1, sizeof *m->intercepts);
        if (!m->intercepts) return as__err(err, AS_ERR_NOMEM, "out of memory");
        m->intercepts[0] = v->valuedouble;
    } else if ((st = get_doubles(root, "intercept", m->n_out, &m->intercepts, path, err))) {
        return st;
    }
    return get_doubles(root, "coef", m->n_out * m->dim, &m->coef, path, err);
}

as_status as_model_load(const char *path, as_model **out, as_error *err) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return as__err(err, AS_ERR_IO, "cannot open model file %s; train one with `aftersales train --out %s`", path, path);
    as_buf b;
    as__buf_init(&b, (size_t)1 << 30);
    as_status st = as__buf_read_stream(&b, f);
    fclose(f);
    if (st) { as__buf_free(&b); return as__err(err, st, "cannot read model file %s", path); }
    cJSON *root = cJSON_ParseWithLength(b.data, b.len);
    as__buf_free(&b);
    if (!root) return as__err(err, AS_ERR_PARSE, "%s is not valid JSON; it may be truncated", path);
    as_model *m = as__model_new();
    if (!m) { cJSON_Delete(root); return as__err(err, AS_ERR_NOMEM, "out of memory"); }
    st = load_json(root, m, path, err);
    cJSON_Delete(root);
    if (st) { as_model_free(m); return st; }
    *out = m;
    return AS_OK;
}
