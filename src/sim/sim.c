/*
 * sim — the simulated shop: the embedded default data set with planted ground truth (DESIGN.md §2).
 *
 * docs/simulated-shop.md is the specification of the generative model; every constant below appears there
 * with its value and its reason, so change both together.
 *
 * The shop is written as one stream: orders are generated in time order, each with its lines and the cases
 * those lines cause, and go straight to disk. Memory is proportional to the catalogue, the customer base and
 * the number of days, never to the number of orders, so tens of millions of lines need no more memory
 * than sixty thousand. Cases are written when their order is generated, so cases.csv is not in time order.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "sim/sim.h"

/* ---------------------------------------------------------------------------------------------------------
 * The model's constants
 * ------------------------------------------------------------------------------------------------------- */

enum { CAT_APPAREL, CAT_SHOES, CAT_ELECTRONICS, CAT_HOME, CAT_TOYS, CAT_BEAUTY, N_CAT };

typedef struct category_spec {
    const char *name;
    double share;                 /* share of the catalogue */
    double base_rate;             /* the category's average return probability (calibrate() makes it so) */
    double price_median, price_sigma;   /* list price ~ lognormal(log median, sigma), euros */
    int sized;                    /* sizes matter: sizing reasons, bracketing, exchanges */
    int repairable;               /* a defect may be repaired instead of refunded */
    int coloured;                 /* descriptions name a colour */
    const char *supplier_word;
    const char *noun[10];
    const char *adjective[8];
} category_spec;

static const category_spec k_cat[N_CAT] = {
    {"apparel", 0.30, 0.20, 35, 0.50, 1, 0, 1, "Textiles",
     {"T-Shirt", "Shirt", "Jeans", "Dress", "Sweater", "Jacket", "Skirt", "Hoodie", "Blouse", "Chinos"},
     {"Slim Fit", "Classic", "Organic Cotton", "Oversized", "Linen", "Stretch", "Vintage", "Basic"}},
    {"shoes", 0.12, 0.15, 70, 0.40, 1, 0, 1, "Footwear",
     {"Sneakers", "Boots", "Sandals", "Loafers", "Running Shoes", "Slippers", "Ankle Boots", "Pumps", "Trainers",
      "Hiking Boots"},
     {"Leather", "Suede", "Lightweight", "Waterproof", "Classic", "Canvas", "Cushioned", "Retro"}},
    {"electronics", 0.15, 0.07, 120, 0.90, 0, 1, 0, "Electronics",
     {"Headphones", "Bluetooth Speaker", "Phone Charger", "USB-C Cable", "Smartwatch", "Power Bank", "Webcam",
      "Keyboard", "Mouse", "E-Reader"},
     {"Wireless", "Compact", "Pro", "Mini", "Fast", "Ergonomic", "Noise-Cancelling", "Portable"}},
    {"home", 0.20, 0.04, 40, 0.70, 0, 1, 1, "Home",
     {"Cushion Cover", "Table Lamp", "Bath Towel", "Coffee Mug", "Vase", "Throw Blanket", "Cutlery Set",
      "Frying Pan", "Storage Box", "Duvet Cover"},
     {"Ceramic", "Cotton", "Modern", "Rustic", "Nordic", "Glass", "Bamboo", "Velvet"}},
    {"toys", 0.10, 0.05, 25, 0.60, 0, 1, 0, "Toys",
     {"Puzzle", "Building Blocks", "Plush Bear", "Board Game", "Toy Car", "Doll", "Kite", "Craft Kit", "Train Set",
      "Ball"},
     {"Wooden", "Giant", "Classic", "Educational", "Magnetic", "Musical", "Junior", "Deluxe"}},
    {"beauty", 0.13, 0.03, 18, 0.50, 0, 0, 0, "Cosmetics",
     {"Face Cream", "Shampoo", "Lipstick", "Perfume", "Body Lotion", "Nail Polish", "Serum", "Sunscreen", "Hair Oil",
      "Soap Bar"},
     {"Hydrating", "Natural", "Vegan", "Sensitive", "Matte", "Repair", "Fresh", "Intense"}},
};

static const char *const k_colour[8] = {"black", "white", "navy", "grey", "red", "olive", "beige", "blue"};
static const char *const k_model[8] = {"Aurora", "Nova", "Atlas", "Luna", "Orion", "Vega", "Terra", "Zephyr"};
static const char *const k_supplier_name[20] = {
    "Alder", "Birch", "Cedar", "Dune", "Elm", "Fjord", "Granite", "Harbor", "Iris", "Juniper",
    "Kestrel", "Linden", "Maple", "Nordic", "Oak", "Pine", "Quarry", "River", "Summit", "Tundra"};
/* Legal forms; ", Inc." puts a comma in some supplier names, so consumers must honour RFC 4180 quoting. */
static const char *const k_supplier_form[4] = {"", " GmbH", ", Inc.", " Ltd."};

/* Carriers: parcel services with their own punctuality. A parcel is late with probability `late`, times
 * `peak_factor` in the carrier peak (22 Nov – 23 Dec). Lateness is the only way a carrier acts on returns. */
typedef struct carrier_spec {
    const char *name;
    double late;                  /* probability a parcel is late outside the peak */
    double peak_factor;           /* multiplier of that probability in the peak */
} carrier_spec;
static const carrier_spec k_carrier[] = {
    {"Parcelwise", 0.04, 1.8}, {"EuroLink", 0.07, 2.0}, {"Swiftbox", 0.10, 2.2}, {"BudgetPost", 0.18, 2.5}};
enum { N_CARRIER = sizeof k_carrier / sizeof *k_carrier };

typedef struct country_spec {
    const char *code;
    double share, effect;         /* share of customers; return effect (logit) */
    int promise_days;             /* promised delivery, days after the order */
    int shipping_cents;           /* own-shop shipping fee of an order below FREE_SHIPPING_CENTS */
    double carrier_mix[N_CARRIER];   /* share of the country's parcels each carrier delivers */
} country_spec;
static const country_spec k_country[] = {
    {"DE", 0.40, 0.25, 3, 495, {0.60, 0.30, 0.10, 0.00}}, {"FR", 0.18, -0.05, 4, 695, {0.30, 0.30, 0.30, 0.10}},
    {"NL", 0.12, 0.10, 3, 595, {0.50, 0.30, 0.15, 0.05}}, {"AT", 0.09, 0.15, 4, 595, {0.40, 0.40, 0.10, 0.10}},
    {"BE", 0.07, 0.00, 4, 595, {0.35, 0.45, 0.10, 0.10}}, {"IT", 0.08, -0.25, 5, 795, {0.00, 0.20, 0.30, 0.50}},
    {"ES", 0.06, -0.20, 5, 795, {0.10, 0.20, 0.30, 0.40}},
};
enum { N_COUNTRY = sizeof k_country / sizeof *k_country };

typedef struct level_spec { const char *name; double share, effect; } level_spec;
static const level_spec k_channel[] = {{"web", 0.55, 0.0}, {"app", 0.30, -0.15}, {"marketplace", 0.15, 0.20}};
enum { CH_WEB, CH_APP, CH_MARKETPLACE };
static const level_spec k_payment[] = {
    {"card", 0.35, 0.0}, {"paypal", 0.35, 0.05}, {"invoice", 0.20, 0.40}, {"bank_transfer", 0.10, -0.20}};
enum { N_CHANNEL = 3, N_PAYMENT = 4 };

/* Lines per order (1..6) and units per line (1..3). */
static const double k_lines_w[6] = {0.45, 0.25, 0.14, 0.08, 0.05, 0.03};
static const double k_qty_w[3] = {0.88, 0.09, 0.03};
/* Line discounts in percent; sale periods shift weight towards deeper discounts. */
static const int k_disc_pct[5] = {0, 10, 20, 30, 50};
static const double k_disc_w[5] = {0.70, 0.14, 0.09, 0.05, 0.02};
static const double k_disc_w_sale[5] = {0.35, 0.25, 0.20, 0.12, 0.08};

