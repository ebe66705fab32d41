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
    if (m) { m->format_version = AS_MODEL_FORMAT_VERSION; m->threshold = 0.5; m->C = 1.0; }
    return m;
}

void as_model_free(as_model *m) {
    if (!m) return;
    for (size_t i = 0; i < m->n_num; i++) as__free(m->num_names ? m->num_names[i] : NULL);
    as__free(m->num_names);
    for (size_t c = 0; c < m->n_cat && m->cats; c++) {
        for (size_t l = 0; l < m->cats[c].n_levels; l++) as__free(m->cats[c].levels[l]);
        as__free(m->cats[c].levels);
        as__free(m->cats[c].name);
    }
    as__free(m->cats);
    as__free(m->mean);
    as__free(m->scale);
    as__pca_free(&m->pca);
    as__free(m->coef);
    for (size_t i = 0; i < m->n_na_tokens; i++) as__free(m->na_tokens[i]);
    as__free(m->na_tokens);
    as__free(m->target);
    as__free(m->label0);
    as__free(m->label1);
    as__free(m);
}

static int cmp_level(const void *key, const void *elem) { return strcmp((const char *)key, *(char *const *)elem); }

size_t as__model_encode(const as_model *m, const double *num, const char *const *cat, double *out) {
    size_t unseen = 0, j = m->n_num;
    memcpy(out, num, m->n_num * sizeof *out);
    for (size_t c = 0; c < m->n_cat; c++) {
        const as_catvar *v = &m->cats[c];
        memset(out + j, 0, v->n_levels * sizeof *out);
        char **hit = cat[c] ? bsearch(cat[c], v->levels, v->n_levels, sizeof *v->levels, cmp_level) : NULL;
        if (hit) out[j + (size_t)(hit - v->levels)] = 1.0;
        else unseen++;
        j += v->n_levels;
    }
    return unseen;
}

as_status as__model_encoded_names(const as_model *m, as_arena *a, char **names) {
    size_t j = 0;
    for (size_t i = 0; i < m->n_num; i++) {
        names[j] = as__arena_strndup(a, m->num_names[i], strlen(m->num_names[i]));
        if (!names[j++]) return AS_ERR_NOMEM;
    }
    for (size_t c = 0; c < m->n_cat; c++)
        for (size_t l = 0; l < m->cats[c].n_levels; l++) {
            size_t n = strlen(m->cats[c].name) + strlen(m->cats[c].levels[l]) + 2;
            char *s = as__arena_alloc(a, n);
            if (!s) return AS_ERR_NOMEM;
            snprintf(s, n, "%s=%s", m->cats[c].name, m->cats[c].levels[l]);
            names[j++] = s;
        }
    return AS_OK;
}

void as__model_effective_weights(const as_model *m, double *eff) {
    if (!m->has_pca) { memcpy(eff, m->coef, m->p * sizeof *eff); return; }
    for (size_t j = 0; j < m->p; j++) {
        double s = 0;
        for (size_t c = 0; c < m->pca.k; c++) s += m->coef[c] * m->pca.components[c * m->p + j];
        eff[j] = s;
    }
}

