#!/usr/bin/env bash
# The olist preset on the partial Olist copy: rows per canonical table, cases by kind, orphan lines and rejects,
# each compared with numbers computed independently from the CSV files with pandas (not with our own output).
# Skips (exit 77) when the data set is absent.
set -euo pipefail
bin=${AS_BIN:?AS_BIN must name the aftersales binary}
dir="${AS_SHARED_DATA:-$(dirname "$0")/../../../shared/data/raw}/olist-brazilian-ecommerce-partial"
if [ ! -d "$dir" ]; then
  echo "SKIP: $dir is absent; put the (partial) Olist export there to run this test"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $1 ($2)"; fi; }

/usr/bin/python3 - "$dir" > "$work/expected.txt" <<'PY'
import glob, os, sys
import pandas as pd
d = sys.argv[1]
def one(pattern):
    files = sorted(glob.glob(os.path.join(d, pattern)))
    return pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files], ignore_index=True)
orders, items, reviews = one("olist_orders_dataset*.csv*"), one("olist_order_items_dataset.csv*"), one("olist_order_reviews_dataset*.csv*")
products = one("olist_products_dataset.csv*")
trans = one("product_category_name_translation.csv")
trans.columns = [c.lstrip("\ufeff") for c in trans.columns]
orders = orders.drop_duplicates("order_id", keep="last")
items = items.drop_duplicates(["order_id", "order_item_id"], keep="last")
prod_ids = set(products.product_id) | set(items.product_id)
orphans = (~items.order_id.isin(set(orders.order_id))).sum()
revs = reviews.drop_duplicates(["review_id", "order_id"], keep="last")
complaints = revs[pd.to_numeric(revs.review_score) <= 2]
cancels = orders[orders.order_status.isin(["canceled", "unavailable"])]
translated = products[products.product_category_name.isin(set(trans.product_category_name))]
cancel_dates = cancels[["order_purchase_timestamp", "order_approved_at", "order_delivered_carrier_date",
                        "order_delivered_customer_date"]].apply(lambda r: max(v for v in r if v.strip()), axis=1)