/* Effects on the logit of a line's return probability. */
#define SD_PRODUCT 0.40          /* product random effect */
#define SD_SUPPLIER 0.30         /* supplier random effect, shared by its products */
#define SD_CUSTOMER 0.50         /* ordinary customers' propensity */
#define SERIAL_SHARE 0.03        /* share of serial returners ... */
#define SERIAL_SHIFT 2.0         /* ... and their extra propensity */
#define B_PRICE 0.40             /* per unit of log(unit price / category median) */
#define B_DISCOUNT 1.60          /* per unit of discount fraction (50 % off → +0.8) */
#define B_BRACKET 1.20           /* same sized product twice in one basket */
#define P_BRACKET 0.10           /* chance a line after a sized line repeats it */
#define B_QTY 0.15               /* per unit beyond the first */
#define B_LATE 0.25              /* per day late, counting at most 4 days */

/* Marketplace: orders of the marketplace channel are sold and shipped by third-party sellers. */
#define PRODUCTS_PER_SELLER 50   /* one marketplace seller per 50 products, at least MIN_SELLERS */
#define MIN_SELLERS 5
#define SD_SELLER 0.35           /* a marketplace seller's return effect on its lines (logit) */

/* Freight charged to the customer. Own-shop orders (web, app): the country's fee, free from 50 € net, split
 * over the lines in proportion to their net value. Marketplace lines: the seller's base fee plus a share. */
#define FREE_SHIPPING_CENTS 5000
#define MARKET_FREIGHT_BASE_CENTS 299
#define MARKET_FREIGHT_SHARE 0.08

#define DEFECT_SHARE 0.02        /* share of products that turn defective */
#define DEFECT_JUMP_MIN 0.15     /* extra return probability after onset ~ U(0.15, 0.35) */
#define DEFECT_JUMP_MAX 0.35

#define P_CANCEL 0.006           /* orders cancelled before dispatch */
#define P_PRICE_CHANGE 0.15      /* lines sold at a price other than the list price */
#define PRE_EXISTING 0.35        /* share of customers known before the first simulated day */
#define SD_ACTIVITY 1.2          /* customers' buying activity ~ lognormal(0, 1.2): heavy-tailed repeat buying */
#define SD_POPULARITY 1.0        /* products' popularity ~ lognormal(0, 1.0) */
#define GROWTH 0.5               /* order volume grows by 50 % from the first to the last day */
#define SD_DAY_NOISE 0.10

enum { K_RETURN, K_EXCHANGE, K_REPAIR, K_REFUND, K_COMPLAINT, K_CANCEL, N_KIND };
static const char *const k_kind[N_KIND] = {"return", "exchange", "repair", "refund", "complaint", "cancel"};
static const double k_kind_sized[N_KIND] = {0.72, 0.22, 0, 0.03, 0.03, 0};
static const double k_kind_other[N_KIND] = {0.82, 0.05, 0, 0.06, 0.07, 0};
static const double k_kind_defect_repairable[N_KIND] = {0.55, 0, 0.20, 0.15, 0.10, 0};
static const double k_kind_defect_other[N_KIND] = {0.70, 0, 0, 0.20, 0.10, 0};

typedef struct reason_spec { const char *text; double weight; int sizing, late; } reason_spec;
static const reason_spec k_reason_sized[] = {
    {"too small", 0.24, 1, 0}, {"too large", 0.20, 1, 0}, {"did not fit", 0.18, 1, 0},
    {"changed my mind", 0.12, 0, 0}, {"not as described", 0.08, 0, 0},
    {"wrong colour, not as pictured", 0.07, 0, 0}, {"damaged in transit", 0.04, 0, 0},
    {"arrived late", 0, 0, 1}};
static const reason_spec k_reason_other[] = {
    {"changed my mind", 0.33, 0, 0}, {"not as described", 0.24, 0, 0}, {"damaged in transit", 0.14, 0, 0},
    {"found a better price", 0.10, 0, 0}, {"ordered by mistake", 0.09, 0, 0}, {"arrived late", 0, 0, 1}};
static const reason_spec k_reason_defect[] = {
    {"broken", 0.35, 0, 0}, {"stopped working", 0.35, 0, 0}, {"defective", 0.30, 0, 0}};
static const reason_spec k_reason_cancel[] = {
    {"changed my mind", 0.50, 0, 0}, {"found a better price", 0.30, 0, 0}, {"ordered by mistake", 0.20, 0, 0}};
#define LATE_REASON_ON_TIME 0.01 /* weight of "arrived late" for a parcel that was on time ... */
#define LATE_REASON_PER_DAY 0.25 /* ... and per day late (other reasons' weights sum to about 1) */
#define N_OF(a) ((int)(sizeof(a) / sizeof *(a)))
#define P_LATE_COMPLAINT_BASE 0.04    /* a late order gets an order-level "arrived late" complaint with */
#define P_LATE_COMPLAINT_PER_DAY 0.02 /* probability 0.04 + 0.02 · days late */

/* Reviews: a share of orders is reviewed; unhappy customers (late parcel, complaint, defect, cancellation)
 * review more often. The score follows the order's worst experience (weights of scores 1 … 5). */
#define P_REVIEW 0.30
#define P_REVIEW_UNHAPPY 0.55
enum { EXP_FINE, EXP_RETURN, EXP_LATE, EXP_COMPLAINT, EXP_CANCEL, EXP_DEFECT, N_EXP };   /* ascending: worst last */
static const double k_review_score_w[N_EXP][5] = {
    {0.03, 0.03, 0.08, 0.24, 0.62},   /* fine: delivered on time, nothing came back */
    {0.06, 0.08, 0.22, 0.30, 0.34},   /* an ordinary return, exchange or refund */
    {0.12, 0.13, 0.22, 0.25, 0.28},   /* the parcel was late */
    {0.40, 0.25, 0.20, 0.10, 0.05},   /* a complaint (about a line or the late delivery) */
    {0.35, 0.15, 0.15, 0.15, 0.20},   /* the order was cancelled */
    {0.50, 0.25, 0.15, 0.07, 0.03},   /* a defective product */
};
static const double k_review_empty[5] = {0.15, 0.15, 0.30, 0.50, 0.50};   /* share without text, by score */
static const char *const k_review_good[] = {"Great product, exactly as described", "Fast delivery, very happy",
                                            "Good value for money", "Would buy again", "Lovely, thank you"};
static const char *const k_review_neutral[] = {"OK", "Average quality", "Does the job", "Fine, nothing special"};
static const char *const k_review_bad[N_EXP][3] = {
    {"Not what I expected", "Poor quality for the price", "Disappointed"},
    {"Did not fit, had to send it back", "Had to return it", "Not as pictured, sent it back"},
    {"Arrived late", "Delivery took far too long", "Parcel came days after the promised date"},
    {"Customer service never answered", "Still waiting for a solution", "Nobody helped me"},
    {"Order was cancelled", "Cancelled and still waiting for my money", "Could not get it delivered"},
    {"Stopped working after a few days", "Broke on first use", "Defective, very disappointed"},
};

/* Personal data in free text: a few case reasons and review texts end with the customer's phone number or
 * e-mail address, as real ones do, so the ingest's scrubbing has something to find. */
#define P_PII_REASON 0.005
#define P_PII_REVIEW 0.01

/* Orders per hour of the day (relative): quiet nights, a lunch bump, the evening peak. */
static const double k_hour_w[24] = {1.0, 0.6, 0.4, 0.3, 0.3, 0.5, 1.0, 2.0, 3.0, 4.0, 4.5, 5.0,
                                    5.5, 5.0, 4.5, 4.5, 4.5, 5.0, 6.0, 7.0, 7.5, 6.5, 4.5, 2.5};
/* Orders per weekday (Monday first): Sunday evening is the busiest time of online shopping. */
static const double k_weekday_w[7] = {1.05, 1.00, 0.98, 0.97, 0.92, 0.83, 1.25};

/* ---------------------------------------------------------------------------------------------------------
 * State
 * ------------------------------------------------------------------------------------------------------- */

