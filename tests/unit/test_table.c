/* Tests of the typed table (src/table/table.c, table_par.c): whole-column type inference, missing values, header
 * names, strict field counts, files, allocation failures, the UCI Online Retail file when it is present; the
 * fast number parsers against strtod; the block reader against the record reader. */
#include <float.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "table/table.h"
#include "test.h"
#include "../fuzz/table_compare.h"

static as_status read_str(const char *s, const as_table_options *o, as_table **t, as_error *err) {
    return as__table_read_mem(s, strlen(s), "t.csv", o, t, err);
}

static const as_column *col(const as_table *t, const char *name) {
    int j = as__table_find(t, name);
    CHECK_MSG(j >= 0, "no column %s", name);
    return j >= 0 ? &t->cols[j] : NULL;
}

static void test_leading_zero_is_text(void) {
    as_table *t = NULL;
    as_error err;
    CHECK_OK(read_str("zip,qty\n02116,1\n", NULL, &t, &err), &err);
    if (!t) return;
    CHECK(t->nrows == 1 && t->ncols == 2);
    const as_column *z = col(t, "zip"), *q = col(t, "qty");
    CHECK(z && z->type == AS_COL_TEXT);
    CHECK(z && z->num == NULL && z->text != NULL);
    if (z && z->text) CHECK_STR(z->text[0], "02116");
    CHECK(q && q->type == AS_COL_INT);
    if (q && q->num) CHECK_NEAR(q->num[0], 1.0, 0);
    CHECK(q && q->text == NULL);
    as__table_free(t);

    /* "0" and "-5" are integers; "007" and "-01" keep the column TEXT, also among decimals; "0.5" is a number. */
    CHECK_OK(read_str("a,b,c,d,e\n0,1.5,7,0.5,1\n-5,007,-01,-0.25,00.5\n", NULL, &t, &err), &err);
    if (!t) return;
    CHECK(t->cols[0].type == AS_COL_INT);
    CHECK(t->cols[1].type == AS_COL_TEXT);
    CHECK(t->cols[2].type == AS_COL_TEXT);
    CHECK(t->cols[3].type == AS_COL_DOUBLE);
    CHECK(t->cols[4].type == AS_COL_TEXT);
    CHECK_STR(t->cols[1].text[1], "007");
    CHECK_STR(t->cols[2].text[1], "-01");
    CHECK_NEAR(t->cols[0].num[1], -5.0, 0);
    CHECK_NEAR(t->cols[3].num[1], -0.25, 0);
    as__table_free(t);
}

/* Below the smallest normal double a number is still a number (the nearest subnormal or zero, as strtod and
 * pandas give it); an overflow, an infinity word or blanks around a number make the column text (docs/methods.md). */
static void test_tiny_and_huge_numbers(void) {
    as_table *t = NULL;
    as_error err;
    CHECK_OK(read_str("a,b,c,d\n1.5,1.5,1.5,1.5\n4.9e-324,1e400,inf,\" 2.5\"\n1e-400,2,2,2\n-1e-310,3,3,3\n", NULL, &t,
                      &err), &err);
    if (!t) return;
    CHECK(t->cols[0].type == AS_COL_DOUBLE);
    if (t->cols[0].num) {
        CHECK(t->cols[0].num[1] == strtod("4.9e-324", NULL) && t->cols[0].num[1] > 0);
        CHECK(t->cols[0].num[2] == 0.0);
        CHECK(t->cols[0].num[3] == strtod("-1e-310", NULL) && t->cols[0].num[3] < 0);
    }
    CHECK(t->cols[1].type == AS_COL_TEXT);
    CHECK(t->cols[2].type == AS_COL_TEXT);
    CHECK(t->cols[3].type == AS_COL_TEXT);
    as__table_free(t);
    /* the fast parsers agree with the reference on the boundary values */
    const char *edge[] = {"2.2250738585072011e-308", "2.2250738585072014e-308", "4.9e-324", "2.4e-324", "1e-310",
                          "-1e-400", "1.7976931348623157e308", "1.8e308"};
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
        double a = 0, b = 0;
        int ra = as__parse_double(edge[i], strlen(edge[i]), &a), rb = as__parse_double_fast(edge[i], strlen(edge[i]), &b);
        CHECK(ra == rb && (!ra || memcmp(&a, &b, sizeof a) == 0));
        CHECK(ra == (i < 7));
    }
}

static void test_na_tokens(void) {
    as_table *t = NULL;
    as_error err;
    const char *s = "code,n\nNA,1\nNB,2\n";
    CHECK_OK(read_str(s, NULL, &t, &err), &err);
    if (!t) return;
    const as_column *c = col(t, "code");
    CHECK(c && c->type == AS_COL_TEXT && c->n_missing == 0);
    if (c) CHECK_STR(c->text[0], "NA");
    as__table_free(t);

    as_table_options o = as__table_options_default();
    const char *na[] = {"NA", "n/a"};
    o.na_tokens = na;
    o.n_na_tokens = 2;
    CHECK_OK(read_str(s, &o, &t, &err), &err);
    if (!t) return;
    c = col(t, "code");
    CHECK(c && c->type == AS_COL_TEXT && c->n_missing == 1);
    if (c) {
        CHECK(c->text[0] == NULL);
        CHECK_STR(c->text[1], "NB");
    }
    as__table_free(t);

    /* A token makes a number column missing, not TEXT; a quoted empty field is missing too. */
    CHECK_OK(read_str("x,y\n1,a\nn/a,\n3,\"\"\n", &o, &t, &err), &err);
    if (!t) return;
    CHECK(t->cols[0].type == AS_COL_INT && t->cols[0].n_missing == 1);
    CHECK(isnan(t->cols[0].num[1]));
    CHECK_NEAR(t->cols[0].num[2], 3.0, 0);
    CHECK(t->cols[1].type == AS_COL_TEXT && t->cols[1].n_missing == 2);
    CHECK(t->cols[1].text[1] == NULL && t->cols[1].text[2] == NULL);
    as__table_free(t);
}

