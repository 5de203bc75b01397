package httpapi_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/spellwright/speller/server"
	"github.com/spellwright/speller/server/httpapi"
)

// chromium returns the path of a Chromium or Chrome binary, or "" when there is none.
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	return ""
}

// TestDemoInBrowser opens the demo page in headless Chromium, types queries and reads what a shopper would
// see. CI installs Debian's chromium (.ci/run); without one the test skips.
func TestDemoInBrowser(t *testing.T) {
	path := chromium()
	if path == "" {
		t.Skip("no Chromium found on PATH (chromium, chromium-browser, google-chrome): apt-get install -y chromium to run the browser test")
	}
	f := start(t, server.Options{}, httpapi.Options{Demo: true}, true)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	began := time.Now()
	text := func(id string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#"+id)))
		if err != nil {
			t.Fatalf("reading #%s: %v", id, err)
		}
		return strings.TrimSpace(s)
	}
	// The page asks GET /v1/model when it loads.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(f.url+"/"),
		chromedp.Poll[chromedp.Void](`document.getElementById("model").textContent !== "…"`),
	); err != nil {
		t.Fatalf("loading the page: %v", err)
	}
	model := text("model")
	if !strings.HasPrefix(model, "en-") {
		t.Errorf("model version shown: %q", model)
	}

	tests := []struct {
		query string
		zero  bool   // tick "zero results"
		want  string // the message, "" for none
	}{
		{"jewlery box", false, "Did you mean jewelry box?"},
		{"jewlery box", true, "Showing results for jewelry box — Search instead for jewlery box"},
		{"jewelry box", false, ""},
		// What the shopper typed is shown as text: the tags are not markup.
		{"<b>jewlery</b> box", true, "Showing results for <b>jewelry</b> box — Search instead for <b>jewlery</b> box"},
	}
	ticked := false
	for _, tt := range tests {
		steps := []chromedp.Action[chromedp.Void]{
			// Empties the box (chromedp.Clear empties the value attribute, not what was typed) and forgets
			// the last answer.
			chromedp.Evaluate[chromedp.Void](`document.getElementById("q").value = ""; document.getElementById("results").dataset.state = ""`),
			chromedp.SendKeys(chromedp.CSS("#q"), tt.query),
		}
		if tt.zero != ticked {
			steps = append(steps, chromedp.Click(chromedp.CSS("#zero")))
			ticked = tt.zero
		}
		steps = append(steps,
			chromedp.Click(chromedp.CSS("#go")),
			chromedp.Poll[chromedp.Void](`document.getElementById("results").dataset.state === "done"`))
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%q: %v", tt.query, err)
		}
		answered, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("results").dataset.query`))
		bold, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#message b").length`))
		if err != nil {
			t.Fatal(err)
		}
		message, shown := text("message"), text("model")
		if answered != tt.query || message != tt.want || shown != model {
			t.Errorf("%q (zero results %v): the page says %q with model %q (answering %q); want %q with model %q",
				tt.query, tt.zero, message, shown, answered, tt.want, model)
		}
		if want := map[bool]int{false: 0, true: 1}[strings.HasPrefix(tt.want, "Showing")]; bold != want {
			t.Errorf("%q: %d <b> elements in the message, want %d (the correction's)", tt.query, bold, want)
		}
	}

	// "Did you mean jewelry box?" is a link that searches for the correction.
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.Evaluate[chromedp.Void](`document.getElementById("q").value = "jewlery box"; document.getElementById("results").dataset.state = ""`),
	}
	if ticked {
		steps = append(steps, chromedp.Click(chromedp.CSS("#zero")))
	}
	steps = append(steps,
		chromedp.Click(chromedp.CSS("#go")),
		chromedp.Poll[chromedp.Void](`document.getElementById("results").dataset.state === "done"`),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("results").dataset.state = ""`),
		chromedp.Click(chromedp.CSS("#message a")),
		chromedp.Poll[chromedp.Void](`document.getElementById("results").dataset.state === "done"`))
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("following the suggestion: %v", err)
	}
	if q, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#q"))); q != "jewelry box" || text("message") != "" {
		t.Errorf("after following the suggestion: the box holds %q and the page says %q; want jewelry box and nothing", q, text("message"))
	}
	t.Logf("browser test: %v", time.Since(began))
}