typedef struct sim_product {
    double effect;                /* product + supplier random effect (logit) */
    double jump;                  /* extra return probability from onset on; 0 for sound products */
    int64_t onset;                /* first order instant the defect affects; 0 for sound products */
    int64_t list_cents;
    int supplier;
    int seller;                   /* marketplace seller offering it */
    unsigned char cat, noun, adj, colour;
    signed char model;            /* index into k_model, or -1 */
} sim_product;

typedef struct sim_customer {
    double effect;                /* personal return propensity (logit) */
    int64_t first_seen;
    unsigned char country, payment;
    unsigned char serial;         /* a serial returner */
} sim_customer;

enum {
    W_CUSTOMERS, W_PRODUCTS, W_ORDERS, W_LINES, W_CASES, W_REVIEWS, W_TRUTH_PRODUCTS, W_TRUTH_CUSTOMERS,
    W_TRUTH_CARRIERS, N_FILES
};
static const char *const k_file[N_FILES] = {
    "customers.csv", "products.csv", "orders.csv", "order_lines.csv", "cases.csv", "reviews.csv",
    "truth_products.csv", "truth_customers.csv", "truth_carriers.csv"};
/* New columns go at the end: readers select columns by name, and older files stay a prefix of newer ones. */
static const char *const k_header[N_FILES] = {
    "customer_id,country,first_seen,name,email,phone,street\n",
    "product_id,description,category,supplier,list_price\n",
    "order_id,customer_id,ordered_at,channel,country,payment,promised_at,delivered_at,carrier,status\n",
    "order_id,line_no,product_id,quantity,unit_price,discount,seller_id,freight\n",
    "case_id,order_id,product_id,kind,reason,opened_at,quantity,amount\n",
    "review_id,order_id,score,text,created_at\n",
    "product_id,category,defective,onset,base_rate,defect_rate\n",
    "customer_id,propensity,serial_returner\n",
    "carrier,late_rate,peak_late_rate\n"};

/* Grid of own effects (logit) on which truth rates are tabulated; steps of 1/16 keep the linear
 * interpolation error below 1e-4. */
#define GRID_LO (-5.0)
#define GRID_STEP 0.0625
#define GRID_N 177

/* The logit effects of one pilot line, split by source so truth rates can swap one source out. */
typedef struct sim_sample {
    double product, customer, rest;   /* rest = country, channel, payment, delivery, price, discount, basket */
    int cat;
} sim_sample;

typedef struct shop {
    as_sim_params p;
    as_sim_writer *w[N_FILES];
    sim_product *prod;
    double *prod_cum;             /* cumulative popularity, for drawing products */
    double *supplier_effect;
    int *supplier_cat;
    int n_suppliers;
    char *supplier_names;         /* n_suppliers names of SUPPLIER_NAME_MAX bytes: seller_id of own-shop lines */
    double *seller_effect;        /* marketplace sellers' return effects */
    int n_sellers;
    sim_customer *cust;
    double *cust_cum;             /* cumulative activity in customer order (= order of first appearance) */
    int n_pre;                    /* customers known before the start */
    int seen;                     /* customers that have appeared so far (a prefix of cust) */
    double *day_w;                /* order volume weight per day */
    double cat_logit[N_CAT];      /* calibrated category intercepts */
    as_sim_stats stats;
    int64_t case_no, review_no;
    /* The calibration pilot (see calibrate): while `pilot` is set orders are generated but not written, and
     * their lines' effects are collected into `sample` instead. */
    int pilot;
    sim_sample *sample;
    int n_sample, cap_sample;
    int cat_start[N_CAT + 1];     /* after the pilot, samples are grouped by category: [cat_start[c], cat_start[c+1]) */
    double truth_grid[N_CAT + 1][GRID_N];   /* truth_direct tabulated; row N_CAT for customers */
} shop;


static double logistic(double x) { return 1.0 / (1.0 + exp(-x)); }
static double logit(double p) { return log(p / (1.0 - p)); }

/* Index of the first element of cum[0..n) greater than x (cum strictly increasing, x < cum[n-1]). */
static int search_cum(const double *cum, int n, double x) {
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (cum[mid] > x) hi = mid; else lo = mid + 1;
    }
    return lo;
}

static void civil(int64_t t, int *y, int *m, int *d) {
    int64_t z = t >= 0 ? t / AS_DAY : -((-t + AS_DAY - 1) / AS_DAY);
    as__civil_from_days(z, y, m, d);
}

/* Sale periods: Black Friday week, the January and July sales. More and deeper discounts. */
static int is_sale(int m, int d) { return (m == 11 && d >= 22) || m == 1 || m == 7; }
/* Carrier peak: late November to Christmas, when late deliveries double. */
static int is_peak(int m, int d) { return (m == 11 && d >= 22) || (m == 12 && d <= 23); }

/* ---------------------------------------------------------------------------------------------------------
 * Catalogue, customers, calendar
 * ------------------------------------------------------------------------------------------------------- */

#define SUPPLIER_NAME_MAX 64
static void supplier_name(const shop *s, int g, char *buf, size_t size);

static as_status make_catalogue(shop *s, as_error *err) {
    as_sim_rng r;
    as__sim_rng_seed(&r, s->p.seed, AS_SIM_STREAM_CATALOGUE);
    int n = s->p.n_products;
    s->prod = as__calloc((size_t)n, sizeof *s->prod);
    s->prod_cum = as__calloc((size_t)n, sizeof *s->prod_cum);
    /* at most one supplier per product plus one per category */
    s->supplier_effect = as__calloc((size_t)n + N_CAT, sizeof *s->supplier_effect);
    s->supplier_cat = as__calloc((size_t)n + N_CAT, sizeof *s->supplier_cat);
    int *pick = as__calloc((size_t)n, sizeof *pick);
    if (!s->prod || !s->prod_cum || !s->supplier_effect || !s->supplier_cat || !pick) {
        as__free(pick);
        return as__err(err, AS_ERR_NOMEM, "out of memory for a catalogue of %d products", n);
    }

    double share[N_CAT];
    for (int c = 0; c < N_CAT; c++) share[c] = k_cat[c].share;
    int count[N_CAT] = {0}, first_sup[N_CAT], n_sup[N_CAT];
    for (int i = 0; i < n; i++) {
        s->prod[i].cat = (unsigned char)as__sim_pick(&r, share, N_CAT);
        count[s->prod[i].cat]++;
    }
    /* About 25 products per supplier; suppliers serve one category each. */
    for (int c = 0; c < N_CAT; c++) {
        first_sup[c] = s->n_suppliers;
        n_sup[c] = count[c] ? (count[c] + 24) / 25 : 0;
        for (int j = 0; j < n_sup[c]; j++) {
            s->supplier_cat[s->n_suppliers] = c;
            s->supplier_effect[s->n_suppliers++] = SD_SUPPLIER * as__sim_normal(&r);
        }
    }
    double cum = 0;
    for (int i = 0; i < n; i++) {
        sim_product *pr = &s->prod[i];
        const category_spec *cs = &k_cat[pr->cat];
        pr->supplier = first_sup[pr->cat] + (int)as__sim_range(&r, 0, n_sup[pr->cat] - 1);
        pr->effect = SD_PRODUCT * as__sim_normal(&r) + s->supplier_effect[pr->supplier];
        double euros = cs->price_median * exp(cs->price_sigma * as__sim_normal(&r));
        /* Shop prices end in .99; never below 1.99. */
        int64_t whole = (int64_t)llround(euros);
        pr->list_cents = whole < 2 ? 199 : whole * 100 - 1;
        pr->noun = (unsigned char)as__sim_range(&r, 0, 9);
        pr->adj = (unsigned char)as__sim_range(&r, 0, 7);
        pr->colour = (unsigned char)as__sim_range(&r, 0, 7);
        /* A few products carry a quoted model name, so descriptions exercise RFC 4180 quote doubling. */
        pr->model = (signed char)(as__sim_u01(&r) < 0.06 ? as__sim_range(&r, 0, 7) : -1);
        cum += exp(SD_POPULARITY * as__sim_normal(&r));
        s->prod_cum[i] = cum;
    }
    /* Defective products: a fixed share chosen uniformly (partial Fisher–Yates), each with an onset inside the
     * middle 60 % of the period so there is data both before and after it. */
    int n_def = (int)llround(DEFECT_SHARE * n);
    for (int i = 0; i < n; i++) pick[i] = i;
    for (int i = 0; i < n_def; i++) {
        int j = (int)as__sim_range(&r, i, n - 1);
        int t = pick[i];
        pick[i] = pick[j];
        pick[j] = t;
        sim_product *pr = &s->prod[pick[i]];
        int64_t span = (int64_t)s->p.days * AS_DAY;
        pr->onset = s->p.start + span / 5 + (int64_t)(as__sim_u01(&r) * 0.6 * (double)span);
        pr->jump = DEFECT_JUMP_MIN + (DEFECT_JUMP_MAX - DEFECT_JUMP_MIN) * as__sim_u01(&r);
    }
    as__free(pick);
    s->stats.products = n;
    s->stats.defective_products = n_def;

    /* Own-shop lines name their supplier as seller: the names, made once, not per line. */
    s->supplier_names = as__malloc((size_t)s->n_suppliers * SUPPLIER_NAME_MAX);
    if (!s->supplier_names) return as__err(err, AS_ERR_NOMEM, "out of memory for %d supplier names", s->n_suppliers);
    for (int g = 0; g < s->n_suppliers; g++)
        supplier_name(s, g, s->supplier_names + (size_t)g * SUPPLIER_NAME_MAX, SUPPLIER_NAME_MAX);

    /* Marketplace sellers, from their own stream so the catalogue above is the same as without them: each
     * product is offered on the marketplace by one seller, whose service moves its lines' returns. */
    as__sim_rng_seed(&r, s->p.seed, AS_SIM_STREAM_MARKETPLACE);
    s->n_sellers = (n + PRODUCTS_PER_SELLER - 1) / PRODUCTS_PER_SELLER;
    if (s->n_sellers < MIN_SELLERS) s->n_sellers = MIN_SELLERS;
    s->seller_effect = as__calloc((size_t)s->n_sellers, sizeof *s->seller_effect);
    if (!s->seller_effect) return as__err(err, AS_ERR_NOMEM, "out of memory for %d marketplace sellers", s->n_sellers);
    for (int j = 0; j < s->n_sellers; j++) s->seller_effect[j] = SD_SELLER * as__sim_normal(&r);
    for (int i = 0; i < n; i++) s->prod[i].seller = (int)as__sim_range(&r, 0, s->n_sellers - 1);
    return AS_OK;
}

