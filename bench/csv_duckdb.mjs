// csv_duckdb.mjs — the DuckDB comparison of bench/csv_bench.sh:
// COPY ... PARTITION_BY (Country) with 2 threads, via npm's @duckdb/node-api
// installed under a folder given as argv[2] (never committed).
const [dir, input, out] = process.argv.slice(2);
const { DuckDBInstance } = await import(`${dir}/node_modules/@duckdb/node-api/lib/index.js`);
const db = await DuckDBInstance.create(':memory:', { threads: '2' });
const con = await db.connect();
await con.run(`COPY (SELECT * FROM read_csv('${input}', all_varchar=true)) TO '${out}' (FORMAT CSV, PARTITION_BY (Country))`);
