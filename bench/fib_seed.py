# fib_seed.py — REFERENCE ONLY: the seed program (../shared/seeds/001, fib.py,
# process-pool version), copied for bench/fib_bench.sh to time corun against.
# Not part of corun. Two changes, both marked: Python >= 3.11 refuses to
# print integers of more than 4300 digits unless the limit is lifted, and an
# optional second argument "noprint" prints only the digit count (the seed's
# timing without the decimal conversion).
import os
import time
import sys
from concurrent.futures import (
    ProcessPoolExecutor,
    as_completed
)

if hasattr(sys, "set_int_max_str_digits"):  # change 1: allow printing F(10^6)
    sys.set_int_max_str_digits(0)
PRINT = len(sys.argv) < 3 or sys.argv[2] != "noprint"  # change 2


def fibonacci(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, b + a
    else:
        return a


def elapsed_time(f):
    def wrapper(*args, **kwargs):
        st = time.time()
        v = f(*args, **kwargs)
        print(f"{f.__name__}: {time.time() - st}")
        return v
    return wrapper


@elapsed_time
def get_multi_process(nums):
    with ProcessPoolExecutor() as e:
        futures = [e.submit(fibonacci, num)
                   for num in nums]
        for future in as_completed(futures):
            r = future.result()
            print(r if PRINT else r.bit_length())


def main():
    n = int(sys.argv[1])
    nums = [n] * os.cpu_count()
    get_multi_process(nums)


if __name__ == '__main__':
    main()