static void product_description(const sim_product *pr, char *buf, size_t size) {
    const category_spec *cs = &k_cat[pr->cat];
    int n = snprintf(buf, size, "%s %s", cs->adjective[pr->adj], cs->noun[pr->noun]);
    if (pr->model >= 0 && n > 0 && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n, " \"%s\"", k_model[(int)pr->model]);
    if (cs->coloured && n > 0 && (size_t)n < size) snprintf(buf + n, size - (size_t)n, ", %s", k_colour[pr->colour]);
}

static void supplier_name(const shop *s, int g, char *buf, size_t size) {
    /* Unique per supplier: 20 names, numbered from the 21st supplier on, plus the category's trade. */
    char num[16] = "";
    if (g >= 20) snprintf(num, sizeof num, " %d", g / 20 + 1);
    snprintf(buf, size, "%s %s%s%s", k_supplier_name[g % 20], k_cat[s->supplier_cat[g]].supplier_word, num,
             k_supplier_form[g % 4]);
}

/* Ground truth rates: the expected return probability (defects aside) of a line of this product — or of this
 * customer when cat < 0 — averaged over the pilot's lines, a sample of the shop's mix of customers, prices,
 * discounts, baskets and deliveries (of products, for a customer). That average is a smooth increasing
 * function of the product's (customer's) own effect, so calibrate tabulates it once per category on a grid
 * and this interpolates; effects off the grid are averaged directly. */
static double truth_direct(const shop *s, int cat, double effect) {
    double sum = 0;
    int from = cat >= 0 ? s->cat_start[cat] : 0, to = cat >= 0 ? s->cat_start[cat + 1] : s->n_sample;
    int n = to - from;
    for (int i = from; i < to; i++) {
        const sim_sample *x = &s->sample[i];
        sum += logistic(s->cat_logit[x->cat] + x->rest + (cat >= 0 ? effect + x->customer : x->product + effect));
    }
    /* no pilot line of this category (a tiny catalogue): fall back to an average customer / product */
    return n ? sum / n : logistic((cat >= 0 ? s->cat_logit[cat] : logit(0.10)) + effect);
}

static double truth_rate(const shop *s, int cat, double effect) {
    double g = (effect - GRID_LO) / GRID_STEP;
    if (!(g >= 0 && g < GRID_N - 1)) return truth_direct(s, cat, effect);
    int i = (int)g;
    const double *row = s->truth_grid[cat >= 0 ? cat : N_CAT];
    return row[i] + (g - i) * (row[i + 1] - row[i]);
}

static void write_products(shop *s) {
    as_sim_writer *w = s->w[W_PRODUCTS], *wt = s->w[W_TRUTH_PRODUCTS];
    char desc[128], sup[96];
    for (int i = 0; i < s->p.n_products; i++) {
        const sim_product *pr = &s->prod[i];
        product_description(pr, desc, sizeof desc);
        supplier_name(s, pr->supplier, sup, sizeof sup);
        as__sim_w_id(w, 'P', i + 1, 6);
        as__sim_w_ch(w, ',');
        as__sim_w_text(w, desc);
        as__sim_w_ch(w, ',');
        as__sim_w_str(w, k_cat[pr->cat].name);
        as__sim_w_ch(w, ',');
        as__sim_w_text(w, sup);
        as__sim_w_ch(w, ',');
        as__sim_w_cents(w, pr->list_cents);
        as__sim_w_ch(w, '\n');

        double base = truth_rate(s, pr->cat, pr->effect);
        as__sim_w_id(wt, 'P', i + 1, 6);
        as__sim_w_ch(wt, ',');
        as__sim_w_str(wt, k_cat[pr->cat].name);
        as__sim_w_str(wt, pr->onset ? ",1," : ",0,");
        if (pr->onset) as__sim_w_time(wt, pr->onset);
        as__sim_w_ch(wt, ',');
        as__sim_w_rate(wt, base);
        as__sim_w_ch(wt, ',');
        as__sim_w_rate(wt, pr->onset ? 1.0 - (1.0 - base) * (1.0 - pr->jump) : base);
        as__sim_w_ch(wt, '\n');
    }
}

static as_status make_customers(shop *s, as_error *err) {
    as_sim_rng r;
    as__sim_rng_seed(&r, s->p.seed, AS_SIM_STREAM_CUSTOMERS);
    int n = s->p.n_customers;
    s->cust = as__calloc((size_t)n, sizeof *s->cust);
    s->cust_cum = as__calloc((size_t)n, sizeof *s->cust_cum);
    if (!s->cust || !s->cust_cum)
        return as__err(err, AS_ERR_NOMEM, "out of memory for %d customers", n);
    double cshare[N_COUNTRY], pshare[N_PAYMENT];
    for (int i = 0; i < N_COUNTRY; i++) cshare[i] = k_country[i].share;
    for (int i = 0; i < N_PAYMENT; i++) pshare[i] = k_payment[i].share;
    double cum = 0;
    for (int i = 0; i < n; i++) {
        sim_customer *c = &s->cust[i];
        c->country = (unsigned char)as__sim_pick(&r, cshare, N_COUNTRY);
        c->payment = (unsigned char)as__sim_pick(&r, pshare, N_PAYMENT);
        c->effect = SD_CUSTOMER * as__sim_normal(&r);
        c->serial = as__sim_u01(&r) < SERIAL_SHARE;
        if (c->serial) c->effect += SERIAL_SHIFT;
        cum += exp(SD_ACTIVITY * as__sim_normal(&r));
        s->cust_cum[i] = cum;
    }
    /* Customers known before the start registered over the two preceding years, in id order. */
    s->n_pre = (int)llround(PRE_EXISTING * n);
    if (s->n_pre < 1) s->n_pre = 1;
    double x = 0;
    for (int i = 0; i < s->n_pre; i++) {
        /* next order statistic of the remaining uniforms: ascending without sorting */
        x += (1.0 - x) * (1.0 - pow(as__sim_u01_open(&r), 1.0 / (double)(s->n_pre - i)));
        s->cust[i].first_seen = s->p.start - 730 * AS_DAY + (int64_t)(x * 730.0 * (double)AS_DAY);
        if (s->cust[i].first_seen >= s->p.start) s->cust[i].first_seen = s->p.start - 1;
    }
    s->seen = s->n_pre;
    return AS_OK;
}

