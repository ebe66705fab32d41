/* Tests of the typed table (src/table/table.c): whole-column type inference, missing values, header names,
 * strict field counts, files, allocation failures, and the UCI Online Retail file when it is present. */
#include <stdint.h>
#include <unistd.h>
#include <zlib.h>

#include "table/table.h"
#include "test.h"

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

int main(void) {
    RUN(test_leading_zero_is_text);
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
    return test_report("table");
}