/* pandas' default missing-value tokens are holes in a numeric column and values in a text column; True/False
 * columns read as 1/0 (pandas' bool). */
static void test_pandas_tokens_and_bools(void) {
    as_table *t = NULL;
    as_error err;
    const char *s = "age,code,only,flag,holed,late\n"
                    "31,NA,NA,True,FALSE,1\n"
                    "NA,NB,NA,False,,NaN\n"
                    "45,NA,NA,true,true,2\n"
                    "n/a,NC,NA,False,false,null\n"
                    "50,ND,NA,True,TRUE,word\n";
    CHECK_OK(read_str(s, NULL, &t, &err), &err);
    if (!t) return;
    const as_column *c = col(t, "age");
    CHECK(c && c->type == AS_COL_INT && c->n_missing == 2 && c->n_soft_missing == 2);
    if (c && c->num) CHECK(isnan(c->num[1]) && isnan(c->num[3]) && c->num[4] == 50);
    c = col(t, "code");
    CHECK(c && c->type == AS_COL_TEXT && c->n_missing == 0);
    if (c && c->text) { CHECK_STR(c->text[0], "NA"); CHECK_STR(c->text[1], "NB"); }
    c = col(t, "only");
    CHECK(c && c->type == AS_COL_TEXT && c->n_missing == 0 && c->n_soft_missing == 0);
    if (c && c->text) CHECK_STR(c->text[4], "NA");
    c = col(t, "flag");
    CHECK(c && c->type == AS_COL_INT && c->from_bool == 1);
    if (c && c->num) CHECK(c->num[0] == 1 && c->num[1] == 0 && c->num[2] == 1 && c->num[3] == 0);
    c = col(t, "holed");
    CHECK(c && c->type == AS_COL_INT && c->n_missing == 1);
    if (c && c->num) CHECK(c->num[0] == 0 && isnan(c->num[1]) && c->num[4] == 1);
    c = col(t, "late");   /* numbers with tokens, then a word: text, and the tokens are values again */
    CHECK(c && c->type == AS_COL_TEXT && c->n_missing == 0 && c->n_soft_missing == 0);
    if (c && c->text) { CHECK_STR(c->text[1], "NaN"); CHECK_STR(c->text[3], "null"); CHECK_STR(c->text[4], "word"); }
    as__table_free(t);
}

static void test_type_from_the_whole_column(void) {
    /* 300,000 integers, then one "a" in the last row: the whole column is TEXT. */
    size_t rows = 300000, cap = rows * 16 + 64, n = 0;
    char *s = malloc(cap);
    n += (size_t)snprintf(s + n, cap - n, "id,v\n");
    for (size_t i = 0; i < rows; i++) n += (size_t)snprintf(s + n, cap - n, "%zu,%zu\n", i, i * 2);
    n += (size_t)snprintf(s + n, cap - n, "a,1\n");
    as_table *t = NULL;
    as_error err;
    CHECK_OK(as__table_read_mem(s, n, "big.csv", NULL, &t, &err), &err);
    free(s);
    if (!t) return;
    CHECK(t->nrows == rows + 1);
    const as_column *id = col(t, "id"), *v = col(t, "v");
    CHECK(id && id->type == AS_COL_TEXT);
    if (id) {
        CHECK_STR(id->text[0], "0");
        CHECK_STR(id->text[123456], "123456");
        CHECK_STR(id->text[rows], "a");
    }
    CHECK(v && v->type == AS_COL_INT);
    if (v && v->num) {
        CHECK_NEAR(v->num[rows - 1], (double)(2 * (rows - 1)), 0);
        CHECK_NEAR(v->num[rows], 1.0, 0);
    }
    as__table_free(t);
}

static void test_inference(void) {
    as_table *t = NULL;
    as_error err;
    const char *s =
        "i,d,t,s,m,big,e,mix\n"
        "1,1.5,2011-12-01 08:26:00,x,,9007199254740993,1e3,2011-01-01\n"
        "-5,2,12/1/2010 8:26,y,,-3,2.5E-1,5\n"
        "0,,2011-01-02,,,,,\n"
        "+7,-0.125,2011-01-02T10:11:12,\"z, w\",,,,\n";
    CHECK_OK(read_str(s, NULL, &t, &err), &err);
    if (!t) return;
    CHECK(t->nrows == 4 && t->ncols == 8);
    const as_column *c = col(t, "i");
    CHECK(c && c->type == AS_COL_INT && c->n_missing == 0);
    if (c && c->num) {
        CHECK_NEAR(c->num[0], 1, 0);
        CHECK_NEAR(c->num[1], -5, 0);
        CHECK_NEAR(c->num[2], 0, 0);
        CHECK_NEAR(c->num[3], 7, 0);
    }
    c = col(t, "d");
    CHECK(c && c->type == AS_COL_DOUBLE && c->n_missing == 1);
    if (c && c->num) {
        CHECK_NEAR(c->num[0], 1.5, 0);
        CHECK_NEAR(c->num[1], 2.0, 0);
        CHECK(isnan(c->num[2]));
        CHECK_NEAR(c->num[3], -0.125, 0);
    }
    c = col(t, "t");
    CHECK(c && c->type == AS_COL_TIME && c->n_missing == 0);
    if (c && c->num) {
        double day = (double)AS_DAY;
        CHECK_NEAR(c->num[0], (double)as__days_from_civil(2011, 12, 1) * day + 8 * 3600 + 26 * 60, 0);
        CHECK_NEAR(c->num[1], (double)as__days_from_civil(2010, 12, 1) * day + 8 * 3600 + 26 * 60, 0);
        CHECK_NEAR(c->num[2], (double)as__days_from_civil(2011, 1, 2) * day, 0);
        CHECK_NEAR(c->num[3], (double)as__days_from_civil(2011, 1, 2) * day + 10 * 3600 + 11 * 60 + 12, 0);
        CHECK_NEAR(c->num[0], 1322727960.0, 0);           /* 2011-12-01 08:26:00 as seconds since 1970 */
    }
    c = col(t, "s");
    CHECK(c && c->type == AS_COL_TEXT && c->n_missing == 1);
    if (c && c->text) {
        CHECK_STR(c->text[0], "x");
        CHECK(c->text[2] == NULL);
        CHECK_STR(c->text[3], "z, w");
    }
    c = col(t, "m");                                        /* all missing: TEXT */
    CHECK(c && c->type == AS_COL_TEXT && c->n_missing == 4 && c->text != NULL && c->num == NULL);
    c = col(t, "big");                                      /* an integer beyond 2^53 rounds like pandas' float */
    CHECK(c && c->type == AS_COL_INT && c->n_missing == 2);
    if (c && c->num) CHECK_NEAR(c->num[0], 9007199254740992.0, 0);
    c = col(t, "e");
    CHECK(c && c->type == AS_COL_DOUBLE);
    if (c && c->num) {
        CHECK_NEAR(c->num[0], 1000.0, 0);
        CHECK_NEAR(c->num[1], 0.25, 0);
    }
    c = col(t, "mix");                                      /* a date and a number: TEXT */
    CHECK(c && c->type == AS_COL_TEXT);
    as__table_free(t);

    /* Numbers then a date, and a date then words: TEXT. */
    CHECK_OK(read_str("a,b\n1,2011-01-01\n2011-01-01,x\n", NULL, &t, &err), &err);
    if (!t) return;
    CHECK(t->cols[0].type == AS_COL_TEXT && t->cols[1].type == AS_COL_TEXT);
    CHECK_STR(t->cols[0].text[0], "1");
    as__table_free(t);

    CHECK_STR(as__col_type_name(AS_COL_INT), "int");
    CHECK_STR(as__col_type_name(AS_COL_DOUBLE), "double");
    CHECK_STR(as__col_type_name(AS_COL_TIME), "time");
    CHECK_STR(as__col_type_name(AS_COL_TEXT), "text");
}

