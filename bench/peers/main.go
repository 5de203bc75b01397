// Command peers measures GNU Aspell and Hunspell on the same labelled files, with the same scoring, as
// `speller eval`, so BENCHMARKS.md can show the speller beside them. Each runs as a child process in its
// ispell pipe mode (-a); a word it flags is replaced by its first suggestion, which counts as offered.
//
//	go run ./bench/peers [--json] FILE.tsv...
//
// It needs the Debian packages aspell, aspell-en, hunspell and hunspell-en-us.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"text/tabwriter"

	"github.com/spellwright/speller/eval"
)

// pipe is a speller in ispell -a mode.
type pipe struct {
	name string
	in   io.WriteCloser
	out  *bufio.Reader
	cmd  *exec.Cmd
}

func start(name string, args ...string) (*pipe, error) {
	cmd := exec.Command(name, args...)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w (install the Debian package)", name, err)
	}
	p := &pipe{name: name, in: in, out: bufio.NewReader(out), cmd: cmd}
	if _, err := p.out.ReadString('\n'); err != nil { // the version banner
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

// word returns the first suggestion for a flagged word, or "" when the word is accepted or nothing is
// suggested.
func (p *pipe) word(w string) (string, error) {
	if _, err := fmt.Fprintf(p.in, "^%s\n", w); err != nil {
		return "", err
	}
	sugg := ""
	for {
		line, err := p.out.ReadString('\n')
		if err != nil {
			return "", err
		}
		line = strings.TrimRight(line, "\n")
		if line == "" {
			return sugg, nil
		}
		if strings.HasPrefix(line, "& ") {
			if _, list, ok := strings.Cut(line, ": "); ok {
				sugg, _, _ = strings.Cut(list, ", ")
			}
		}
	}
}

// Suggest corrects each whitespace-separated word of the query.
func (p *pipe) Suggest(_ context.Context, q string) (eval.Outcome, error) {
	words := strings.Fields(q)
	offered := false
	for i, w := range words {
		s, err := p.word(w)
		if err != nil {
			return eval.Outcome{}, err
		}
		if s != "" {
			words[i], offered = s, true
		}
	}
	out := strings.Join(words, " ")
	if !offered {
		out = q
	}
	return eval.Outcome{Offered: offered, Output: out, BestPath: out}, nil
}

func main() {
	asJSON := flag.Bool("json", false, "print one JSON object per speller and file")
	flag.Parse()
	peers := []struct {
		name string
		args []string
	}{
		{"aspell", []string{"-a", "--lang=en_US", "--sug-mode=normal"}},
		{"hunspell", []string{"-a", "-d", "en_US"}},
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	if !*asJSON {
		fmt.Fprintln(tw, "speller\tfile\tn\taccuracy\tprecision\trecall\tF1\tfalse corr.\tp50 µs\t")
	}
	for _, peer := range peers {
		p, err := start(peer.name, peer.args...)
		if err != nil {
			fmt.Fprintln(os.Stderr, "peers:", err)
			os.Exit(1)
		}
		for _, path := range flag.Args() {
			ex, err := eval.ReadFile(path)
			if err != nil {
				fmt.Fprintln(os.Stderr, "peers:", err)
				os.Exit(1)
			}
			m, _, err := eval.Run(context.Background(), p, ex)
			if err != nil {
				fmt.Fprintln(os.Stderr, "peers:", err)
				os.Exit(1)
			}
			if *asJSON {
				json.NewEncoder(os.Stdout).Encode(struct {
					Speller string `json:"speller"`
					File    string `json:"file"`
					eval.Metrics
				}{peer.name, path, m})
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%d\t%.0f\t\n", peer.name, path, m.N, m.Accuracy,
				m.Precision, m.Recall, m.F1, m.FalseCorrections, m.P50us)
		}
		p.in.Close()
		p.cmd.Wait()
	}
	tw.Flush()
}
