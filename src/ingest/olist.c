/*
 * Preset olist: the Brazilian Olist e-commerce export (a folder), loaded through an embedded mapping
 * (docs/olist.md). Everything Olist needs is said in the mapping language: orders (status cases at the last
 * known timestamp), items as order lines, products with English categories, reviews with low scores as
 * complaints. A partial copy (orders and reviews split into parts) works too: every part found is loaded, and
 * items whose order is not there are counted as orphan lines.
 */
#include <string.h>
#include <sys/stat.h>

#include "ingest/mapping.h"

static const char olist_mapping[] =
    "[lookup category_en]\n"
    "file = product_category_name_translation.csv\n"
    "key = product_category_name\n"
    "value = product_category_name_english\n"
    "\n"
    /* Olist's customer_id is per order; the customers file (absent from the partial copy) names the person */
    "[lookup customer_unique]\n"
    "file = olist_customers_dataset.csv\n"
    "key = customer_id\n"
    "value = customer_unique_id\n"
    "optional = yes\n"
    "\n"
    "[source products]\n"
    "file = olist_products_dataset.csv\n"
    "feeds = products\n"
    "product_id = product_id\n"
    "category = product_category_name via category_en\n"
    "\n"
    "[source orders]\n"
    "file = olist_orders_dataset*.csv\n"
    "feeds = orders\n"
    "dates = iso\n"
    "order_id = order_id\n"
    "customer_id = customer_id via customer_unique\n"
    "ordered_at = order_purchase_timestamp\n"
    "status = order_status\n"
    "promised_at = order_estimated_delivery_date\n"
    "delivered_at = order_delivered_customer_date\n"
    "country = \"BR\"\n"
    "case = order_status in canceled, unavailable -> cancel at latest(order_purchase_timestamp, order_approved_at, "
    "order_delivered_carrier_date, order_delivered_customer_date)\n"
    "\n"
    "[source items]\n"
    "file = olist_order_items_dataset.csv\n"
    "feeds = order_lines\n"
    "order_id = order_id\n"
    "line_no = order_item_id\n"
    "product_id = product_id\n"
    "seller_id = seller_id\n"
    "unit_price = price\n"
    "freight = freight_value\n"
    "quantity = \"1\"\n"
    "\n"
    "[source reviews]\n"
    "file = olist_order_reviews_dataset*.csv\n"
    "feeds = reviews\n"
    "dates = iso\n"
    "review_id = review_id\n"
    "order_id = order_id\n"
    "score = review_score\n"
    "text = review_comment_title + review_comment_message\n"
    "created_at = review_creation_date\n"
    "case = review_score <= 2 -> complaint\n";

const char *as__olist_mapping_text(void);
const char *as__olist_mapping_text(void) { return olist_mapping; }

as_status as__ingest_olist(as_ingest_ctx *cx, const char *dir, as_error *err) {
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return as__err(err, AS_ERR_IO, "%s is not a folder; the olist preset reads the folder of the Olist export "
                       "(olist_orders_dataset.csv, olist_order_items_dataset.csv, olist_order_reviews_dataset.csv, "
                       "olist_products_dataset.csv, product_category_name_translation.csv)", dir);
    as_mapping m;
    as_status st = as__mapping_parse(olist_mapping, sizeof olist_mapping - 1, "olist preset (embedded mapping)", &m, err);
    if (st) return st;
    m.folder_hint = "pass the folder that holds the Olist CSV files (olist_orders_dataset.csv, "
                    "olist_order_items_dataset.csv, olist_order_reviews_dataset.csv, olist_products_dataset.csv, "
                    "product_category_name_translation.csv; parts such as olist_orders_dataset_part4of4.csv and .gz "
                    "files are found too)";
    st = as__mapping_load(cx, &m, dir, err);
    as__mapping_free(&m);
    return st;
}
