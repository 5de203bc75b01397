// Package querylog reads and writes search logs stored as Parquet: one row per search.
//
//	w, _ := querylog.NewWriter(f, querylog.WriteOptions{}); w.Write(rows...); w.Close()
//	rep, err := querylog.Read(ctx, []string{"logs/*.parquet"}, querylog.ReadOptions{},
//		func(batch []querylog.Row) error { /* called concurrently */ return nil })
//
// # Schema
//
// A log file is a Parquet file with these top-level columns (extra columns are ignored,
// column order does not matter):
//
//	column      type                                              meaning
//	session_id  string (BYTE_ARRAY, UTF8/STRING or unannotated)   required
//	ts          INT64 TIMESTAMP (MILLIS, MICROS or NANOS), INT96   required
//	            timestamp, or plain INT64 Unix milliseconds
//	query       string (BYTE_ARRAY)                               required, as typed
//	results     INT64 or INT32, nullable                          number of results the search returned
//	clicks      INT64 or INT32, nullable                          listing clicks that came from this search
//	spell_correction  string, nullable   the correction the page showed for this search (as shown)
//	spell_action      string, nullable   how: "did_you_mean" or "auto_correct" (null: nothing shown)
//	spell_feedback    string, nullable   what the shopper did: "accepted" (clicked "Did you mean X?") or
//	                                     "rejected" (clicked "Search instead for Y"); null: neither
//
// The columns may be declared REQUIRED or OPTIONAL in the Parquet schema; a null in a
// required-by-meaning column (session_id, ts, query) makes the row invalid. A file that
// lacks session_id, ts or query, or has one of these columns with an unsupported type,
// is rejected with a *SchemaError before any row is read. When results or clicks is
// absent, rows have HasResults / HasClicks false; the three spell columns are optional
// (older logs have none) and read as their zero values when absent or null. An unknown
// spell_action or spell_feedback value reads as none, and a spell_correction that is not
// valid UTF-8 or longer than MaxQueryBytes as empty: they never make a row invalid.
//
// [Writer] writes session_id and query as REQUIRED UTF8 strings, ts as REQUIRED
// TIMESTAMP(MILLIS, isAdjustedToUTC=true), results and clicks as OPTIONAL INT64, and the
// spell columns as OPTIONAL UTF8 strings.
//
// # Validation
//
// [Read] validates every row and skips invalid ones, counting them by reason in the
// [Report] (see the Skip* constants). A row with several problems is counted once, under
// the first that applies in this order: session id, query, timestamp. Negative results
// or clicks are not a reason to skip a row: they are treated as null.
package querylog