print("orders", len(orders))
print("order_lines", len(items))
print("products", len(prod_ids))
print("customers", orders.customer_id.nunique())
print("reviews", len(revs))
print("complaints", len(complaints))
print("cancels", len(cancels))
print("orphans", int(orphans))
print("translated", len(translated))
print("cancel_sum_at", int(sum(pd.to_datetime(cancel_dates).astype("int64") // 10**9)))
have = set(orders.order_id)
print("orphan_reviews", int((~revs.order_id.isin(have)).sum()))
print("orphan_cases", int((~complaints.order_id.isin(have)).sum()))
print("complaint_with_text", int(((complaints.review_comment_title.str.strip() != "") | (complaints.review_comment_message.str.strip() != "")).sum()))
PY
cat "$work/expected.txt"
e() { awk -v k="$1" '$1 == k { print $2 }' "$work/expected.txt"; }
start=$(date +%s.%N)
"$bin" ingest --preset olist "$dir" --db "$work/olist.db" 2> "$work/ingest.err" | tee "$work/ingest.txt"
cat "$work/ingest.err"
echo "ingest time: $(echo "$(date +%s.%N) - $start" | bc) s"
q() { sqlite3 "$work/olist.db" "$1"; }
check "orders"              '[ "$(q "SELECT count(*) FROM orders")" -eq "$(e orders)" ]'
check "order lines"         '[ "$(q "SELECT count(*) FROM order_lines")" -eq "$(e order_lines)" ]'
check "products"            '[ "$(q "SELECT count(*) FROM products")" -eq "$(e products)" ]'
check "customers"           '[ "$(q "SELECT count(*) FROM customers")" -eq "$(e customers)" ]'
check "reviews"             '[ "$(q "SELECT count(*) FROM reviews")" -eq "$(e reviews)" ]'
check "complaint cases"     '[ "$(q "SELECT count(*) FROM cases WHERE kind = \"complaint\"")" -eq "$(e complaints)" ]'
check "cancel cases"        '[ "$(q "SELECT count(*) FROM cases WHERE kind = \"cancel\"")" -eq "$(e cancels)" ]'
check "cancel at last known timestamp" '[ "$(q "SELECT sum(opened_at) FROM cases WHERE kind = \"cancel\"")" -eq "$(e cancel_sum_at)" ]'
check "complaints with a reason have a reason class" '[ "$(q "SELECT count(*) FROM cases WHERE kind = \"complaint\" AND reason IS NOT NULL AND reason_class IS NOT NULL")" -eq "$(e complaint_with_text)" ]'
check "orphan lines reported" 'grep -Eq "orphan order lines +$(e orphans | sed ":a;s/\B[0-9]\{3\}\>/,&/;ta")" "$work/ingest.txt" || grep -Eq "orphan.* $(e orphans)\b" "$work/ingest.txt"'
commas() { echo "$1" | sed ":a;s/\B[0-9]\{3\}\>/,&/;ta"; }
check "orphan lines warned: the orders table" 'grep -q "$(commas "$(e orphans)") order lines name an order that is not in the orders table" "$work/ingest.err"'
check "orphan reviews warned" 'grep -q "$(commas "$(e orphan_reviews)") reviews name an order that is not in the orders table" "$work/ingest.err"'
check "orphan cases warned"   'grep -q "$(commas "$(e orphan_cases)") cases name an order that is not in the orders table" "$work/ingest.err"'
check "orphan reviews counted" '[ "$(q "SELECT count(*) FROM reviews r WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.order_id = r.order_id)")" -eq "$(e orphan_reviews)" ]'
mkdir -p "$work/not-olist"
if "$bin" ingest --preset olist "$work/not-olist" --db "$work/wrong.db" > /dev/null 2> "$work/wrong.err"; then echo "FAILED: an empty folder was accepted"; fi
cat "$work/wrong.err"
check "wrong folder: what to pass" 'grep -q "pass the folder that holds the Olist CSV files" "$work/wrong.err" && ! grep -q -- "--data-dir" "$work/wrong.err"'
check "orphan lines kept"   '[ "$(q "SELECT count(*) FROM order_lines ol WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.order_id = ol.order_id)")" -eq "$(e orphans)" ]'
check "translated categories" '[ "$(q "SELECT count(*) FROM products WHERE category IN (\"bed_bath_table\",\"health_beauty\",\"sports_leisure\",\"furniture_decor\",\"computers_accessories\",\"housewares\",\"watches_gifts\",\"telephony\",\"garden_tools\",\"auto\",\"toys\",\"cool_stuff\",\"perfumery\",\"baby\",\"electronics\",\"stationery\",\"fashion_bags_accessories\",\"pet_shop\",\"office_furniture\",\"consoles_games\",\"luggage_accessories\",\"construction_tools_construction\",\"home_appliances\",\"musical_instruments\",\"small_appliances\",\"home_construction\",\"books_general_interest\",\"food\",\"furniture_living_room\",\"home_confort\",\"drinks\",\"audio\",\"market_place\",\"construction_tools_lights\",\"air_conditioning\",\"kitchen_dining_laundry_garden_furniture\",\"food_drink\",\"industry_commerce_and_business\",\"books_technical\",\"fashion_shoes\",\"home_appliances_2\",\"costruction_tools_garden\",\"agro_industry_and_commerce\",\"art\",\"computers\",\"signaling_and_security\",\"construction_tools_safety\",\"christmas_supplies\",\"fashion_male_clothing\",\"fashion_underwear_beach\",\"furniture_bedroom\",\"costruction_tools_tools\",\"tablets_printing_image\",\"small_appliances_home_oven_and_coffee\",\"cine_photo\",\"dvds_blu_ray\",\"fixed_telephony\",\"books_imported\",\"furniture_mattress_and_upholstery\",\"music\",\"party_supplies\",\"fashio_female_clothing\",\"fashion_sport\",\"arts_and_craftmanship\",\"flowers\",\"diapers_and_hygiene\",\"la_cuisine\",\"cds_dvds_musicals\",\"home_comfort_2\",\"security_and_services\",\"fashion_childrens_clothes\")")" -eq "$(e translated)" ]'
check "nothing rejected"    '[ "$(q "SELECT count(*) FROM rejects")" -eq 0 ]'
check "freight and seller on lines" '[ "$(q "SELECT count(*) FROM order_lines WHERE seller_id IS NULL OR freight IS NULL OR quantity <> 1")" -eq 0 ]'
"$bin" ingest --preset olist "$dir" --db "$work/olist.db" > "$work/again.txt"
check "second ingest adds nothing" '[ "$(q "SELECT count(*) FROM order_lines")" -eq "$(e order_lines)" ] && [ "$(q "SELECT count(*) FROM cases")" -eq $(( $(e complaints) + $(e cancels) )) ] && [ "$(q "SELECT count(*) FROM reviews")" -eq "$(e reviews)" ]'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