static void test_ragged(void) {
    as_table *t = NULL;
    as_error err;
    CHECK(read_str("a,b\n1,2\n3,4,5\n", NULL, &t, &err) == AS_ERR_PARSE);
    CHECK(t == NULL);
    CHECK(err.code == AS_ERR_PARSE);
    CHECK_MSG(strstr(err.msg, "t.csv:3: expected 2 fields (as in the header) but found 3; fix the record or quote "
                              "the field that contains a comma") != NULL, "%s", err.msg);

    /* Too few fields, after a record spanning two lines: the line is where the record starts. */
    CHECK(read_str("a,b\n\"1\n2\",2\n3\n", NULL, &t, &err) == AS_ERR_PARSE);
    CHECK_MSG(strstr(err.msg, "t.csv:4: expected 2 fields") != NULL && strstr(err.msg, "found 1") != NULL, "%s",
              err.msg);

    /* The reader's own errors come through with their line. */
    CHECK(read_str("a,b\n1,2\n3,\"x\ny\n", NULL, &t, &err) == AS_ERR_PARSE);
    CHECK_MSG(strstr(err.msg, "t.csv:3:") != NULL && strstr(err.msg, "line 3") != NULL, "%s", err.msg);
    CHECK(t == NULL);

    CHECK(read_str("", NULL, &t, &err) == AS_ERR_NODATA);
    CHECK(t == NULL);
    CHECK(read_str("\n\n", NULL, &t, &err) == AS_ERR_NODATA);
}

static void test_header_names(void) {
    as_table *t = NULL;
    as_error err;
    /* What pandas 1.5 read_csv names these columns. */
    CHECK_OK(read_str("x,x,,x.1,x,\"\"\n1,2,3,4,5,6\n", NULL, &t, &err), &err);
    if (!t) return;
    CHECK(t->ncols == 6);
    CHECK_STR(t->cols[0].name, "x");
    CHECK_STR(t->cols[1].name, "x.2");
    CHECK_STR(t->cols[2].name, "Unnamed: 2");
    CHECK_STR(t->cols[3].name, "x.1");
    CHECK_STR(t->cols[4].name, "x.3");
    CHECK_STR(t->cols[5].name, "Unnamed: 5");
    CHECK(as__table_find(t, "x.3") == 4);
    as__table_free(t);

    CHECK_OK(read_str("a,a,a,b,a.1,a.1\n1,2,3,4,5,6\n", NULL, &t, &err), &err);
    if (!t) return;
    const char *want[] = {"a", "a.2", "a.3", "b", "a.1", "a.1.1"};
    for (size_t j = 0; j < 6; j++) CHECK_STR(t->cols[j].name, want[j]);
    CHECK(as__table_find(t, "nope") == -1);
    CHECK(as__table_find(NULL, "x") == -1);
    as__table_free(t);

    /* A header only: zero rows, every column TEXT. */
    CHECK_OK(read_str("a,b\n", NULL, &t, &err), &err);
    if (!t) return;
    CHECK(t->nrows == 0 && t->ncols == 2);
    CHECK(t->cols[0].type == AS_COL_TEXT && t->cols[0].n_missing == 0);
    as__table_free(t);
    as__table_free(NULL);
}

static void test_bom_crlf_delimiter(void) {
    as_table *t = NULL;
    as_error err;
    CHECK_OK(read_str("\xEF\xBB\xBFid,qty\r\n1,2\r\n3,4\r\n", NULL, &t, &err), &err);
    if (!t) return;
    CHECK(as__table_find(t, "id") == 0);
    CHECK_STR(t->cols[0].name, "id");
    CHECK(t->nrows == 2);
    CHECK(t->cols[1].type == AS_COL_INT);
    CHECK_NEAR(t->cols[1].num[1], 4.0, 0);
    as__table_free(t);

    as_table_options o = as__table_options_default();
    o.csv.delimiter = ';';
    CHECK_OK(read_str("name;price\n\"a;b\";1,5\nc;2\n", &o, &t, &err), &err);
    if (!t) return;
    CHECK(t->ncols == 2 && t->nrows == 2);
    CHECK_STR(t->cols[0].text[0], "a;b");
    CHECK(t->cols[1].type == AS_COL_TEXT);        /* decimal commas are not parsed as numbers */
    CHECK_STR(t->cols[1].text[0], "1,5");
    as__table_free(t);
    CHECK(read_str("a;b\n1;2;3\n", &o, &t, &err) == AS_ERR_PARSE);
    CHECK_MSG(strstr(err.msg, "contains a ';'") != NULL, "%s", err.msg);
}