static as_status make_calendar(shop *s, as_error *err) {
    as_sim_rng r;
    as__sim_rng_seed(&r, s->p.seed, AS_SIM_STREAM_CALENDAR);
    s->day_w = as__calloc((size_t)s->p.days, sizeof *s->day_w);
    if (!s->day_w) return as__err(err, AS_ERR_NOMEM, "out of memory for a calendar of %d days", s->p.days);
    for (int d = 0; d < s->p.days; d++) {
        int64_t t = s->p.start + (int64_t)d * AS_DAY;
        int64_t z = t >= 0 ? t / AS_DAY : -((-t + AS_DAY - 1) / AS_DAY);
        int dow = (int)(((z % 7) + 7 + 3) % 7);          /* 1970-01-01 was a Thursday; Monday = 0 */
        int y, m, dd;
        as__civil_from_days(z, &y, &m, &dd);
        double season = 1.0;
        if (m == 11 && dd >= 22) season = 1.6;            /* Black Friday week */
        else if (m == 12 && dd <= 20) season = 1.3;       /* Christmas shopping */
        else if (m == 12 && dd >= 24 && dd <= 26) season = 0.5;
        else if (m == 7 || m == 8) season = 0.9;          /* summer holidays */
        double growth = 1.0 + GROWTH * (double)d / (double)s->p.days;
        s->day_w[d] = growth * k_weekday_w[dow] * season * exp(SD_DAY_NOISE * as__sim_normal(&r));
    }
    return AS_OK;
}

/* ---------------------------------------------------------------------------------------------------------
 * Orders, lines, cases
 * ------------------------------------------------------------------------------------------------------- */

typedef struct sim_line {
    int product;
    int qty;
    int disc_pct;
    int bracket;
    int64_t unit_cents;
    int64_t freight_cents;
} sim_line;

typedef struct sim_order {
    int64_t no, t, promised, delivered;   /* delivered is meaningless when cancelled */
    int customer, country, channel, payment, carrier, late_days, cancelled;
    int experience;               /* the worst EXP_* the customer has had with this order so far */
    int64_t last_case;            /* when its latest case was opened (0: none); its review comes after */
} sim_order;

static void experienced(sim_order *o, int what, int64_t at) {
    if (what > o->experience) o->experience = what;
    if (at > o->last_case) o->last_case = at;
}

/* text + the customer's phone number or e-mail address, as customers write them into free-text fields. */
static void with_contact(const shop *s, as_sim_rng *r, const sim_order *o, const char *text, char *buf,
                         size_t size) {
    as_sim_person person;
    as__sim_person(s->p.seed, o->customer, k_country[s->cust[o->customer].country].code, &person);
    const char *sep = *text ? ". " : "";
    if (as__sim_u01(r) < 0.5) snprintf(buf, size, "%s%sPlease call me on %s", text, sep, person.phone);
    else snprintf(buf, size, "%s%sContact me at %s", text, sep, person.email);
}

static int pick_reason(as_sim_rng *r, const reason_spec *rs, int n, int late_days, int bracket) {
    double w[16];
    for (int i = 0; i < n; i++) {
        w[i] = rs[i].weight;
        /* "arrived late" is rare for parcels that came on time and blamed more the later a parcel was. */
        if (rs[i].late) w[i] = late_days ? LATE_REASON_PER_DAY * late_days : LATE_REASON_ON_TIME;
        if (rs[i].sizing && bracket) w[i] *= 4.0;                          /* bracketing is about size */
    }
    return as__sim_pick(r, w, n);
}

/* Net value of `qty` units after the line discount, in cents. */
static int64_t net_cents(const sim_line *l, int64_t qty) {
    return qty * ((l->unit_cents * (100 - l->disc_pct) + 50) / 100);
}

static void write_case(shop *s, as_sim_rng *r, const sim_order *o, int product, int kind, const char *reason,
                       int64_t opened, int64_t qty, int64_t amount_cents) {
    as_sim_writer *w = s->w[W_CASES];
    char with_pii[256];
    if (as__sim_u01(r) < P_PII_REASON) {
        with_contact(s, r, o, reason, with_pii, sizeof with_pii);
        reason = with_pii;
    }
    as__sim_w_id(w, 'S', ++s->case_no, 9);
    as__sim_w_ch(w, ',');
    as__sim_w_id(w, 'O', o->no, 9);
    as__sim_w_ch(w, ',');
    if (product >= 0) as__sim_w_id(w, 'P', product + 1, 6);
    as__sim_w_ch(w, ',');
    as__sim_w_str(w, k_kind[kind]);
    as__sim_w_ch(w, ',');
    as__sim_w_text(w, reason);
    as__sim_w_ch(w, ',');
    as__sim_w_time(w, opened);
    as__sim_w_ch(w, ',');
    if (qty >= 0) as__sim_w_i64(w, qty);
    as__sim_w_ch(w, ',');
    if (amount_cents >= 0) as__sim_w_cents(w, amount_cents);
    as__sim_w_ch(w, '\n');
    s->stats.cases++;
}

/* The case of a line that came back: what kind, why, when, how many units and how much money. */
static void line_case(shop *s, as_sim_rng *r, sim_order *o, const sim_line *l, int defect) {
    const category_spec *cs = &k_cat[s->prod[l->product].cat];
    const double *kw = defect ? (cs->repairable ? k_kind_defect_repairable : k_kind_defect_other)
                              : (cs->sized ? k_kind_sized : k_kind_other);
    int kind = as__sim_pick(r, kw, N_KIND);
    const char *reason;
    double delay_days;
    if (defect) {
        reason = k_reason_defect[pick_reason(r, k_reason_defect, N_OF(k_reason_defect), 0, 0)].text;
        delay_days = 2.0 + 43.0 * as__sim_u01(r);           /* faults show up any time in use */
    } else if (cs->sized) {
        reason = k_reason_sized[pick_reason(r, k_reason_sized, N_OF(k_reason_sized), o->late_days, l->bracket)].text;
        double u = as__sim_u01(r);
        delay_days = 2.0 + 43.0 * u * u;                     /* most returns come back in the first weeks */
    } else {
        reason = k_reason_other[pick_reason(r, k_reason_other, N_OF(k_reason_other), o->late_days, 0)].text;
        double u = as__sim_u01(r);
        delay_days = 2.0 + 43.0 * u * u;
    }
    int64_t qty = l->qty;
    if (qty > 1 && as__sim_u01(r) >= 0.7) qty = as__sim_range(r, 1, qty - 1);   /* partial returns */
    int64_t amount;
    switch (kind) {
    case K_RETURN: case K_REFUND: amount = net_cents(l, qty); break;
    case K_COMPLAINT: amount = net_cents(l, qty) * as__sim_range(r, 1, 2) / 10; break;   /* goodwill 10–20 % */
    default: amount = 0; break;                                                     /* exchange, repair */
    }
    int64_t opened = o->delivered + (int64_t)(delay_days * (double)AS_DAY);
    write_case(s, r, o, l->product, kind, reason, opened, qty, amount);
    experienced(o, defect ? EXP_DEFECT : kind == K_COMPLAINT ? EXP_COMPLAINT : EXP_RETURN, opened);
}

