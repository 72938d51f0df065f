# csv_seed.py — REFERENCE ONLY: a faithful copy of the seed's program
# (../shared/seeds/000, "Future": the sales-records CSV split into one file per
# nation with concurrent.futures.ProcessPoolExecutor), with the two paths taken
# from the command line instead of being hard-coded. Used by bench/csv_bench.sh
# to measure the ratio corun must beat; not part of corun.
import csv
import os
import sys
import time
from concurrent import futures

NATION_LS = ('Singapore Germany Israel Norway Italy Canada France Spain Mexico').split()
TARGET_CSV = sys.argv[1] if len(sys.argv) > 1 else 'nations.csv'
DEST_DIR = sys.argv[2] if len(sys.argv) > 2 else 'csvs'
HEADER = ['Region', 'Country', 'Item Type', 'Sales Channel', 'Order Priority', 'Order Date',
          'Order ID', 'Ship Date', 'Units Sold', 'Unit Price', 'Unit Cost', 'Total Revenue',
          'Total Cost', 'Total Profit']


def save_csv(data, filename):
    path = os.path.join(DEST_DIR, filename)
    with open(path, 'w', newline='') as fp:
        writer = csv.DictWriter(fp, fieldnames=HEADER)
        writer.writeheader()
        for row in data:
            writer.writerow(row)


def get_sales_data(nt):
    with open(TARGET_CSV, 'r') as f:
        reader = csv.DictReader(f)
        data = []
        for r in reader:
            if r['Country'] == nt:
                data.append(r)
    return data


def separate_many(nt):
    data = get_sales_data(nt)
    save_csv(data, nt.lower() + '.csv')
    return nt


def main():
    start_tm = time.time()
    with futures.ProcessPoolExecutor() as excutor:
        result_cnt = excutor.map(separate_many, sorted(NATION_LS))
    end_tm = time.time() - start_tm
    print('\n{} csv separated in {:.2f}s'.format(list(result_cnt), end_tm))


if __name__ == '__main__':
    main()