static void test_files(void) {
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/as_test_table.XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); return; }
    char plain[128], gz[128];
    snprintf(plain, sizeof plain, "%s/t.csv", dir);
    snprintf(gz, sizeof gz, "%s/t.csv.gz", dir);
    const char *s = "id,when,price,comment\n1,2011-12-09 12:50:00,4.95,\"two\nlines\"\n2,2011-12-09 12:50:00,,ok\n";
    FILE *f = fopen(plain, "wb");
    fputs(s, f);
    fclose(f);
    gzFile g = gzopen(gz, "wb");
    gzputs(g, s);
    gzclose(g);
    const char *paths[2] = {plain, gz};
    for (int k = 0; k < 2; k++) {
        as_table *t = NULL;
        as_error err;
        CHECK_OK(as__table_read_csv(paths[k], NULL, &t, &err), &err);
        if (!t) continue;
        CHECK(t->nrows == 2 && t->ncols == 4);
        CHECK(t->cols[0].type == AS_COL_INT);
        CHECK(t->cols[1].type == AS_COL_TIME);
        CHECK(t->cols[2].type == AS_COL_DOUBLE && t->cols[2].n_missing == 1);
        CHECK(t->cols[3].type == AS_COL_TEXT);
        CHECK_STR(t->cols[3].text[0], "two\nlines");
        as__table_free(t);
    }
    as_table *t = NULL;
    as_error err;
    CHECK(as__table_read_csv("/nonexistent/t.csv", NULL, &t, &err) == AS_ERR_IO);
    CHECK(t == NULL);
    unlink(plain);
    unlink(gz);
    rmdir(dir);
}

static void test_alloc_failures(void) {
    const char *s = "id,zip,price,when,note,x,x\n1,02116,1.5,2011-01-01,\"a\nb\",1,2\n2,10001,,2011-01-02,,3,4\n"
                    "3,30301,2.25,,c,5,6\n";
    as_table_options o = as__table_options_default();
    const char *na[] = {"NA"};
    o.na_tokens = na;
    o.n_na_tokens = 1;
    int nomem = 0, ok = 0;
    for (long k = 1; k <= 80; k++) {
        as__alloc_fail_after(k);
        as_table *t = NULL;
        as_error err;
        as_status st = read_str(s, &o, &t, &err);
        as__alloc_fail_after(0);
        CHECK_MSG(st == AS_OK || st == AS_ERR_NOMEM, "k=%ld status %d", k, (int)st);
        CHECK((st == AS_OK) == (t != NULL));
        if (st == AS_OK) {
            ok++;
            CHECK(t->nrows == 3 && t->cols[1].type == AS_COL_TEXT && t->cols[2].type == AS_COL_DOUBLE);
            CHECK_STR(t->cols[6].name, "x.1");
        } else {
            nomem++;
            CHECK_MSG(strstr(err.msg, "memory") != NULL, "%s", err.msg);
        }
        as__table_free(t);
    }
    CHECK(nomem > 5 && ok > 0);
}

/* The UCI Online Retail export: row count and types as pandas infers them (CustomerID is a float there only
 * because numpy integers cannot be missing). */
static void test_online_retail(void) {
    char buf[512];
    const char *path = test_shared_data("uci-online-retail/online_retail.csv.gz", buf, sizeof buf);
    if (!path) return;
    as_table *t = NULL;
    as_error err;
    CHECK_OK(as__table_read_csv(path, NULL, &t, &err), &err);
    if (!t) return;
    CHECK(t->nrows == 541909 && t->ncols == 8);
    const as_column *c;
    if ((c = col(t, "InvoiceNo"))) CHECK(c->type == AS_COL_TEXT && c->n_missing == 0);
    if ((c = col(t, "StockCode"))) CHECK(c->type == AS_COL_TEXT);
    if ((c = col(t, "Description"))) CHECK(c->type == AS_COL_TEXT && c->n_missing == 1454);
    if ((c = col(t, "Quantity"))) CHECK(c->type == AS_COL_INT && c->n_missing == 0);
    if ((c = col(t, "InvoiceDate"))) CHECK(c->type == AS_COL_TIME && c->n_missing == 0);
    if ((c = col(t, "UnitPrice"))) CHECK(c->type == AS_COL_DOUBLE);
    if ((c = col(t, "CustomerID"))) CHECK(c->type == AS_COL_INT && c->n_missing == 135080);
    if ((c = col(t, "Country"))) {
        CHECK(c->type == AS_COL_TEXT);
        CHECK_STR(c->text[0], "United Kingdom");
    }
    if ((c = col(t, "Quantity"))) CHECK_NEAR(c->num[0], 6.0, 0);
    if ((c = col(t, "UnitPrice"))) CHECK_NEAR(c->num[0], 2.55, 0);
    as__table_free(t);
}

/* ---- the fast number parsers (core/parse.c) against their strtod twins ---- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rng(void) {   /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static long num_checked, num_bad;

/* as__parse_double_fast must be as__parse_double (strtod), and as__parse_number must say what as__parse_int64
 * and then as__parse_double say, with the same bits; as__scan_number must read the same number with any byte
 * after it. */