/* A review of the order, or none: written after the delivery (the cancellation) and after every case of the
 * order, with a score that follows the worst the customer went through. */
static void review_order(shop *s, as_sim_rng *r, const sim_order *o) {
    int what = o->experience;
    if (as__sim_u01(r) >= (what >= EXP_LATE ? P_REVIEW_UNHAPPY : P_REVIEW)) return;
    int score = 1 + as__sim_pick(r, k_review_score_w[what], 5);
    int64_t created = (o->cancelled ? o->t : o->delivered) + as__sim_range(r, AS_DAY, 14 * AS_DAY);
    if (created <= o->last_case) created = o->last_case + as__sim_range(r, 3600, 3 * AS_DAY);
    const char *text = "";
    if (as__sim_u01(r) >= k_review_empty[score - 1]) {
        if (score >= 4) text = k_review_good[as__sim_range(r, 0, N_OF(k_review_good) - 1)];
        else if (score == 3) text = k_review_neutral[as__sim_range(r, 0, N_OF(k_review_neutral) - 1)];
        else text = k_review_bad[what][as__sim_range(r, 0, 2)];
    }
    char with_pii[256];
    if (as__sim_u01(r) < P_PII_REVIEW) {
        with_contact(s, r, o, text, with_pii, sizeof with_pii);
        text = with_pii;
    }
    as_sim_writer *w = s->w[W_REVIEWS];
    as__sim_w_id(w, 'R', ++s->review_no, 9);
    as__sim_w_ch(w, ',');
    as__sim_w_id(w, 'O', o->no, 9);
    as__sim_w_ch(w, ',');
    as__sim_w_i64(w, score);
    as__sim_w_ch(w, ',');
    as__sim_w_text(w, text);
    as__sim_w_ch(w, ',');
    as__sim_w_time(w, created);
    as__sim_w_ch(w, '\n');
    s->stats.reviews++;
}

static void write_order(shop *s, const sim_order *o) {
    as_sim_writer *w = s->w[W_ORDERS];
    as__sim_w_id(w, 'O', o->no, 9);
    as__sim_w_ch(w, ',');
    as__sim_w_id(w, 'U', o->customer + 1, 7);
    as__sim_w_ch(w, ',');
    as__sim_w_time(w, o->t);
    as__sim_w_ch(w, ',');
    as__sim_w_str(w, k_channel[o->channel].name);
    as__sim_w_ch(w, ',');
    as__sim_w_str(w, k_country[o->country].code);
    as__sim_w_ch(w, ',');
    as__sim_w_str(w, k_payment[o->payment].name);
    as__sim_w_ch(w, ',');
    as__sim_w_time(w, o->promised);
    as__sim_w_ch(w, ',');
    if (!o->cancelled) as__sim_w_time(w, o->delivered);
    as__sim_w_ch(w, ',');
    as__sim_w_str(w, k_carrier[o->carrier].name);
    as__sim_w_str(w, o->cancelled ? ",canceled\n" : ",delivered\n");
    s->stats.orders++;
}

static void write_line(shop *s, const sim_order *o, int line_no, const sim_line *l) {
    as_sim_writer *w = s->w[W_LINES];
    as__sim_w_id(w, 'O', o->no, 9);
    as__sim_w_ch(w, ',');
    as__sim_w_i64(w, line_no);
    as__sim_w_ch(w, ',');
    as__sim_w_id(w, 'P', l->product + 1, 6);
    as__sim_w_ch(w, ',');
    as__sim_w_i64(w, l->qty);
    as__sim_w_ch(w, ',');
    as__sim_w_cents(w, l->unit_cents);
    as__sim_w_ch(w, ',');
    as__sim_w_cents(w, l->disc_pct);       /* percent / 100 = fraction with two decimals */
    as__sim_w_ch(w, ',');
    /* The seller: the marketplace seller on marketplace orders, otherwise the shop's own supplier. */
    if (o->channel == CH_MARKETPLACE) as__sim_w_id(w, 'M', s->prod[l->product].seller + 1, 5);
    else as__sim_w_text(w, s->supplier_names + (size_t)s->prod[l->product].supplier * SUPPLIER_NAME_MAX);
    as__sim_w_ch(w, ',');
    as__sim_w_cents(w, l->freight_cents);
    as__sim_w_ch(w, '\n');
    s->stats.order_lines++;
}

static int draw_customer(shop *s, as_sim_rng *r, int64_t orders_left, int64_t t) {
    /* A new customer appears with probability (customers still to appear) / (orders still to come), which
     * spreads first appearances over the period in proportion to order volume; everyone else is a returning
     * customer drawn by activity, which gives the heavy-tailed repeat buying of real shops. */
    int remaining_new = s->p.n_customers - s->seen;
    /* The calibration pilot is short, so pacing would make a quarter of its orders first orders; it draws
     * from the steady state instead (everyone by activity), which is the mix of most of a real run. */
    if (s->pilot)
        return search_cum(s->cust_cum, s->p.n_customers, as__sim_u01(r) * s->cust_cum[s->p.n_customers - 1]);
    if (remaining_new > 0 && as__sim_u01(r) * (double)orders_left < (double)remaining_new) {
        s->cust[s->seen].first_seen = t;
        return s->seen++;
    }
    return search_cum(s->cust_cum, s->seen, as__sim_u01(r) * s->cust_cum[s->seen - 1]);
}

static void make_order(shop *s, as_sim_rng *r, sim_order *o, int64_t orders_left) {
    double chw[N_CHANNEL], pyw[N_PAYMENT], cw[N_COUNTRY];
    for (int i = 0; i < N_CHANNEL; i++) chw[i] = k_channel[i].share;
    for (int i = 0; i < N_PAYMENT; i++) pyw[i] = k_payment[i].share;
    for (int i = 0; i < N_COUNTRY; i++) cw[i] = k_country[i].share;

    o->customer = draw_customer(s, r, orders_left, o->t);
    const sim_customer *c = &s->cust[o->customer];
    o->country = as__sim_u01(r) < 0.97 ? c->country : as__sim_pick(r, cw, N_COUNTRY);   /* 3 % gifts abroad */
    o->channel = as__sim_pick(r, chw, N_CHANNEL);
    o->payment = as__sim_u01(r) < 0.80 ? c->payment : as__sim_pick(r, pyw, N_PAYMENT);
    int y, m, d;
    civil(o->t, &y, &m, &d);
    const country_spec *cs = &k_country[o->country];
    int64_t day0 = o->t - (o->t % AS_DAY + AS_DAY) % AS_DAY;
    /* Promised by 20:00 of the promised day; on-time parcels arrive 08:00–20:00 on one of the days up to it. */
    o->promised = day0 + cs->promise_days * AS_DAY + 20 * 3600;
    o->carrier = as__sim_pick(r, cs->carrier_mix, N_CARRIER);
    const carrier_spec *carrier = &k_carrier[o->carrier];
    double p_late = carrier->late * (is_peak(m, d) ? carrier->peak_factor : 1.0);
    o->late_days = 0;
    if (as__sim_u01(r) < p_late) {
        o->late_days = 1;
        while (o->late_days < 10 && as__sim_u01(r) < 0.5) o->late_days++;
    }
    int64_t transit = o->late_days ? cs->promise_days + o->late_days : as__sim_range(r, 1, cs->promise_days);
    o->delivered = day0 + transit * AS_DAY + as__sim_range(r, 8 * 3600, 20 * 3600 - 1);
    o->cancelled = as__sim_u01(r) < P_CANCEL;
    o->experience = o->cancelled ? EXP_CANCEL : o->late_days ? EXP_LATE : EXP_FINE;
}

/* Freight of each line. Own shop: the country's fee below the free-shipping threshold, split over the lines in
 * proportion to their net value (the remainder cent on the last line). Marketplace: each seller charges its
 * base fee plus a share of the line's net value. */
