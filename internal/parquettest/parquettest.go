// Package parquettest damages Parquet files for the tests of the readers of search logs.
//
//	rows, err := parquettest.CorruptRowGroup(path, 1, 2) // garble column 2 of row group 1
package parquettest

import (
	"fmt"
	"os"

	"github.com/apache/arrow-go/v18/parquet/file"
)

// CorruptRowGroup overwrites the first bytes of the pages of column col in row group rg of the Parquet file
// at path, so that the row group cannot be decoded while the footer and the other row groups stay intact,
// and returns the number of rows of that row group.
func CorruptRowGroup(path string, rg, col int) (int64, error) {
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		return 0, err
	}
	if rg >= rdr.NumRowGroups() {
		rdr.Close()
		return 0, fmt.Errorf("parquettest: %s has %d row groups, not %d", path, rdr.NumRowGroups(), rg+1)
	}
	md := rdr.MetaData().RowGroup(rg)
	cc, err := md.ColumnChunk(col)
	rdr.Close()
	if err != nil {
		return 0, err
	}
	off := cc.DataPageOffset()
	if cc.HasDictionaryPage() && cc.DictionaryPageOffset() > 0 {
		off = min(off, cc.DictionaryPageOffset())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	for i := range 24 {
		data[off+int64(i)] = 0xff
	}
	return md.NumRows(), os.WriteFile(path, data, 0o644)
}