static void check_number(const char *s, size_t n) {
    double a = 0, b = 0;
    int ra = as__parse_double(s, n, &a), rb = as__parse_double_fast(s, n, &b);
    int64_t iv;
    int want = as__parse_int64(s, n, &iv) ? AS_NUM_INT : ra ? AS_NUM_DOUBLE : AS_NUM_NONE;
    double w = want == AS_NUM_INT ? (double)iv : a, v = 0;
    int got = as__parse_number(s, n, &v);
    num_checked++;
    int bad = ra != rb || (ra && memcmp(&a, &b, sizeof a) != 0) || got != want ||
              (want && memcmp(&w, &v, sizeof w) != 0);
    if (!bad && n < 200) {
        char buf[256];
        memcpy(buf, s, n);
        buf[n] = ",\n\"x; "[num_checked % 6];
        int kind;
        double u = 0;
        const char *e = as__scan_number(buf, buf + n + 1, &u, &kind);
        if (want) bad = e != buf + n || kind != want || memcmp(&u, &w, sizeof u) != 0;
        else bad = kind != AS_NUM_NONE && e == buf + n;
    }
    if (bad && num_bad++ < 20)
        fprintf(stderr, "number '%.*s': strtod %d %.17g, fast %d %.17g; number %d %.17g, expected %d %.17g\n", (int)n,
                s, ra, a, rb, b, got, v, want, w);
}

static void check_cstr(const char *s) { check_number(s, strlen(s)); }

static void test_number_parser(void) {
    char buf[512];
    num_checked = num_bad = 0;
    static const char *const edge[] = {
        "0", "-0", "+0", "0.0", "-0.0", ".5", "5.", "-.5e-3", "1e5", "1E+05", "1e", "1e+", "e5", ".", "+", "-", "",
        "--1", "+-1", "1.2.3", "1e5.5", "1e5e5", "0x1p3", "inf", "nan", "1,5", " 1", "1 ", "00", "007", "-01", "00.5",
        "9007199254740993", "9007199254740992", "9007199254740991", "18014398509481985", "9223372036854775807",
        "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "18446744073709551615",
        "18446744073709551616", "99999999999999999999", "10000000000000000000", "1000000000000000000000000",
        "2.2250738585072014e-308", "2.2250738585072011e-308", "4.9406564584124654e-324", "2.4703282292062327e-324",
        "2.4703282292062328e-324", "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "1e309",
        "1e-400", "0e999999999", "0e-999999999", "1e999999999", "1e-999999999", "123456789012345678901234567890",
        "0.1", "0.2", "0.3", "1.1", "2.675", "0.1000000000000000055511151231257827", "1.00000000000000011102230246251565",
        "1.00000000000000011102230246251566", "1.5000000000000000000000000", "0.000000000000000000000000000001234",
        "7.2057594037927933e16", "3.0000000000000004", "9.5367431640625e-7", "1e22", "1e23", "8.98846567431158e307",
        "4.35679746518459e-59", "5e-65", "1e64", "1e65", "9999999999999999999e64", "1e-64", "1e-65"};
    for (size_t k = 0; k < sizeof edge / sizeof *edge; k++) check_cstr(edge[k]);
    /* 130 leading zeros: an int64 to as__parse_int64, too long for as__parse_double */
    memset(buf, '0', 130);
    buf[130] = '1';
    check_number(buf, 131);
    buf[131] = '.';
    check_number(buf, 132);
    /* every string of up to 6 characters over the characters that matter */
    static const char alpha[] = "0159.+-eE";
    for (int len = 1; len <= 6; len++) {
        long total = 1;
        for (int i = 0; i < len; i++) total *= 9;
        for (long c = 0; c < total; c++) {
            long x = c;
            for (int i = 0; i < len; i++) { buf[i] = alpha[x % 9]; x /= 9; }
            check_number(buf, (size_t)len);
        }
    }
    for (long it = 0; it < 3000000; it++) {
        int len;
        uint64_t r = rng();
        double x;
        switch (it % 6) {
        case 0: {                 /* any finite double, shortest to 19 digits, %g and %e */
            uint64_t bits = rng();
            memcpy(&x, &bits, sizeof x);
            if (!isfinite(x)) continue;
            len = snprintf(buf, sizeof buf, r & 1 ? "%.*g" : "%.*e", 1 + (int)(r >> 8) % 19, x);
            break;
        }
        case 1: {                 /* exports' numbers: magnitudes 1e-30 … 1e30, 1 to 17 digits, %g and %f */
            x = ldexp((double)(rng() >> 11), -53) * pow(10.0, (double)((int)(r % 61) - 30));
            if (r & 256) x = -x;
            len = snprintf(buf, sizeof buf, r & 512 ? "%.*g" : "%.*f", 1 + (int)(r >> 16) % 17, x);
            break;
        }
        case 2: {                 /* decimal strings: zeros, points, exponents anywhere */
            char *o = buf;
            if (r & 1) *o++ = r & 2 ? '-' : '+';
            int ni = (int)(rng() % 23), nf = (int)(rng() % 23);
            for (int i = 0; i < ni; i++) *o++ = (char)('0' + (rng() % 4 == 0 ? 0 : rng() % 10));
            if (r & 4) {
                *o++ = '.';
                for (int i = 0; i < nf; i++) *o++ = (char)('0' + (rng() % 4 == 0 ? 0 : rng() % 10));
            }
            if (r & 8) o += sprintf(o, "%c%s%d", r & 16 ? 'e' : 'E', r & 32 ? "-" : r & 64 ? "+" : "",
                                    (int)(rng() % (r & 128 ? 30 : 400)));
            len = (int)(o - buf);
            break;
        }
        case 3:
        case 4: {                 /* halfway between two doubles, and its 17–20-digit neighbours */
            x = ldexp(1.0 + ldexp((double)(rng() >> 12), -52), (int)(r % 460) - 230);
            long double mid = ((long double)x + (long double)nextafter(x, INFINITY)) / 2;
            len = snprintf(buf, sizeof buf, "%.*Le", 16 + (int)(r >> 9) % 24, mid);
            if (it % 6 == 4) {     /* one unit more or less in the last digit */
                char *e = strchr(buf, 'e');
                char *d = e - 1;
                if (r & 1024) { while (*d == '9') *d-- = '0'; if (*d != '.') (*d)++; }
                else { while (*d == '0') *d-- = '9'; if (*d != '.') (*d)--; }
            }
            break;
        }
        default: {                /* integers and near-integers around 2^53 … 2^64 */
            uint64_t v = rng() >> (r % 40);
            len = snprintf(buf, sizeof buf, r & 1 ? "%llu" : r & 2 ? "-%llu" : "%llu.%u", (unsigned long long)v,
                           (unsigned)(r >> 32) % 1000);
            break;
        }
        }
        if (len > 0 && len < (int)sizeof buf) check_number(buf, (size_t)len);
    }
    CHECK_MSG(num_bad == 0, "%ld of %ld numbers parsed differently from strtod", num_bad, num_checked);
    fprintf(stderr, "   %ld numbers checked against strtod\n", num_checked);
}