static void charge_freight(const sim_order *o, sim_line *lines, int n) {
    if (o->channel == CH_MARKETPLACE) {
        for (int j = 0; j < n; j++)
            lines[j].freight_cents =
                MARKET_FREIGHT_BASE_CENTS + llround(MARKET_FREIGHT_SHARE * (double)net_cents(&lines[j], lines[j].qty));
        return;
    }
    int64_t total = 0;
    for (int j = 0; j < n; j++) total += net_cents(&lines[j], lines[j].qty);
    int64_t fee = total < FREE_SHIPPING_CENTS ? k_country[o->country].shipping_cents : 0, given = 0;
    for (int j = 0; j < n; j++) {
        lines[j].freight_cents = j == n - 1 ? fee - given
                                 : total > 0 ? fee * net_cents(&lines[j], lines[j].qty) / total : 0;
        given += lines[j].freight_cents;
    }
}

static void simulate_order(shop *s, as_sim_rng *r, int64_t no, int64_t t, int64_t orders_left) {
    sim_order o;
    memset(&o, 0, sizeof o);
    o.no = no;
    o.t = t;
    make_order(s, r, &o, orders_left);
    if (!s->pilot) write_order(s, &o);

    int y, m, d;
    civil(t, &y, &m, &d);
    const double *dw = is_sale(m, d) ? k_disc_w_sale : k_disc_w;
    sim_line lines[6];
    int n = 1 + as__sim_pick(r, k_lines_w, 6);
    for (int j = 0; j < n; j++) {
        sim_line *l = &lines[j];
        const sim_line *prev = j ? &lines[j - 1] : NULL;
        /* Bracketing: ordering the same sized item twice (two sizes) to send one back. */
        if (prev && !prev->bracket && k_cat[s->prod[prev->product].cat].sized && as__sim_u01(r) < P_BRACKET) {
            *l = *prev;
            l->bracket = lines[j - 1].bracket = 1;
            continue;
        }
        l->product = search_cum(s->prod_cum, s->p.n_products,
                                as__sim_u01(r) * s->prod_cum[s->p.n_products - 1]);
        l->qty = 1 + as__sim_pick(r, k_qty_w, 3);
        l->disc_pct = k_disc_pct[as__sim_pick(r, dw, 5)];
        l->bracket = 0;
        l->unit_cents = s->prod[l->product].list_cents;
        if (as__sim_u01(r) < P_PRICE_CHANGE)            /* temporary price changes of ±15 % */
            l->unit_cents = (int64_t)llround((double)l->unit_cents * (0.85 + 0.30 * as__sim_u01(r)));
    }
    charge_freight(&o, lines, n);

    const sim_customer *c = &s->cust[o.customer];
    double order_effect = k_country[o.country].effect + k_channel[o.channel].effect +
                          k_payment[o.payment].effect + B_LATE * (o.late_days < 4 ? o.late_days : 4);
    for (int j = 0; j < n; j++) {
        const sim_line *l = &lines[j];
        const sim_product *pr = &s->prod[l->product];
        double rest = order_effect + B_PRICE * log((double)l->unit_cents / (100.0 * k_cat[pr->cat].price_median)) +
                      B_DISCOUNT * l->disc_pct / 100.0 + B_BRACKET * l->bracket + B_QTY * (l->qty - 1) +
                      (o.channel == CH_MARKETPLACE ? s->seller_effect[pr->seller] : 0.0);
        if (s->pilot) {
            if (!o.cancelled && s->n_sample < s->cap_sample)
                s->sample[s->n_sample++] = (sim_sample){pr->effect, c->effect, rest, pr->cat};
            continue;
        }
        write_line(s, &o, j + 1, l);
        if (o.cancelled) {
            const char *why = k_reason_cancel[pick_reason(r, k_reason_cancel, N_OF(k_reason_cancel), 0, 0)].text;
            int64_t opened = t + as__sim_range(r, 300, 12 * 3600);
            write_case(s, r, &o, l->product, K_CANCEL, why, opened, l->qty, net_cents(l, l->qty));
            experienced(&o, EXP_CANCEL, opened);
            continue;
        }
        double eta = s->cat_logit[pr->cat] + pr->effect + c->effect + rest;
        /* Two competing causes: a fault (defective product sold from its onset on) and everything else. The
         * fault is decided first so its reasons ("broken", …) are never mixed with ordinary ones. */
        int defect = pr->onset && t >= pr->onset && as__sim_u01(r) < pr->jump;
        if (defect || as__sim_u01(r) < logistic(eta)) line_case(s, r, &o, l, defect);
    }
    /* Late parcels also bring order-level complaints that name no product. */
    if (s->pilot) return;
    if (!o.cancelled && o.late_days &&
        as__sim_u01(r) < P_LATE_COMPLAINT_BASE + P_LATE_COMPLAINT_PER_DAY * o.late_days) {
        int64_t opened = o.delivered + as__sim_range(r, 3600, 3 * AS_DAY);
        write_case(s, r, &o, -1, K_COMPLAINT, "arrived late", opened, -1, -1);
        experienced(&o, EXP_COMPLAINT, opened);
    }
    review_order(s, r, &o);
}

static double mean_lines(void) {
    double sw = 0, sk = 0;
    for (int k = 0; k < 6; k++) { sw += k_lines_w[k]; sk += (k + 1) * k_lines_w[k]; }
    return sk / sw;
}

static void simulate_orders(shop *s, uint64_t stream, int64_t n_orders) {
    as_sim_rng r;
    as__sim_rng_seed(&r, s->p.seed, stream);
    double total = 0, hour_total = 0;
    for (int d = 0; d < s->p.days; d++) total += s->day_w[d];
    for (int h = 0; h < 24; h++) hour_total += k_hour_w[h];

    /* Orders per day by cumulative rounding: exact total, each day within one order of its expected share. */
    double cum = 0;
    int64_t done = 0, no = 0;
    for (int d = 0; d < s->p.days; d++) {
        cum += s->day_w[d];
        int64_t upto = d == s->p.days - 1 ? n_orders : (int64_t)llround((double)n_orders * (cum / total));
        int64_t k = upto - done;
        done = upto;
        int64_t day0 = s->p.start + (int64_t)d * AS_DAY;
        double x = 0;
        for (int64_t i = 0; i < k; i++) {
            /* Ascending order statistics of k uniforms generated one at a time (no sort, O(1) memory), then
             * mapped through the hour-of-day distribution, which is monotone and so keeps them in order. */
            x += (1.0 - x) * (1.0 - pow(as__sim_u01_open(&r), 1.0 / (double)(k - i)));
            double v = x * hour_total;
            int h = 0;
            while (h < 23 && v >= k_hour_w[h]) { v -= k_hour_w[h]; h++; }
            int64_t sec = h * 3600 + (int64_t)(v / k_hour_w[h] * 3600.0);
            if (sec > 86399) sec = 86399;
            no++;
            simulate_order(s, &r, no, day0 + sec, n_orders - no + 1);
        }
    }
}

/* Calibration. The category's base rate is meant as its average return rate in the shop (defects aside),
 * but the other effects are not centred (discounts, serial returners and the spread of the random effects
 * all raise the average probability). So a pilot run of PILOT_ORDERS orders through the same generator
 * (its own random stream, nothing written, customers drawn in steady state — see draw_customer) collects
 * every line's effects, and each category's intercept is solved by bisection so that the mean predicted
 * probability of its pilot lines equals its base rate. The pilot's lines then also serve the ground truth. */
