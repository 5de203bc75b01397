// Command speller corrects, evaluates and builds spelling models.
//
//	speller correct [--model FILE] [--json] [QUERY...]
//	speller eval    [--model FILE] [--json] [--set name=value] [--answers FILE] FILE.tsv...
//	speller train   --unigrams FILE --corpus FILE --pairs FILE --out FILE
//	speller train   --log 'logs/*.parquet' --unigrams FILE --out FILE
//	speller simulate --out log.parquet --sessions N --queries FILE --misspellings FILE --truth FILE
//	speller tune    [--model FILE] --examples FILE.tsv... --out FILE [--folds 10] [--seed S] [--plot DIR]
//	speller --version
//
// Run "speller COMMAND -h" for a command's flags.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/spellwright/speller/internal/buildinfo"
)

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

var commands = []command{
	{"correct", "correct queries (arguments, or one per line on stdin)", runCorrect},
	{"eval", "measure accuracy, precision, recall and latency on labelled files", runEval},
	{"train", "build a model bundle from search logs, word counts, text and misspelling pairs", runTrain},
	{"simulate", "write a simulated search log (Parquet) with its injected corrections", runSimulate},
	{"tune", "choose the hyperparameters on labelled examples, cross-validated; write the tuned model", runTune},
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: speller COMMAND [flags] [args]\n       speller --version\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes a command line and returns the exit code: 0 success, 1 failure, 2 usage error.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "--version" || args[0] == "-version" || args[0] == "version" {
		if err := buildinfo.WriteBinary(stdout, "speller"); err != nil {
			fmt.Fprintf(stderr, "speller: %v\n", err)
			return 1
		}
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			if err := c.run(ctx, args[1:], stdin, stdout, stderr); err != nil {
				switch err {
				case errHelp:
					return 0
				case errUsage:
					return 2
				}
				fmt.Fprintf(stderr, "speller %s: %v\n", c.name, err)
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(stderr, "speller: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}