/* ---- the block reader (table_par.c) against the record reader (table.c) ---- */

static long reader_cases, reader_bad;

/* Reads s both ways, the block reader at several block sizes and thread counts (all of them, or `some`: four
 * chosen by the input's length), and requires one answer. */
static void compare_readers_some(const char *s, size_t n, const as_table_options *base, int some) {
    as_table_options o = *base;
    o.record_reader = 1;
    as_table *want = NULL;
    as_error ew;
    memset(&ew, 0, sizeof ew);
    as_status sw = as__table_read_mem(s, n, "t.csv", &o, &want, &ew);
    static const size_t blocks[] = {1, 2, 3, 7, 16, 61, 256, 4099, 0};
    size_t nb = sizeof blocks / sizeof *blocks;
    for (int threads = 1; threads <= 4; threads++)
        for (size_t b = 0; b < nb; b++) {
            if (some && (b + (size_t)threads * 3 + n) % 9 != 0) continue;
            o.record_reader = 0;
            o.threads = threads;
            o.block_bytes = blocks[b];
            as_table *got = NULL;
            as_error eg;
            memset(&eg, 0, sizeof eg);
            as_status sg = as__table_read_mem(s, n, "t.csv", &o, &got, &eg);
            char why[2600] = "";
            int bad = sg != sw;
            if (bad) {
                snprintf(why, sizeof why, "status %d / %d (%s / %s)", (int)sw, (int)sg, sw ? ew.msg : "",
                         sg ? eg.msg : "");
            } else if (sw) {
                bad = strcmp(ew.msg, eg.msg) != 0;
                snprintf(why, sizeof why, "'%s' / '%s'", ew.msg, eg.msg);
            } else {
                bad = table_diff(want, got, why, sizeof why);
            }
            reader_cases++;
            if (bad && reader_bad++ < 10)
                fprintf(stderr, "block reader (threads %d, blocks %zu) differs: %s\n--- input:\n%.*s\n---\n", threads,
                        blocks[b], why, (int)(n < 600 ? n : 600), s);
            as__table_free(got);
        }
    as__table_free(want);
}

static void compare_readers(const char *s, size_t n, const as_table_options *base) {
    compare_readers_some(s, n, base, 0);
}

static void compare_str(const char *s) {
    as_table_options o = as__table_options_default();
    compare_readers(s, strlen(s), &o);
}

/* A random CSV: columns of one kind each (numbers of several shapes, timestamps, codes with leading zeros, text with
 * quotes, delimiters and newlines, True/False, pandas' NA tokens, empty), some of which turn text at a random row;
 * LF or CRLF, empty lines, a BOM, a missing final line end, and now and then a broken record. */
static size_t random_csv(char *buf, size_t cap, uint64_t seed, char d) {
    rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
    size_t o = 0;
    int ncols = 1 + (int)(rng() % 6), nrows = (int)(rng() % 120), crlf = rng() % 3 == 0;
    int kind[8], flip[8];
    if (rng() % 8 == 0) o += (size_t)snprintf(buf + o, cap - o, "\xEF\xBB\xBF");
    for (int j = 0; j < ncols; j++) {
        kind[j] = (int)(rng() % 10);
        flip[j] = rng() % 4 == 0 ? (int)(rng() % (nrows + 1)) : -1;
        o += (size_t)snprintf(buf + o, cap - o, "%sc%d", j ? (char[]){d, 0} : "", j % 4);
    }
    o += (size_t)snprintf(buf + o, cap - o, crlf ? "\r\n" : "\n");
    static const char *const words[] = {"NA", "N/A", "nan", "NULL", "True", "false", "TRUE", "x", "United Kingdom",
                                        "a\"b", "\"", "", " ", "1.#IND", "<NA>", "-999", "00", "-0"};
    for (int i = 0; i < nrows && o + 400 < cap; i++) {
        if (rng() % 25 == 0) o += (size_t)snprintf(buf + o, cap - o, crlf ? "\r\n" : "\n");   /* empty line */
        int fields = ncols;
        if (rng() % 200 == 0) fields += rng() % 2 ? 1 : -1;                                  /* broken */
        for (int j = 0; j < fields && j < 8; j++) {
            char v[96];
            int k = j < ncols ? kind[j] : 0;
            if (j < ncols && flip[j] >= 0 && i >= flip[j] && rng() % 3 == 0) k = 5;
            uint64_t r = rng();
            switch (k) {
            case 0: snprintf(v, sizeof v, "%lld", (long long)(r % 2000000) - 1000000); break;
            case 1: snprintf(v, sizeof v, "%.*g", 1 + (int)(r % 17), ldexp((double)(r >> 11), -(int)(r % 60))); break;
            case 2: snprintf(v, sizeof v, "%.15f", (double)(r % 100000) / 7.0); break;
            case 3: snprintf(v, sizeof v, "2011-%02d-%02d %02d:%02d:00", 1 + (int)(r % 12), 1 + (int)(r % 28),
                             (int)(r % 24), (int)(r % 60)); break;
            case 4: snprintf(v, sizeof v, "%05d", (int)(r % 100000)); break;
            case 5: snprintf(v, sizeof v, "%s", words[r % (sizeof words / sizeof *words)]); break;
            case 6: snprintf(v, sizeof v, "%s", r % 3 == 0 ? "" : r % 2 ? "True" : "False"); break;
            case 7: snprintf(v, sizeof v, "line %d%s%c more", (int)(r % 100), r % 2 ? "\n" : "", d); break;
            case 8: snprintf(v, sizeof v, "%s", r % 2 ? "" : "NA"); break;
            default: snprintf(v, sizeof v, "%.3e", (double)(int64_t)r); break;
            }
            int need = strpbrk(v, "\"\n\r") || strchr(v, d);
            if (j) buf[o++] = d;
            if (need || rng() % 10 == 0) {
                buf[o++] = '"';
                for (const char *c = v; *c; c++) {
                    if (*c == '"') buf[o++] = '"';
                    buf[o++] = *c;
                }
                buf[o++] = '"';
                if (rng() % 40 == 0) buf[o++] = 'x';          /* text after the closing quote */
            } else {
                size_t l = strlen(v);
                memcpy(buf + o, v, l);
                o += l;
            }
        }
        if (i + 1 < nrows || rng() % 2) o += (size_t)snprintf(buf + o, cap - o, crlf ? "\r\n" : "\n");
    }
    if (rng() % 60 == 0) o += (size_t)snprintf(buf + o, cap - o, "\"never closed\n");
    buf[o] = '\0';
    return o;
}