#define PILOT_ORDERS 10000
static as_status calibrate(shop *s, as_error *err) {
    s->cap_sample = PILOT_ORDERS * 6;
    s->sample = as__malloc((size_t)s->cap_sample * sizeof *s->sample);
    if (!s->sample) return as__err(err, AS_ERR_NOMEM, "out of memory for the calibration sample");
    s->pilot = 1;
    simulate_orders(s, AS_SIM_STREAM_PILOT, PILOT_ORDERS);
    s->pilot = 0;

    /* Group the samples by category (a stable counting sort, in place through a scratch copy). */
    sim_sample *sorted = as__malloc((size_t)(s->n_sample ? s->n_sample : 1) * sizeof *sorted);
    if (!sorted) return as__err(err, AS_ERR_NOMEM, "out of memory for the calibration sample");
    int fill[N_CAT] = {0};
    memset(s->cat_start, 0, sizeof s->cat_start);
    for (int i = 0; i < s->n_sample; i++) s->cat_start[s->sample[i].cat + 1]++;
    for (int c = 0; c < N_CAT; c++) s->cat_start[c + 1] += s->cat_start[c];
    for (int i = 0; i < s->n_sample; i++) {
        int c = s->sample[i].cat;
        sorted[s->cat_start[c] + fill[c]++] = s->sample[i];
    }
    as__free(s->sample);
    s->sample = sorted;

    for (int c = 0; c < N_CAT; c++) {
        double lo = -20, hi = 10;
        int from = s->cat_start[c], to = s->cat_start[c + 1];
        if (from == to) { s->cat_logit[c] = logit(k_cat[c].base_rate); continue; }
        for (int it = 0; it < 50; it++) {
            double mid = 0.5 * (lo + hi), sum = 0;
            for (int i = from; i < to; i++) {
                const sim_sample *x = &s->sample[i];
                sum += logistic(mid + x->product + x->customer + x->rest);
            }
            if (sum / (to - from) < k_cat[c].base_rate) lo = mid; else hi = mid;
        }
        s->cat_logit[c] = 0.5 * (lo + hi);
    }
    for (int row = 0; row <= N_CAT; row++)
        for (int i = 0; i < GRID_N; i++)
            s->truth_grid[row][i] = truth_direct(s, row < N_CAT ? row : -1, GRID_LO + i * GRID_STEP);
    return AS_OK;
}

static void write_customers(shop *s) {
    as_sim_writer *w = s->w[W_CUSTOMERS], *wt = s->w[W_TRUTH_CUSTOMERS];
    /* Only customers that appeared: those known before the start and those who ordered. */
    for (int i = 0; i < s->seen; i++) {
        const sim_customer *c = &s->cust[i];
        as_sim_person person;
        as__sim_person(s->p.seed, i, k_country[c->country].code, &person);
        as__sim_w_id(w, 'U', i + 1, 7);
        as__sim_w_ch(w, ',');
        as__sim_w_str(w, k_country[c->country].code);
        as__sim_w_ch(w, ',');
        as__sim_w_time(w, c->first_seen);
        as__sim_w_ch(w, ',');
        as__sim_w_text(w, person.name);
        as__sim_w_ch(w, ',');
        as__sim_w_text(w, person.email);
        as__sim_w_ch(w, ',');
        as__sim_w_text(w, person.phone);
        as__sim_w_ch(w, ',');
        as__sim_w_text(w, person.street);
        as__sim_w_ch(w, '\n');
        as__sim_w_id(wt, 'U', i + 1, 7);
        as__sim_w_ch(wt, ',');
        as__sim_w_rate(wt, truth_rate(s, -1, c->effect));
        as__sim_w_str(wt, c->serial ? ",1\n" : ",0\n");
    }
    s->stats.customers = s->seen;
}

static void write_carriers(shop *s) {
    as_sim_writer *w = s->w[W_TRUTH_CARRIERS];
    for (int i = 0; i < N_CARRIER; i++) {
        as__sim_w_str(w, k_carrier[i].name);
        as__sim_w_ch(w, ',');
        as__sim_w_rate(w, k_carrier[i].late);
        as__sim_w_ch(w, ',');
        as__sim_w_rate(w, k_carrier[i].late * k_carrier[i].peak_factor);
        as__sim_w_ch(w, '\n');
    }
}

/* ---------------------------------------------------------------------------------------------------------
 * Public entry points
 * ------------------------------------------------------------------------------------------------------- */

as_sim_params as_sim_params_default(void) {
    as_sim_params p;
    memset(&p, 0, sizeof p);
    p.seed = 42;
    p.order_lines = 60000;
    p.n_customers = 4000;
    p.n_products = 600;
    p.start = as__days_from_civil(2023, 1, 1) * AS_DAY;
    p.days = 540;
    return p;
}

/* mkdir -p: creates every missing folder of `dir`. */
static as_status make_dir(const char *dir, as_error *err) {
    char *p = as__strdup(dir);
    if (!p) return as__err(err, AS_ERR_NOMEM, "out of memory creating %s", dir);
    for (char *q = p + 1; ; q++) {
        if (*q != '/' && *q != '\0') continue;
        char saved = *q;
        *q = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            as__err(err, AS_ERR_IO, "cannot create folder %s: %s", p, strerror(errno));
            as__free(p);
            return AS_ERR_IO;
        }
        *q = saved;
        if (!saved) break;
    }
    as__free(p);
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return as__err(err, AS_ERR_IO, "%s exists and is not a folder; choose another output folder", dir);
    return AS_OK;
}

static as_status check_params(const as_sim_params *p, as_error *err) {
    if (p->order_lines < 1 || p->order_lines > 10000000000LL)
        return as__err(err, AS_ERR_INVALID, "order_lines is %lld; use 1 to 10^10", (long long)p->order_lines);
    if (p->n_customers < 1 || p->n_customers > 100000000)
        return as__err(err, AS_ERR_INVALID, "n_customers is %d; use 1 to 10^8", p->n_customers);
    if (p->n_products < 1 || p->n_products > 10000000)
        return as__err(err, AS_ERR_INVALID, "n_products is %d; use 1 to 10^7", p->n_products);
    if (p->days < 1 || p->days > 36500)
        return as__err(err, AS_ERR_INVALID, "days is %d; use 1 to 36500", p->days);
    if (p->start < -(int64_t)3e10 || p->start > (int64_t)3e11)
        return as__err(err, AS_ERR_INVALID, "start %lld is not a plausible timestamp", (long long)p->start);
    return AS_OK;
}

as_status as_simulate(const as_sim_params *params, const char *dir, as_sim_stats *stats, as_error *err) {
    shop s;
    memset(&s, 0, sizeof s);
    s.p = params ? *params : as_sim_params_default();
    if (stats) memset(stats, 0, sizeof *stats);
    if (!dir || !*dir) return as__err(err, AS_ERR_INVALID, "no output folder given for the simulated shop");
    as_status st = check_params(&s.p, err);
    if (!st) st = make_dir(dir, err);
    for (int i = 0; i < N_FILES && !st; i++) {
        st = as__sim_w_open(dir, k_file[i], &s.w[i], err);
        if (!st) as__sim_w_str(s.w[i], k_header[i]);
    }
    if (!st) st = make_catalogue(&s, err);
    if (!st) st = make_customers(&s, err);
    if (!st) st = make_calendar(&s, err);
    if (!st) st = calibrate(&s, err);
    if (!st) {
        write_products(&s);
        /* Bracketing copies a line instead of adding one, so the expected lines per order is mean_lines(). */
        int64_t n_orders = (int64_t)llround((double)s.p.order_lines / mean_lines());
        simulate_orders(&s, AS_SIM_STREAM_ORDERS, n_orders < 1 ? 1 : n_orders);
        write_customers(&s);
        write_carriers(&s);
    }
    /* Close everything; the first failure (of generation or of a write) is the one reported. */
    for (int i = 0; i < N_FILES; i++) {
        as_status cst = as__sim_w_close(s.w[i], st ? NULL : err);
        if (!st) st = cst;
    }
    as__free(s.prod);
    as__free(s.prod_cum);
    as__free(s.supplier_effect);
    as__free(s.supplier_cat);
    as__free(s.supplier_names);
    as__free(s.seller_effect);
    as__free(s.cust);
    as__free(s.cust_cum);
    as__free(s.day_w);
    as__free(s.sample);
    if (!st && stats) *stats = s.stats;
    return st;
}
