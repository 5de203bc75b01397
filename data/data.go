// Package data holds the embedded default model: an English model built from public data by
// `make default-model` (see the README for its sources), so that the service runs on a fresh clone.
//
//	b, err := data.Default()
package data

import (
	"bytes"
	_ "embed"
	"fmt"

	"github.com/spellwright/speller/model"
)

//go:embed default.model
var defaultModel []byte

// Default decodes the embedded default model. Each call returns a new Bundle.
func Default() (*model.Bundle, error) {
	b, err := model.Read(bytes.NewReader(defaultModel))
	if err != nil {
		return nil, fmt.Errorf("data: embedded default model: %w", err)
	}
	return b, nil
}

// Load returns the bundle at path, or the embedded default model when path is empty.
func Load(path string) (*model.Bundle, error) {
	if path == "" {
		return Default()
	}
	return model.Open(path)
}