static void test_block_reader(void) {
    reader_cases = reader_bad = 0;
    compare_str("a,b\n1,2\n");
    compare_str("a,b\n1,2");
    compare_str("a,b\r\n1,2\r\n\r\n3,4\r");
    compare_str("a\n\n\n");
    compare_str("a,b\n");
    compare_str("a,b\n1,\"x\ny\"\n2,\"\"\"\"\n3,\"a\"b\n");
    compare_str("a,b\n\"1\",\"2.5\"\n\"-0\",\"1e5\"\n");
    compare_str("k,v\n1,1\n2,2\n3,3\n4,4\n5,abc\n6,6\n");            /* a column turns text late */
    compare_str("t\n2011-01-01\n2011-01-02 10:00\n5\n");                /* a timestamp column meets a number */
    compare_str("n\n5\n2011-01-01\n");
    compare_str("z,v\n02116,1\n10001,2\n");
    compare_str("b,c\nTrue,NA\n,N/A\nfalse,nan\n");                      /* bools; NA tokens only: text */
    compare_str("b,c\nNA,1\nNA,NA\n");
    compare_str("a,b\n1,2\n3\n");                                       /* errors: one message */
    compare_str("a,b\n1,2,3\n");
    compare_str("a,b\n1,\"2\n");
    compare_str("");
    compare_str("\xEF\xBB\xBFx,x,x.1\n1,2,3\n");
    compare_str("a\n\"\"\n\"\"\"\"\n\r\r\n");
    as_table_options o = as__table_options_default();
    o.csv.max_record_bytes = 10;
    compare_readers("a,b\n1,2\n12345,678901\n", strlen("a,b\n1,2\n12345,678901\n"), &o);
    o = as__table_options_default();
    const char *na[] = {"-999", "x"};
    o.na_tokens = na;
    o.n_na_tokens = 2;
    compare_readers("a,b\n-999,x\n1,y\n", strlen("a,b\n-999,x\n1,y\n"), &o);
    static char buf[1 << 16];
    for (uint64_t seed = 1; seed <= 400; seed++) {
        size_t n = random_csv(buf, sizeof buf, seed, seed % 5 == 0 ? ';' : ',');
        o = as__table_options_default();
        o.csv.delimiter = seed % 5 == 0 ? ';' : ',';
        if (seed % 7 == 0) { o.na_tokens = na; o.n_na_tokens = 2; }
        compare_readers_some(buf, n, &o, 1);
    }
    CHECK_MSG(reader_bad == 0, "%ld of %ld reads differ", reader_bad, reader_cases);
    fprintf(stderr, "   %ld block reads compared with the record reader\n", reader_cases);
}

/* Files: the second pass (a column that turns text after the first blocks is read again from the file, plain
 * and gzip), and a pipe, which only the record reader reads. */
static void test_block_reader_files(void) {
    char dir[64];
    test_tmpdir(dir, sizeof dir, "table_blocks");
    char plain[128], gz[128];
    snprintf(plain, sizeof plain, "%s/t.csv", dir);
    snprintf(gz, sizeof gz, "%s/t.csv.gz", dir);
    FILE *f = fopen(plain, "wb");
    gzFile g = gzopen(gz, "wb");
    const char *head = "id,code,price,when,country,late\n";
    fputs(head, f);
    gzputs(g, head);
    for (int i = 0; i < 60000; i++) {
        char line[160];
        snprintf(line, sizeof line, "%d,%d,%.6f,2011-12-%02d 12:%02d:00,%s,%s\n", i, 1000 + i % 7, i / 3.0, 1 + i % 28,
                 i % 60, i % 3 ? "\"United Kingdom\"" : "France", i == 55000 ? "n/a?" : i % 5 ? "1.5" : "");
        fputs(line, f);
        gzputs(g, line);
    }
    fclose(f);
    gzclose(g);
    const char *paths[2] = {plain, gz};
    for (int k = 0; k < 2; k++) {
        as_table_options o = as__table_options_default();
        o.record_reader = 1;
        as_table *want = NULL, *got = NULL;
        as_error err;
        CHECK_OK(as__table_read_csv(paths[k], &o, &want, &err), &err);
        for (int threads = 1; threads <= 3; threads++) {
            o.record_reader = 0;
            o.threads = threads;
            CHECK_OK(as__table_read_csv(paths[k], &o, &got, &err), &err);
            char why[512] = "";
            CHECK_MSG(want && got && table_diff(want, got, why, sizeof why) == 0, "%s, %d threads: %s", paths[k],
                      threads, why);
            if (got) {
                const as_column *late = col(got, "late");
                if (late) CHECK(late->type == AS_COL_TEXT && late->text[55000] && !strcmp(late->text[55000], "n/a?"));
                if (late) CHECK(late->text[1] && !strcmp(late->text[1], "1.5") && late->text[0] == NULL);
            }
            as__table_free(got);
            got = NULL;
        }
        as__table_free(want);
    }
    /* a pipe: read once, record by record */
    char cmd[300];
    snprintf(cmd, sizeof cmd, "mkfifo %s/p && (cat %s > %s/p &)", dir, plain, dir);
    if (system(cmd) == 0) {
        char fifo[128];
        snprintf(fifo, sizeof fifo, "%s/p", dir);
        as_table *t = NULL;
        as_error err;
        CHECK_OK(as__table_read_csv(fifo, NULL, &t, &err), &err);
        CHECK(t && t->nrows == 60000);
        as__table_free(t);
    }
    test_rmtree(dir);
}