double as__model_predict_encoded(const as_model *m, const double *x, double *work, const double *eff,
                                 double *contrib) {
    /* work needs p + dim doubles */
    double *z = work, *t = work + m->p;
    for (size_t j = 0; j < m->p; j++) z[j] = (x[j] - m->mean[j]) / m->scale[j];
    const double *in = z;
    if (m->has_pca) { as__pca_transform(&m->pca, z, 1, t); in = t; }
    double s = m->intercept;
    for (size_t j = 0; j < m->dim; j++) s += m->coef[j] * in[j];
    if (contrib) {
        /* Linear all the way down: the logit is intercept + Σ_j eff_j · (z_j − pca_mean_j). */
        for (size_t j = 0; j < m->p; j++) contrib[j] = eff[j] * (z[j] - (m->has_pca ? m->pca.mean[j] : 0.0));
    }
    return s >= 0 ? 1.0 / (1.0 + exp(-s)) : exp(s) / (1.0 + exp(s));
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

as_status as_model_save(const as_model *m, const char *path, as_error *err) {
    FILE *f = fopen(path, "w");
    if (!f) return as__err(err, AS_ERR_IO, "cannot write model file %s; check the folder exists and is writable", path);
    fprintf(f, "{\n  \"format\": \"aftersales-model\",\n  \"format_version\": %d,\n  \"aftersales_version\": \"%s\",\n",
            AS_MODEL_FORMAT_VERSION, AS_VERSION);
    fprintf(f, "  \"source\": \"%s\",\n  \"model\": \"logistic_regression\",\n  \"penalty\": \"l2\",\n  \"C\": %.17g,\n",
            m->source == AS_MODEL_CSV ? "csv" : "shop", m->C);
    fprintf(f, "  \"target\": ");
    put_string(f, m->target ? m->target : "");
    fprintf(f, ",\n  \"classes\": [");
    put_string(f, m->label0 ? m->label0 : "0");
    fprintf(f, ", ");
    put_string(f, m->label1 ? m->label1 : "1");
    fprintf(f, "],\n  \"horizon_days\": %d,\n  \"threshold\": %.17g,\n", m->horizon_days, m->threshold);
    fprintf(f, "  \"na_tokens\": [");
    for (size_t i = 0; i < m->n_na_tokens; i++) { fprintf(f, "%s", i ? ", " : ""); put_string(f, m->na_tokens[i]); }
    fprintf(f, "],\n");
    fprintf(f, "  \"numeric\": [");
    for (size_t i = 0; i < m->n_num; i++) { fprintf(f, "%s", i ? ", " : ""); put_string(f, m->num_names[i]); }
    fprintf(f, "],\n  \"categorical\": [");
    for (size_t c = 0; c < m->n_cat; c++) {
        fprintf(f, "%s\n    {\"name\": ", c ? "," : "");
        put_string(f, m->cats[c].name);
        fprintf(f, ", \"levels\": [");
        for (size_t l = 0; l < m->cats[c].n_levels; l++) { fprintf(f, "%s", l ? ", " : ""); put_string(f, m->cats[c].levels[l]); }
        fprintf(f, "]}");
    }
    fprintf(f, "],\n  \"scaled\": %d,\n", m->scaled);
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
    fprintf(f, "  \"intercept\": %.17g,\n", m->intercept);
    put_doubles(f, "coef", m->coef, m->dim, 1);
    fprintf(f, "}\n");
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

static as_status load_json(const cJSON *root, as_model *m, const char *path, as_error *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "format_version");
    if (!cJSON_IsNumber(v) || v->valueint < 1 || v->valueint > AS_MODEL_FORMAT_VERSION)
        return as__err(err, AS_ERR_FORMAT, "%s is not an aftersales model of format version 1..%d", path,
                       AS_MODEL_FORMAT_VERSION);
    as_status st = AS_OK;
    v = cJSON_GetObjectItemCaseSensitive(root, "source");
    m->source = cJSON_IsString(v) && strcmp(v->valuestring, "csv") == 0 ? AS_MODEL_CSV : AS_MODEL_SHOP;
    v = cJSON_GetObjectItemCaseSensitive(root, "C");
    m->C = cJSON_IsNumber(v) && v->valuedouble > 0 && isfinite(v->valuedouble) ? v->valuedouble : 1.0;
    v = cJSON_GetObjectItemCaseSensitive(root, "threshold");
    m->threshold = cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 1 ? v->valuedouble : 0.5;
    v = cJSON_GetObjectItemCaseSensitive(root, "horizon_days");
    m->horizon_days = cJSON_IsNumber(v) ? v->valueint : 0;
    v = cJSON_GetObjectItemCaseSensitive(root, "target");
    if (cJSON_IsString(v) && v->valuestring[0]) m->target = get_str(v, &st);
    v = cJSON_GetObjectItemCaseSensitive(root, "classes");
    if (cJSON_IsArray(v) && cJSON_GetArraySize(v) == 2) {
        m->label0 = get_str(cJSON_GetArrayItem(v, 0), &st);
        m->label1 = get_str(cJSON_GetArrayItem(v, 1), &st);
    }
    if (st) return as__err(err, st, "%s: bad 'target' or 'classes'", path);
    v = cJSON_GetObjectItemCaseSensitive(root, "na_tokens");
    if (cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0) {
        m->n_na_tokens = (size_t)cJSON_GetArraySize(v);
        m->na_tokens = as__calloc(m->n_na_tokens, sizeof *m->na_tokens);
        if (!m->na_tokens) { m->n_na_tokens = 0; return as__err(err, AS_ERR_NOMEM, "out of memory"); }
        for (size_t i = 0; i < m->n_na_tokens; i++)
            if (!(m->na_tokens[i] = get_str(cJSON_GetArrayItem(v, (int)i), &st)))
                return as__err(err, st, "%s: bad 'na_tokens'", path);
    }
    const cJSON *num = cJSON_GetObjectItemCaseSensitive(root, "numeric");
    const cJSON *cat = cJSON_GetObjectItemCaseSensitive(root, "categorical");
    if (!cJSON_IsArray(num) || !cJSON_IsArray(cat))
        return as__err(err, AS_ERR_FORMAT, "%s: 'numeric' or 'categorical' is missing", path);
    m->n_num = (size_t)cJSON_GetArraySize(num);
    m->num_names = as__calloc(m->n_num ? m->n_num : 1, sizeof *m->num_names);
    if (!m->num_names) return as__err(err, AS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < m->n_num; i++)
        if (!(m->num_names[i] = get_str(cJSON_GetArrayItem(num, (int)i), &st)))
            return as__err(err, st, "%s: bad numeric column name", path);
    m->n_cat = (size_t)cJSON_GetArraySize(cat);
    m->cats = as__calloc(m->n_cat ? m->n_cat : 1, sizeof *m->cats);
    if (!m->cats) return as__err(err, AS_ERR_NOMEM, "out of memory");
    m->p = m->n_num;
    for (size_t c = 0; c < m->n_cat; c++) {
        const cJSON *o = cJSON_GetArrayItem(cat, (int)c);
        const cJSON *lv = cJSON_GetObjectItemCaseSensitive(o, "levels");
        if (!(m->cats[c].name = get_str(cJSON_GetObjectItemCaseSensitive(o, "name"), &st)) || !cJSON_IsArray(lv))
            return as__err(err, AS_ERR_FORMAT, "%s: bad categorical column %zu", path, c);
        m->cats[c].n_levels = (size_t)cJSON_GetArraySize(lv);
        m->cats[c].levels = as__calloc(m->cats[c].n_levels ? m->cats[c].n_levels : 1, sizeof(char *));
        if (!m->cats[c].levels) return as__err(err, AS_ERR_NOMEM, "out of memory");
        for (size_t l = 0; l < m->cats[c].n_levels; l++)
            if (!(m->cats[c].levels[l] = get_str(cJSON_GetArrayItem(lv, (int)l), &st)))
                return as__err(err, st, "%s: bad level of %s", path, m->cats[c].name);
        m->p += m->cats[c].n_levels;
    }
    v = cJSON_GetObjectItemCaseSensitive(root, "scaled");
    m->scaled = cJSON_IsNumber(v) ? v->valueint : 0;
    if ((st = get_doubles(root, "mean", m->p, &m->mean, path, err))) return st;
    if ((st = get_doubles(root, "scale", m->p, &m->scale, path, err))) return st;
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
    v = cJSON_GetObjectItemCaseSensitive(root, "intercept");
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return as__err(err, AS_ERR_FORMAT, "%s: 'intercept' is missing or not finite", path);
    m->intercept = v->valuedouble;
    return get_doubles(root, "coef", m->dim, &m->coef, path, err);
}

as_status as_model_load(const char *path, as_model **out, as_error *err) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return as__err(err, AS_ERR_IO, "cannot open model file %s; train one with `aftersales train --out %s`", path, path);
    as_buf b;
    as__buf_init(&b, (size_t)1 << 30);
    char chunk[65536];
    size_t n;
    as_status st = AS_OK;
    while (!st && (n = fread(chunk, 1, sizeof chunk, f)) > 0) st = as__buf_append(&b, chunk, n);
    fclose(f);
    if (!st) st = as__buf_cstr(&b);
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
