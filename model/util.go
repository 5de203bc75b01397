package model

import (
	"bufio"
	"io"
	"path/filepath"
)

func bufioReader(r io.Reader) io.Reader { return bufio.NewReaderSize(r, 1<<16) }

func splitPath(path string) (dir, base string) { return filepath.Dir(path), filepath.Base(path) }