/* as__fmt_fixed, as__fmt_i64 and as_time_format write what printf writes, byte for byte: random values at every
 * precision, values a hair from a rounding tie, exact ties (printf rounds them to even), signs, zeros, large
 * values, NaN and infinities. Counted mismatches, so one bad case shows with its numbers. */
static void check_fixed(double x, int d, size_t *bad) {
    char want[512], got[AS_FMT_FIXED_SIZE];
    snprintf(want, sizeof want, "%.*f", d, x);
    size_t n = as__fmt_fixed(x, d, got);
    if (strcmp(want, got) != 0 || n != strlen(want)) {
        if ((*bad)++ < 5) fprintf(stderr, "  fmt_fixed(%.17g, %d): '%s', printf '%s'\n", x, d, got, want);
    }
}

static void test_fast_formatting(void) {
    size_t bad = 0, cases = 0;
    static const double special[] = {0.0, -0.0, 0.5, -0.5, 1.5, 2.5, 0.125, 0.375, 0.0625, 1e-7, 5e-7, 4.9999999e-7,
                                     5.0000001e-7, 0.0000005, 0.9999995, 0.99999949999, 1 - 1e-12, 999999999.5,
                                     1e9, -1e9, 1e300, -1e-300, 4.9e-324, 0.1, 0.2, 0.3, 0.7, 0.015, 0.025, 0.045};
    for (size_t i = 0; i < sizeof special / sizeof *special; i++)
        for (int d = 0; d <= 9; d++, cases++) check_fixed(special[i], d, &bad);
    check_fixed(NAN, 6, &bad);
    check_fixed(INFINITY, 6, &bad);
    check_fixed(-INFINITY, 2, &bad);
    cases += 3;
    for (int i = 0; i < 300000; i++) {
        uint64_t r = rng();
        double u = (double)(r >> 11) / 9007199254740992.0;            /* [0, 1): probabilities */
        int d = (int)(rng() % 10);
        check_fixed(u, d, &bad);
        check_fixed(-u * 20, d, &bad);                                 /* contributions, negative */
        double k = (double)(rng() % 2000000) / 1e6 + (double)(rng() % 3) * 0.5e-6;   /* near ties at 6 places */
        check_fixed(k, 6, &bad);
        check_fixed(k * 1e-4, 2, &bad);
        double w;                                                     /* any finite double */
        uint64_t bits = rng();
        memcpy(&w, &bits, sizeof w);
        if (isfinite(w)) check_fixed(w, d, &bad);
        cases += 5;
    }
    CHECK(bad == 0);
    CHECK(cases > 1500000);
    char want[32], got[32];
    size_t ibad = 0;
    static const int64_t ints[] = {0, 1, -1, 9, 10, -10, 123456789, INT64_MAX, INT64_MIN, INT64_MIN + 1};
    for (size_t i = 0; i < sizeof ints / sizeof *ints + 100000; i++) {
        int64_t v = i < sizeof ints / sizeof *ints ? ints[i] : (int64_t)rng() >> (rng() % 63);
        snprintf(want, sizeof want, "%lld", (long long)v);
        ibad += as__fmt_i64(v, got) != strlen(want) || strcmp(want, got) != 0;
    }
    CHECK(ibad == 0);
    size_t tbad = 0;
    for (int i = 0; i < 200000; i++) {
        /* 1600-01-01 .. 2400-01-01, and whole days */
        int64_t t = -11676096000LL + (int64_t)(rng() % 25246080000ULL);
        if (i % 7 == 0) t -= t % AS_DAY;
        for (int date_only = 0; date_only <= 1; date_only++) {
            time_t tt = (time_t)t;
            struct tm tm;
            gmtime_r(&tt, &tm);
            strftime(want, sizeof want, date_only ? "%Y-%m-%d" : "%Y-%m-%d %H:%M:%S", &tm);
            as_time_format(t, date_only, got, sizeof got);
            if (strcmp(want, got) != 0 && tbad++ < 5) fprintf(stderr, "  time %lld: '%s', expected '%s'\n", (long long)t, got, want);
        }
    }
    CHECK(tbad == 0);
}

int main(void) {
    RUN(test_number_parser);
    RUN(test_block_reader);
    RUN(test_block_reader_files);
    RUN(test_leading_zero_is_text);
    RUN(test_tiny_and_huge_numbers);
    RUN(test_na_tokens);
    RUN(test_pandas_tokens_and_bools);
    RUN(test_type_from_the_whole_column);
    RUN(test_inference);
    RUN(test_ragged);
    RUN(test_header_names);
    RUN(test_bom_crlf_delimiter);
    RUN(test_files);
    RUN(test_alloc_failures);
    RUN(test_online_retail);
    RUN(test_fast_formatting);
    return test_report("table");
}
