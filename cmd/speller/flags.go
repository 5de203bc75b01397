package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"strings"

	"github.com/spellwright/speller/data"
	"github.com/spellwright/speller/model"
	"github.com/spellwright/speller/spell"
)

// errUsage reports a command-line error already explained by the flag package; errHelp a request for help
// that was answered.
var (
	errUsage = errors.New("usage")
	errHelp  = errors.New("help")
)

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func newFlags(name, args string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("speller "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		io.WriteString(stderr, "usage: speller "+name+" [flags] "+args+"\n\nflags:\n")
		fs.PrintDefaults()
	}
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return errUsage
	}
	return nil
}

// decodingFlag adds the repeatable flag --decoding to fs, whose assignments set the bundle's decoding
// options (setDecoding).
func decodingFlag(fs *flag.FlagSet, what string) *listFlag {
	var l listFlag
	fs.Var(&l, "decoding", what+", `name=value` (repeatable; names: "+strings.Join(model.DecodingNames, ", ")+
		"; 0 means the corrector's default; e.g. weak_margin=-1: no reading of run-together text as three words or more "+
		"or as misspelled words, about a fifth less CPU on web queries)")
	return &l
}

// setDecoding applies the assignments of --decoding to the decoding options d, and validates them.
func setDecoding(d *model.Decoding, assignments []string) error {
	for _, s := range assignments {
		if err := d.Set(s); err != nil {
			return err
		}
	}
	return d.Validate()
}

// newCorrector loads the model at path ("" for the embedded default) with the hyperparameter and decoding
// overrides. Many queries to correct (neighbours) make the neighbour table worth building first
// (spell.Options.Neighbours, about a second): a command that corrects a few queries does without.
func newCorrector(ctx context.Context, path string, sets, decoding []string, neighbours bool) (*spell.Corrector, error) {
	b, err := data.Load(path)
	if err != nil {
		return nil, err
	}
	for _, s := range sets {
		if err := b.Params.Set(s); err != nil {
			return nil, err
		}
	}
	if err := b.Params.Validate(); err != nil {
		return nil, err
	}
	if err := setDecoding(&b.Decoding, decoding); err != nil {
		return nil, err
	}
	return correctorOf(ctx, b, neighbours)
}

// correctorOf returns the corrector of b, with its neighbour table built when asked for.
func correctorOf(ctx context.Context, b *model.Bundle, neighbours bool) (*spell.Corrector, error) {
	c := spell.New(b, spell.Options{Neighbours: neighbours})
	if err := c.WaitNeighbours(ctx); err != nil {
		return nil, err
	}
	return c, nil
}
